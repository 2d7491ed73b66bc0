"""Purging captured frames for real: "forget the last N minutes", retention by age and by size.

Two-phase, so a crash never strands a thumbnail: the transaction that deletes frame rows (their
FTS rows go by trigger; FTS5 'secure-delete' drops the tokens at once) queues the thumbnails' blob
ids in `blob_purge_queue`; the files are then overwritten, unlinked and dequeued. A later
`drain_blob_queue` (or the consolidation retention job, which uses the same queue) finishes what
a crash interrupted. Deletes run in chunks so the single writer keeps serving capture meanwhile.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from functools import partial
from typing import Any

from reverie.core.store.db import meta_get, meta_set
from reverie.core.store.store import MemoryStore

log = logging.getLogger(__name__)

FENCE_KEY = "frames:forgotten_range"  # [from, to] epoch seconds of the last "forget recent"
CHUNK = 500
SIZE_SQL = "thumb_bytes + length(CAST(text AS BLOB))"  # the retention job measures frames the same way


class FrameForgotten(RuntimeError):
    """The frame falls inside a period the user asked to forget; it is not stored."""


def _epoch(when: datetime) -> float:
    return (when if when.tzinfo else when.replace(tzinfo=UTC)).timestamp()


def in_forgotten_range(conn: Any, when: float) -> bool:
    raw = meta_get(conn, FENCE_KEY)
    if raw is None:
        return False
    lo, hi = json.loads(raw)
    return bool(lo <= when <= hi)


def forget_recent(store: MemoryStore, minutes: float, now: datetime) -> dict[str, int]:
    """Forget everything recorded in the last `minutes`: frames (rows, FTS rows, thumbnails), chat
    messages, the memories made from either, and memories written in that period."""
    if minutes <= 0:
        raise ValueError("minutes must be positive")
    end = _epoch(now)
    cutoff = end - minutes * 60
    # Fence first: a frame captured in the range but still in OCR is refused when it arrives.
    store.write(lambda c: meta_set(c, FENCE_KEY, json.dumps([cutoff, end])))
    conn = store.read_conn()
    frame_ids = [r[0] for r in conn.execute("SELECT id FROM frames WHERE captured_at >= ?", (cutoff,))]
    msg_ids = [r[0] for r in conn.execute("SELECT id FROM messages WHERE occurred_at >= ?", (cutoff,))]
    mem_ids = _derived(store, frame_ids, msg_ids)
    mem_ids.update(r[0] for r in conn.execute("SELECT id FROM memories WHERE created_at >= ?", (cutoff,)))
    # Memories before sources: after a crash in between, the frames are still there to find them by.
    forgotten = store.forget_many(sorted(mem_ids)) if mem_ids else 0
    gone = _purge(store, "captured_at >= ?", (cutoff,))
    deleted: int = store.write(lambda c: c.execute("DELETE FROM messages WHERE occurred_at >= ?", (cutoff,)).rowcount)
    messages = max(len(msg_ids), deleted)  # forget_many already removed messages only a forgotten memory cited
    # The memory agents may have stored memories from these frames while we ran: forget those too.
    late = _derived(store, gone, msg_ids) - mem_ids
    if late:
        forgotten += store.forget_many(sorted(late))
    thumbnails = drain_blob_queue(store)
    store.purge_free_space()
    return {"frames": len(gone), "thumbnails": thumbnails, "memories": forgotten, "messages": messages}


def forget_frames_before(store: MemoryStore, cutoff: datetime) -> int:
    """Retention by age: purge frames captured before `cutoff`. Memories made from them stay (their
    `frame:<id>` provenance then names a capture that no longer exists, by design)."""
    gone = _purge(store, "captured_at < ?", (_epoch(cutoff),))
    drain_blob_queue(store)
    store.purge_free_space()
    return len(gone)


def enforce_retention(store: MemoryStore, days: float, max_bytes: float | None, now: datetime) -> dict[str, int]:
    """Frames older than `days`, then the oldest beyond `max_bytes` (encrypted thumbnail + text)."""
    by_age = _purge(store, "captured_at < ?", (_epoch(now) - days * 86400,))
    by_size: list[str] = []
    if max_bytes is not None:
        while ids := store.write(lambda c: _trim_oldest(c, max_bytes)):
            by_size += ids
            store.emit("frames_deleted", ids)
    thumbnails = drain_blob_queue(store)
    if by_age or by_size:
        store.purge_free_space()
    return {"purged_by_age": len(by_age), "purged_by_size": len(by_size), "thumbnails": thumbnails}


def drain_blob_queue(store: MemoryStore) -> int:
    """Wipe queued thumbnail files (overwrite + unlink), then dequeue them. Returns how many."""
    conn = store.read_conn()
    wiped = 0
    while blobs := [b for (b,) in conn.execute("SELECT blob_id FROM blob_purge_queue LIMIT 200")]:
        for blob_id in blobs:
            try:
                store.blobs.delete(blob_id)
            except FileNotFoundError:  # another drain (the retention job) unlinked it between our steps
                log.debug("blob %s already wiped", blob_id)
        store.write(partial(_dequeue, rows=[(b,) for b in blobs]))
        wiped += len(blobs)
    return wiped


def _derived(store: MemoryStore, frame_ids: Iterable[str], msg_ids: Iterable[str]) -> set[str]:
    """Memories whose provenance names one of these sources exactly. (`store.ids_for_source` matches
    a prefix: chat message ids like `conv:D1:1` are prefixes of `conv:D1:10`.)"""
    sources = [*(f"frame:{f}" for f in frame_ids), *(f"msg:{m}" for m in msg_ids)]
    conn = store.read_conn()
    out: set[str] = set()
    for i in range(0, len(sources), CHUNK):
        chunk = sources[i:i + CHUNK]
        out.update(r[0] for r in conn.execute(
            "SELECT DISTINCT m.id FROM provenance p JOIN memories m ON m.seq = p.seq "
            f"WHERE p.source IN ({','.join('?' * len(chunk))})", chunk))
    return out


def _purge(store: MemoryStore, where: str, args: Sequence[Any]) -> list[str]:
    """Delete every frame matching `where`, CHUNK per transaction; returns their ids."""
    gone: list[str] = []
    while True:
        def txn(conn: Any) -> list[str]:
            rows = conn.execute(f"SELECT seq, id, thumb_blob FROM frames WHERE {where} ORDER BY captured_at, seq "
                                f"LIMIT {CHUNK}", tuple(args)).fetchall()
            return _delete_rows(conn, rows)

        ids: list[str] = store.write(txn)
        if ids:
            store.emit("frames_deleted", ids)
        gone += ids
        if len(ids) < CHUNK:
            return gone


def _trim_oldest(conn: Any, max_bytes: float) -> list[str]:
    (total,) = conn.execute(f"SELECT coalesce(sum({SIZE_SQL}), 0) FROM frames").fetchone()
    if total <= max_bytes:
        return []
    take = []
    for seq, fid, blob, size in conn.execute(
            f"SELECT seq, id, thumb_blob, {SIZE_SQL} FROM frames ORDER BY captured_at, seq LIMIT {CHUNK}"):
        if total <= max_bytes:
            break
        take.append((seq, fid, blob))
        total -= size
    return _delete_rows(conn, take)


def _delete_rows(conn: Any, rows: Sequence[tuple[Any, ...]]) -> list[str]:
    if not rows:
        return []
    seqs = [r[0] for r in rows]
    conn.execute(f"DELETE FROM frames WHERE seq IN ({','.join('?' * len(seqs))})", seqs)
    # A thumbnail another (kept) frame still points at stays.
    conn.executemany("INSERT OR IGNORE INTO blob_purge_queue(blob_id) SELECT ? WHERE NOT EXISTS "
                     "(SELECT 1 FROM frames WHERE thumb_blob = ?)", [(b, b) for b in {r[2] for r in rows if r[2]}])
    return [r[1] for r in rows]


def _dequeue(conn: Any, rows: list[tuple[str]]) -> None:
    conn.executemany("DELETE FROM blob_purge_queue WHERE blob_id = ?", rows)
