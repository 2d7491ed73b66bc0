"""Abstraction: a finished day's episodic events distilled by the LLM into semantic facts and
procedures; repeated workflows mined without an LLM; full core memory blocks rewritten.

Each day's new memories go in one transaction tagged `consolidation:day:<date>`, and a day that
already has tagged memories is skipped, so a crash or rerun never distils a day twice.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from reverie.core.consolidation import core_rewrite, workflows
from reverie.core.consolidation.jobs_base import JobContext, episodes_between
from reverie.core.consolidation.textnorm import features
from reverie.core.protocols import LLM, ChatMessage, LLMError
from reverie.core.types import EpisodicMemory, Memory, MemoryType, ProceduralMemory, SemanticMemory

NAME = "abstraction"
DAYS_PER_RUN = 7  # a backlog is worked off over several idle periods, not in one long stall
MAX_EVENTS = 60
_TAG = "consolidation:day:"
_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "semantic": {"type": "array", "items": {"type": "object", "properties": {
            "name": {"type": "string"}, "summary": {"type": "string"}}, "required": ["name", "summary"]}},
        "procedural": {"type": "array", "items": {"type": "object", "properties": {
            "summary": {"type": "string"}, "steps": {"type": "array", "items": {"type": "string"}}},
            "required": ["summary", "steps"]}},
    },
    "required": ["semantic", "procedural"],
}
_SYSTEM = ("You consolidate one day of a person's activity log into long-term memory. From the events, "
           "list durable facts worth remembering beyond today (semantic: a short name and a one-sentence "
           "summary) and step-by-step procedures the person followed (procedural). Use only what the events "
           "state; if nothing is durable, return empty lists.")


def run(ctx: JobContext) -> None:
    llm = ctx.llm()
    if llm is not None:
        _distil_days(ctx, llm)
    else:
        ctx.detail["days"] = "skipped: needs the LLM"
    workflows.run(ctx)
    core_rewrite.run(ctx)


def _distil_days(ctx: JobContext, llm: LLM) -> None:
    tz = ctx.now().tzinfo
    today = ctx.now().date()
    done = ctx.cursor()
    start = date.fromisoformat(done) + timedelta(days=1) if done else _first_day(ctx)
    if start is None:
        return
    day = start
    for _ in range(DAYS_PER_RUN):
        if day >= today:  # only finished days
            return
        lo = datetime.combine(day, time(), tz)
        events = episodes_between(ctx.store, lo, lo + timedelta(days=1))
        if events and not ctx.store.ids_for_source(_TAG + day.isoformat()):
            _distil(ctx, llm, day, events[:MAX_EVENTS])
        ctx.set_cursor(day.isoformat())
        ctx.item()
        day += timedelta(days=1)


def _first_day(ctx: JobContext) -> date | None:
    oldest = ctx.store.list_memories(MemoryType.EPISODIC, limit=1, newest_first=False)
    if not oldest or oldest[0].occurred_at is None:
        return None
    return oldest[0].occurred_at.astimezone(ctx.now().tzinfo).date()


def _distil(ctx: JobContext, llm: LLM, day: date, events: list[EpisodicMemory]) -> None:
    log = "\n".join(f"- {(e.occurred_at or e.created_at).strftime('%H:%M')} {e.summary}" for e in events)
    try:
        out = llm.complete([ChatMessage("system", _SYSTEM), ChatMessage("user", f"Events of {day}:\n{log}")],
                           schema=_SCHEMA, max_tokens=768)
    except LLMError as exc:
        ctx.error(f"{day}: distillation failed: {exc}")
        return
    data = out.data if isinstance(out.data, dict) else {}
    source_words = set().union(*(features(e.summary + " " + e.details).tokens for e in events))
    tag = _TAG + day.isoformat()
    sources = list(dict.fromkeys(p for e in events for p in e.provenance))[:50]
    when = datetime.combine(day, time(12), ctx.now().tzinfo)
    new: list[Memory] = []
    for item in data.get("semantic", []):
        summary = str(item.get("summary", "")).strip()
        if _supported(summary, source_words):
            new.append(SemanticMemory(name=str(item.get("name", ""))[:80] or summary[:80], summary=summary,
                                      source="abstraction", provenance=[tag, *sources], valid_from=when,
                                      last_change="abstraction"))
        else:
            ctx.count("unsupported_dropped")
    for item in data.get("procedural", []):
        steps = [str(s).strip() for s in item.get("steps", []) if str(s).strip()]
        summary = str(item.get("summary", "")).strip()
        if len(steps) >= 2 and _supported(summary + " " + " ".join(steps), source_words):
            new.append(ProceduralMemory(summary=summary, steps=steps, provenance=[tag, *sources],
                                        valid_from=when, last_change="abstraction"))
        else:
            ctx.count("unsupported_dropped")
    if new:
        ctx.store.add_many(new)  # one transaction: the day is either distilled or not
        ctx.count("abstracted", len(new))


def _supported(text: str, source_words: set[str]) -> bool:
    """Small models invent relations; keep a line only if most of its content words occur in the day."""
    words = features(text).tokens
    return bool(words) and len(words & source_words) / len(words) >= 0.6
