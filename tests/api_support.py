"""Helpers shared by the API tests: an in-process app with tokens per scope, a fake chat agent,
frames with thumbnails, and the CLI entry for the API commands."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from reverie.api.config import ApiConfig
from reverie.api.server import create_app
from reverie.api.tokens import TokenStore
from reverie.core.store.records import ts
from reverie.core.store.store import MemoryStore

BASE_URL = "http://127.0.0.1:8765"
SCOPES = {
    "read": ["read"],
    "write": ["read", "write"],
    "vault": ["read", "vault"],
    "admin": ["read", "write", "vault", "admin"],
}


@dataclass
class FakeAnswer:
    text: str
    citations: list[str]
    usage: dict[str, int] = field(default_factory=lambda: {"prompt_tokens": 7, "completion_tokens": 3})


class FakeAgent:
    """Stands in for ChatAgent(store, llm): answers from the store's newest memory, cites it."""

    def __init__(self, store: MemoryStore) -> None:
        self.store = store

    def ask(self, question: str) -> FakeAnswer:
        newest = self.store.list_memories(limit=1)
        return FakeAnswer(f"You asked: {question}", [m.id for m in newest])

    def stream(self, question: str) -> Iterator[Any]:
        answer = self.ask(question)
        for word in answer.text.split(" "):
            yield {"type": "token", "text": word + " "}
        yield {"type": "final", "text": answer.text, "citations": answer.citations}


@dataclass
class Api:
    client: TestClient
    app: FastAPI
    store: MemoryStore
    tokens: dict[str, str]

    def auth(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"}


@contextmanager
def make_api(store: MemoryStore, *, answerer: bool = True, **config: Any) -> Iterator[Api]:
    tokens = TokenStore(store)
    made = {name: tokens.create(name, scopes)[1] for name, scopes in SCOPES.items()}
    app = create_app(store, config=ApiConfig(**config), tokens=tokens,
                     answerer=(lambda: FakeAgent(store)) if answerer else None)
    with TestClient(app, base_url=BASE_URL) as client:
        yield Api(client, app, store, made)


def webp(color: tuple[int, int, int] = (200, 30, 30)) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (32, 18), color).save(buf, format="WEBP")
    return buf.getvalue()


def add_frame(store: MemoryStore, fid: str, at: datetime, thumb: bytes | None, text: str = "screen text") -> None:
    """A captured frame as migration 2 defines it (the capture pipeline writes the same columns)."""
    blob = store.blobs.put(thumb) if thumb is not None else None
    store.write(lambda c: c.execute(
        "INSERT INTO frames(id, captured_at, app, title, text, thumb_blob, thumb_bytes) VALUES (?,?,?,?,?,?,?)",
        (fid, ts(at), "Firefox", "Release notes", text, blob, len(thumb or b""))))


def reverie_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "reverie", *args]


def run_reverie(*args: str, timeout: float = 180) -> tuple[int, str, str]:
    proc = subprocess.run(reverie_cmd(*args), capture_output=True, text=True, env=dict(os.environ),
                          timeout=timeout)
    return proc.returncode, proc.stdout, proc.stderr
