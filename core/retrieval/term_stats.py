"""Document frequencies of query terms, to leave very common words out of the BM25 query.

BM25 must score every row a term matches; a word in a third of 100k memories costs ~30 ms and,
having almost no IDF, barely changes the ranking (Lucene's "common terms" idea). FTS5 stores
porter-stemmed terms, so the words are stemmed by SQLite itself: they go through a tiny FTS5
table in the connection's TEMP schema (kept in memory: temp_store = MEMORY, nothing on disk).
"""

from __future__ import annotations

from typing import Any


def _prepare(conn: Any) -> None:
    conn.execute("CREATE VIRTUAL TABLE IF NOT EXISTS temp.stem_probe USING fts5(t, tokenize='porter unicode61')")
    conn.execute("CREATE VIRTUAL TABLE IF NOT EXISTS temp.stem_vocab USING fts5vocab(temp, stem_probe, instance)")
    conn.execute("CREATE VIRTUAL TABLE IF NOT EXISTS temp.mem_vocab USING fts5vocab(main, memories_fts, row)")


def document_frequencies(conn: Any, words: list[str]) -> tuple[dict[str, int], int]:
    """({word: number of memories containing its stem}, an upper bound on the number of memories)."""
    if not words:
        return {}, 0
    _prepare(conn)  # IF NOT EXISTS: a no-op after the first call on this connection
    conn.execute("DELETE FROM temp.stem_probe")
    conn.executemany("INSERT INTO temp.stem_probe(rowid, t) VALUES (?, ?)", list(enumerate(words)))
    stems = {int(doc): term for term, doc in conn.execute("SELECT term, doc FROM temp.stem_vocab")}
    conn.execute("DELETE FROM temp.stem_probe")
    uniq = sorted(set(stems.values()))
    marks = ",".join("?" * len(uniq))
    df = dict(conn.execute(f"SELECT term, doc FROM temp.mem_vocab WHERE term IN ({marks})", uniq).fetchall())
    (total,) = conn.execute("SELECT coalesce(max(seq), 0) FROM memories").fetchone()
    return {w: int(df.get(stems.get(i, ""), 0)) for i, w in enumerate(words)}, int(total)


def drop_common(conn: Any, words: list[str], max_share: float = 0.1, min_docs: int = 2000) -> list[str]:
    """The words without those in more than `max_share` of memories (never all of them)."""
    if len(words) < 2:
        return words
    df, total = document_frequencies(conn, words)
    limit = max(min_docs, int(max_share * total))
    kept = [w for w in words if df.get(w, 0) <= limit]
    return kept or [min(words, key=lambda w: df.get(w, 0))]
