"""What the REST endpoints and the MCP tools do, over one open MemoryStore.

All writes go through the store's own methods, which run them on its single writer thread;
reads use the calling thread's read connection (WAL lets them run beside the writer).
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

from reverie import __version__
from reverie.api.answer import AnswererFactory, AnswererUnavailable, LazyAnswerer, answer_json, stream_events
from reverie.api.memory_json import BadInput, apply_fields, memory_json, set_text
from reverie.core.retrieval.hybrid import SearchQuery, search
from reverie.core.store.records import dt, ts
from reverie.core.store.store import MemoryStore
from reverie.core.types import CoreMemory, MemoryType, Sensitivity, VaultEntry, memory_from_text

# Finite stand-ins for an open end of a time range (see LocalBackend.search).
_FAR_PAST = datetime(1, 1, 2, tzinfo=UTC)
_FAR_FUTURE = datetime(9999, 12, 30, tzinfo=UTC)


class NotFound(LookupError):
    """No such memory or frame: 404."""


def _aware(value: datetime | None) -> datetime | None:
    """Naive times are the user's local time (as on the CLI); times the platform cannot place are 400s."""
    if value is None:
        return None
    try:
        aware = value if value.tzinfo else value.astimezone()
        aware.timestamp()
    except (OverflowError, OSError, ValueError) as exc:
        raise BadInput(f"time out of range: {value.isoformat()}") from exc
    return aware


