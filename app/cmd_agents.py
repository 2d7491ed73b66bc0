"""`reverie ask | chat | ingest-chat`: the memory agents and the chat agent from the command line."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from reverie.errors import UserFacingError


def register(sub: Any) -> None:
    p = sub.add_parser("ask", help="answer a question from your memories, with citations")
    p.add_argument("question")
    p.add_argument("--json", action="store_true", help='print {"answer": …, "citations": [ids…]}')
    p.add_argument("--no-remember", action="store_true", help="don't store the exchange as a memory")
    add_llm_options(p)
    p.set_defaults(handler=cmd_ask)

    p = sub.add_parser("chat", help="interactive chat over your memories (streams answers)")
    p.add_argument("--no-remember", action="store_true", help="don't store the exchanges as memories")
    add_llm_options(p)
    p.set_defaults(handler=cmd_chat)

    p = sub.add_parser("ingest-chat", help="run the memory agents over a chat export")
    p.add_argument("file", type=Path)
    p.add_argument("--format", default="locomo", choices=["locomo"])
    p.add_argument("--limit-sessions", type=int, default=0, help="only the first N sessions of each conversation")
    p.add_argument("--batch-turns", type=int, default=10,
                   help="turns per batch within a session (0 = a whole session per batch)")
    p.add_argument("--json", action="store_true")
    add_llm_options(p)
    p.set_defaults(handler=cmd_ingest_chat)


def add_llm_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--llm-url", help="OpenAI-compatible server (Ollama, LM Studio, llama.cpp server…)")
    p.add_argument("--llm-model", help="model name on that server, or a GGUF path / bundled model name")
    p.add_argument("--n-ctx", type=int, help="context size (default: settings, 4096)")
    p.add_argument("--threads", type=int, help="llama.cpp threads (default: half the cores)")


def build_llm(args: argparse.Namespace) -> Any:
    """The LLM the user asked for: a server with --llm-url, else a local GGUF (settings or bundled)."""
    from reverie.core.protocols import LLMError
    from reverie.models.model_manager import ModelError
    from reverie.paths import reverie_home
    from reverie.services import llm_from_settings
    from reverie.settings import Settings

    home = reverie_home()
    try:
        return llm_from_settings(Settings.load(home), home, url=args.llm_url, model=args.llm_model,
                                 n_ctx=args.n_ctx, threads=args.threads)
    except (ModelError, LLMError) as exc:
        raise UserFacingError(f"no usable LLM: {exc}") from exc


def _store() -> Any:
    from reverie.services import open_store

    return open_store()


def cmd_ask(args: argparse.Namespace) -> int:
    from reverie.core.agents.chat import Answer, ChatAgent, ChatConfig
    from reverie.core.protocols import LLMError

    llm = build_llm(args)
    answer: Answer | None = None
    with _store() as store:
        agent = ChatAgent(store, llm, ChatConfig(remember=not args.no_remember))
        try:
            for event in agent.stream(args.question):
                if event.kind == "delta" and not args.json:
                    print(event.text, end="", flush=True)
                answer = event.answer or answer
        except LLMError as exc:
            raise UserFacingError(f"the model failed: {exc}") from exc
    if answer is None:
        raise UserFacingError("the chat agent gave no answer")
    if not args.json:
        print()
    if args.json:
        print(json.dumps({"answer": answer.text, "citations": answer.citations, "abstained": answer.abstained,
                          "inferred_citations": answer.inferred_citations,
                          "usage": {"prompt_tokens": answer.usage.prompt_tokens,
                                    "completion_tokens": answer.usage.completion_tokens}}))
    elif answer.citations:
        print("sources: " + ", ".join(answer.citations))
    return 0


def cmd_chat(args: argparse.Namespace) -> int:
    from reverie.core.agents.chat import ChatAgent, ChatConfig
    from reverie.core.protocols import LLMError

    llm = build_llm(args)
    with _store() as store:
        agent = ChatAgent(store, llm, ChatConfig(remember=not args.no_remember))
        print("Ask about your memories. Empty line or Ctrl-D to quit.")
        while True:
            try:
                question = input("you> ").strip()
            except EOFError:
                break
            if not question or question in {"exit", "quit"}:
                break
            print("reverie> ", end="", flush=True)
            try:
                for event in agent.stream(question):
                    if event.kind == "delta":
                        print(event.text, end="", flush=True)
                    elif event.answer is not None and event.answer.citations:
                        print("\n  sources: " + ", ".join(event.answer.citations), end="")
            except LLMError as exc:  # one failed answer should not end the session
                print(f"\n(the model failed: {exc})", end="")
            print()
    return 0


def cmd_ingest_chat(args: argparse.Namespace) -> int:
    from reverie.core.agents.ingest import ingest_turns
    from reverie.core.agents.pipeline import MemoryAgents
    from reverie.core.agents.report import Report
    from reverie.core.chat_import import iter_locomo

    if not args.file.exists():
        raise UserFacingError(f"no such file: {args.file}")
    llm = build_llm(args)

    def progress(n: int, report: Report) -> None:
        if not args.json:
            print(f"batch {n}: {dict(report.ops)} in {report.seconds:.1f}s, {report.usage.calls} LLM calls, "
                  f"{len(report.rejected)} rejected" + (f", error: {report.error}" if report.error else ""),
                  file=sys.stderr)

    total = Report()
    with _store() as store:
        agents = MemoryAgents(store, llm)
        for _cid, turns in iter_locomo(args.file):
            if args.limit_sessions:
                keep = sorted({t.session for t in turns})[: args.limit_sessions]
                turns = [t for t in turns if t.session in keep]
            total.merge(ingest_turns(agents, turns, args.batch_turns, progress))
    result = total.as_dict()
    print(json.dumps(result, indent=1) if args.json else
          f"{result['batches']} batches, {result['stored']} memories written, {len(result['rejected'])} rejected, "
          f"{result['llm_calls_per_batch']} LLM calls and {result['seconds_per_batch']} s per batch")
    return 0 if total.error is None else 1
