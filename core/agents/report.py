"""What one run of the memory agents did: ops, model cost, time, and every item it dropped and why."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from reverie.core.protocols import Usage


@dataclass
class Report:
    sources: int = 0
    batches: int = 0
    ops: Counter[str] = field(default_factory=Counter)
    usage: Usage = field(default_factory=Usage)
    seconds: float = 0.0
    stored: list[str] = field(default_factory=list)  # ids written (inserted, updated, merged into)
    rejected: list[tuple[str, str]] = field(default_factory=list)  # junk stopped by guards / duplicates
    skipped: list[tuple[str, str]] = field(default_factory=list)  # malformed model output, bad ids
    rerouted: list[tuple[str, str]] = field(default_factory=list)  # items whose type was repaired
    processed_batches: int = 0  # batches whose sources were marked processed
    error: str | None = None

    @property
    def processed(self) -> bool:
        return self.batches > 0 and self.processed_batches == self.batches

    def merge(self, other: Report) -> None:
        self.sources += other.sources
        self.batches += other.batches
        self.ops.update(other.ops)
        self.usage.add(other.usage)
        self.seconds += other.seconds
        self.stored += other.stored
        self.rejected += other.rejected
        self.skipped += other.skipped
        self.rerouted += other.rerouted
        self.processed_batches += other.processed_batches
        self.error = self.error or other.error

    def as_dict(self) -> dict[str, Any]:
        per = max(1, self.batches)
        return {
            "sources": self.sources, "batches": self.batches, "ops": dict(self.ops),
            "llm_calls": self.usage.calls, "prompt_tokens": self.usage.prompt_tokens,
            "completion_tokens": self.usage.completion_tokens, "seconds": round(self.seconds, 2),
            "llm_calls_per_batch": round(self.usage.calls / per, 2),
            "tokens_per_batch": round((self.usage.prompt_tokens + self.usage.completion_tokens) / per, 1),
            "seconds_per_batch": round(self.seconds / per, 2),
            "stored": len(self.stored), "rejected": [list(r) for r in self.rejected],
            "skipped": [list(s) for s in self.skipped], "rerouted": [list(r) for r in self.rerouted],
            "processed_batches": self.processed_batches, "error": self.error,
        }
