"""A Batch: the sources one round of the memory agents reads (chat messages and screen frames).

Every source keeps the id that memories will point back to (`msg:<id>`, `frame:<id>`), so
provenance survives extraction, merging and invalidation. Sources are loaded from the store's
`messages` / `frames` tables and marked processed only after the agents applied their operations.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from reverie.core.chat_import import ChatTurn
from reverie.core.store.records import dt
from reverie.core.store.store import MemoryStore

FRAME_TEXT_CHARS = 1200  # OCR of one screen can be pages long; the head carries the gist


@dataclass(frozen=True)
class Source:
    id: str  # "msg:<message id>" or "frame:<frame id>"
    text: str
    occurred_at: datetime | None = None
    speaker: str | None = None  # chat messages
    app: str | None = None  # screen frames: the window's application and title
    title: str | None = None

    @property
    def kind(self) -> str:
        return "frame" if self.id.startswith("frame:") else "message"

    def label(self) -> str:
        """How the source is introduced on its prompt line."""
        if self.kind == "message":
            return f"{self.speaker or 'someone'}:"
        where = " — ".join(p for p in (self.app, self.title) if p)
        return f"(screen{': ' + where if where else ''})"


@dataclass
class Batch:
    sources: list[Source] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.sources)

    @property
    def ids(self) -> list[str]:
        return [s.id for s in self.sources]

    @property
    def start(self) -> datetime | None:
        times = [s.occurred_at for s in self.sources if s.occurred_at is not None]
        return min(times) if times else None

    @property
    def end(self) -> datetime | None:
        times = [s.occurred_at for s in self.sources if s.occurred_at is not None]
        return max(times) if times else None

    @classmethod
    def from_turns(cls, turns: Sequence[ChatTurn]) -> Batch:
        return cls([Source(f"msg:{t.id}", t.text, t.occurred_at, speaker=t.speaker) for t in turns])


def pending_batch(store: MemoryStore, max_messages: int = 10, max_frames: int = 8) -> Batch:
    """The oldest unprocessed messages and frames.

    MIRIX batches 20 frames plus their chat for a large model; a 0.5B model extracts at most a
    dozen memories per call and loses track in long prompts, so batches stay small.
    """
    conn = store.read_conn()
    sources = [
        Source(f"msg:{mid}", text, dt(when), speaker=speaker)
        for mid, speaker, text, when in conn.execute(
            "SELECT id, speaker, text, occurred_at FROM messages WHERE processed = 0 ORDER BY seq LIMIT ?",
            (max_messages,))
    ]
    # Blank frames (images, video) are left out in SQL: filtered after LIMIT, a run of them at the head
    # would hide every frame behind them.
    sources += [
        Source(f"frame:{fid}", text[:FRAME_TEXT_CHARS], dt(when), app=app, title=title)
        for fid, when, app, title, text in conn.execute(
            "SELECT id, captured_at, app, title, text FROM frames WHERE processed = 0 AND trim(text) != '' "
            "ORDER BY captured_at LIMIT ?", (max_frames,))
    ]
    sources.sort(key=lambda s: s.occurred_at.timestamp() if s.occurred_at else 0.0)
    return Batch(sources)


def mark_processed(store: MemoryStore, batch: Batch) -> None:
    """Flag the batch's sources done, in one transaction (all or nothing)."""
    msgs = [(s.id[4:],) for s in batch.sources if s.kind == "message"]
    frames = [(s.id[6:],) for s in batch.sources if s.kind == "frame"]

    def txn(conn: Any) -> None:
        conn.executemany("UPDATE messages SET processed = 1 WHERE id = ?", msgs)
        conn.executemany("UPDATE frames SET processed = 1 WHERE id = ?", frames)

    store.write(txn)


def processed_flags(store: MemoryStore, batch: Batch) -> dict[str, bool]:
    """Source id → processed flag, for sources present in the store (tests and reports)."""
    conn = store.read_conn()
    out: dict[str, bool] = {}
    for s in batch.sources:
        table, key = ("messages", s.id[4:]) if s.kind == "message" else ("frames", s.id[6:])
        row = conn.execute(f"SELECT processed FROM {table} WHERE id = ?", (key,)).fetchone()
        if row is not None:
            out[s.id] = bool(row[0])
    return out
