"""`reverie bench NAME`: benchmarks that print JSON results and write them with `--json OUT`.

Each benchmark lives in `reverie.bench.<NAME>` as a `run(...)` function, imported only when
that benchmark runs (they pull in heavy runtimes).
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
import time
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

    p = add("qa", "LOCOMO QA: answers from memories vs full context (F1 per category)",
            lambda a: ((a.data, a.limit, a.llm_url, a.llm_model), {
                "sessions": a.sessions, "conversations": a.conversations, "categories": a.categories, "seed": a.seed,
                "batch_turns": a.batch_turns, "n_ctx": a.n_ctx, "full_context_n_ctx": a.full_context_n_ctx,
                "threads": a.threads, "full_context": not a.no_full_context, "plots": a.plots, "out": a.out,
                "resume": a.resume, "report_only": a.report_only, "progress": _stderr}))
    p.add_argument("--data", type=Path, required=True)
    p.add_argument("--limit", type=int, default=20, help="questions per conversation, stratified by category (0 = all)")
    p.add_argument("--sessions", type=int, default=2, help="first N sessions of each conversation (0 = all)")
    p.add_argument("--conversations", type=int, default=1, help="first N conversations of the file (0 = all)")
    p.add_argument("--categories", default="1,2,3,4,5", help="LOCOMO categories to ask, e.g. 1,2,4")
    p.add_argument("--seed", type=int, default=7, help="seed of the stratified question sample")
    p.add_argument("--batch-turns", type=int, default=10, help="turns per ingest batch (0 = one per session)")
    p.add_argument("--n-ctx", type=int, default=4096, help="context of the model the memory agents use")
    p.add_argument("--full-context-n-ctx", type=int, default=32768, help="context of the full-context baseline")
    p.add_argument("--threads", type=int)
    p.add_argument("--no-full-context", action="store_true", help="skip the full-context baseline")
    p.add_argument("--plots", type=Path, help="write PNG plots into this folder")
    p.add_argument("--resume", action="store_true", help="continue from OUT.partial after an interruption")
    p.add_argument("--report-only", action="store_true", help="results so far from OUT.partial (no model runs)")
    p.add_argument("--llm-url", help="OpenAI-compatible server (e.g. python -m llama_cpp.server) instead of in-process")
    p.add_argument("--llm-model")

    add("capture", "capture pipeline costs on synthetic screens", lambda a: ((), {}))

    def screenday(a: argparse.Namespace) -> tuple[tuple[Any, ...], dict[str, Any]]:
        return (), {"size": a.size, "seed": a.seed, "llm_url": a.llm_url, "llm_model": a.llm_model,
                    "out_dir": a.out_dir, "plots": a.plots, "max_frames": a.max_frames,
                    "max_questions": a.max_questions}

    p = add("screenday", "synthetic screen day end to end: ingest-frames, absorb, ask vs RAG and full context",
            screenday)
    p.set_defaults(handler=lambda a: _run("screenday.run", screenday, a))  # a package: run() is in .run
    p.add_argument("--size", default="tiny", choices=["tiny", "small", "report"])
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--llm-url")
    p.add_argument("--llm-model")
    p.add_argument("--out", type=Path, dest="out_dir", help="keep the day, data dir and result.json here")
    p.add_argument("--plots", type=Path, help="write the report PNGs here")
    p.add_argument("--max-frames", type=int, default=0, help="only the first N frames (0 = all)")
    p.add_argument("--max-questions", type=int, default=0, help="at most N questions, spread over types (0 = all)")


def _stderr(message: str) -> None:  # qa progress: long runs show they are alive, stdout stays JSON
    print(f"{time.strftime('%H:%M:%S')} {message}", file=sys.stderr, flush=True)


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
