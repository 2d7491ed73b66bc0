"""What every consolidation job gets: the store, a clock, settings, progress, checkpoints.

Jobs report through the context instead of printing or touching widgets: the app layer turns
progress into events and a run-history row. Checkpoints live in the encrypted store (`job_state`)
so that a run killed half-way resumes where it stopped.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from reverie.core.consolidation.config import ConsolidationConfig
from reverie.core.protocols import LLM, Clock
from reverie.core.store.store import MemoryStore
from reverie.core.types import EpisodicMemory

log = logging.getLogger(__name__)


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class JobCancelled(Exception):
    """The app is shutting down; the job stopped at a checkpoint and will resume next run."""


@dataclass(frozen=True)
class JobEvent:
    job: str
    phase: str  # started | progress | finished | failed | deferred | cancelled
    items: int = 0
    total: int | None = None
    message: str = ""


EventSink = Callable[[JobEvent], None]


@dataclass
class JobContext:
    store: MemoryStore
    name: str
    clock: Clock = field(default_factory=SystemClock)
    config: ConsolidationConfig = field(default_factory=ConsolidationConfig)
    llm_factory: Callable[[], LLM | None] | None = None
    on_event: EventSink | None = None
    # Called after every counted item with the running count; tests inject crashes through it.
    on_item: Callable[[int], None] | None = None
    cancel: threading.Event = field(default_factory=threading.Event)
    items: int = 0
    total: int | None = None
    errors: list[str] = field(default_factory=list)
    detail: dict[str, Any] = field(default_factory=dict)
    _llm: LLM | None = None
    _llm_tried: bool = False
    _last_progress: float = 0.0

    def now(self) -> datetime:
        now = self.clock.now()
        return now if now.tzinfo else now.replace(tzinfo=UTC)

    def item(self, n: int = 1) -> None:
        """Count finished work, publish throttled progress, honour cancellation."""
        self.items += n
        if self.on_item is not None:
            self.on_item(self.items)
        mono = time.monotonic()
        if mono - self._last_progress >= 0.5:
            self._last_progress = mono
            self.emit("progress")
        if self.cancel.is_set():
            raise JobCancelled(self.name)

    def error(self, message: str) -> None:
        log.warning("%s: %s", self.name, message)
        self.errors.append(message)

    def count(self, key: str, n: int = 1) -> None:
        self.detail[key] = int(self.detail.get(key, 0)) + n

    def emit(self, phase: str, message: str = "") -> None:
        if self.on_event is not None:
            self.on_event(JobEvent(self.name, phase, self.items, self.total, message))

    def llm(self) -> LLM | None:
        """The local LLM, built on first use; None (noted in the run detail) when there is none."""
        if not self._llm_tried:
            self._llm_tried = True
            if self.llm_factory is not None:
                self._llm = self.llm_factory()
            if self._llm is None:
                self.detail["llm"] = "unavailable: rules only"
        return self._llm

    # ---- checkpoints -----------------------------------------------------------------------
    def cursor(self, key: str | None = None) -> str | None:
        return get_cursor(self.store, key or self.name)

    def set_cursor(self, value: str | None, key: str | None = None) -> None:
        set_cursor(self.store, key or self.name, value, self.now())


def get_cursor(store: MemoryStore, name: str) -> str | None:
    row = store.read_conn().execute("SELECT cursor FROM job_state WHERE name = ?", (name,)).fetchone()
    return None if row is None else str(row[0])


def set_cursor(store: MemoryStore, name: str, value: str | None, at: datetime) -> None:
    if value is None:
        store.write(lambda c: c.execute("DELETE FROM job_state WHERE name = ?", (name,)))
        return
    store.write(lambda c: c.execute(
        "INSERT INTO job_state(name, cursor, updated_at) VALUES (?,?,?) "
        "ON CONFLICT(name) DO UPDATE SET cursor = excluded.cursor, updated_at = excluded.updated_at",
        (name, value, at.timestamp())))


def episodes_between(store: MemoryStore, start: datetime, end: datetime) -> list[EpisodicMemory]:
    """Current episodic memories with start <= occurred_at < end, oldest first (one indexed query)."""
    ids = [r[0] for r in store.read_conn().execute(
        "SELECT id FROM memories WHERE type = 'episodic' AND occurred_at >= ? AND occurred_at < ? "
        "AND invalid_at IS NULL ORDER BY occurred_at, seq", (start.timestamp(), end.timestamp()))]
    found = store.get_many(ids)
    return [m for i in ids if isinstance(m := found.get(i), EpisodicMemory)]
