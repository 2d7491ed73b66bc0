"""Test doubles for the consolidation and scheduler tests: a clock you set, an LLM that answers
from a script, probes you flip, and a helper that writes capture frames the way capture does."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from reverie.core.protocols import ChatMessage, Completion, Usage
from reverie.core.store.store import MemoryStore


class FakeClock:
    def __init__(self, start: datetime | None = None) -> None:
        self.t = start or datetime(2025, 6, 1, 12, tzinfo=UTC)

    def now(self) -> datetime:
        return self.t

    def advance(self, **delta: float) -> None:
        self.t += timedelta(**delta)


class ScriptedLLM:
    """Answers structured calls with `answer(messages, schema)`; records every call."""

    def __init__(self, answer: Callable[[Sequence[ChatMessage], Mapping[str, Any] | None], Any]) -> None:
        self.answer = answer
        self.calls: list[Sequence[ChatMessage]] = []

    @property
    def name(self) -> str:
        return "scripted"

    @property
    def context_size(self) -> int:
        return 4096

    def complete(self, messages: Sequence[ChatMessage], *, schema: Mapping[str, Any] | None = None,
                 max_tokens: int = 512, temperature: float = 0.0) -> Completion:
        self.calls.append(messages)
        out = self.answer(messages, schema)
        return Completion(text=out if isinstance(out, str) else "", usage=Usage(calls=1),
                          data=None if isinstance(out, str) else out)

    def stream(self, messages: Sequence[ChatMessage], *, max_tokens: int = 512,
               temperature: float = 0.0) -> Iterator[str]:
        yield self.complete(messages).text

    def count_tokens(self, text: str) -> int:
        return len(text.split())


class Idle:
    def __init__(self, seconds: float | None = 3600.0) -> None:
        self.seconds = seconds

    def idle_seconds(self) -> float | None:
        return self.seconds


class Power:
    def __init__(self, battery: bool | None = False) -> None:
        self.battery = battery

    def on_battery(self) -> bool | None:
        return self.battery


def add_frames(store: MemoryStore, n: int, at: datetime, *, step_s: float = 2.0, thumb: bytes | None = b"png",
               text: str = "screen text", processed: int = 1) -> list[str]:
    rows: list[tuple[Any, ...]] = []
    for i in range(n):
        blob = store.blobs.put(thumb) if thumb is not None else None
        rows.append((f"f{at.timestamp():.0f}x{i}", (at + timedelta(seconds=i * step_s)).timestamp(),
                     f"{text} {i}", blob, len(thumb or b""), processed))
    store.write(lambda c: c.executemany(
        "INSERT INTO frames(id, captured_at, text, thumb_blob, thumb_bytes, processed) VALUES (?,?,?,?,?,?)", rows))
    store.emit("frame_added", [r[0] for r in rows])
    return [r[0] for r in rows]
