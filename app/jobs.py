"""The background jobs: what each one runs, how often, whether it is heavy; and the runner that
gates, serialises, records and reports every run (scheduled, forced from the CLI, or from the UI).

Job logic lives in `reverie.core.consolidation`; this module only wires it. Heavy jobs (LLM,
vector queries, VACUUM) run one at a time and only when the user is idle and not on battery.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from reverie.core.consolidation import (
    absorb,
    abstraction,
    dedup,
    forgetting,
    knowledge_update,
    maintenance,
    retention,
    runlog,
)
from reverie.core.consolidation.config import ConsolidationConfig
from reverie.core.consolidation.gate import IdleProbe, PowerProbe, heavy_gate
from reverie.core.consolidation.jobs_base import EventSink, JobCancelled, JobContext, JobEvent, SystemClock
from reverie.core.protocols import LLM, Clock
from reverie.core.store.store import MemoryStore
from reverie.settings import Settings

log = logging.getLogger(__name__)


def _absorb(ctx: JobContext) -> None:
    llm = ctx.llm()
    processor = None
    if llm is not None:
        from reverie.core.agents.pipeline import MemoryAgents

        processor = MemoryAgents(ctx.store, llm)
    absorb.run(ctx, processor)


@dataclass(frozen=True)
class JobSpec:
    name: str
    run: Callable[[JobContext], None]
    every: timedelta
    heavy: bool
    help: str


JOBS: tuple[JobSpec, ...] = (
    JobSpec(absorb.NAME, _absorb, timedelta(minutes=30), True,
            "frames and chat the online path left unprocessed go through the memory agents"),
    JobSpec(dedup.NAME, dedup.run, timedelta(hours=6), True, "merge near-duplicate memories"),
    JobSpec(knowledge_update.NAME, knowledge_update.run, timedelta(hours=6), True,
            "invalidate facts that newer facts contradict"),
    JobSpec(abstraction.NAME, abstraction.run, timedelta(days=1), True,
            "distil finished days, mine repeated workflows, rewrite full core blocks"),
    JobSpec(forgetting.NAME, forgetting.run, timedelta(days=1), False,
            "forgetting curve: update strengths, archive weak old memories"),
    JobSpec(retention.NAME, retention.run, timedelta(hours=1), False,
            "purge captures past the retention age or size cap"),
    JobSpec(maintenance.NAME, maintenance.run, timedelta(days=1), True,
            "reconcile and compact the vector index, VACUUM after purges, truncate the WAL"),
)
BY_NAME = {j.name: j for j in JOBS}


def consolidation_config(settings: Settings) -> ConsolidationConfig:
    """Retention comes from the user's settings; the rest from an optional `consolidation` mapping."""
    extra: dict[str, Any] = dict(getattr(settings, "consolidation", None) or {})
    extra.setdefault("retention_days", float(settings.retention_days))
    extra.setdefault("retention_gb", float(settings.retention_gb))
    return ConsolidationConfig.from_mapping(extra)


def settings_llm_factory(settings: Settings, home: Path) -> Callable[[], LLM | None]:
    """Builds the configured local LLM on first use (jobs that need none never load it)."""
    lock = threading.Lock()
    built: list[LLM | None] = []

    def make() -> LLM | None:
        with lock:
            if not built:
                built.append(_build_llm(settings, home))
            return built[0]
    return make


def _build_llm(settings: Settings, home: Path) -> LLM | None:
    from reverie.core.protocols import LLMError
    from reverie.models.model_manager import ModelError
    from reverie.services import llm_from_settings

    try:
        return llm_from_settings(settings, home)  # type: ignore[return-value]
    except (LLMError, ModelError, OSError, ImportError) as exc:
        log.warning("background jobs run without an LLM: %s", exc)
        return None


@dataclass
class RunOutcome:
    name: str
    status: str  # ok | errors | failed | cancelled | deferred
    reason: str = ""
    record: runlog.RunRecord | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "status": self.status, "reason": self.reason,
                "run": self.record.as_dict() if self.record else None}


