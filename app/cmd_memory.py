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


def _remote() -> Any:
    """A client for the running Reverie instance that holds the data dir, or None."""
    from reverie.api.remote import running_instance
    from reverie.client import ReverieClient
    from reverie.paths import reverie_home

    found = running_instance(reverie_home())
    return ReverieClient(*found) if found else None


def cmd_add(args: argparse.Namespace) -> int:
    mtype = MemoryType(args.type)
    if args.secret and mtype is not MemoryType.VAULT:
        raise UserFacingError("--secret is only for --type vault")
    if (client := _remote()) is not None:
        with client:
            mid = client.add(args.text, type=mtype.value, occurred_at=_aware(args.occurred_at),
                             secret=args.secret)["id"]
    else:
        mem = memory_from_text(mtype, args.text, occurred_at=_aware(args.occurred_at))
        if args.secret:
            mem.secret_value = args.secret  # type: ignore[attr-defined]
        with _store() as store:
            mid = store.add(mem)
    print(json.dumps({"id": mid, "type": mtype.value}) if args.json else mid)
    return 0


def _search_rows(args: argparse.Namespace) -> list[dict[str, Any]]:
    since, until = _aware(args.since), _aware(args.until)
    if (client := _remote()) is not None:
        with client:
            rows: list[dict[str, Any]] = client.search(
                args.query, types=args.type, limit=args.limit, app=args.app, since=since, until=until,
                current=args.current, recall=True, context=args.context)
            if not args.type:
                rows += client.search_frames(args.query, limit=args.limit, since=since, until=until)
        return rows
    from reverie.core.frame_search import search_frames
    from reverie.core.retrieval.hybrid import SearchQuery, search

    q = SearchQuery(text=args.query, types=[MemoryType(t) for t in args.type] if args.type else None,
                    limit=args.limit, app=args.app, start=since, end=until,
                    include_invalid=not args.current, expand=args.context)
    with _store() as store:
        hits = search(store, q)
        store.record_recall([h.memory.id for h in hits[:3]])
        # Raw screen text is searched too, unless the user asked for memory types only.
        frames = [] if args.type else search_frames(store, args.query, limit=args.limit, start=since, end=until)
    return [h.as_dict() for h in hits] + [f.as_dict() for f in frames]


def cmd_search(args: argparse.Namespace) -> int:
    rows = _search_rows(args)
    if args.json:
        print(json.dumps(rows, indent=1))
        return 0
    if not rows:
        print("No memories match.")
    for r in rows:
        when = (r.get("occurred_at") or r.get("captured_at") or "—")[:16].replace("T", " ")
        flag = " (superseded)" if r.get("invalid_at") else ""
        text = str(r.get("text", "")).replace("\n", " ⏎ ")
        if r.get("type") == "frame":
            text = f"{r.get('app')} — {r.get('title')}: {text}"
        print(f"{r['score']:.4f}  {r['type']:<10} {when}  {r['id']}{flag}\n    {text[:200]}")
    return 0


def cmd_forget(args: argparse.Namespace) -> int:
    if (client := _remote()) is not None:
        with client:
            found = bool(client.delete(args.id))
    else:
        with _store() as store:
            found = store.forget(args.id)
    if not found:
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
