"""Tunables for the consolidation jobs, with defaults chosen on the synthetic benchmark."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

from reverie.core.types import MemoryType


@dataclass(frozen=True)
class ConsolidationConfig:
    # dedup: candidates come from the vector index; rules must then confirm (precision first).
    dedup_candidate_cosine: float = 0.80
    dedup_neighbours: int = 8
    dedup_episodic_window_s: float = 3 * 3600  # the same words hours apart describe two events
    dedup_delete_merged: bool = False  # False: the absorbed copy is archived (reversible), not purged
    # knowledge updates: a looser candidate net, the subject/attribute/value rules decide.
    update_candidate_cosine: float = 0.45
    update_neighbours: int = 10
    # forgetting curve (MemoryBank): retention = 0.5 ** (age / (half_life * (1 + recalls))).
    half_life_days: float = 30.0
    archive_below_strength: float = 0.05
    archive_min_age_days: float = 60.0
    # Types that may be archived, each with a half-life multiplier (facts fade slower than events).
    forgettable: dict[str, float] = field(default_factory=lambda: {
        MemoryType.EPISODIC.value: 1.0, MemoryType.RESOURCE.value: 2.0, MemoryType.SEMANTIC.value: 4.0})
    # retention of raw captures; memories derived from them stay.
    retention_days: float = 90.0
    retention_gb: float = 10.0
    # abstraction
    workflow_min_steps: int = 3
    workflow_min_days: int = 2
    core_rewrite_at: float = 0.9  # MIRIX: rewrite a core block that passes 90% of its limit …
    core_rewrite_to: float = 0.5  # … down to about half
    # scheduling: heavy jobs wait for this much user idleness, and retry this long after a deferral.
    idle_minutes: float = 5.0
    defer_minutes: float = 10.0
    # batch sizes: small write transactions keep the single writer responsive for UI and capture.
    batch: int = 100

    @classmethod
    def from_mapping(cls, values: dict[str, Any]) -> ConsolidationConfig:
        """Build from user settings, ignoring unknown keys (settings files outlive versions)."""
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in values.items() if k in known})
