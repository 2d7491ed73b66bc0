"""`reverie bench consolidation`: dedup and knowledge-update quality on planted ground truth.

A synthetic store (see consolidation_data) is embedded with the real ONNX model, then the dedup
and knowledge-update jobs run as the scheduler would run them. Reported: merge precision and
recall (a merge is right when both records state the same planted fact), hard negatives merged,
invalidation precision and recall, live memories before and after, and the time each job took.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

from reverie.bench.consolidation_data import Planted, generate
from reverie.core.consolidation import dedup, knowledge_update
from reverie.core.consolidation.config import ConsolidationConfig
from reverie.core.consolidation.jobs_base import JobContext
from reverie.core.store.keys import KeyOptions
from reverie.core.store.store import MemoryStore
from reverie.core.store.vector_index import IndexConfig


def run(n: int = 1000, seed: int = 7, config: ConsolidationConfig | None = None,
        embedder: Any = None) -> dict[str, Any]:
    if embedder is None:
        from reverie.models.embedder import OnnxEmbedder

        embedder = OnnxEmbedder()
    planted = generate(n, seed)
    cfg = config or ConsolidationConfig()
    with tempfile.TemporaryDirectory(prefix="reverie-bench-consolidation-") as tmp, \
            MemoryStore.open(Path(tmp), KeyOptions(passphrase="bench", use_keystore=False), embedder,
                             IndexConfig(mode="memory")) as store:
        t0 = time.perf_counter()
        mems = sorted(planted.memories, key=lambda m: m.occurred_at or m.created_at)
        for i in range(0, len(mems), 500):
            store.add_many(mems[i:i + 500])
        ingest_s = time.perf_counter() - t0
        before = _live(store)
        timings: dict[str, float] = {}
        contexts: dict[str, JobContext] = {}
        for name, job in ((dedup.NAME, dedup.run), (knowledge_update.NAME, knowledge_update.run)):
            ctx = JobContext(store, name, config=cfg)
            t = time.perf_counter()
            job(ctx)
            timings[name] = round(time.perf_counter() - t, 2)
            contexts[name] = ctx
        result = score(store, planted)
        return {
            "n_facts": n, "seed": seed, "memories": len(planted.memories),
            "planted": {"duplicate_pairs": planted.duplicate_pairs, "superseded": len(planted.superseded),
                        "hard_negatives": sum(1 for k in planted.kind.values() if k == "hard_negative")},
            **result,
            "live_before": before, "live_after": _live(store),
            "seconds": {"ingest_embed": round(ingest_s, 2), **timings},
            "job_detail": {k: c.detail for k, c in contexts.items()},
            "errors": [e for c in contexts.values() for e in c.errors],
        }


def _live(store: MemoryStore) -> int:
    q = "SELECT count(*) FROM memories WHERE archived = 0 AND invalid_at IS NULL"
    return int(store.read_conn().execute(q).fetchone()[0])


def score(store: MemoryStore, planted: Planted) -> dict[str, Any]:
    rows = store.read_conn().execute("SELECT id, last_change FROM memories WHERE last_change LIKE 'merged_into:%'")
    merges = [(mid, change.split(":", 1)[1]) for mid, change in rows]
    right = [(a, b) for a, b in merges if planted.cluster[a] == planted.cluster[b]]
    wrong = [(a, b) for a, b in merges if planted.cluster[a] != planted.cluster[b]]
    hard = [(a, b) for a, b in wrong if "hard_negative" in (planted.kind[a], planted.kind[b])]
    invalid = {r[0] for r in store.read_conn().execute("SELECT id FROM memories WHERE invalid_at IS NOT NULL")}
    hit = invalid & planted.superseded
    text = {m.id: m.search_text().split("\n")[0] for m in planted.memories}
    return {
        "merges": len(merges),
        "merge_precision": round(len(right) / len(merges), 4) if merges else 1.0,
        "merge_recall": round(len(right) / planted.duplicate_pairs, 4) if planted.duplicate_pairs else 1.0,
        "hard_negatives_merged": len(hard),
        "invalidations": len(invalid),
        "invalidation_precision": round(len(hit) / len(invalid), 4) if invalid else 1.0,
        "invalidation_recall": round(len(hit) / len(planted.superseded), 4) if planted.superseded else 1.0,
        "examples": {
            "wrong_merges": [[text[a], text[b]] for a, b in wrong[:5]],
            "wrong_invalidations": [text[i] for i in sorted(invalid - planted.superseded)[:5]],
            "missed_invalidations": [text[i] for i in sorted(planted.superseded - invalid)[:5]],
        },
    }
