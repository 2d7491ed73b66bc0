"""Common-term pruning reads document frequencies of porter-stemmed words from the FTS index."""

from __future__ import annotations

from reverie.core.retrieval.term_stats import document_frequencies, drop_common
from reverie.core.store.store import MemoryStore
from reverie.core.types import SemanticMemory


def test_common_words_are_dropped_rare_kept(store: MemoryStore) -> None:
    mems = [SemanticMemory(name=f"n{i}", summary=f"meeting notes {i}" + (" walrus" if i == 3 else ""))
            for i in range(30)]
    store.add_many(mems)
    conn = store.read_conn()
    df, total = document_frequencies(conn, ["meetings", "walrus", "absent"])
    assert df == {"meetings": 30, "walrus": 1, "absent": 0}  # "meetings" counted through its stem
    assert total >= 30
    assert drop_common(conn, ["meetings", "walrus"], max_share=0.5, min_docs=1) == ["walrus"]
    # never drops every word: the rarest one stays
    assert drop_common(conn, ["meetings", "notes"], max_share=0.1, min_docs=1) in (["meetings"], ["notes"])
    assert drop_common(conn, ["walrus"], min_docs=1) == ["walrus"]
