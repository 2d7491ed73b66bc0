"""Reconciliation: decide how each candidate changes the memories already stored.

For each candidate the store is searched for similar memories of its type. Near-identical ones
make the candidate a duplicate (dropped, no model call); candidates with no similar memory are
inserted directly (no model call); only the rest go to ONE model call for the whole batch.
The model sees existing memories as m1, m2… and candidates as n1, n2… — short local ids are
cheaper than uuids and easy to validate: an id we did not show is skipped with a reason.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass, field
from typing import Any

from reverie.core.agents.candidate import Candidate, memory_text
from reverie.core.agents.guards import content_stems, jaccard
from reverie.core.agents.schemas import OPS, reconcile_max_tokens, reconcile_schema
from reverie.core.protocols import LLM, ChatMessage, LLMError, Usage
from reverie.core.retrieval.hybrid import SearchQuery, search
from reverie.core.store.store import MemoryStore
from reverie.core.types import Memory

log = logging.getLogger(__name__)

SYSTEM = """You keep a memory store consistent. For each new memory (n1, n2…) choose one op:
insert: new information. update: adds to or corrects one existing memory (text = the updated memory).
merge: says the same as the targets (text = one combined memory). invalidate: the targets are no longer true.
delete: the targets are wrong or useless. noop: nothing new.
targets = ids of existing memories (m1, m2…) the op changes; [] for insert and noop."""
_NEGATIONS = [re.compile(p) for p in (r"\bnot\b|n't\b", r"\bno longer\b", r"\bnever\b", r"\banymore\b",
                                        r"\b(?:stopped|quit|left|ended)\b")]
NEEDS_TARGET = {"update", "merge", "invalidate", "delete"}


@dataclass(frozen=True)
class ReconcileConfig:
    neighbours: int = 3
    # Cosine at which a stored memory is "about the same thing". Measured on LOCOMO conv-26
    # sessions 1-2: each line's best match among earlier lines has median 0.69 (MiniLM), so 0.62
    # sent nearly every batch to a second call; at 0.75 only close paraphrases and updates go.
    collide: float = 0.75
    duplicate: float = 0.9  # cosine above which a candidate that brings no new words is a duplicate
    duplicate_jaccard: float = 0.8


@dataclass
class Op:
    kind: str
    candidate: Candidate
    targets: list[Memory] = field(default_factory=list)
    text: str = ""  # the model's rewritten text for update / merge ("" = use the candidate's)
    note: str = ""


@dataclass
class Plan:
    ops: list[Op] = field(default_factory=list)
    duplicates: list[tuple[str, str]] = field(default_factory=list)  # (candidate, reason)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    usage: Usage = field(default_factory=Usage)


def neighbours(store: MemoryStore, cand: Candidate, cfg: ReconcileConfig) -> list[tuple[Memory, float]]:
    """Stored, still-valid memories of the candidate's type, with their similarity to it."""
    hits = search(store, SearchQuery(text=cand.text, types=[cand.type], limit=cfg.neighbours,
                                     include_invalid=False, parse_time=False))
    mems = [h.memory for h in hits]
    if not mems:
        return []
    sims = [jaccard(cand.text, m.search_text()) for m in mems]
    if store.embedder is not None:
        vecs = store.embedder.embed([cand.text, *(m.search_text() for m in mems)])
        cos = (vecs[1:] @ vecs[0]).astype(float)
        # Jaccard ≥ 0.8 is a duplicate however the embedding scores it; cosine decides the rest.
        sims = [c if j < cfg.duplicate_jaccard else max(c, 1.0) for c, j in zip(cos.tolist(), sims, strict=True)]
    return sorted(zip(mems, sims, strict=True), key=lambda x: -x[1])


def plan(store: MemoryStore, llm: LLM, candidates: list[Candidate], cfg: ReconcileConfig | None = None) -> Plan:
    cfg = cfg or ReconcileConfig()
    result = Plan()
    pending: list[tuple[Candidate, list[Memory]]] = []
    for cand in candidates:
        near = neighbours(store, cand, cfg)
        dup = next((m for m, s in near if s >= cfg.duplicate and _adds_nothing(cand, m)), None)
        if dup is not None:
            result.duplicates.append((_desc(cand), f"duplicate of existing memory {dup.id}"))
            continue
        colliding = [m for m, s in near if s >= cfg.collide]
        if colliding:
            pending.append((cand, colliding))
        else:
            result.ops.append(Op("insert", cand))
    if pending:
        _decide(llm, pending, result)
    return result


