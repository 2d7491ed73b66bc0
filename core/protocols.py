"""Protocols the outer layers implement. `core` depends only on these, never on runtimes."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float32]


@runtime_checkable
class Embedder(Protocol):
    """Turns texts into L2-normalised float32 vectors of a fixed dimension."""

    @property
    def dim(self) -> int: ...

    @property
    def model_id(self) -> str:
        """Stable identifier of the model (name + file hash); part of the embedding cache key."""
        ...

    def embed(self, texts: Sequence[str]) -> FloatArray:
        """Return an array of shape (len(texts), dim), each row unit length."""
        ...


@dataclass(frozen=True)
class ChatMessage:
    role: str  # "system" | "user" | "assistant"
    content: str


@dataclass
class Usage:
    prompt_tokens: int = 0
    completion_tokens: int = 0
    calls: int = 0

    def add(self, other: Usage) -> None:
        self.prompt_tokens += other.prompt_tokens
        self.completion_tokens += other.completion_tokens
        self.calls += other.calls


@dataclass
class Completion:
    text: str
    usage: Usage = field(default_factory=Usage)
    data: Any = None  # parsed JSON when a schema was requested


class LLMError(RuntimeError):
    """The model could not produce a usable answer (load failure, invalid output after repair)."""


@runtime_checkable
class LLM(Protocol):
    """Chat model. Structured calls pass a JSON schema and get validated JSON back in `data`."""

    @property
    def name(self) -> str: ...

    @property
    def context_size(self) -> int: ...

    def complete(
        self,
        messages: Sequence[ChatMessage],
        *,
        schema: Mapping[str, Any] | None = None,
        max_tokens: int = 512,
        temperature: float = 0.0,
    ) -> Completion: ...

    def stream(
        self,
        messages: Sequence[ChatMessage],
        *,
        max_tokens: int = 512,
        temperature: float = 0.0,
    ) -> Iterator[str]: ...

    def count_tokens(self, text: str) -> int: ...


@dataclass(frozen=True)
class OCRLine:
    text: str
    box: tuple[int, int, int, int]  # x0, y0, x1, y1 in source-image pixels
    confidence: float


@runtime_checkable
class OCR(Protocol):
    def read(self, image: Any) -> list[OCRLine]:
        """OCR a PIL image (or region of one); lines in reading order."""
        ...


@dataclass(frozen=True)
class WindowInfo:
    app: str
    title: str
    pid: int | None = None


@runtime_checkable
class Clock(Protocol):
    def now(self) -> datetime: ...
