"""Merge near-duplicate memories: vector-index neighbours, confirmed by rules (or the LLM).

Resumable: memories are visited in insertion order (`seq`) and the cursor is saved after each
batch, so each pair is examined when its later member is visited. A merge is two writes (keeper
gains the other's provenance, then the other is archived or purged); both are idempotent, so a
crash between them is repaired by the rerun finding the same pair again.
"""

from __future__ import annotations

import logging
from typing import Any

from reverie.core.consolidation import llm_judge
from reverie.core.consolidation.dedup_rules import Verdict, judge, pair_text
from reverie.core.consolidation.jobs_base import JobContext
from reverie.core.consolidation.scan import LIVE_SQL, visit_live
from reverie.core.types import Memory, MemoryType

log = logging.getLogger(__name__)
NAME = "dedup"
TYPES = (MemoryType.EPISODIC, MemoryType.SEMANTIC, MemoryType.PROCEDURAL, MemoryType.RESOURCE)
_TYPE_SQL = ",".join(f"'{t.value}'" for t in TYPES)


def run(ctx: JobContext) -> None:
    store = ctx.store
    if store.index is None:
        ctx.detail["mode"] = "exact text only (no vector index)"
        _exact_only(ctx)
        return
    visit_live(ctx, TYPES, lambda mem, vec: _visit(ctx, mem, vec))


def _visit(ctx: JobContext, mem: Memory, vec: Any) -> None:
    index = ctx.store.index
    assert index is not None
    cfg = ctx.config
    hits = [(i, s) for i, s in index.query(mem.type, vec, cfg.dedup_neighbours + 1)
            if i != mem.id and s >= cfg.dedup_candidate_cosine]
    others = ctx.store.get_many([i for i, _ in hits])
    for other_id, cosine in hits:
        other = others.get(other_id)
        if other is None or other.archived or other.invalid_at is not None:
            continue
        if _same(ctx, mem, other, cosine):
            keeper, gone = choose_keeper(mem, other)
            merge(ctx, keeper, gone)
            if gone.id == mem.id:
                return
            mem = keeper


def _same(ctx: JobContext, a: Memory, b: Memory, cosine: float) -> bool:
    verdict, reason = judge(a, b, cosine, ctx.config.dedup_episodic_window_s)
    log.debug("dedup %s ~ %s: %s (%s)", a.id, b.id, verdict.value, reason)
    if verdict is Verdict.UNSURE:
        llm = ctx.llm()
        if llm is None:
            ctx.count("unsure_kept")
            return False
        verdict = Verdict.MERGE if llm_judge.same_memory(ctx, llm, pair_text(a), pair_text(b)) else Verdict.REJECT
    if verdict is Verdict.REJECT:
        ctx.count("rejected")
    return verdict is Verdict.MERGE


def choose_keeper(a: Memory, b: Memory) -> tuple[Memory, Memory]:
    """Keep the fuller text (it holds the other's information); on a tie, the older, stabler id."""
    def key(m: Memory) -> tuple[int, int, float]:
        return len(m.search_text()), m.recall_count, -m.created_at.timestamp()
    return (a, b) if key(a) >= key(b) else (b, a)


def merge(ctx: JobContext, keeper: Memory, gone: Memory) -> None:
    # Every field combines idempotently (union, min, max) so redoing a half-done merge is harmless.
    keeper.provenance = list(dict.fromkeys([*keeper.provenance, *gone.provenance]))
    keeper.recall_count = max(keeper.recall_count, gone.recall_count)
    keeper.strength = max(keeper.strength, gone.strength)
    keeper.occurred_at = min((t for t in (keeper.occurred_at, gone.occurred_at) if t), default=None)
    keeper.valid_from = min((t for t in (keeper.valid_from, gone.valid_from) if t), default=None)
    keeper.app = keeper.app or gone.app
    ctx.store.update(keeper, change="merge")
    if ctx.config.dedup_delete_merged:
        ctx.store.forget(gone.id)
    else:
        gone.archived = True
        ctx.store.update(gone, change=f"merged_into:{keeper.id}")
    ctx.count("merged")


def _exact_only(ctx: JobContext) -> None:
    conn = ctx.store.read_conn()
    groups = conn.execute(
        f"SELECT group_concat(m.id) FROM memories m WHERE m.type IN ({_TYPE_SQL}) AND {LIVE_SQL} "
        "GROUP BY m.type, m.content_hash HAVING count(*) > 1").fetchall()
    ctx.total = len(groups)
    for (ids,) in groups:
        mems = sorted(ctx.store.get_many(ids.split(",")).values(), key=lambda m: m.created_at)
        keeper = mems[0]
        for other in mems[1:]:
            if _same(ctx, keeper, other, 1.0):
                keeper, gone = choose_keeper(keeper, other)
                merge(ctx, keeper, gone)
        ctx.item()
