"""Repeated workflows: the same run of steps (episodic events in a row) seen on two or more days
becomes a procedural memory. No LLM needed: steps are compared by their normalised wording.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from datetime import date, timedelta

from reverie.core.consolidation.jobs_base import JobContext, episodes_between
from reverie.core.consolidation.textnorm import STOP, extract_values, stem
from reverie.core.types import EpisodicMemory, ProceduralMemory

WINDOW_DAYS = 30
MAX_STEPS = 8
SESSION_GAP = timedelta(minutes=30)
_TAG = "consolidation:workflow:"


def step_key(summary: str) -> str:
    """'Opened the Jira board for Sprint 12' and 'Opened Jira board for sprint 14' share a key."""
    _, rest = extract_values(summary)
    words = [stem(w) for w in rest.lower().replace("'s", "").split()]
    return " ".join([w.strip(".,:;!?\"()") for w in words if w.strip(".,:;!?\"()") not in STOP][:6])


def day_sequences(ctx: JobContext) -> dict[date, list[EpisodicMemory]]:
    tz = ctx.now().tzinfo
    days: dict[date, list[EpisodicMemory]] = defaultdict(list)
    for m in episodes_between(ctx.store, ctx.now() - timedelta(days=WINDOW_DAYS), ctx.now()):
        assert m.occurred_at is not None
        days[m.occurred_at.astimezone(tz).date()].append(m)
    return days


def sessions(days: dict[date, list[EpisodicMemory]]) -> dict[tuple[date, int], list[EpisodicMemory]]:
    """Each day cut where the log pauses for longer than SESSION_GAP: a routine runs without breaks."""
    out: dict[tuple[date, int], list[EpisodicMemory]] = {}
    for day, mems in days.items():
        part = 0
        for prev, mem in zip([None, *mems], mems, strict=False):
            if prev is not None and prev.occurred_at and mem.occurred_at \
                    and mem.occurred_at - prev.occurred_at > SESSION_GAP:
                part += 1
            out.setdefault((day, part), []).append(mem)
    return out


def find_routines(runs: dict[tuple[date, int], list[tuple[str, EpisodicMemory]]], min_steps: int,
                  min_days: int) -> list[tuple[tuple[str, ...], list[list[EpisodicMemory]]]]:
    """Maximal contiguous step sequences found on >= min_days distinct days, longest first."""
    seen: dict[tuple[str, ...], dict[date, list[EpisodicMemory]]] = defaultdict(dict)
    for (day, _), steps in runs.items():
        keys = [k for k, _ in steps]
        for n in range(min_steps, min(MAX_STEPS, len(keys)) + 1):
            for i in range(len(keys) - n + 1):
                gram = tuple(keys[i:i + n])
                if "" not in gram and len(set(gram)) >= 2:
                    seen[gram].setdefault(day, [m for _, m in steps[i:i + n]])
    found: list[tuple[tuple[str, ...], list[list[EpisodicMemory]]]] = []
    for gram in sorted((g for g, d in seen.items() if len(d) >= min_days), key=len, reverse=True):
        if any(_contains(big, gram) for big, _ in found):
            continue
        found.append((gram, list(seen[gram].values())))
    return found


def _contains(big: tuple[str, ...], small: tuple[str, ...]) -> bool:
    return any(big[i:i + len(small)] == small for i in range(len(big) - len(small) + 1))


def run(ctx: JobContext) -> None:
    cfg = ctx.config
    runs = {k: [(step_key(m.summary), m) for m in ms] for k, ms in sessions(day_sequences(ctx)).items()}
    for gram, occurrences in find_routines(runs, cfg.workflow_min_steps, cfg.workflow_min_days):
        tag = _TAG + hashlib.sha256("\n".join(gram).encode()).hexdigest()[:16]
        if ctx.store.ids_for_source(tag):
            continue  # made on an earlier run (or before a crash cut this one short)
        latest = max(occurrences, key=lambda ms: ms[0].occurred_at or ms[0].created_at)
        sources = [p for ms in occurrences for m in ms for p in m.provenance]
        ctx.store.add(ProceduralMemory(
            summary=f"Routine seen on {len(occurrences)} days: {latest[0].summary} … {latest[-1].summary}",
            entry_type="workflow", steps=[m.summary for m in latest],
            provenance=[tag, *list(dict.fromkeys(sources))[:50]], valid_from=ctx.now(),
            app=latest[0].app, last_change="abstraction"))
        ctx.count("workflows")
        ctx.item()
