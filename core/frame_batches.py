"""Grouping kept frames into batches for the memory agents.

MIRIX hands the agents about 20 kept frames at a time. A batch closes when it holds `max_frames`
frames or spans `max_span_s` seconds, and an open batch is closed once its first frame is
`max_span_s` old, so a quiet screen still becomes memories within that time. Batch ids are
written to `frames.batch_id`; the agents mark frames processed once they applied their results.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from reverie.core.agents.batch import FRAME_TEXT_CHARS, Batch, Source
from reverie.core.store.store import MemoryStore
from reverie.core.types import new_id, utcnow


@dataclass(frozen=True)
class BatchFrame:
    id: str
    captured_at: datetime
    app: str
    title: str
    text: str


@dataclass(frozen=True)
class FrameBatch:
    batch_id: str
    frames: tuple[BatchFrame, ...]  # unprocessed frames only, oldest first

    def as_agent_batch(self) -> Batch:
        """The sources `MemoryAgents.process` reads; memories will carry `frame:<id>` provenance."""
        return Batch([Source(f"frame:{f.id}", f.text[:FRAME_TEXT_CHARS], f.captured_at, app=f.app or None,
                             title=f.title or None) for f in self.frames])


def assign_batches(store: MemoryStore, max_frames: int = 20, max_span_s: float = 600.0,
                   now: datetime | None = None) -> list[str]:
    """Give closed groups of unbatched, unprocessed frames a batch id; returns the new batch ids."""
    if max_frames < 1:
        raise ValueError("max_frames must be at least 1")
    limit = (now or utcnow()).timestamp() - max_span_s

    def txn(conn: Any) -> list[str]:
        # Frames without text give the agents nothing to read: done as they are.
        conn.execute("UPDATE frames SET processed = 1 WHERE batch_id IS NULL AND processed = 0 AND trim(text) = ''")
        rows = conn.execute("SELECT id, captured_at FROM frames WHERE batch_id IS NULL AND processed = 0 "
                            "ORDER BY captured_at, seq").fetchall()
        groups: list[list[str]] = []
        current: list[str] = []
        first = 0.0
        for fid, when in rows:
            if current and (len(current) >= max_frames or when - first > max_span_s):
                groups.append(current)
                current = []
            if not current:
                first = when
            current.append(fid)
        if current and (len(current) >= max_frames or first <= limit):
            groups.append(current)
        ids = []
        for group in groups:
            batch_id = new_id()
            conn.executemany("UPDATE frames SET batch_id = ? WHERE id = ?", [(batch_id, f) for f in group])
            ids.append(batch_id)
        return ids

    out: list[str] = store.write(txn)
    return out


def pending_batches(store: MemoryStore, limit: int = 10) -> list[FrameBatch]:
    """The oldest batches that still have unprocessed frames."""
    conn = store.read_conn()
    heads = conn.execute("SELECT batch_id, min(captured_at) t FROM frames WHERE batch_id IS NOT NULL AND processed = 0 "
                         "GROUP BY batch_id ORDER BY t LIMIT ?", (limit,)).fetchall()
    out = []
    for batch_id, _ in heads:
        rows = conn.execute("SELECT id, captured_at, app, title, text FROM frames WHERE batch_id = ? AND processed = 0 "
                            "ORDER BY captured_at, seq", (batch_id,))
        frames = tuple(BatchFrame(fid, datetime.fromtimestamp(when, UTC), app or "", title or "", text)
                       for fid, when, app, title, text in rows)
        out.append(FrameBatch(batch_id, frames))
    return out


def mark_processed(store: MemoryStore, batch_id: str) -> int:
    """Flag a batch's frames done (the agents' own `mark_processed` does the same per source)."""
    n: int = store.write(lambda c: c.execute("UPDATE frames SET processed = 1 WHERE batch_id = ? AND processed = 0",
                                             (batch_id,)).rowcount)
    return n
