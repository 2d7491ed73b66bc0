"""Hybrid retrieval: BM25 (FTS5) + dense vectors (Chroma) + exact phrases, fused by normalised score.

Time expressions in the query become a time filter; type / app / validity filters apply to
every component. Memories made from a single chat message are ranked and shown as positions
in their conversation (see `context`): their score takes in their neighbours', hits next to a
better hit merge into its span, and with `expand` > 0 each span carries the neighbouring
messages that score well (and their provenance).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from reverie.core.retrieval.candidates import Filters, fts, rows
from reverie.core.retrieval.context import Span, Thread, grow, render, smooth, try_absorb
from reverie.core.retrieval.fusion import fuse, normalise_bm25, normalise_dense
from reverie.core.retrieval.term_stats import drop_common
from reverie.core.retrieval.text_query import fts_or_query, fts_phrase_query, keywords, quoted_phrases
from reverie.core.retrieval.timeparse import parse_time
from reverie.core.store.records import ts
from reverie.core.store.store import MemoryStore
from reverie.core.types import Memory, MemoryType, utcnow

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class HybridConfig:
    w_bm25: float = 1.0
    w_dense: float = 0.7
    w_phrase: float = 1.0
    candidates: int = 200  # per component; dense scores are stretched between the 1st and the last
    invalid_penalty: float = 0.7
    neighbour_weight: float = 0.3  # share of the adjacent chat messages' scores a chat hit takes in
    smooth_top: int = 40  # chat candidates (best first) whose neighbours are looked up for smoothing
    context_tau: float = 0.12  # attach a neighbour scoring ≥ tau × the best hit's score (0: all within reach)
    max_span: int = 12  # messages in one hit at most
    sitting_gap_s: float = 3 * 3600.0  # messages further apart in time are not each other's context


@dataclass
class SearchQuery:
    text: str
    types: Sequence[MemoryType] | None = None
    limit: int = 10
    start: datetime | None = None
    end: datetime | None = None
    app: str | None = None
    include_invalid: bool = True
    include_archived: bool = False
    parse_time: bool = True
    expand: int = 0  # chat context: up to this many neighbouring messages either side of a hit
    context_chars: int = 0  # cap on the characters of all hits' chat context together (0: none)
    now: datetime | None = None


@dataclass
class SearchHit:
    memory: Memory
    score: float
    ranks: dict[str, int] = field(default_factory=dict)
    provenance: list[str] = field(default_factory=list)
    context: str = ""
    merged: list[str] = field(default_factory=list)  # ids of lower hits shown inside this one's context

    def as_dict(self) -> dict[str, Any]:
        m = self.memory
        return {
            "id": m.id, "type": m.type.value, "text": self.context or m.search_text(), "score": round(self.score, 6),
            "occurred_at": m.occurred_at.isoformat() if m.occurred_at else None,
            "invalid_at": m.invalid_at.isoformat() if m.invalid_at else None,
            "app": m.app, "provenance": self.provenance, "ranks": self.ranks, "merged": self.merged,
        }


def search(store: MemoryStore, query: SearchQuery, config: HybridConfig | None = None) -> list[SearchHit]:
    cfg = config or HybridConfig()
    if query.parse_time and query.start is None and query.end is None:
        found, cleaned = parse_time(query.text, query.now or utcnow().astimezone())
        if found is not None and cleaned.strip():
            hits = _search(store, query, cfg, cleaned, found.start, found.end)
            if hits:
                return hits
            log.debug("no hits inside %r; searching all time", found.phrase)
    return _search(store, query, cfg, query.text, query.start, query.end)


def _search(store: MemoryStore, query: SearchQuery, cfg: HybridConfig, text: str,
            start: datetime | None, end: datetime | None) -> list[SearchHit]:
    time_range = (ts(start) or float("-inf"), ts(end) or float("inf")) if (start or end) else None
    types = list(query.types) if query.types else list(MemoryType)
    filters = Filters(types, time_range, query.app, query.include_invalid, query.include_archived)
    n = max(cfg.candidates, query.limit * 3)
    conn = store.read_conn()
    ranks: dict[str, dict[str, int]] = {}
    components: list[tuple[dict[str, float], float]] = []

    def add(name: str, ranked: list[tuple[str, float]], scores: dict[str, float], weight: float) -> None:
        for rank, (mid, _) in enumerate(ranked, start=1):
            ranks.setdefault(mid, {})[name] = rank
        components.append((scores, weight))

    match = fts_or_query(drop_common(conn, keywords(text)))
    if match:
        bm = fts(conn, match, filters, n)
        add("bm25", bm, normalise_bm25(bm), cfg.w_bm25)
    for phrase in quoted_phrases(query.text):
        ph = fts(conn, fts_phrase_query(phrase), filters, n)
        add("phrase", ph, {mid: 1.0 for mid, _ in ph}, cfg.w_phrase)
    qvec = store.embed_query(text) if store.index is not None and text.strip() else None
    if qvec is not None and store.index is not None:
        dense: list[tuple[str, float]] = []
        for t in types:
            dense.extend(store.index.query(t, qvec, n, time_range))
        dense.sort(key=lambda x: -x[1])
        add("dense", dense[:n], normalise_dense(dense[:n]), cfg.w_dense)

    fused = fuse(components)
    info = rows(conn, list(fused))
    own: dict[str, float] = {}
    for mid, score in fused.items():
        row = info.get(mid)
        if row is None or not filters.passes(row):
            continue
        own[mid] = score * (cfg.invalid_penalty if row.invalid_at is not None else 1.0)
    msg_of = {mid: m for mid in own if (m := info[mid].chat_message) is not None}
    hits = _rank(conn, query, cfg, own, msg_of)
    mems = store.get_many([h.memory_id for h in hits])
    out: list[SearchHit] = []
    for h in hits:
        mem = mems.get(h.memory_id)
        if mem is None:
            continue
        prov = sorted(set(mem.provenance) | set(h.provenance)) if h.provenance else list(mem.provenance)
        out.append(SearchHit(mem, h.score, ranks.get(h.memory_id, {}), prov, h.context, h.merged))
    return out


@dataclass
class _Hit:
    memory_id: str
    score: float
    context: str = ""
    provenance: list[str] = field(default_factory=list)
    merged: list[str] = field(default_factory=list)


def _rank(conn: Any, query: SearchQuery, cfg: HybridConfig, own: dict[str, float],
          msg_of: dict[str, str]) -> list[_Hit]:
    """Order candidates (chat ones smoothed by their neighbours), merge chat hits into spans, grow them.

    `own`: candidate memory id → fused score; `msg_of`: chat candidate → the message it was made from.
    """
    own_msg = {m: own[mid] for mid, m in msg_of.items()}
    thread = Thread(conn, radius=max(query.expand, 1) + 1, gap_s=cfg.sitting_gap_s)
    scores = dict(own)
    weight = cfg.neighbour_weight if msg_of else 0.0
    msg_score = smooth(thread, own_msg, weight)
    if weight > 0:
        top_chat = sorted(msg_of, key=lambda mid: -own[mid])[: cfg.smooth_top]
        thread.load(msg_of[mid] for mid in top_chat)
        for mid, msg in msg_of.items():  # the windows loaded also cover lower candidates nearby
            scores[mid] = msg_score(msg)
    ordered = sorted(scores, key=lambda mid: -scores[mid])
    if query.expand <= 0:
        return [_Hit(mid, scores[mid]) for mid in ordered[: query.limit]]

    # Windows of the chat hits likely to be visited, in one batch; stragglers load one by one.
    thread.load(msg_of[mid] for mid in ordered[: query.limit * 3] if mid in msg_of)
    hits: list[_Hit] = []
    spans: dict[int, Span] = {}  # index of the hit → its span
    for mid in ordered:
        if len(hits) >= query.limit:
            break
        anchor = msg_of.get(mid)
        if anchor is not None:
            thread.load([anchor])
            if anchor in thread.known:
                span = try_absorb(list(spans.values()), thread, anchor)
                if span is not None:
                    span.absorbed.append(mid)
                    continue
                spans[len(hits)] = Span([anchor], {anchor})
        hits.append(_Hit(mid, scores[mid]))
    if spans:
        grow(list(spans.values()), thread, msg_score, floor=cfg.context_tau * hits[0].score,
             reach=query.expand, max_len=cfg.max_span, budget=query.context_chars)
        for i, (text, prov) in zip(spans, render(spans.values(), thread), strict=True):
            hits[i].context, hits[i].provenance, hits[i].merged = text, prov, spans[i].absorbed
    return hits
