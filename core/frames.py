"""Captured screen frames in the encrypted store: the public surface (import from here).

A frame is one kept screen: redacted OCR text in the `frames` row (searchable through
`frames_fts`) and a WebP thumbnail in an AEAD-encrypted blob file. Search, purges and batching
live in `frame_search`, `frame_purge` and `frame_batches`; this module writes and reads frames.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from reverie.core.frame_batches import FrameBatch, assign_batches, mark_processed, pending_batches
from reverie.core.frame_purge import (
    FrameForgotten,
    drain_blob_queue,
    enforce_retention,
    forget_frames_before,
    forget_recent,
    in_forgotten_range,
)
from reverie.core.frame_search import FrameHit, search_frames, time_clause
from reverie.core.redaction import redact
from reverie.core.store.crypto import NONCE_LEN
from reverie.core.store.records import ts
from reverie.core.store.store import MemoryStore
from reverie.core.types import new_id

__all__ = [
    "Frame", "FrameBatch", "FrameForgotten", "FrameHit", "FrameRecord", "add_frame", "assign_batches",
    "drain_blob_queue", "enforce_retention", "forget_frames_before", "forget_recent", "get_frame", "get_thumbnail",
    "list_frames", "mark_processed", "pending_batches", "search_frames",
]

SEAL_OVERHEAD = NONCE_LEN + 16  # AES-GCM nonce + tag: what a blob file adds to its plaintext
_COLUMNS = "id, captured_at, monitor, app, title, text, redactions, thumb_blob, thumb_bytes, batch_id, processed"


@dataclass(frozen=True)
class FrameRecord:
    """A frame to store. `text` should already be redacted; `thumbnail` is encoded (WebP) bytes."""

    captured_at: datetime
    text: str
    app: str = ""
    title: str = ""
    monitor: int = 0
    redactions: Mapping[str, int] = field(default_factory=dict)
    thumbnail: bytes | None = None
    id: str = field(default_factory=new_id)


@dataclass(frozen=True)
class Frame:
    """A stored frame (the thumbnail stays encrypted on disk: `get_thumbnail` opens it)."""

    id: str
    captured_at: datetime
    monitor: int
    app: str
    title: str
    text: str
    redactions: dict[str, int]
    thumb_blob: str | None
    thumb_bytes: int  # size of the encrypted thumbnail file
    batch_id: str | None
    processed: bool


def add_frame(store: MemoryStore, record: FrameRecord) -> str:
    """Store one frame (row, FTS row by trigger, encrypted thumbnail); emits `frame_added`.

    Raises FrameForgotten when the frame was captured inside a range the user just forgot (a frame
    still in OCR while "forget the last N minutes" ran must not come back afterwards).
    """
    # The store is the last line before disk: re-run redaction so a caller that skipped it (an
    # import, a future capture path) cannot store a secret. Already-redacted text passes unchanged.
    result = redact(record.text)
    counts = dict(record.redactions)
    for kind, n in result.counts.items():
        counts[kind] = counts.get(kind, 0) + n
    when = ts(record.captured_at)
    blob_id = store.blobs.put(record.thumbnail) if record.thumbnail else None
    thumb_bytes = len(record.thumbnail) + SEAL_OVERHEAD if record.thumbnail else 0
    row = (record.id, when, record.monitor, record.app or None, record.title or None, result.text,
           json.dumps(counts, sort_keys=True), blob_id, thumb_bytes)

    def txn(conn: Any) -> None:
        if when is not None and in_forgotten_range(conn, when):
            raise FrameForgotten(f"frame {record.id} was captured in a period that has been forgotten")
        conn.execute("INSERT INTO frames(id, captured_at, monitor, app, title, text, redactions, thumb_blob, "
                     "thumb_bytes) VALUES (?,?,?,?,?,?,?,?,?)", row)

    try:
        store.write(txn)
    except BaseException:
        if blob_id is not None:  # no row points at it: wipe it now rather than strand it
            store.blobs.delete(blob_id)
        raise
    store.emit("frame_added", [record.id])
    return record.id


def _frame(row: tuple[Any, ...]) -> Frame:
    fid, when, monitor, app, title, text, redactions, blob, size, batch, processed = row
    return Frame(fid, datetime.fromtimestamp(when, UTC), int(monitor), app or "", title or "", text,
                 json.loads(redactions or "{}"), blob, int(size), batch, bool(processed))


def list_frames(store: MemoryStore, start: datetime | None = None, end: datetime | None = None, limit: int = 100,
                offset: int = 0, *, newest_first: bool = False) -> list[Frame]:
    """Frames captured in [start, end), oldest first unless `newest_first`."""
    conds, args = time_clause("captured_at", start, end)
    where = f"WHERE {' AND '.join(conds)}" if conds else ""
    order = "DESC" if newest_first else "ASC"
    rows = store.read_conn().execute(
        f"SELECT {_COLUMNS} FROM frames {where} ORDER BY captured_at {order}, seq {order} LIMIT ? OFFSET ?",
        (*args, limit, offset))
    return [_frame(r) for r in rows]


def get_frame(store: MemoryStore, frame_id: str) -> Frame | None:
    row = store.read_conn().execute(f"SELECT {_COLUMNS} FROM frames WHERE id = ?", (frame_id,)).fetchone()
    return None if row is None else _frame(row)


def get_thumbnail(store: MemoryStore, frame_id: str) -> bytes:
    """The decrypted WebP thumbnail; KeyError when the frame or its thumbnail does not exist."""
    frame = get_frame(store, frame_id)
    if frame is None or frame.thumb_blob is None:
        raise KeyError(frame_id)
    return store.blobs.get(frame.thumb_blob)
