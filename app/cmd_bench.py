"""`reverie bench NAME`: benchmarks that print JSON results and write them with `--json OUT`.

Each benchmark lives in `reverie.bench.<NAME>` as a `run(...)` function, imported only when
that benchmark runs (they pull in heavy runtimes).
"""

from __future__ import annotations

import argparse
import importlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

# How each subcommand's arguments become the positional and keyword arguments of its run().
Call = Callable[[argparse.Namespace], tuple[tuple[Any, ...], dict[str, Any]]]


def register(sub: Any) -> None:
    bench = sub.add_parser("bench", help="run a benchmark and write JSON").add_subparsers(dest="bench")

    def add(name: str, help_: str, call: Call) -> argparse.ArgumentParser:
        p: argparse.ArgumentParser = bench.add_parser(name, help=help_)
        p.add_argument("--json", type=Path, dest="out")
        p.set_defaults(handler=lambda a: _run(name, call, a))
        return p

    p = add("retrieval", "LOCOMO turn-level evidence recall",
            lambda a: ((a.data,), {"context": a.context, "conversations": a.conversations}))
    p.add_argument("--data", type=Path, required=True)
    p.add_argument("--context", type=int, default=4, help="at most N neighbouring turns attached to each hit")
    p.add_argument("--conversations", type=int, default=0, help="only the first N conversations (0 = all)")

    p = add("search", "hybrid search latency and ingest rate on synthetic memories",
            lambda a: ((), {"n": a.n, "queries": a.queries}))
    p.add_argument("--n", type=int, default=100_000)
    p.add_argument("--queries", type=int, default=200)

    p = add("embed", "embedder throughput (texts/s)", lambda a: ((), {"n": a.n}))
    p.add_argument("--n", type=int, default=2000)

    p = add("consolidation", "dedup/merge and invalidation quality on planted data",
            lambda a: ((), {"n": a.n, "seed": a.seed}))
    p.add_argument("--n", type=int, default=1000)
    p.add_argument("--seed", type=int, default=7)

    add("ui", "desktop UI costs: cold start to tray, timeline load, popup search, RSS", lambda a: ((), {}))

    p = add("api", "/v1/search latency over loopback HTTP", lambda a: ((), {"n": a.n, "queries": a.queries}))
    p.add_argument("--n", type=int, default=100_000)
    p.add_argument("--queries", type=int, default=200)

    p = add("qa", "LOCOMO QA: answers from memories vs full context (F1)",
            lambda a: ((a.data, a.limit, a.llm_url, a.llm_model), {"sessions": a.sessions}))
    p.add_argument("--data", type=Path, required=True)
    p.add_argument("--limit", type=int, default=20)
    p.add_argument("--sessions", type=int, default=2)
    p.add_argument("--llm-url")
    p.add_argument("--llm-model")

    add("capture", "capture pipeline costs on synthetic screens", lambda a: ((), {}))


def _run(name: str, call: Call, a: argparse.Namespace) -> int:
    run = importlib.import_module(f"reverie.bench.{name}").run
    args, kwargs = call(a)
    result: dict[str, Any] = run(*args, **kwargs)
    text = json.dumps(result, indent=1)
    if a.out is not None:
        a.out.parent.mkdir(parents=True, exist_ok=True)
        a.out.write_text(text + "\n")
    print(text)
    return 0
