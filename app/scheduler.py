"""The background scheduler: APScheduler's BackgroundScheduler inside the process that owns the
store (GUI, `reverie serve`, `reverie capture`), with its jobs persisted in the encrypted store.

One scheduler per data dir: the store's lock already keeps a second process out, and a registry
here keeps a second scheduler out of the same process. Persisted jobs name their function by a
textual reference (`reverie.scheduler:fire`) with the data dir as argument, so `fire` finds the
live scheduler through that registry. Misfires while the app was closed are coalesced into one
run; heavy jobs the gate refuses are retried a few minutes later.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import STATE_STOPPED
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from reverie.core.consolidation import runlog
from reverie.core.consolidation.gate import IdleProbe, PowerProbe
from reverie.core.consolidation.jobs_base import EventSink, SystemClock
from reverie.core.protocols import LLM, Clock
from reverie.core.store.store import MemoryStore
from reverie.jobs import BY_NAME, JOBS, JobRunner, JobSpec, consolidation_config, job_table, settings_llm_factory
from reverie.jobstore import EncryptedJobStore
from reverie.settings import Settings

log = logging.getLogger(__name__)

_ACTIVE: dict[str, ReverieScheduler] = {}
_ACTIVE_LOCK = threading.Lock()
_NOW_SUFFIX = ":now"


class _BackgroundScheduler(BackgroundScheduler):  # type: ignore[misc]
    def _process_jobs(self) -> float | None:
        # APScheduler 3 wakes its loop once more after shutdown() and would then "run" due jobs on
        # executors already shut down: the run fails and the job's next run moves on, so a run due
        # at exit (or a misfire being caught up) is lost. A stopped scheduler processes nothing.
        if self.state == STATE_STOPPED:
            return None
        result: float | None = super()._process_jobs()
        return result


class SchedulerRunning(RuntimeError):
    """A scheduler already runs for this data dir in this process."""


def fire(home: str, name: str, force: bool = False) -> None:
    """Entry point of every persisted job (APScheduler needs a module-level function to re-import)."""
    sched = _ACTIVE.get(home)
    if sched is None:
        log.warning("job %s fired for %s, which has no running scheduler", name, home)
        return
    sched.fire(name, force=force)


@dataclass(frozen=True)
class Schedule:
    spec: JobSpec
    trigger: IntervalTrigger
    executor: str
    grace_s: int


def _schedule(spec: JobSpec) -> Schedule:
    seconds = spec.every.total_seconds()
    # Grace of a full period: a run that waited behind another heavy job (or whose time passed while
    # the app was closed) still runs once instead of being dropped as missed.
    return Schedule(spec, IntervalTrigger(seconds=int(seconds), timezone=UTC),
                    "heavy" if spec.heavy else "light", int(max(seconds, 3600)))


class ReverieScheduler:
    def __init__(self, store: MemoryStore, runner: JobRunner, defer: timedelta = timedelta(minutes=10)) -> None:
        self.store = store
        self.runner = runner
        self.defer = defer
        self.key = str(store.home.resolve())
        self.on_shutdown: list[Callable[[], None]] = []
        self._sched = _BackgroundScheduler(
            jobstores={"default": EncryptedJobStore(store)},
            # One heavy worker: heavy jobs queue behind each other instead of competing for CPU.
            executors={"heavy": ThreadPoolExecutor(1), "light": ThreadPoolExecutor(2)},
            job_defaults={"coalesce": True, "max_instances": 1},
            timezone=UTC,
        )

    # ---- lifecycle ---------------------------------------------------------------------------
    def start(self) -> None:
        with _ACTIVE_LOCK:
            if self.key in _ACTIVE:
                raise SchedulerRunning(f"a scheduler already runs for {self.key} in this process")
            _ACTIVE[self.key] = self
        try:
            # Only this process can hold the store, so 'running' rows are from a run that was killed.
            runlog.mark_interrupted(self.store, self.runner.clock.now())
            self._sched.start(paused=True)
            self._sync_jobs()
            self._sched.resume()
        except BaseException:
            self._release()
            raise

    def shutdown(self, wait: bool = True) -> None:
        """Ask running jobs to stop at their next checkpoint, then stop the scheduler."""
        self.runner.cancel.set()
        try:
            if self._sched.running:
                self._sched.shutdown(wait=wait)
        finally:
            self._release()
            for close in self.on_shutdown:
                close()

    def _release(self) -> None:
        with _ACTIVE_LOCK:
            if _ACTIVE.get(self.key) is self:
                del _ACTIVE[self.key]

    @property
    def running(self) -> bool:
        return bool(self._sched.running)

    def _sync_jobs(self) -> None:
        """Add jobs new to this version, update changed ones, keep persisted next-run times."""
        wanted = {spec.name: _schedule(spec) for spec in JOBS}
        for job in self._sched.get_jobs():
            if job.id not in wanted and not job.id.endswith(_NOW_SUFFIX):
                job.remove()
        for name, s in wanted.items():
            opts: dict[str, Any] = {"func": fire, "args": (self.key, name), "executor": s.executor,
                                    "misfire_grace_time": s.grace_s, "coalesce": True, "max_instances": 1,
                                    "name": name}
            job = self._sched.get_job(name)
            if job is None:
                self._sched.add_job(id=name, trigger=s.trigger, **opts)
                continue
            if str(job.trigger) != str(s.trigger):
                self._sched.reschedule_job(name, trigger=s.trigger)
            self._sched.modify_job(name, **opts)

    # ---- running -----------------------------------------------------------------------------
    def fire(self, name: str, force: bool = False) -> None:
        outcome = self.runner.run(name, "manual" if force else "schedule", force=force)
        if outcome.status == "deferred" and not force and self._sched.get_job(name) is not None:
            # APScheduler keeps real time; retry soon instead of waiting a whole period.
            self._sched.modify_job(name, next_run_time=datetime.now(UTC) + self.defer)

    def run_now(self, name: str) -> None:
        """Queue a forced run on the job's executor (the UI's "run now"); returns at once."""
        spec = BY_NAME[name]
        self._sched.add_job(fire, DateTrigger(datetime.now(UTC)), args=(self.key, name, True),
                            id=name + _NOW_SUFFIX, name=name, replace_existing=True, misfire_grace_time=None,
                            executor="heavy" if spec.heavy else "light")

    def subscribe(self, listener: EventSink) -> None:
        self.runner.listeners.append(listener)

    def status(self) -> list[dict[str, Any]]:
        return job_table(self.store)

    def next_run(self, name: str) -> datetime | None:
        job = self._sched.get_job(name)
        nxt: datetime | None = None if job is None else job.next_run_time
        return nxt


def start_scheduler(store: MemoryStore, settings: Settings, clock: Clock | None = None,
                    idle_probe: IdleProbe | None = None, power_probe: PowerProbe | None = None, *,
                    llm_factory: Callable[[], LLM | None] | None = None, start: bool = True) -> ReverieScheduler:
    """Build and start the scheduler for `store`. Pass `llm_factory` (a callable returning the app's
    shared LLM or None) to avoid loading a second copy of the model; by default it is built from
    settings on first use. Call `shutdown()` before closing the store."""
    from reverie.idle import BatteryProbe, CaptureActivityProbe, FirstAnswer, X11IdleProbe

    clock = clock or SystemClock()
    config = consolidation_config(settings)
    capture = None if idle_probe else CaptureActivityProbe(store, clock)
    idle: IdleProbe = idle_probe or FirstAnswer([X11IdleProbe(), *([capture] if capture else [])])
    factory = llm_factory or settings_llm_factory(settings, store.home)
    runner = JobRunner(store, idle, power_probe or BatteryProbe(), clock, config, llm_factory=factory)
    sched = ReverieScheduler(store, runner, defer=timedelta(minutes=config.defer_minutes))
    if capture is not None:
        sched.on_shutdown.append(capture.close)
    if start:
        sched.start()
    return sched

