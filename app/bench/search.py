"""Hybrid search latency and ingest rate on synthetic memories.

Bulk memories get random unit vectors (so 100k–1M records ingest in minutes, not hours of
embedding); every query is embedded by the real ONNX model, so the measured latency is the
whole user-visible search: query embedding + FTS5 BM25 + Chroma kNN per type + fusion + load.
The words follow a Zipf distribution so full-text costs are realistic (common words are slow).
"""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from reverie.core.protocols import FloatArray
from reverie.core.retrieval.hybrid import SearchQuery, search
from reverie.core.store.keys import KeyOptions
from reverie.core.store.store import MemoryStore
from reverie.core.types import EpisodicMemory, SemanticMemory

SYLLABLES = ["ka", "lo", "mi", "ra", "ten", "vo", "shi", "pe", "an", "dor", "el", "fu", "gri", "ho", "ix", "jun"]


class _BulkEmbedder:
    """Random vectors for bulk inserts; the real model for queries (single texts)."""

    def __init__(self, real: Any, seed: int = 7) -> None:
        self.real = real
        self.rng = np.random.default_rng(seed)
        self.dim: int = real.dim
        self.model_id = "bench-random"

    def embed(self, texts: Sequence[str]) -> FloatArray:
        if len(texts) == 1:
            return np.asarray(self.real.embed(texts), dtype=np.float32)
        v = self.rng.standard_normal((len(texts), self.dim)).astype(np.float32)
        unit: FloatArray = v / np.linalg.norm(v, axis=1, keepdims=True)
        return unit


def _vocab(n: int, rng: np.random.Generator) -> list[str]:
    words: set[str] = set()
    while len(words) < n:
        words.add("".join(rng.choice(SYLLABLES, size=int(rng.integers(2, 5)))))
    return sorted(words)


def run(n: int = 100_000, queries: int = 200, batch: int = 2000, seed: int = 11) -> dict[str, Any]:
    from reverie.models.embedder import OnnxEmbedder

    rng = np.random.default_rng(seed)
    vocab = _vocab(20_000, rng)
    zipf = 1.0 / np.arange(1, len(vocab) + 1) ** 1.07
    zipf /= zipf.sum()
    embedder = _BulkEmbedder(OnnxEmbedder())
    t0 = 1.6e9
    ingest_s = 0.0
    with tempfile.TemporaryDirectory(prefix="reverie-bench-search-") as tmp, \
            MemoryStore.open(Path(tmp), KeyOptions(passphrase="bench"), embedder) as store:
        from datetime import UTC, datetime

        for start in range(0, n, batch):
            words = rng.choice(len(vocab), size=(min(batch, n - start), 25), p=zipf)
            mems = []
            for i, row in enumerate(words):
                text = " ".join(vocab[w] for w in row)
                when = datetime.fromtimestamp(t0 + (start + i) * 60, UTC)
                cls = EpisodicMemory if (start + i) % 3 else SemanticMemory
                mems.append(cls(summary=text, occurred_at=when) if cls is EpisodicMemory
                            else SemanticMemory(name=text[:30], summary=text, occurred_at=when))
            t = time.perf_counter()
            store.add_many(mems)
            ingest_s += time.perf_counter() - t
        lat: list[float] = []
        for _ in range(queries):
            common = [vocab[i] for i in rng.integers(0, 50, size=2)]
            rare = [vocab[i] for i in rng.integers(500, len(vocab), size=2)]
            q = " ".join(common + rare)
            t = time.perf_counter()
            search(store, SearchQuery(text=q, limit=10, parse_time=False))
            lat.append((time.perf_counter() - t) * 1000)
        db_bytes = store.stats()["db_bytes"]
    lat.sort()
    return {
        "n": n, "queries": queries,
        "p50_ms": round(statistics.median(lat), 2),
        "p95_ms": round(lat[int(0.95 * (len(lat) - 1))], 2),
        "ingest_per_s": round(n / ingest_s, 1),
        "db_bytes": db_bytes,
        "note": "bulk vectors random; queries embedded by the real ONNX model",
    }
