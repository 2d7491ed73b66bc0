"""The single writer: one thread owns the write connection; everyone else submits work to it."""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, TypeVar

log = logging.getLogger(__name__)
T = TypeVar("T")

_STOP = object()


class StoreWriter:
    def __init__(self, conn: Any, name: str = "reverie-writer") -> None:
        self.conn = conn
        self._q: queue.Queue[Any] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def submit(self, fn: Callable[[Any], T]) -> Future[T]:
        fut: Future[T] = Future()
        if not self._thread.is_alive():
            raise RuntimeError("the store is closed")
        self._q.put((fn, fut))
        return fut

    def call(self, fn: Callable[[Any], T]) -> T:
        """Run `fn(conn)` on the writer thread and wait for it (re-entrant from the writer itself)."""
        if threading.current_thread() is self._thread:
            return fn(self.conn)
        return self.submit(fn).result()

    def _run(self) -> None:
        while True:
            item = self._q.get()
            if item is _STOP:
                return
            fn, fut = item
            if not fut.set_running_or_notify_cancel():
                continue
            try:
                fut.set_result(fn(self.conn))
            except BaseException as exc:  # delivered to the caller through the future
                fut.set_exception(exc)

    def close(self) -> None:
        if self._thread.is_alive():
            self._q.put(_STOP)
            self._thread.join()
