"""/v1/search latency over real loopback HTTP (uvicorn on 127.0.0.1) at n synthetic memories.

Same data as `bench search` (Zipf-distributed words, random bulk vectors, real ONNX query
embedding), so `p50_ms - direct_p50_ms` is what the API itself adds: HTTP, the gate (Host,
Origin, token, rate limit), audit logging, JSON; `status_p50_ms` is that floor without a search.
Queries run one at a time from one client.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import numpy as np

from reverie.api.config import ApiConfig
from reverie.api.server import create_app
from reverie.api.serving import ApiServer
from reverie.api.tokens import TokenStore
from reverie.bench.search import _BulkEmbedder, _vocab
from reverie.core.retrieval.hybrid import SearchQuery, search
from reverie.core.store.keys import KeyOptions
from reverie.core.store.store import MemoryStore
from reverie.core.types import EpisodicMemory, Memory, SemanticMemory


def _fill(store: MemoryStore, n: int, vocab: list[str], zipf: np.ndarray, rng: np.random.Generator,
          batch: int = 2000) -> float:
    t0, spent = 1.6e9, 0.0
    for start in range(0, n, batch):
        words = rng.choice(len(vocab), size=(min(batch, n - start), 25), p=zipf)
        mems: list[Memory] = []
        for i, row in enumerate(words):
            text = " ".join(vocab[w] for w in row)
            when = datetime.fromtimestamp(t0 + (start + i) * 60, UTC)
            mems.append(EpisodicMemory(summary=text, occurred_at=when) if (start + i) % 3
                        else SemanticMemory(name=text[:30], summary=text, occurred_at=when))
        t = time.perf_counter()
        store.add_many(mems)
        spent += time.perf_counter() - t
    return spent


def _pct(lat: list[float], q: float) -> float:
    return round(sorted(lat)[int(q * (len(lat) - 1))], 2)


def run(n: int = 100_000, queries: int = 200, seed: int = 11) -> dict[str, Any]:
    from reverie.models.embedder import OnnxEmbedder

    rng = np.random.default_rng(seed)
    vocab = _vocab(20_000, rng)
    zipf = 1.0 / np.arange(1, len(vocab) + 1) ** 1.07
    zipf /= zipf.sum()
    qs = [" ".join([vocab[i] for i in rng.integers(0, 50, size=2)] + [vocab[i] for i in rng.integers(500, 20_000, 2)])
          for _ in range(queries)]
    with tempfile.TemporaryDirectory(prefix="reverie-bench-api-") as tmp, \
            MemoryStore.open(Path(tmp), KeyOptions(passphrase="bench"), _BulkEmbedder(OnnxEmbedder())) as store:
        ingest_s = _fill(store, n, vocab, zipf, rng)
        tokens = TokenStore(store)
        _, token = tokens.create("bench", ["read"])
        # The rate limit is for misbehaving plugins; the benchmark measures latency, not the limiter.
        app = create_app(store, config=ApiConfig(rate_per_s=1e6, burst=1_000_000), tokens=tokens, mcp=False)
        server = ApiServer(app, 0).start()
        try:
            with httpx.Client(base_url=server.base_url, headers={"Authorization": f"Bearer {token}"},
                              trust_env=False, timeout=60) as http:
                http.get("/v1/search", params={"q": qs[0]}).raise_for_status()  # warm: thread-local read conn
                lat, direct = [], []
                # Interleaved, so cache warmth and machine noise hit both series alike.
                for q in qs:
                    t = time.perf_counter()
                    http.get("/v1/search", params={"q": q, "limit": 10}).raise_for_status()
                    lat.append((time.perf_counter() - t) * 1000)
                    t = time.perf_counter()
                    search(store, SearchQuery(text=q, limit=10))
                    direct.append((time.perf_counter() - t) * 1000)
                # The API's own floor: auth, gate, audit, a thread hop and a tiny query, no search.
                floor = []
                for _ in range(queries):
                    t = time.perf_counter()
                    http.get("/v1/status").raise_for_status()
                    floor.append((time.perf_counter() - t) * 1000)
        finally:
            server.stop()
    return {
        "n": n, "queries": queries,
        "p50_ms": round(statistics.median(lat), 2), "p95_ms": _pct(lat, 0.95),
        "direct_p50_ms": round(statistics.median(direct), 2), "direct_p95_ms": _pct(direct, 0.95),
        "status_p50_ms": round(statistics.median(floor), 2), "status_p95_ms": _pct(floor, 0.95),
        "ingest_per_s": round(n / ingest_s, 1),
        "note": "loopback HTTP to uvicorn on 127.0.0.1, one client, sequential; direct = same queries in-process",
    }
