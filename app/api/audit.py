"""The API access log: time, token name, method, path, status — in the encrypted store.

Entries are buffered and written in one transaction at most once a second by a small flusher
thread, so logging adds no store transaction to a request's latency. The cost is that a hard
crash can lose up to a second of entries; a clean shutdown flushes everything. Query strings are
never logged: `/v1/search?q=…` would otherwise copy what the user searched for into the log.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from reverie.core.store.store import MemoryStore

log = logging.getLogger(__name__)
FlushHook = Callable[[Any], None]


@dataclass(frozen=True)
class AuditEntry:
    at: float
    token_name: str | None
    method: str
    path: str
    status: int

    def as_dict(self) -> dict[str, Any]:
        return {"at": self.at, "token": self.token_name, "method": self.method, "path": self.path,
                "status": self.status}


class AuditLog:
    def __init__(self, store: MemoryStore, *, interval_s: float = 1.0, keep_rows: int = 100_000,
                 hooks: list[FlushHook] | None = None) -> None:
        self._store = store
        self._interval = interval_s
        self._keep = keep_rows
        self._hooks = list(hooks or [])
        self._buf: list[AuditEntry] = []
        self._mutex = threading.Lock()
        self._flushing = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def record(self, token_name: str | None, method: str, path: str, status: int) -> None:
        with self._mutex:
            self._buf.append(AuditEntry(time.time(), token_name, method, path[:512], status))
            if self._thread is None and not self._stop.is_set():
                # Started on first use, not in __init__: CLI commands that never serve never get one.
                self._thread = threading.Thread(target=self._run, name="reverie-audit", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(self._interval)
            self._wake.clear()
            try:
                self.flush()
            except Exception:
                # Keep the flusher alive: the entries stay buffered and the next round retries.
                log.exception("writing the API audit log failed; will retry")

    def flush(self) -> int:
        """Write buffered entries (and the hooks' pending updates) now; returns how many entries."""
        with self._flushing:
            with self._mutex:
                batch, self._buf = self._buf, []
            if not batch:
                # Hooks only have work after a request, and every request leaves an entry.
                return 0

            def txn(conn: Any) -> None:
                conn.executemany(
                    "INSERT INTO api_audit(at, token_name, method, path, status) VALUES (?,?,?,?,?)",
                    [(e.at, e.token_name, e.method, e.path, e.status) for e in batch])
                for hook in self._hooks:
                    hook(conn)
                (top,) = conn.execute("SELECT coalesce(max(seq), 0) FROM api_audit").fetchone()
                conn.execute("DELETE FROM api_audit WHERE seq <= ?", (top - self._keep,))

            try:
                self._store.write(txn)
            except BaseException:
                with self._mutex:
                    self._buf[:0] = batch  # put them back in order for the next try
                raise
            return len(batch)

    def close(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self.flush()


def read_audit(store: MemoryStore, limit: int = 50) -> list[AuditEntry]:
    """Newest entries first."""
    rows = store.read_conn().execute(
        "SELECT at, token_name, method, path, status FROM api_audit ORDER BY seq DESC LIMIT ?", (limit,))
    return [AuditEntry(*row) for row in rows]
