"""Full-text search over captured screen text: BM25 over `frames_fts`.

Queries are the same stopword-free OR of keywords that memory search uses, so a question phrased
as a sentence still finds the frame; quoted phrases in the query must all match exactly.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from reverie.core.retrieval.text_query import fts_or_query, fts_phrase_query, keywords, quoted_phrases
from reverie.core.store.records import ts
from reverie.core.store.store import MemoryStore

SNIPPET_TOKENS = 16


@dataclass(frozen=True)
class FrameHit:
    frame_id: str
    captured_at: datetime
    app: str
    title: str
    score: float  # BM25, higher is better
    snippet: str  # the matching stretch of the (redacted) screen text

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["captured_at"] = self.captured_at.isoformat()
        # The same keys as memory hits (`reverie search --json` mixes both kinds).
        out.update(id=self.frame_id, type="frame", text=self.snippet, kind="frame",
                   provenance=[f"frame:{self.frame_id}"])
        return out


def match_expression(text: str) -> str | None:
    """The FTS5 MATCH for a free-text query; None when it has no searchable word."""
    phrases = [fts_phrase_query(p) for p in quoted_phrases(text)]
    words = fts_or_query(keywords(text))
    if not phrases:
        return words
    # Phrases filter, the keywords rank: a frame must contain every phrase.
    return " AND ".join([*phrases, f"({words})"] if words else phrases)


def time_clause(column: str, start: datetime | None, end: datetime | None) -> tuple[list[str], list[float]]:
    """SQL conditions for [start, end); naive datetimes count as UTC, as everywhere in the store."""
    parts: list[str] = []
    args: list[float] = []
    start_ts, end_ts = ts(start), ts(end)
    if start_ts is not None:
        parts.append(f"{column} >= ?")
        args.append(start_ts)
    if end_ts is not None:
        parts.append(f"{column} < ?")
        args.append(end_ts)
    return parts, args


def search_frames(store: MemoryStore, text: str, limit: int = 20, start: datetime | None = None,
                  end: datetime | None = None) -> list[FrameHit]:
    """Best `limit` frames for `text` captured in [start, end), best first."""
    match = match_expression(text)
    if match is None or limit <= 0:
        return []
    conds, args = time_clause("f.captured_at", start, end)
    where = "".join(f" AND {c}" for c in conds)
    sql = ("SELECT f.id, f.captured_at, f.app, f.title, -bm25(frames_fts), "
           f"snippet(frames_fts, 0, '', '', '…', {SNIPPET_TOKENS}) "
           "FROM frames_fts JOIN frames f ON f.seq = frames_fts.rowid "
           f"WHERE frames_fts MATCH ?{where} ORDER BY bm25(frames_fts) LIMIT ?")
    rows = store.read_conn().execute(sql, (match, *args, limit))
    return [FrameHit(fid, datetime.fromtimestamp(when, UTC), app or "", title or "", float(score), snip)
            for fid, when, app, title, score, snip in rows]
