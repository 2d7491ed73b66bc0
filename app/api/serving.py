"""Run the API app with uvicorn on a socket bound to 127.0.0.1 — never 0.0.0.0 or ::.

We bind the socket ourselves (instead of passing host/port to uvicorn) so the address is fixed
here, port 0 works (the kernel picks one and we know it before announcing it), and the same
code serves the CLI's `reverie serve` (foreground) and the desktop app or tests (a thread).
"""

from __future__ import annotations

import signal
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn

LOOPBACK = "127.0.0.1"


class _Server(uvicorn.Server):
    @contextmanager
    def capture_signals(self) -> Iterator[None]:
        """uvicorn's handlers, minus re-raising the signal after shutdown: that would kill the
        process before `reverie serve` closes the store and removes its discovery file."""
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        originals = {sig: signal.signal(sig, self.handle_exit) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            yield
        finally:
            for sig, handler in originals.items():
                signal.signal(sig, handler)


class BindError(OSError):
    """The loopback port cannot be listened on (usually: another program has it)."""


def bind_loopback(port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # restart without waiting out TIME_WAIT
        sock.bind((LOOPBACK, port))
        sock.listen(128)
    except OSError as exc:
        sock.close()
        raise BindError(exc.errno, f"cannot listen on {LOOPBACK}:{port}: {exc.strerror}") from exc
    sock.set_inheritable(True)
    return sock


class ApiServer:
    def __init__(self, app: Any, port: int = 0) -> None:
        self.sock = bind_loopback(port)
        self.port: int = self.sock.getsockname()[1]
        # access_log off: it would print every path with its query string (search terms) to the
        # console; the encrypted audit log records accesses without them.
        config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on",
                                timeout_graceful_shutdown=3, server_header=False)
        self._server = _Server(config)
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    def run(self) -> None:
        """Serve in the foreground until SIGINT/SIGTERM (uvicorn installs the handlers)."""
        self._server.run(sockets=[self.sock])

    def start(self, timeout: float = 30.0) -> ApiServer:
        """Serve on a background thread; returns once the server accepts connections."""
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [self.sock]},
                                        name="reverie-api", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive():
                raise RuntimeError("the API server stopped during startup (see the log)")
            if time.monotonic() > deadline:
                raise TimeoutError("the API server did not start in time")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=15)
        self.sock.close()
