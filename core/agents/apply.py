"""Turn reconciliation ops into store writes, keeping provenance from every record involved.

Invalidated facts keep their record (with `invalid_at`) as history. An agent `delete` archives
the record instead of purging it: a 0.5B model's judgement should be reversible, and purging
would also drop chat messages only that record pointed to. Purging is the user's `forget`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from reverie.core.agents.candidate import Candidate, memory_text
from reverie.core.agents.guards import SourceText, check, jaccard
from reverie.core.agents.reconcile import Op
from reverie.core.store.store import MemoryStore
from reverie.core.types import (
    EpisodicMemory,
    Memory,
    ProceduralMemory,
    ResourceMemory,
    SemanticMemory,
    VaultEntry,
    utcnow,
)


@dataclass
class Applied:
    kind: str
    ids: list[str] = field(default_factory=list)  # records written (inserted, updated or kept)
    removed: list[str] = field(default_factory=list)  # records invalidated, archived or merged away
    note: str = ""


def apply_op(store: MemoryStore, op: Op) -> Applied:
    cand = op.candidate
    if op.kind == "noop":
        return Applied("noop", note="nothing new")
    if op.kind == "insert":
        return Applied("insert", [store.add(cand.to_memory())], note=op.note)
    if op.kind == "invalidate":
        when = cand.occurred_at or utcnow()
        for target in op.targets:
            store.invalidate(target.id, at=when)
        return Applied("invalidate", [store.add(cand.to_memory())], [t.id for t in op.targets])
    if op.kind == "delete":
        for target in op.targets:
            target.archived = True
            store.update(target, change="delete")
        return Applied("delete", [], [t.id for t in op.targets])
    keep, others = op.targets[0], op.targets[1:]
    text, note = _checked_text(op)
    if op.kind == "update":
        _set_text(keep, text, cand)
        keep.provenance = _union(keep.provenance, cand.provenance)
        store.update(keep, change="update")
        return Applied("update", [keep.id], note=note)
    # merge: one record carries the combined text and everyone's provenance; the rest go.
    _set_text(keep, text, cand)
    keep.provenance = _union(keep.provenance, *(o.provenance for o in others), cand.provenance)
    times = [t for t in (keep.occurred_at, *(o.occurred_at for o in others)) if t is not None]
    keep.occurred_at = min(times) if times else keep.occurred_at
    store.update(keep, change="merge")
    for other in others:  # its sources now live in `keep`, so forget() drops no chat message
        store.forget(other.id)
    return Applied("merge", [keep.id], [o.id for o in others], note)


def _checked_text(op: Op) -> tuple[str, str]:
    """The model's rewritten text if the sources and targets support it, else a safe fallback."""
    fallback = op.candidate.main_text
    if op.kind == "merge":
        parts = [memory_text(t) for t in op.targets]
        fallback = "; ".join(dict.fromkeys(
            [*parts, *([fallback] if all(jaccard(fallback, p) < 0.8 for p in parts) else [])]))
    if not op.text:
        return fallback, "model gave no text"
    basis = SourceText("\n".join([*(s.text for s in op.candidate.sources), op.candidate.text,
                                  *(t.search_text() for t in op.targets)]))
    problem = check(op.text, basis)
    return (fallback, f"model text rejected: {problem}") if problem else (op.text, "")


def _set_text(mem: Memory, text: str, cand: Candidate) -> None:
    if isinstance(mem, VaultEntry):
        mem.caption = text
        if cand.secret:
            mem.secret_value = cand.secret  # the store re-seals it; "" keeps the sealed old value
    elif isinstance(mem, ProceduralMemory):
        mem.summary = text
        steps = cand.fields.get("steps")
        if isinstance(steps, list) and steps:
            mem.steps = [str(s) for s in steps]
    elif isinstance(mem, EpisodicMemory | SemanticMemory | ResourceMemory):
        mem.summary = text


def _union(*lists: list[str]) -> list[str]:
    return list(dict.fromkeys(p for lst in lists for p in lst))
