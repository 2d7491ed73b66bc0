"""Store upkeep: vector index reconciled with the canonical store, collections that had deletions
rebuilt (deleted vectors leave Chroma's files), VACUUM when purges left free pages, WAL truncated.
VACUUM rewrites the whole database on the single writer, which is why this is an idle-time job.
"""

from __future__ import annotations

from reverie.core.consolidation.jobs_base import JobContext
from reverie.core.consolidation.retention import VACUUM_FLAG

NAME = "maintenance"
FREE_PAGE_SHARE = 0.2  # VACUUM when a fifth of the file is free pages, even without a purge


def run(ctx: JobContext) -> None:
    store = ctx.store
    ctx.detail["reconcile"] = store.reconcile()
    ctx.item()
    ctx.detail["compacted"] = store.compact_dirty_indexes()
    ctx.item()
    conn = store.read_conn()
    (pages,) = conn.execute("PRAGMA page_count").fetchone()
    (free,) = conn.execute("PRAGMA freelist_count").fetchone()
    if ctx.cursor(VACUUM_FLAG) is not None or (pages and free / pages >= FREE_PAGE_SHARE):
        store.vacuum()
        ctx.set_cursor(None, key=VACUUM_FLAG)
        ctx.detail["vacuumed_free_pages"] = int(free)
        ctx.item()
    store.purge_free_space()
    ctx.item()