@dataclass
class JobRunner:
    store: MemoryStore
    idle: IdleProbe
    power: PowerProbe
    clock: Clock = field(default_factory=SystemClock)
    config: ConsolidationConfig = field(default_factory=ConsolidationConfig)
    llm_factory: Callable[[], LLM | None] | None = None
    cancel: threading.Event = field(default_factory=threading.Event)
    listeners: list[EventSink] = field(default_factory=list)
    _heavy: threading.Lock = field(default_factory=threading.Lock)

    def run(self, name: str, trigger: str = "schedule", *, force: bool = False,
            on_item: Callable[[int], None] | None = None) -> RunOutcome:
        spec = BY_NAME[name]
        if spec.heavy and not force:
            gate = heavy_gate(self.idle, self.power, self.config.idle_minutes * 60)
            if not gate.ok:
                return self._deferred(name, trigger, gate.reason)
        if spec.heavy and not self._heavy.acquire(blocking=False):
            return self._deferred(name, trigger, "another heavy job is running")
        try:
            return self._run(spec, trigger, on_item)
        finally:
            if spec.heavy:
                self._heavy.release()

    def _run(self, spec: JobSpec, trigger: str, on_item: Callable[[int], None] | None) -> RunOutcome:
        started = self._now()
        run_id = runlog.start_run(self.store, spec.name, trigger, started)
        ctx = JobContext(self.store, spec.name, self.clock, self.config, llm_factory=self.llm_factory,
                         on_event=self._emit, on_item=on_item, cancel=self.cancel)
        ctx.emit("started")
        mono = time.monotonic()
        try:
            spec.run(ctx)
        except JobCancelled:
            status = "cancelled"
        except Exception as exc:
            log.exception("job %s failed", spec.name)
            ctx.errors.append(f"{type(exc).__name__}: {exc}")
            status = "failed"
        else:
            status = "errors" if ctx.errors else "ok"
        # Durations are measured, not read off the injected clock (which tests freeze).
        finished = started + timedelta(seconds=time.monotonic() - mono)
        runlog.finish_run(self.store, run_id, finished, status, ctx.items, ctx.errors, ctx.detail)
        ctx.emit("finished" if status in ("ok", "errors") else status, "; ".join(ctx.errors[:3]))
        return RunOutcome(spec.name, status, "; ".join(ctx.errors[:3]),
                          runlog.history(self.store, spec.name, 1)[0])

    def _deferred(self, name: str, trigger: str, reason: str) -> RunOutcome:
        now = self._now()
        run_id = runlog.start_run(self.store, name, trigger, now)
        runlog.finish_run(self.store, run_id, now, "deferred", 0, [], {"reason": reason})
        self._emit(JobEvent(name, "deferred", message=reason))
        return RunOutcome(name, "deferred", reason)

    def _emit(self, event: JobEvent) -> None:
        for listener in list(self.listeners):
            try:
                listener(event)
            except Exception:
                log.exception("job event listener failed for %s", event.job)
        if event.phase != "started":
            self.store.emit("job_progress" if event.phase == "progress" else "job_finished", [event.job])

    def _now(self) -> datetime:
        now = self.clock.now()
        return now if now.tzinfo else now.replace(tzinfo=UTC)


def next_runs(store: MemoryStore) -> dict[str, datetime | None]:
    """Next run per job as the persisted schedule says (readable without starting a scheduler)."""
    rows = store.read_conn().execute("SELECT id, next_run_time FROM scheduler_jobs").fetchall()
    return {jid: None if t is None else datetime.fromtimestamp(t, UTC) for jid, t in rows}


def job_table(store: MemoryStore) -> list[dict[str, Any]]:
    """One row per job: schedule, last run (not counting deferrals), last deferral reason."""
    last = runlog.last_runs(store)
    any_last = runlog.last_runs(store, include_deferred=True)
    nexts = next_runs(store)
    rows: list[dict[str, Any]] = []
    for spec in JOBS:
        run = last.get(spec.name)
        latest = any_last.get(spec.name)
        nxt = nexts.get(spec.name)
        rows.append({
            "name": spec.name, "heavy": spec.heavy, "every_s": spec.every.total_seconds(), "help": spec.help,
            "next_run": nxt.isoformat() if nxt else None,
            "last_run": run.as_dict() if run else None,
            "deferred": latest.detail.get("reason") if latest and latest.status == "deferred" else None,
        })
    return rows

