"""The resumable walk the neighbour jobs share: live memories of some types, in insertion order,
with their stored vectors; the cursor is saved after each batch."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from reverie.core.consolidation.jobs_base import JobContext
from reverie.core.protocols import FloatArray
from reverie.core.types import Memory, MemoryType

LIVE_SQL = "m.archived = 0 AND m.invalid_at IS NULL"


def visit_live(ctx: JobContext, types: Sequence[MemoryType], visit: Callable[[Memory, FloatArray], None]) -> None:
    store = ctx.store
    type_sql = ",".join(f"'{t.value}'" for t in types)  # enum values, not user input
    cursor = int(ctx.cursor() or 0)
    conn = store.read_conn()
    ctx.total = int(conn.execute(f"SELECT count(*) FROM memories m WHERE m.seq > ? AND m.type IN ({type_sql}) "
                                 f"AND {LIVE_SQL}", (cursor,)).fetchone()[0])
    while True:
        rows = conn.execute(
            f"SELECT m.seq, m.id, e.vec FROM memories m JOIN embeddings e ON e.seq = m.seq "
            f"WHERE m.seq > ? AND m.type IN ({type_sql}) AND {LIVE_SQL} ORDER BY m.seq LIMIT ?",
            (cursor, ctx.config.batch)).fetchall()
        if not rows:
            break
        for _, mem_id, blob in rows:
            mem = store.get(mem_id)  # fresh: an earlier visit in this batch may have merged or invalidated it
            if mem is not None and not mem.archived and mem.invalid_at is None:
                visit(mem, np.frombuffer(blob, dtype=np.float32))
            ctx.item()
        cursor = int(rows[-1][0])
        ctx.set_cursor(str(cursor))
