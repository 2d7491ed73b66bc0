"""A real HTTP server on 127.0.0.1 that serves one model file with Range support, for download tests.

`stall_after=N` sends N bytes of the next response and then holds the connection open until
`release()` (a transfer stuck mid-way, for Ctrl-C); `slow_after=N` sends N bytes at once and the rest
in small pieces with pauses (a slow link, so a Cancel lands mid-transfer); `requests` records each
Range header.
"""

from __future__ import annotations

import hashlib
import json
import struct
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


def tiny_gguf(payload_bytes: int, context: int = 2048, arch: str = "llama") -> bytes:
    """A file with a valid GGUF v3 header (architecture, name, context length) and filler after it."""

    def string(text: str) -> bytes:
        data = text.encode()
        return struct.pack("<Q", len(data)) + data

    kvs = (string("general.architecture") + struct.pack("<I", 8) + string(arch)
           + string("general.name") + struct.pack("<I", 8) + string("tiny test model")
           + string(f"{arch}.context_length") + struct.pack("<I", 4) + struct.pack("<I", context))
    header = b"GGUF" + struct.pack("<IQQ", 3, 0, 3) + kvs
    filler = (hashlib.sha256(b"reverie").digest() * (payload_bytes // 32 + 1))[: max(0, payload_bytes - len(header))]
    return header + filler


@dataclass
class ModelServer:
    data: bytes
    url: str = ""
    stall_after: int | None = None
    slow_after: int | None = None
    requests: list[str | None] = field(default_factory=list)
    _release: threading.Event = field(default_factory=threading.Event)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()

    def release(self) -> None:
        self.stall_after = None
        self._release.set()

    def catalog_entry(self, name: str = "tiny-test", **overrides: object) -> dict[str, object]:
        entry: dict[str, object] = {"name": name, "url": self.url, "sha256": self.sha256, "size": len(self.data),
                                    "licence": "test-only", "context": 2048}
        entry.update(overrides)
        return {key: value for key, value in entry.items() if value is not None}

    def write_catalog(self, models_dir: Path, *entries: dict[str, object]) -> None:
        models_dir.mkdir(parents=True, exist_ok=True)
        (models_dir / "catalog.json").write_text(json.dumps({"models": list(entries or [self.catalog_entry()])}))


class _Handler(BaseHTTPRequestHandler):
    server_state: ModelServer

    def do_HEAD(self) -> None:
        self.send_response(200)
        self.send_header("Content-Length", str(len(self.server_state.data)))
        self.end_headers()

    def do_GET(self) -> None:
        state = self.server_state
        data = state.data
        header = self.headers.get("Range")
        state.requests.append(header)
        start = int(header.removeprefix("bytes=").split("-")[0]) if header else 0
        if start >= len(data) and header:
            self.send_response(416)
            self.send_header("Content-Range", f"bytes */{len(data)}")
            self.end_headers()
            return
        if header:
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        else:
            self.send_response(200)
        body = data[start:]
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        stall = state.stall_after
        if stall is not None:
            self.wfile.write(body[:stall])
            self.wfile.flush()
            state._release.wait(60)
            self.close_connection = True
            return
        slow = state.slow_after
        if slow is not None:
            self.wfile.write(body[:slow])
            try:
                for at in range(slow, len(body), 16 << 10):
                    time.sleep(0.05)
                    self.wfile.write(body[at:at + (16 << 10)])
            except (BrokenPipeError, ConnectionResetError):  # the client cancelled: that is the point
                self.close_connection = True
            return
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # keep test output clean
        pass


@contextmanager
def serve(data: bytes) -> Iterator[ModelServer]:
    state = ModelServer(data)
    handler = type("Handler", (_Handler,), {"server_state": state})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    httpd.daemon_threads = True
    state.url = f"http://127.0.0.1:{httpd.server_port}/tiny-test.gguf"
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        state.release()
        httpd.shutdown()
        httpd.server_close()
