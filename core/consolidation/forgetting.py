"""Forgetting curve (MemoryBank): strength decays with time since the last recall and decays more
slowly the more often a memory was recalled. Weak, old, never-recalled memories of forgettable
types are ARCHIVED: out of default search, still in the store and in exports. Nothing is purged.

The store counts recalls but does not time them, so this job notes when it first sees a higher
recall count (`recall_marks`): recall times are known to within one run of the job.
"""

from __future__ import annotations

from typing import Any

from reverie.core.consolidation.jobs_base import JobContext

NAME = "forgetting"
SECONDS_PER_DAY = 86400.0


def retention(age_days: float, recalls: int, half_life_days: float) -> float:
    """0.5 ** (age / (half_life * (1 + recalls))): each recall stretches the half-life once more."""
    return float(0.5 ** (max(age_days, 0.0) / (half_life_days * (1 + max(recalls, 0)))))


def run(ctx: JobContext) -> None:
    cfg = ctx.config
    now = ctx.now().timestamp()
    types = dict(cfg.forgettable)
    conn = ctx.store.read_conn()
    ctx.total = int(conn.execute("SELECT count(*) FROM memories WHERE archived = 0").fetchone()[0])
    # Each batch is recomputed from scratch, so the pass is idempotent; the cursor only saves redoing
    # batches after a crash. A finished pass clears it so the next run starts over.
    cursor = int(ctx.cursor() or 0)
    while True:
        rows = conn.execute(
            "SELECT m.seq, m.id, m.type, m.created_at, m.recall_count, m.invalid_at, r.recall_count, r.recalled_at "
            "FROM memories m LEFT JOIN recall_marks r ON r.id = m.id "
            "WHERE m.seq > ? AND m.archived = 0 ORDER BY m.seq LIMIT ?", (cursor, cfg.batch * 5)).fetchall()
        if not rows:
            break
        strengths: list[tuple[float, str]] = []
        marks: list[tuple[str, int, float]] = []
        archive: list[str] = []
        for _, mem_id, mtype, created, recalls, invalid_at, seen_recalls, recalled_at in rows:
            if seen_recalls is None:  # first sight: recalls before that get the benefit of the doubt
                recalled_at = now if recalls else created
                marks.append((mem_id, recalls, recalled_at))
            elif recalls > seen_recalls:  # recalled since the last pass
                recalled_at = now
                marks.append((mem_id, recalls, now))
            since = (now - max(created, recalled_at)) / SECONDS_PER_DAY
            age = (now - created) / SECONDS_PER_DAY
            multiplier = types.get(mtype)
            strength = retention(since, recalls, cfg.half_life_days * (multiplier or 1.0))
            strengths.append((round(strength, 6), mem_id))
            # Superseded facts are history on purpose; they are not "weak" just because nobody asks.
            if multiplier is not None and invalid_at is None and recalls == 0 \
                    and age >= cfg.archive_min_age_days and strength < cfg.archive_below_strength:
                archive.append(mem_id)
        _write(ctx, strengths, marks, archive, now)
        ctx.item(len(rows))
        cursor = int(rows[-1][0])
        ctx.set_cursor(str(cursor))
    ctx.store.write(lambda c: c.execute("DELETE FROM recall_marks WHERE id NOT IN (SELECT id FROM memories)"))
    ctx.set_cursor(None)


def _write(ctx: JobContext, strengths: list[tuple[float, str]], marks: list[tuple[str, int, float]],
           archive: list[str], now: float) -> None:
    def txn(conn: Any) -> None:
        # Column-only updates: text, embedding and full-text rows are untouched, so no re-index.
        conn.executemany("UPDATE memories SET strength = ? WHERE id = ?", strengths)
        conn.executemany("INSERT INTO recall_marks(id, recall_count, recalled_at) VALUES (?,?,?) "
                         "ON CONFLICT(id) DO UPDATE SET recall_count = excluded.recall_count, "
                         "recalled_at = excluded.recalled_at", marks)
        conn.executemany("UPDATE memories SET archived = 1, last_change = 'archive', updated_at = ? "
                         "WHERE id = ? AND archived = 0", [(now, i) for i in archive])
    ctx.store.write(txn)
    if archive:
        ctx.count("archived", len(archive))
        ctx.store.emit("memory_updated", archive)
