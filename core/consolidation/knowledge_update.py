"""Knowledge updates: when a newer semantic fact contradicts an older one about the same subject and
attribute, the older gets `invalid_at` (Zep/Graphiti style): it stays searchable as history.

Only semantic memories take part: two episodic events with different numbers are two events, not a
correction. Resumable like dedup (seq cursor per batch); invalidating is idempotent.
"""

from __future__ import annotations

from reverie.core.consolidation import llm_judge
from reverie.core.consolidation.dedup_rules import pair_text, when
from reverie.core.consolidation.jobs_base import JobContext
from reverie.core.consolidation.scan import visit_live
from reverie.core.consolidation.update_rules import Relation, relation
from reverie.core.protocols import FloatArray
from reverie.core.types import Memory, MemoryType

NAME = "knowledge_update"


def run(ctx: JobContext) -> None:
    store = ctx.store
    if store.index is None:
        ctx.error("no vector index: knowledge updates need embeddings to find candidates")
        return
    visit_live(ctx, (MemoryType.SEMANTIC,), lambda mem, vec: _visit(ctx, mem, vec))


def _visit(ctx: JobContext, mem: Memory, vec: FloatArray) -> None:
    index = ctx.store.index
    assert index is not None
    cfg = ctx.config
    hits = [(i, s) for i, s in index.query(MemoryType.SEMANTIC, vec, cfg.update_neighbours + 1)
            if i != mem.id and s >= cfg.update_candidate_cosine]
    others = ctx.store.get_many([i for i, _ in hits])
    for other_id, _ in hits:
        other = others.get(other_id)
        if other is None or other.invalid_at is not None or other.archived:
            continue
        if when(other) == when(mem):
            continue  # no order, no "newer": leave both
        older, newer = (other, mem) if when(other) < when(mem) else (mem, other)
        rel = relation(older, newer, pair_text(older), pair_text(newer))
        if rel is Relation.MAYBE:
            llm = ctx.llm()
            rel = Relation.UPDATE if llm is not None and llm_judge.is_update(
                ctx, llm, pair_text(older), pair_text(newer)) else Relation.NONE
        if rel is Relation.UPDATE:
            ctx.store.invalidate(older.id, at=when(newer))
            ctx.count("invalidated")
            if older is mem:
                return  # this memory is history now; its own older rivals are the newer one's business
