"""Candidate lookups for hybrid search: filters as SQL and in Python, BM25 lists, light rows."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from reverie.core.types import MemoryType


@dataclass(frozen=True)
class Filters:
    types: list[MemoryType]
    time_range: tuple[float, float] | None = None  # [start, end) as epoch seconds
    app: str | None = None
    include_invalid: bool = True
    include_archived: bool = False

    def sql(self) -> tuple[str, list[Any]]:
        """A WHERE clause over `memories m`, and its arguments."""
        where = [f"m.type IN ({','.join('?' * len(self.types))})"]
        args: list[Any] = [t.value for t in self.types]
        if self.time_range is not None:
            where.append("m.occurred_at >= ? AND m.occurred_at < ?")
            args.extend(self.time_range)
        if self.app:
            where.append("m.app = ?")
            args.append(self.app)
        if not self.include_invalid:
            where.append("m.invalid_at IS NULL")
        if not self.include_archived:
            where.append("m.archived = 0")
        return " AND ".join(where), args

    def passes(self, row: Row) -> bool:
        """The same filters for candidates that came from the vector index."""
        if row.type not in self.types:
            return False
        if self.app and row.app != self.app:
            return False
        if not self.include_invalid and row.invalid_at is not None:
            return False
        if not self.include_archived and row.archived:
            return False
        if self.time_range is not None:
            t = row.occurred_at
            if t is None or not self.time_range[0] <= t < self.time_range[1]:
                return False
        return True


@dataclass(frozen=True)
class Row:
    """What ranking needs to know about a candidate, without decoding the whole record."""

    type: str
    occurred_at: float | None
    invalid_at: float | None
    archived: bool
    app: str | None
    chat_message: str | None  # the message it was made from, when made from exactly one


def rows(conn: Any, ids: list[str]) -> dict[str, Row]:
    out: dict[str, Row] = {}
    for i in range(0, len(ids), 500):
        chunk = ids[i:i + 500]
        for mid, mtype, occ, inv, arch, app, prov in conn.execute(
                "SELECT id, type, occurred_at, invalid_at, archived, app, provenance FROM memories "
                f"WHERE id IN ({','.join('?' * len(chunk))})", chunk):
            out[mid] = Row(mtype, occ, inv, bool(arch), app, single_message(prov))
    return out


def single_message(prov_json: str) -> str | None:
    """The message id when the provenance (a JSON list) holds exactly one `msg:` source."""
    if "msg:" not in prov_json:
        return None
    if prov_json.startswith('["msg:') and prov_json.endswith('"]') and prov_json.count('"') == 2 \
            and "\\" not in prov_json:
        return prov_json[6:-2]  # the common case, without a JSON decode
    msgs = [p[4:] for p in json.loads(prov_json) if p.startswith("msg:")]
    return msgs[0] if len(msgs) == 1 else None


def fts(conn: Any, match: str, filters: Filters, n: int) -> list[tuple[str, float]]:
    """Best `n` full-text matches as (id, BM25 score), higher is better (FTS5's bm25() is negated).

    FTS5 ranks and cuts on its own (`ORDER BY rank LIMIT`) far faster than when a join filter
    must be checked for every matching row (200 ms vs 30 ms for common words at 100k rows), so
    the best 1.25n matches are taken first and filtered after; only when the filters removed so
    many that fewer than n remain, and more matches exist, is the slower joined query run.
    """
    where, args = filters.sql()
    limit = n + n // 4
    sql = ("SELECT m.id, -r.rank FROM (SELECT rowid, rank FROM memories_fts WHERE memories_fts MATCH ? "
           f"ORDER BY rank LIMIT ?) r JOIN memories m ON m.seq = r.rowid WHERE {where} ORDER BY r.rank")
    rows_ = conn.execute(sql, (match, limit, *args)).fetchall()
    if len(rows_) >= n:
        return [(r[0], float(r[1])) for r in rows_[:n]]
    (total,) = conn.execute("SELECT count(*) FROM (SELECT rowid FROM memories_fts WHERE memories_fts MATCH ? "
                            "LIMIT ?)", (match, limit + 1)).fetchone()
    if total <= limit:
        return [(r[0], float(r[1])) for r in rows_]
    sql = ("SELECT m.id, -bm25(memories_fts) FROM memories_fts f JOIN memories m ON m.seq = f.rowid "
           f"WHERE memories_fts MATCH ? AND {where} ORDER BY bm25(memories_fts) LIMIT ?")
    return [(r[0], float(r[1])) for r in conn.execute(sql, (match, *args, n))]
