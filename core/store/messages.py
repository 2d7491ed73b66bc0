"""Raw chat messages: the source that chat-derived memories point to (`msg:<id>` provenance)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from reverie.core.chat_import import ChatTurn
from reverie.core.store.records import ts
from reverie.core.store.store import MemoryStore


def add_messages(store: MemoryStore, turns: Sequence[ChatTurn]) -> int:
    rows = [(t.id, t.conversation, t.speaker, t.text, ts(t.occurred_at)) for t in turns]

    def txn(conn: Any) -> int:
        cur = conn.executemany(
            "INSERT OR IGNORE INTO messages(id, conversation, speaker, text, occurred_at) VALUES (?,?,?,?,?)", rows)
        return int(cur.rowcount)

    n: int = store.write(txn)
    return n


def unprocessed_messages(store: MemoryStore, limit: int = 1000) -> list[tuple[str, str, str, str, float | None]]:
    q = ("SELECT id, conversation, speaker, text, occurred_at FROM messages WHERE processed = 0 "
         "ORDER BY seq LIMIT ?")
    return [tuple(r) for r in store.read_conn().execute(q, (limit,))]
