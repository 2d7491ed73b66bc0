"""`reverie mcp` over stdio, without keeping other Reverie processes out of the data dir.

MCP clients start `reverie mcp` when they launch and keep it for hours. Holding the store's
lock all that time would stop the desktop app from starting, so each tool call goes to the
running instance's API when there is one, and otherwise opens the store itself and closes it
again after a short idle time.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from reverie.api.backend import LocalBackend
from reverie.api.remote import RemoteBackend, running_instance
from reverie.core.store.store import MemoryStore
from reverie.core.types import MemoryType

log = logging.getLogger(__name__)


class OnDemandBackend:
    def __init__(self, home: Path, open_local: Callable[[], LocalBackend], idle_s: float = 30.0) -> None:
        self._home = home
        self._open_local = open_local
        self._idle_s = idle_s
        self._mutex = threading.RLock()
        self._local: LocalBackend | None = None
        self._remote: tuple[str, RemoteBackend] | None = None
        self._last_used = 0.0
        self._timer: threading.Timer | None = None

    def _pick(self) -> LocalBackend | RemoteBackend:
        with self._mutex:
            self._last_used = time.monotonic()
            if self._local is not None:
                return self._local
            found = running_instance(self._home)
            if found is not None:
                if self._remote is None or self._remote[0] != found[0]:
                    self._remote = (found[0], RemoteBackend(*found))
                return self._remote[1]
            self._local = self._open_local()
            self._arm()
            return self._local

    def _arm(self) -> None:
        self._timer = threading.Timer(self._idle_s, self._close_if_idle)
        self._timer.daemon = True
        self._timer.start()

    def _close_if_idle(self) -> None:
        with self._mutex:
            if self._local is None:
                return
            if time.monotonic() - self._last_used < self._idle_s:
                self._arm()
                return
            log.info("closing the store after %.0f s idle", self._idle_s)
            self._local.store.close()
            self._local = None

    def close(self) -> None:
        with self._mutex:
            if self._timer is not None:
                self._timer.cancel()
            if self._local is not None:
                self._local.store.close()
                self._local = None

    # The calls hold the mutex so the idle timer cannot close the store under a running call.
    def search(self, q: str, *, limit: int = 10) -> list[dict[str, Any]]:
        with self._mutex:
            return self._pick().search(q, limit=limit)

    def ask(self, question: str) -> dict[str, Any]:
        with self._mutex:
            return self._pick().ask(question)

    def add(self, text: str, mtype: MemoryType = MemoryType.SEMANTIC) -> dict[str, Any]:
        with self._mutex:
            return self._pick().add(text, mtype)

    def list(self, mtype: MemoryType | None = None, *, limit: int = 50) -> list[dict[str, Any]]:
        with self._mutex:
            return self._pick().list(mtype, limit=limit)

    def get(self, mem_id: str) -> dict[str, Any]:
        with self._mutex:
            return self._pick().get(mem_id)

    def core_memory(self) -> dict[str, str]:
        with self._mutex:
            return self._pick().core_memory()


def run_stdio(home: Path, open_store: Callable[[], MemoryStore], answerer_for: Callable[[MemoryStore], Any],
              idle_s: float = 30.0) -> None:
    from reverie.api.mcp_server import build_mcp

    backend = OnDemandBackend(home, lambda: _local(open_store, answerer_for), idle_s)
    try:
        build_mcp(backend).run("stdio")
    finally:
        backend.close()


def _local(open_store: Callable[[], MemoryStore], answerer_for: Callable[[MemoryStore], Any]) -> LocalBackend:
    store = open_store()
    return LocalBackend(store, answerer_for(store))
