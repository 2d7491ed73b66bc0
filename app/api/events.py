"""Server-sent events: store events (memory_added, frame_added, …) and app events (job progress).

Store listeners run on whatever thread made the change (usually the writer's caller), so events
cross into each subscriber's event loop with `call_soon_threadsafe`. Each subscriber has a
bounded queue; a client too slow to keep up gets a `lagged` event instead of unbounded memory.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import threading
from collections.abc import AsyncIterator, Callable
from typing import Any

from reverie.core.store.store import MemoryStore, StoreEvent

log = logging.getLogger(__name__)
_CLOSED = object()


def sse(event: str, data: Any, event_id: int | None = None) -> bytes:
    head = f"id: {event_id}\n" if event_id is not None else ""
    return f"{head}event: {event}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n".encode()


class _Subscriber:
    def __init__(self, loop: asyncio.AbstractEventLoop, size: int) -> None:
        self.loop = loop
        self.queue: asyncio.Queue[Any] = asyncio.Queue(maxsize=size)
        self.lagged = False
        self.closed = False

    def offer(self, item: Any) -> None:  # on the subscriber's loop
        if item is _CLOSED:
            self.closed = True  # checked before each wait, so a full queue cannot hide it
        try:
            self.queue.put_nowait(item)
        except asyncio.QueueFull:
            self.lagged = True


class EventHub:
    def __init__(self, store: MemoryStore | None = None, queue_size: int = 1000) -> None:
        self._subs: set[_Subscriber] = set()
        self._mutex = threading.Lock()
        self._ids = itertools.count(1)
        self._size = queue_size
        self._closed = False
        self._unsubscribe: Callable[[], None] | None = store.subscribe(self._on_store) if store else None

    def _on_store(self, event: StoreEvent) -> None:
        self.publish(event.kind, {"ids": list(event.ids)})

    def publish(self, kind: str, data: dict[str, Any]) -> None:
        """Send an event to every connected client; safe from any thread (jobs report progress here)."""
        item = (next(self._ids), kind, data)
        with self._mutex:
            subs = list(self._subs)
        for sub in subs:
            self._deliver(sub, item)

    def _deliver(self, sub: _Subscriber, item: Any) -> None:
        try:
            sub.loop.call_soon_threadsafe(sub.offer, item)
        except RuntimeError:  # that client's loop has closed: it is gone
            with self._mutex:
                self._subs.discard(sub)

    async def stream(self, *, limit: int | None = None, keepalive_s: float = 15.0) -> AsyncIterator[bytes]:
        """SSE bytes for one client: `ready`, then events as they happen, with keep-alive comments."""
        sub = _Subscriber(asyncio.get_running_loop(), self._size)
        with self._mutex:
            if self._closed:
                return
            self._subs.add(sub)
        sent = 0
        try:
            yield b"retry: 3000\n" + sse("ready", {})
            while (limit is None or sent < limit) and not sub.closed:
                try:
                    item = await asyncio.wait_for(sub.queue.get(), keepalive_s)
                except TimeoutError:
                    yield b": keep-alive\n\n"
                    continue
                if item is _CLOSED:
                    return
                if sub.lagged:
                    sub.lagged = False
                    yield sse("lagged", {"message": "events were dropped: this client read too slowly"})
                event_id, kind, data = item
                yield sse(kind, data, event_id)
                sent += 1
        finally:
            with self._mutex:
                self._subs.discard(sub)

    def close(self) -> None:
        """End every open stream (server shutdown) and stop listening to the store."""
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        with self._mutex:
            self._closed = True
            subs = list(self._subs)
        for sub in subs:
            self._deliver(sub, _CLOSED)
