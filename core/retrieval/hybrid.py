"""Hybrid retrieval: BM25 (FTS5) + dense vectors (Chroma) + exact phrases, fused by weighted RRF.

Time expressions in the query become a time filter; type / app / validity filters apply to
every component. Hits from chat carry neighbouring messages as context when asked, so a hit
on one turn brings the exchange around it (and their provenance) along.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from reverie.core.retrieval.context import expand_context
from reverie.core.retrieval.text_query import fts_or_query, fts_phrase_query, keywords, quoted_phrases
from reverie.core.retrieval.timeparse import parse_time
from reverie.core.store.records import ts
from reverie.core.store.store import MemoryStore
from reverie.core.types import Memory, MemoryType, utcnow

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class HybridConfig:
    k_rrf: float = 60.0
    w_bm25: float = 1.0
    w_dense: float = 1.0
    w_phrase: float = 2.0
    candidates: int = 60
    invalid_penalty: float = 0.7


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
    expand: int = 0  # neighbouring chat messages on each side to attach as context
    now: datetime | None = None


@dataclass
class SearchHit:
    memory: Memory
    score: float
    ranks: dict[str, int] = field(default_factory=dict)
    provenance: list[str] = field(default_factory=list)
    context: str = ""

    def as_dict(self) -> dict[str, Any]:
        m = self.memory
        return {
            "id": m.id, "type": m.type.value, "text": self.context or m.search_text(), "score": round(self.score, 6),
            "occurred_at": m.occurred_at.isoformat() if m.occurred_at else None,
            "invalid_at": m.invalid_at.isoformat() if m.invalid_at else None,
            "app": m.app, "provenance": self.provenance, "ranks": self.ranks,
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

    filters, args = _sql_filters(types, time_range, query)
    n = max(cfg.candidates, query.limit * 3)
    fused: dict[str, float] = {}
    ranks: dict[str, dict[str, int]] = {}

    def add(component: str, ids: list[str], weight: float) -> None:
        for rank, mid in enumerate(ids, start=1):
            fused[mid] = fused.get(mid, 0.0) + weight / (cfg.k_rrf + rank)
            ranks.setdefault(mid, {})[component] = rank

    conn = store.read_conn()
    match = fts_or_query(keywords(text))
    if match:
        add("bm25", _fts(conn, match, filters, args, n), cfg.w_bm25)
    for phrase in quoted_phrases(query.text):
        add("phrase", _fts(conn, fts_phrase_query(phrase), filters, args, n), cfg.w_phrase)
    qvec = store.embed_query(text) if store.index is not None and text.strip() else None
    if qvec is not None and store.index is not None:
        dense: list[tuple[str, float]] = []
        for t in types:
            dense.extend(store.index.query(t, qvec, n, time_range if time_range else None))
        dense.sort(key=lambda x: -x[1])
        add("dense", [mid for mid, _ in dense[:n]], cfg.w_dense)

    mems = store.get_many(list(fused))
    hits: list[SearchHit] = []
    for mid, score in fused.items():
        mem = mems.get(mid)
        if mem is None or not _passes(mem, types, time_range, query):
            continue
        if mem.invalid_at is not None:
            score *= cfg.invalid_penalty
        hits.append(SearchHit(mem, score, ranks[mid], list(mem.provenance)))
    hits.sort(key=lambda h: -h.score)
    hits = hits[: query.limit]
    if query.expand > 0:
        expand_context(conn, hits, query.expand)
    return hits


def _sql_filters(types: list[MemoryType], time_range: tuple[float, float] | None,
                 query: SearchQuery) -> tuple[str, list[Any]]:
    where = [f"m.type IN ({','.join('?' * len(types))})"]
    args: list[Any] = [t.value for t in types]
    if time_range is not None:
        where.append("m.occurred_at >= ? AND m.occurred_at < ?")
        args.extend(time_range)
    if query.app:
        where.append("m.app = ?")
        args.append(query.app)
    if not query.include_invalid:
        where.append("m.invalid_at IS NULL")
    if not query.include_archived:
        where.append("m.archived = 0")
    return " AND ".join(where), args


def _fts(conn: Any, match: str, filters: str, args: list[Any], n: int) -> list[str]:
    sql = ("SELECT m.id FROM memories_fts f JOIN memories m ON m.seq = f.rowid "
           f"WHERE memories_fts MATCH ? AND {filters} ORDER BY bm25(memories_fts) LIMIT ?")
    return [r[0] for r in conn.execute(sql, (match, *args, n))]


def _passes(mem: Memory, types: list[MemoryType], time_range: tuple[float, float] | None,
            query: SearchQuery) -> bool:
    if mem.type not in types:
        return False
    if query.app and mem.app != query.app:
        return False
    if not query.include_invalid and mem.invalid_at is not None:
        return False
    if not query.include_archived and mem.archived:
        return False
    if time_range is not None:
        t = ts(mem.occurred_at)
        if t is None or not time_range[0] <= t < time_range[1]:
            return False
    return True
