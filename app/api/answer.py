"""The answerer behind /v1/ask and the MCP `ask_memory` tool, and JSON shapes for its output.

The chat agent (`reverie.core.agents.chat.ChatAgent(store, llm)`) is built lazily on the first
question — loading an LLM takes seconds and most API users only search — and injected as a
factory so tests (and the desktop app, which already holds an agent) can pass their own.
Its answers and stream events are converted to JSON without assuming more than their shape:
an answer has `text`, `citations` and `usage`; a stream yields token events, then a final one.
"""

from __future__ import annotations

import dataclasses
import enum
import importlib.util
import threading
from collections.abc import Callable, Iterable, Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any, Protocol

from reverie.core.store.store import MemoryStore
from reverie.core.types import Memory
from reverie.settings import Settings


class AnswererUnavailable(RuntimeError):
    """No chat agent or no LLM: /v1/ask answers 503 with this message."""


class Answerer(Protocol):
    def ask(self, question: str) -> Any: ...

    def stream(self, question: str) -> Iterable[Any]: ...


AnswererFactory = Callable[[], Answerer]


def jsonable(obj: Any) -> Any:
    """Plain JSON data from answers, citations and events (dataclasses, enums, datetimes, memories)."""
    if isinstance(obj, Memory):
        return {"id": obj.id, "type": obj.type.value, "text": obj.search_text(),
                "occurred_at": obj.occurred_at.isoformat() if obj.occurred_at else None}
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: jsonable(getattr(obj, f.name)) for f in dataclasses.fields(obj)
                if f.name not in ("embedding", "vector", "secret_value")}
    if isinstance(obj, dict):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple | set | frozenset):
        return [jsonable(v) for v in obj]
    if isinstance(obj, enum.Enum):
        return obj.value
    if isinstance(obj, datetime | date):
        return obj.isoformat()
    if obj is None or isinstance(obj, str | int | float | bool):
        return obj
    return str(obj)


def answer_json(answer: Any) -> dict[str, Any]:
    if isinstance(answer, str):
        return {"text": answer, "citations": [], "usage": {}}
    data = answer if isinstance(answer, dict) else {
        k: getattr(answer, k) for k in ("text", "citations", "usage") if hasattr(answer, k)}
    return {"text": str(data.get("text", "")), "citations": jsonable(data.get("citations") or []),
            "usage": jsonable(data.get("usage") or {})}


def stream_events(events: Iterable[Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(event name, JSON data) pairs: `token` for text pieces, `done` for the final event."""
    for ev in events:
        if isinstance(ev, str):
            yield "token", {"text": ev}
            continue
        data = jsonable(ev)
        if not isinstance(data, dict):
            yield "token", {"text": str(data)}
            continue
        kind = str(data.pop("type", None) or data.pop("kind", None) or "")
        if not kind:
            kind = "done" if "citations" in data else "token"
        yield ("done" if kind in ("final", "done", "answer") else kind), data


class LazyAnswerer:
    """Builds the real agent once, on first use, and serialises questions (one LLM, one at a time)."""

    def __init__(self, factory: AnswererFactory) -> None:
        self._factory = factory
        self._agent: Answerer | None = None
        self._build = threading.Lock()
        self.busy = threading.Lock()

    def get(self) -> Answerer:
        with self._build:
            if self._agent is None:
                self._agent = self._factory()
            return self._agent


def default_factory(store: MemoryStore, settings: Settings, home: Path) -> AnswererFactory:
    def build() -> Answerer:
        if importlib.util.find_spec("reverie.core.agents.chat") is None:
            raise AnswererUnavailable("the chat agent is not part of this build yet")
        from reverie.core.agents.chat import ChatAgent  # type: ignore[import-not-found,unused-ignore]

        agent: Answerer = ChatAgent(store, _make_llm(settings, home))
        return agent

    return build


def _make_llm(settings: Settings, home: Path) -> Any:
    from reverie.core.protocols import LLMError
    from reverie.services import llm_from_settings

    try:
        return llm_from_settings(settings, home)
    except (LLMError, OSError, RuntimeError) as exc:  # ModelError is a RuntimeError
        raise AnswererUnavailable(f"no language model is available: {exc}") from exc
