"""Retention of raw captures: frames older than N days, then the oldest beyond G GB, are purged for
real (rows, full-text rows by trigger, encrypted thumbnail files). Memories made from them stay;
their `frame:<id>` provenance then points at a capture that no longer exists, by design.

Two-phase so a crash never strands a thumbnail: the transaction that deletes frame rows queues
their blob ids; files are wiped afterwards and dequeued. A rerun drains what is left.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from reverie.core.consolidation.jobs_base import JobContext

NAME = "retention"
VACUUM_FLAG = "maintenance:vacuum_wanted"
_SIZE = "thumb_bytes + length(CAST(text AS BLOB))"


def run(ctx: JobContext) -> None:
    cfg = ctx.config
    _drain(ctx)
    conn = ctx.store.read_conn()
    cutoff = ctx.now().timestamp() - cfg.retention_days * 86400
    purged = 0
    while rows := conn.execute("SELECT seq, id FROM frames WHERE captured_at < ? ORDER BY seq LIMIT ?",
                               (cutoff, cfg.batch * 5)).fetchall():
        purged += _purge(ctx, rows)
    ctx.count("purged_by_age", purged)
    cap = cfg.retention_gb * 1e9
    (total,) = conn.execute(f"SELECT coalesce(sum({_SIZE}), 0) FROM frames").fetchone()
    by_size = 0
    while total > cap:
        rows = conn.execute(f"SELECT seq, id, {_SIZE} FROM frames ORDER BY captured_at, seq LIMIT ?",
                            (cfg.batch * 5,)).fetchall()
        if not rows:
            break
        take: list[tuple[int, str]] = []
        for seq, fid, size in rows:
            if total <= cap:
                break
            take.append((seq, fid))
            total -= size
        by_size += _purge(ctx, take)
    ctx.count("purged_by_size", by_size)
    _drain(ctx)
    if purged or by_size:
        ctx.set_cursor("1", key=VACUUM_FLAG)  # deleted pages are zeroed; VACUUM gives the space back


def _purge(ctx: JobContext, rows: list[tuple[Any, ...]]) -> int:
    seqs = [r[0] for r in rows]
    ids = [r[1] for r in rows]

    def txn(conn: Any) -> None:
        marks = ",".join("?" * len(seqs))
        blobs = [b for (b,) in conn.execute(
            f"SELECT DISTINCT thumb_blob FROM frames WHERE seq IN ({marks}) AND thumb_blob IS NOT NULL", seqs)]
        conn.execute(f"DELETE FROM frames WHERE seq IN ({marks})", seqs)
        # A thumbnail shared with a frame that stays must stay too.
        conn.executemany("INSERT OR IGNORE INTO blob_purge_queue(blob_id) SELECT ? WHERE NOT EXISTS "
                         "(SELECT 1 FROM frames WHERE thumb_blob = ?)", [(b, b) for b in blobs])
    ctx.store.write(txn)
    ctx.store.emit("frames_deleted", ids)
    ctx.item(len(ids))
    return len(ids)


def _drain(ctx: JobContext) -> None:
    conn = ctx.store.read_conn()
    while blobs := [b for (b,) in conn.execute("SELECT blob_id FROM blob_purge_queue LIMIT 200")]:
        for blob_id in blobs:
            ctx.store.blobs.delete(blob_id)
        ctx.store.write(partial(_dequeue, blobs=tuple(blobs)))
        ctx.count("blobs_wiped", len(blobs))


def _dequeue(conn: Any, blobs: tuple[str, ...]) -> None:
    conn.executemany("DELETE FROM blob_purge_queue WHERE blob_id = ?", [(b,) for b in blobs])
