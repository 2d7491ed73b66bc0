"""Running the memory agents over an imported conversation, batch by batch, resumably.

Raw messages are stored first (secrets masked: the value belongs in the vault only), so a
crash mid-way loses nothing; batches whose messages are already processed are skipped, so a
second run resumes where the first stopped.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace

from reverie.core.agents.batch import Batch, processed_flags
from reverie.core.agents.pipeline import MemoryAgents
from reverie.core.agents.report import Report
from reverie.core.agents.vault import mask_secrets
from reverie.core.chat_import import ChatTurn
from reverie.core.store.messages import add_messages


def batches(turns: Sequence[ChatTurn], batch_turns: int = 0) -> Iterator[list[ChatTurn]]:
    """One batch per session (batch_turns=0) or runs of `batch_turns` turns within a session."""
    session: list[ChatTurn] = []
    for turn in turns:
        if session and turn.session != session[-1].session:
            yield from _chunks(session, batch_turns)
            session = []
        session.append(turn)
    if session:
        yield from _chunks(session, batch_turns)


def _chunks(turns: list[ChatTurn], size: int) -> Iterator[list[ChatTurn]]:
    if size <= 0:
        yield turns
        return
    for i in range(0, len(turns), size):
        yield turns[i:i + size]


def ingest_turns(agents: MemoryAgents, turns: Sequence[ChatTurn], batch_turns: int = 0,
                 on_batch: Callable[[int, Report], None] | None = None) -> Report:
    """Store the raw messages, then run the agents on each not-yet-processed batch."""
    store = agents.store
    add_messages(store, [replace(t, text=mask_secrets(t.text)) for t in turns])
    total = Report()
    for n, chunk in enumerate(batches(turns, batch_turns), start=1):
        batch = Batch.from_turns(chunk)  # the unmasked text: the vault step needs the values
        flags = processed_flags(store, batch)
        if flags and all(flags.values()):
            continue
        report = agents.process(batch)
        total.merge(report)
        if on_batch is not None:
            on_batch(n, report)
    return total
