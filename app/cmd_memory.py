"""`reverie add | search | forget | import-chat`."""

from __future__ import annotations

import argparse
import json
from datetime import datetime
from pathlib import Path
from typing import Any

from reverie.core.types import EpisodicMemory, MemoryType, memory_from_text
from reverie.errors import UserFacingError


def register(sub: Any) -> None:
    p = sub.add_parser("add", help="add a memory")
    p.add_argument("--type", default="semantic", choices=[t.value for t in MemoryType])
    p.add_argument("--text", required=True)
    p.add_argument("--occurred-at", help="ISO time the memory is about")
    p.add_argument("--secret", help="vault only: the secret value (stored encrypted, never searchable)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_add)

    p = sub.add_parser("search", help="hybrid search over all memories")
    p.add_argument("query")
    p.add_argument("--type", action="append", choices=[t.value for t in MemoryType])
    p.add_argument("--limit", type=int, default=10)
    p.add_argument("--app")
    p.add_argument("--since", help="ISO date/time lower bound")
    p.add_argument("--until", help="ISO date/time upper bound")
    p.add_argument("--current", action="store_true", help="leave out invalidated (superseded) memories")
    p.add_argument("--context", type=int, default=0, help="attach up to N neighbouring chat turns when they score well")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_search)

    p = sub.add_parser("forget", help="purge a memory for good")
    p.add_argument("id")
    p.set_defaults(handler=cmd_forget)

    p = sub.add_parser("import-chat", help="import a chat export")
    p.add_argument("file", type=Path)
    p.add_argument("--format", default="locomo", choices=["locomo"])
    p.add_argument("--raw", action="store_true", help="each turn becomes an episodic memory; no LLM")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_import_chat)


def _store() -> Any:
    from reverie.services import open_store

    return open_store()


def _aware(value: str | None) -> datetime | None:
    if value is None:
        return None
    dt = datetime.fromisoformat(value)
    return dt if dt.tzinfo else dt.astimezone()


def cmd_add(args: argparse.Namespace) -> int:
    mtype = MemoryType(args.type)
    if args.secret and mtype is not MemoryType.VAULT:
        raise UserFacingError("--secret is only for --type vault")
    extra: dict[str, Any] = {"occurred_at": _aware(args.occurred_at)}
    mem = memory_from_text(mtype, args.text, **extra)
    if args.secret:
        mem.secret_value = args.secret  # type: ignore[attr-defined]
    with _store() as store:
        mid = store.add(mem)
    print(json.dumps({"id": mid, "type": mtype.value}) if args.json else mid)
    return 0


def cmd_search(args: argparse.Namespace) -> int:
    from reverie.core.retrieval.hybrid import SearchQuery, search

    q = SearchQuery(text=args.query, types=[MemoryType(t) for t in args.type] if args.type else None,
                    limit=args.limit, app=args.app, start=_aware(args.since), end=_aware(args.until),
                    include_invalid=not args.current, expand=args.context)
    from reverie.core.frame_search import search_frames

    with _store() as store:
        hits = search(store, q)
        store.record_recall([h.memory.id for h in hits[:3]])
        # Raw screen text is searched too, unless the user asked for memory types only.
        frames = [] if args.type else search_frames(store, args.query, limit=args.limit,
                                                    start=_aware(args.since), end=_aware(args.until))
    if args.json:
        print(json.dumps([h.as_dict() for h in hits] + [f.as_dict() for f in frames], indent=1))
        return 0
    if not hits and not frames:
        print("No memories match.")
    for h in hits:
        when = h.memory.occurred_at.strftime("%Y-%m-%d %H:%M") if h.memory.occurred_at else "—"
        flag = " (superseded)" if h.memory.invalid_at else ""
        text = (h.context or h.memory.search_text()).replace("\n", " ⏎ ")
        print(f"{h.score:.4f}  {h.memory.type.value:<10} {when}  {h.memory.id}{flag}\n    {text[:200]}")
    for f in frames:
        head = f"{f.score:.4f}  frame      {f.captured_at:%Y-%m-%d %H:%M}  {f.frame_id}"
        print(f"{head}\n    {f.app} — {f.title}: {f.snippet}")
    return 0


def cmd_forget(args: argparse.Namespace) -> int:
    with _store() as store:
        if not store.forget(args.id):
            raise UserFacingError(f"no memory with id {args.id}")
    print(f"forgot {args.id}")
    return 0


def import_locomo_raw(store: Any, path: Path) -> dict[str, int]:
    from reverie.core.chat_import import iter_locomo
    from reverie.core.store.messages import add_messages

    counts = {"conversations": 0, "messages": 0, "memories": 0}
    for _cid, turns in iter_locomo(path):
        counts["conversations"] += 1
        counts["messages"] += add_messages(store, turns)
        mems = [EpisodicMemory(summary=f"{t.speaker}: {t.text}", event_type="chat_message", actor=t.speaker,
                               occurred_at=t.occurred_at, provenance=[f"msg:{t.id}"], app="chat",
                               tree_path=["chat", t.conversation])
                for t in turns]
        counts["memories"] += len(store.add_many(mems))
    return counts


def cmd_import_chat(args: argparse.Namespace) -> int:
    if not args.raw:
        raise UserFacingError("import-chat without --raw runs the memory agents: use `reverie ingest-chat`")
    if not args.file.exists():
        raise UserFacingError(f"no such file: {args.file}")
    with _store() as store:
        counts = import_locomo_raw(store, args.file)
    print(json.dumps(counts) if args.json else
          f"imported {counts['messages']} messages from {counts['conversations']} conversations "
          f"as {counts['memories']} episodic memories")
    return 0