def _decide(llm: LLM, pending: list[tuple[Candidate, list[Memory]]], result: Plan) -> None:
    shown: dict[str, Memory] = {}  # local id → memory
    local_of: dict[str, str] = {}  # real id → local id
    for _, mems in pending:
        for mem in mems:
            if mem.id not in local_of:
                local_of[mem.id] = f"m{len(local_of) + 1}"
                shown[local_of[mem.id]] = mem
    by_new: dict[str, Candidate] = {}
    for n, (cand, _) in enumerate(pending, start=1):
        cand.local_id = f"n{n}"
        by_new[cand.local_id] = cand
    messages = [ChatMessage("system", SYSTEM), ChatMessage("user", render(shown, pending, local_of))]
    schema, max_tokens = reconcile_schema(len(pending)), reconcile_max_tokens(len(pending))
    try:
        reply = llm.complete(messages, schema=schema, max_tokens=max_tokens)
        result.usage.add(reply.usage)
        ops, errors = _parse(reply.data, by_new, shown)
        # Like extraction: a stray bad op is skipped; a mostly broken answer gets one more call.
        if errors and len(errors) * 2 >= len(errors) + len(ops):
            retry = [*messages, ChatMessage("assistant", json.dumps(reply.data)[:2000]),
                     ChatMessage("user", "Invalid: " + "; ".join(f"{i}: {r}" for _, i, r in errors[:5])
                                 + ". Use only the ids shown. Reply again with the corrected JSON only.")]
            second = llm.complete(retry, schema=schema, max_tokens=max_tokens)
            result.usage.add(second.usage)
            ops, errors = _parse(second.data, by_new, shown)
    except LLMError as exc:
        # Candidates passed the guards and are not duplicates: keep them rather than lose them.
        log.warning("reconciliation call failed (%s); inserting %d candidates unreconciled", exc, len(pending))
        result.skipped.append(("reconciliation", f"model failed: {exc}; candidates inserted unreconciled"))
        result.ops.extend(Op("insert", c, note="unreconciled") for c, _ in pending)
        return
    for _, item, reason in errors:
        log.info("reconcile: skipped %s: %s", item, reason)
        result.skipped.append((item, reason))
    # A candidate whose op was invalid twice is skipped; one the model never mentioned is inserted
    # (it passed the guards and is no duplicate; dropping it would lose the fact for good).
    settled = {op.candidate.local_id for op in ops} | {new for new, _, _ in errors}
    result.ops.extend(ops)
    result.ops.extend(Op("insert", c, note="no decision from the model") for lid, c in by_new.items()
                      if lid not in settled)


def render(shown: dict[str, Memory], pending: list[tuple[Candidate, list[Memory]]], local_of: dict[str, str]) -> str:
    lines = ["Existing memories:"]
    lines += [f"{lid}: {_one_line(memory_text(m))}" for lid, m in shown.items()]
    lines.append("New memories:")
    for cand, mems in pending:
        similar = ", ".join(local_of[m.id] for m in mems)
        lines.append(f"{cand.local_id}: {_one_line(cand.main_text)} (similar: {similar})")
    return "\n".join(lines)


def _parse(data: Any, by_new: dict[str, Candidate],
           shown: dict[str, Memory]) -> tuple[list[Op], list[tuple[str, str, str]]]:
    """Map local ids back to records; an op naming an id we did not show is an error
    (new id, item, reason), never a guess."""
    ops: list[Op] = []
    errors: list[tuple[str, str, str]] = []
    seen: set[str] = set()
    for raw in data.get("ops", []) if isinstance(data, dict) else []:
        new = str(raw.get("new", "")).strip()
        kind = str(raw.get("op", ""))
        item = f"{new} {kind} {raw.get('targets')}"
        if new not in by_new:
            errors.append((new, item, f"unknown new id {new!r} (shown: {', '.join(by_new)})"))
            continue
        if new in seen:
            continue  # one decision per candidate: the first wins
        unknown = [t for t in raw.get("targets", []) if t not in shown]
        if unknown:
            names = ", ".join(map(str, unknown))
            errors.append((new, item, f"unknown memory id(s) {names} (shown: {', '.join(shown)})"))
            continue
        targets = [shown[t] for t in dict.fromkeys(raw.get("targets", []))]
        if kind not in OPS:
            errors.append((new, item, f"unknown op {kind!r}"))
            continue
        if kind in NEEDS_TARGET and not targets:
            errors.append((new, item, f"{kind} needs a target"))
            continue
        seen.add(new)
        ops.append(Op(kind, by_new[new], targets, str(raw.get("text", "")).strip()))
    return ops, errors


def _adds_nothing(cand: Candidate, mem: Memory) -> bool:
    """No content word or negation the stored memory lacks. Embeddings barely move for "in the
    South End", "sister's cat" or "not": each of those is new information, not a repeat."""
    new, old = cand.main_text.lower(), mem.search_text().lower()
    if any(n.search(new) and not n.search(old) for n in _NEGATIONS):
        return False
    return not content_stems(cand.main_text) - content_stems(mem.search_text())


def _one_line(text: str, limit: int = 240) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _desc(cand: Candidate) -> str:
    return f"{cand.type.value}: {_one_line(cand.text, 100)}"

