"""Absorb what the online path left behind: chat messages and captured frames still marked
unprocessed (app closed mid-batch, model not loaded, a crash) go through the memory agents.

The agents are injected (they need the LLM, which the app layer builds). A crash after the agents
stored memories but before the sources were marked leaves sources that already back memories:
those are only marked, never sent again, so a rerun cannot extract the same source twice.
"""

from __future__ import annotations

from typing import Protocol

from reverie.core.agents.batch import Batch, mark_processed, pending_batch
from reverie.core.agents.report import Report
from reverie.core.consolidation.jobs_base import JobContext

NAME = "absorb"


class BatchProcessor(Protocol):
    """`reverie.core.agents.pipeline.MemoryAgents` satisfies this."""

    def process(self, batch: Batch) -> Report: ...


def pending_counts(ctx: JobContext) -> tuple[int, int]:
    conn = ctx.store.read_conn()
    (frames,) = conn.execute("SELECT count(*) FROM frames WHERE processed = 0 AND trim(text) != ''").fetchone()
    (messages,) = conn.execute("SELECT count(*) FROM messages WHERE processed = 0").fetchone()
    return int(frames), int(messages)


def run(ctx: JobContext, processor: BatchProcessor | None) -> None:
    frames, messages = pending_counts(ctx)
    ctx.total = frames + messages
    ctx.detail.update(pending_frames=frames, pending_messages=messages)
    if not ctx.total:
        return
    if processor is None:
        ctx.error(f"memory agents unavailable (no local LLM): {frames} frames and {messages} chat messages "
                  "wait to be absorbed")
        return
    last: list[str] = []
    while (batch := pending_batch(ctx.store)).sources:
        if batch.ids == last:
            ctx.error("memory agents reported a batch processed but left it unmarked; stopping")
            return
        last = batch.ids
        done = Batch([s for s in batch.sources if ctx.store.ids_for_source(s.id)])
        todo = Batch([s for s in batch.sources if s not in done.sources])
        if done.sources:
            mark_processed(ctx.store, done)
            ctx.count("already_absorbed", len(done))
        if todo.sources:
            report = processor.process(todo)
            if not report.processed:
                # The agents left the batch unprocessed on purpose (model failure): stop, retry next run.
                ctx.error(report.error or "memory agents left a batch unprocessed")
                return
            ctx.count("stored", len(report.stored))
        ctx.item(len(batch))
