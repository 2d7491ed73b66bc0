"""`reverie bench retrieval | search | embed | capture`: benchmarks that write JSON results."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any


def register(sub: Any) -> None:
    bench = sub.add_parser("bench", help="run a benchmark and write JSON").add_subparsers(dest="bench")

    p = bench.add_parser("retrieval", help="LOCOMO turn-level evidence recall")
    p.add_argument("--data", type=Path, required=True)
    p.add_argument("--json", type=Path, dest="out")
    p.add_argument("--context", type=int, default=4, help="at most N neighbouring turns attached to each hit")
    p.add_argument("--conversations", type=int, default=0, help="only the first N conversations (0 = all)")
    p.set_defaults(handler=lambda a: _emit(_retrieval(a), a.out))

    p = bench.add_parser("search", help="hybrid search latency and ingest rate on synthetic memories")
    p.add_argument("--n", type=int, default=100_000)
    p.add_argument("--queries", type=int, default=200)
    p.add_argument("--json", type=Path, dest="out")
    p.set_defaults(handler=lambda a: _emit(_search(a), a.out))

    p = bench.add_parser("embed", help="embedder throughput (texts/s)")
    p.add_argument("--n", type=int, default=2000)
    p.add_argument("--json", type=Path, dest="out")
    p.set_defaults(handler=lambda a: _emit(_embed(a), a.out))

    p = bench.add_parser("consolidation", help="dedup/merge and invalidation quality on planted data")
    p.add_argument("--n", type=int, default=1000)
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--json", type=Path, dest="out")
    p.set_defaults(handler=lambda a: _emit(_consolidation(a), a.out))

    p = bench.add_parser("ui", help="desktop UI costs: cold start to tray, timeline load, popup search, RSS")
    p.add_argument("--json", type=Path, dest="out")
    p.set_defaults(handler=lambda a: _emit(_ui(a), a.out))

    p = bench.add_parser("api", help="/v1/search latency over loopback HTTP")
    p.add_argument("--n", type=int, default=100_000)
    p.add_argument("--queries", type=int, default=200)
    p.add_argument("--json", type=Path, dest="out")
    p.set_defaults(handler=lambda a: _emit(_api(a), a.out))

    p = bench.add_parser("qa", help="LOCOMO QA: answers from memories vs full context (F1)")
    p.add_argument("--data", type=Path, required=True)
    p.add_argument("--limit", type=int, default=20)
    p.add_argument("--sessions", type=int, default=2)
    p.add_argument("--llm-url")
    p.add_argument("--llm-model")
    p.add_argument("--json", type=Path, dest="out")
    p.set_defaults(handler=lambda a: _emit(_qa(a), a.out))

    p = bench.add_parser("capture", help="capture pipeline costs on synthetic screens")
    p.add_argument("--json", type=Path, dest="out")
    p.set_defaults(handler=lambda a: _emit(_capture(a), a.out))


def _emit(result: dict[str, Any], out: Path | None) -> int:
    text = json.dumps(result, indent=1)
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text + "\n")
    print(text)
    return 0


def _retrieval(a: argparse.Namespace) -> dict[str, Any]:
    from reverie.bench.retrieval import run

    result: dict[str, Any] = run(a.data, context=a.context, conversations=a.conversations)
    return result


def _search(a: argparse.Namespace) -> dict[str, Any]:
    from reverie.bench.search import run

    result: dict[str, Any] = run(n=a.n, queries=a.queries)
    return result


def _embed(a: argparse.Namespace) -> dict[str, Any]:
    from reverie.bench.embed import run

    result: dict[str, Any] = run(n=a.n)
    return result


def _capture(a: argparse.Namespace) -> dict[str, Any]:
    from reverie.bench.capture import run

    result: dict[str, Any] = run()
    return result


def _consolidation(a: argparse.Namespace) -> dict[str, Any]:
    from reverie.bench.consolidation import run

    result: dict[str, Any] = run(n=a.n, seed=a.seed)
    return result


def _ui(a: argparse.Namespace) -> dict[str, Any]:
    from reverie.bench.ui import run

    result: dict[str, Any] = run()
    return result


def _api(a: argparse.Namespace) -> dict[str, Any]:
    from reverie.bench.api import run

    result: dict[str, Any] = run(n=a.n, queries=a.queries)
    return result


def _qa(a: argparse.Namespace) -> dict[str, Any]:
    from reverie.bench.qa import run

    result: dict[str, Any] = run(a.data, a.limit, a.llm_url, a.llm_model, sessions=a.sessions)
    return result