class LocalBackend:
    def __init__(self, store: MemoryStore, answerer: AnswererFactory | None = None) -> None:
        self.store = store
        self._answerer = LazyAnswerer(answerer) if answerer else None
        self._edits = threading.Lock()  # PATCH is read-modify-write: keep two edits from interleaving
        self._started = time.time()

    # ---- reads -----------------------------------------------------------------------------
    def status(self) -> dict[str, Any]:
        conn = self.store.read_conn()
        by_type = dict(conn.execute("SELECT type, count(*) FROM memories GROUP BY type").fetchall())
        (frames,) = conn.execute("SELECT count(*) FROM frames").fetchone()
        return {"app": "reverie", "version": __version__, "pid": os.getpid(),
                "uptime_s": round(time.time() - self._started, 1), "memories": sum(by_type.values()),
                "by_type": by_type, "frames": frames,
                "index_mode": self.store.index.config.mode if self.store.index else "none"}

    def search(self, q: str, *, types: Sequence[MemoryType] | None = None, limit: int = 10,
               since: datetime | None = None, until: datetime | None = None, app: str | None = None,
               include_invalid: bool = True, record_recall: bool = False, context: int = 0) -> list[dict[str, Any]]:
        if (since is None) != (until is None):
            # Core bug workaround: hybrid search passes an open end to Chroma as ±inf, which Chroma
            # rejects ("Invalid where clause"); a far-away finite bound means the same thing.
            since, until = since or _FAR_PAST, until or _FAR_FUTURE
        hits = search(self.store, SearchQuery(text=q, types=list(types) if types else None, limit=limit,
                                              start=_aware(since), end=_aware(until), app=app,
                                              include_invalid=include_invalid, expand=context))
        if record_recall:
            self.store.record_recall([h.memory.id for h in hits[:3]])
        return [h.as_dict() for h in hits]

    def search_frames(self, q: str, *, limit: int = 10, since: datetime | None = None,
                      until: datetime | None = None) -> list[dict[str, Any]]:
        from reverie.core.frame_search import search_frames

        return [h.as_dict() for h in search_frames(self.store, q, limit=limit, start=_aware(since), end=_aware(until))]

    def get(self, mem_id: str, *, reveal: bool = False) -> dict[str, Any]:
        mem = self.store.get(mem_id)
        if mem is None:
            raise NotFound(f"no memory with id {mem_id}")
        secret = None
        if reveal:
            if not isinstance(mem, VaultEntry):
                raise BadInput("reveal=true is only for vault entries")
            try:
                secret = self.store.reveal_secret(mem_id)
            except KeyError:
                secret = ""  # a vault entry saved without a secret value
        return memory_json(mem, secret)

    def list(self, mtype: MemoryType | None = None, *, limit: int = 50, offset: int = 0,
             include_invalid: bool = True) -> list[dict[str, Any]]:
        mems = self.store.list_memories(mtype, limit=limit, offset=offset, include_invalid=include_invalid)
        return [memory_json(m) for m in mems]

    def core_memory(self) -> dict[str, str]:
        """The persona/human blocks (label → value), newest block per label."""
        blocks: dict[str, str] = {}
        for mem in self.store.list_memories(MemoryType.CORE, limit=50, include_invalid=False):
            if isinstance(mem, CoreMemory):
                blocks.setdefault(mem.label, mem.value)
        return blocks

    def timeline(self, start: datetime, end: datetime, limit: int = 500) -> dict[str, Any]:
        """Frames and episodic events in [start, end): metadata only, no screen text, no pixels."""
        lo, hi = ts(_aware(start)), ts(_aware(end))
        if lo is None or hi is None or lo >= hi:
            raise BadInput("the timeline needs start < end")
        conn = self.store.read_conn()
        frames = [{"id": fid, "captured_at": _iso_ts(at), "app": app, "title": title, "monitor": monitor,
                   "has_thumbnail": bool(blob)}
                  for fid, at, app, title, monitor, blob in conn.execute(
                      "SELECT id, captured_at, app, title, monitor, thumb_blob FROM frames "
                      "WHERE captured_at >= ? AND captured_at < ? ORDER BY captured_at LIMIT ?", (lo, hi, limit))]
        events = []
        for mid, at, app, body in conn.execute(
                "SELECT id, occurred_at, app, body FROM memories WHERE type = 'episodic' "
                "AND occurred_at >= ? AND occurred_at < ? ORDER BY occurred_at LIMIT ?", (lo, hi, limit)):
            fields = json.loads(body)
            events.append({"id": mid, "occurred_at": _iso_ts(at), "app": app, "summary": fields.get("summary", ""),
                           "event_type": fields.get("event_type", ""), "actor": fields.get("actor", "")})
        return {"start": _aware(start), "end": _aware(end), "frames": frames, "events": events}

    def thumbnail(self, frame_id: str) -> bytes:
        row = self.store.read_conn().execute("SELECT thumb_blob FROM frames WHERE id = ?", (frame_id,)).fetchone()
        if row is None or not row[0]:
            raise NotFound(f"no thumbnail for frame {frame_id}")
        try:
            return self.store.blobs.get(row[0])
        except FileNotFoundError as exc:  # retention removed the file after the row was read
            raise NotFound(f"the thumbnail of frame {frame_id} is gone") from exc

    # ---- writes ----------------------------------------------------------------------------
    def add(self, text: str, mtype: MemoryType = MemoryType.SEMANTIC, *, occurred_at: datetime | None = None,
            app: str | None = None, sensitivity: Sensitivity | None = None, fields: dict[str, Any] | None = None,
            secret: str | None = None) -> dict[str, Any]:
        if secret is not None and mtype is not MemoryType.VAULT:
            raise BadInput("a secret can only be stored in a vault entry")
        mem = memory_from_text(mtype, text, occurred_at=_aware(occurred_at), app=app)
        if sensitivity is not None:
            mem.sensitivity = sensitivity
        apply_fields(mem, fields or {})
        if secret is not None:
            mem.secret_value = secret  # type: ignore[attr-defined]
        self.store.add(mem)
        return memory_json(mem)

    def update(self, mem_id: str, changes: dict[str, Any]) -> dict[str, Any]:
        """Apply the given changes (keys present = fields to change; None clears a time or app)."""
        with self._edits:
            mem = self.store.get(mem_id)
            if mem is None:
                raise NotFound(f"no memory with id {mem_id}")
            if "secret" in changes and not isinstance(mem, VaultEntry):
                raise BadInput("a secret can only be stored in a vault entry")
            if changes.get("text") is not None:
                set_text(mem, changes["text"])
            apply_fields(mem, changes.get("fields") or {})
            for key in ("occurred_at", "valid_from"):
                if key in changes:
                    setattr(mem, key, _aware(changes[key]))
            if "app" in changes:
                mem.app = changes["app"]
            for key in ("sensitivity", "archived"):
                if changes.get(key) is not None:
                    setattr(mem, key, changes[key])
            if changes.get("secret") is not None:
                mem.secret_value = changes["secret"]  # type: ignore[attr-defined]
            self.store.update(mem, change="api")
            if changes.get("invalidate"):
                self.store.invalidate(mem_id)
            return self.get(mem_id)

    def delete(self, mem_id: str) -> None:
        if not self.store.forget(mem_id):
            raise NotFound(f"no memory with id {mem_id}")

    # ---- answers ---------------------------------------------------------------------------
    def _agent(self) -> LazyAnswerer:
        if self._answerer is None:
            raise AnswererUnavailable("this server was started without a chat agent")
        return self._answerer

    def ask(self, question: str) -> dict[str, Any]:
        lazy = self._agent()
        agent = lazy.get()
        with lazy.busy:
            return answer_json(agent.ask(question))

    def ask_stream(self, question: str) -> Iterator[tuple[str, dict[str, Any]]]:
        """Build the agent eagerly (so a missing model is an HTTP error, not a broken stream)."""
        lazy = self._agent()
        agent = lazy.get()

        def events() -> Iterator[tuple[str, dict[str, Any]]]:
            with lazy.busy:
                yield from stream_events(agent.stream(question))

        return events()


def _iso_ts(value: float | None) -> str | None:
    got = dt(value)
    return got.isoformat() if got else None
