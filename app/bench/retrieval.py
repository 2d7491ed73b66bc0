"""LOCOMO retrieval benchmark: turn-level evidence recall@k over raw-imported conversations.

Each conversation is imported into its own fresh, encrypted store (as `reverie import-chat
--raw` does); every question of categories 1–4 is searched; a piece of evidence counts as
found when its dia_id is in the provenance of one of the top-k hits. A hit's provenance
includes the chat messages shown as its context (`--context N`: up to N turns either side,
attached when they score well), so recall is only fair read together with
`avg_context_tokens_at_10`, the tokens of the text the top 10 hits show.
"""

from __future__ import annotations

import dataclasses
import json
import re
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from reverie.core.retrieval.hybrid import HybridConfig, SearchQuery, search
from reverie.core.store.keys import KeyOptions
from reverie.core.store.store import MemoryStore

KS = (1, 5, 10, 20)


def evidence_ids(raw: Any) -> set[str]:
    out: set[str] = set()
    for item in raw or []:
        out.update(x for x in re.split(r"[;,\s]+", str(item)) if re.fullmatch(r"D\d+:\d+", x))
    return out


def token_counter() -> Any:
    from importlib.resources import files

    from tokenizers import Tokenizer

    tok = Tokenizer.from_str(files("reverie.models").joinpath("data/tokenizer.json").read_text())
    # The bundled tokenizer.json pads and truncates to 128 (the embedder's setting): counting with
    # it as-is would report every hit as exactly 128 tokens.
    tok.no_truncation()
    tok.no_padding()
    return lambda text: len(tok.encode(text, add_special_tokens=False).ids)


def run(data: Path, *, context: int = 4, conversations: int = 0, config: HybridConfig | None = None,
        embedder: Any = None) -> dict[str, Any]:
    from reverie.cmd_memory import import_locomo_raw

    if embedder is None:
        from reverie.models.embedder import OnnxEmbedder

        embedder = OnnxEmbedder()
    items = json.loads(Path(data).read_text())
    if conversations:
        items = items[:conversations]
    cfg = config or HybridConfig()
    count_tokens = token_counter()
    recalls: dict[int, list[float]] = {k: [] for k in KS}
    by_cat: dict[int, list[float]] = {}
    tokens_at_10: list[int] = []
    latencies: list[float] = []
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="reverie-bench-") as tmp:
        for n, item in enumerate(items):
            one = Path(tmp) / f"conv{n}.json"
            one.write_text(json.dumps([item]))
            home = Path(tmp) / f"home{n}"
            with MemoryStore.open(home, KeyOptions(passphrase="bench"), embedder) as store:
                import_locomo_raw(store, one)
                cid = str(item.get("sample_id"))
                for qa in item["qa"]:
                    cat = int(qa.get("category", 0))
                    ev = evidence_ids(qa.get("evidence"))
                    if cat not in (1, 2, 3, 4) or not ev:
                        continue
                    t0 = time.perf_counter()
                    hits = search(store, SearchQuery(text=str(qa["question"]), limit=max(KS), expand=context), cfg)
                    latencies.append((time.perf_counter() - t0) * 1000)
                    for k in KS:
                        reach = {p.split(":", 2)[-1] for h in hits[:k] for p in h.provenance
                                 if p.startswith(f"msg:{cid}:")}
                        recalls[k].append(len(ev & reach) / len(ev))
                    by_cat.setdefault(cat, []).append(recalls[10][-1])
                    tokens_at_10.append(sum(count_tokens(h.context or h.memory.search_text()) for h in hits[:10]))
    return {
        "questions": len(recalls[10]),
        "recall_at": {str(k): round(statistics.fmean(v), 4) for k, v in recalls.items()},
        "recall_at_10_by_category": {str(c): round(statistics.fmean(v), 4) for c, v in sorted(by_cat.items())},
        "avg_context_tokens_at_10": round(statistics.fmean(tokens_at_10), 1),
        "context_turns_each_side": context,
        "search_p50_ms": round(statistics.median(latencies), 2),
        "search_p95_ms": round(statistics.quantiles(latencies, n=20)[-1], 2),
        "config": dataclasses.asdict(cfg),
        "seconds": round(time.perf_counter() - started, 1),
    }
