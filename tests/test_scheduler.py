"""The background scheduler: persisted (encrypted) schedule, restart resumes it, misfires coalesce,
heavy jobs wait for idleness and run one at a time, one scheduler per data dir, the CLI."""

from __future__ import annotations

import ctypes.util
import json
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from reverie.core.consolidation.config import ConsolidationConfig
from reverie.core.consolidation.jobs_base import JobContext, JobEvent
from reverie.core.store.keys import KeyOptions
from reverie.core.store.lock import StoreLocked
from reverie.core.store.store import MemoryStore, StoreEvent
from reverie.idle import BatteryProbe, CaptureActivityProbe, X11IdleProbe
from reverie.jobs import BY_NAME, JobRunner, JobSpec
from reverie.scheduler import ReverieScheduler, SchedulerRunning, start_scheduler
from reverie.settings import Settings
from tests.conftest import PASSPHRASE, scan_for
from tests.consolidation_fakes import FakeClock, Idle, Power, add_frames


def open_plain(home: Path) -> MemoryStore:
    """Scheduling needs no vectors: no embedder keeps these tests fast."""
    return MemoryStore.open(home, KeyOptions(passphrase=PASSPHRASE), None)


@pytest.fixture
def plain(home: Path) -> Iterator[MemoryStore]:
    s = open_plain(home)
    yield s
    s.close()


def start(store: MemoryStore, idle: Idle | None = None, power: Power | None = None,
          clock: FakeClock | None = None) -> ReverieScheduler:
    return start_scheduler(store, Settings(), clock or FakeClock(), idle or Idle(), power or Power(),
                           llm_factory=lambda: None)


def finished(sched: ReverieScheduler, name: str) -> threading.Event:
    done = threading.Event()

    def on(event: JobEvent) -> None:
        if event.job == name and event.phase in ("finished", "failed", "cancelled"):
            done.set()
    sched.subscribe(on)
    return done


def runs(store: MemoryStore, name: str) -> list[tuple[str, str]]:
    return [tuple(r) for r in store.read_conn().execute(
        "SELECT status, trigger FROM job_runs WHERE name = ? ORDER BY id", (name,))]


def test_schedule_persists_encrypted_and_survives_restart(home: Path) -> None:
    with open_plain(home) as store:
        sched = start(store)
        first = {s["name"]: s["next_run"] for s in sched.status()}
        assert set(first) == set(BY_NAME) and all(first.values())
        sched.shutdown()
    # Job state lives inside the SQLCipher database: nothing readable on disk names the jobs.
    assert not scan_for(home, b"reverie.scheduler") and not scan_for(home, b"IntervalTrigger")
    with open_plain(home) as store:
        sched = start(store)
        try:
            assert {s["name"]: s["next_run"] for s in sched.status()} == first  # resumed, not reset
        finally:
            sched.shutdown()


def test_misfires_while_closed_coalesce_into_one_run(home: Path) -> None:
    with open_plain(home) as store:
        sched = start(store)
        sched._sched.pause()
        # The app was closed for five retention periods (1 h each) and a bit.
        sched._sched.modify_job("retention", next_run_time=datetime.now(UTC) - timedelta(hours=5, minutes=1))
        job = sched._sched.get_job("retention")
        assert len(job._get_run_times(datetime.now(UTC))) == 6  # six runs were missed …
        sched.shutdown()
    with open_plain(home) as store:
        sched = ReverieScheduler(store, JobRunner(store, Idle(), Power(), FakeClock()))
        done = finished(sched, "retention")
        sched.start()
        try:
            assert done.wait(30)
        finally:
            sched.shutdown(wait=True)
        assert runs(store, "retention") == [("ok", "schedule")]  # … and they ran once
        nxt = store.read_conn().execute("SELECT next_run_time FROM scheduler_jobs WHERE id = 'retention'").fetchone()
        assert nxt[0] > datetime.now(UTC).timestamp()


def test_interrupted_runs_are_marked_at_start(plain: MemoryStore) -> None:
    plain.write(lambda c: c.execute("INSERT INTO job_runs(name, trigger, started_at, status) "
                                    "VALUES ('dedup', 'schedule', 0, 'running')"))
    sched = start(plain)
    sched.shutdown()
    assert runs(plain, "dedup") == [("interrupted", "schedule")]


def test_heavy_jobs_wait_for_idle_and_mains_power(plain: MemoryStore) -> None:
    cfg = ConsolidationConfig(idle_minutes=5)
    events: list[JobEvent] = []
    idle, power = Idle(10), Power(False)
    runner = JobRunner(plain, idle, power, FakeClock(), cfg, llm_factory=lambda: None, listeners=[events.append])
    out = runner.run("maintenance")
    assert out.status == "deferred" and "user active" in out.reason
    assert runner.run("retention").status == "ok"  # light jobs never wait
    assert runner.run("maintenance", force=True).status == "ok"  # a run the user asked for
    idle.seconds = 600
    power.battery = True
    assert runner.run("maintenance").reason == "on battery"
    power.battery = None  # unknown power source: not a reason to wait
    assert runner.run("maintenance").status == "ok"
    idle.seconds = None  # unknown idleness: treated as idle
    assert runner.run("maintenance").status == "ok"
    assert [e.phase for e in events if e.job == "maintenance"][:2] == ["deferred", "started"]
    assert runs(plain, "maintenance")[0] == ("deferred", "schedule")


def test_capture_activity_is_the_idle_fallback(plain: MemoryStore) -> None:
    clock = FakeClock()
    probe = CaptureActivityProbe(plain, clock)
    clock.advance(minutes=3)
    add_frames(plain, 1, clock.now())
    assert probe.idle_seconds() == 0
    clock.advance(minutes=6)
    assert probe.idle_seconds() == 360
    runner = JobRunner(plain, probe, Power(), clock, ConsolidationConfig(idle_minutes=5))
    assert runner.run("maintenance").status == "ok"
    add_frames(plain, 1, clock.now())
    assert runner.run("maintenance").status == "deferred"
    probe.close()


def test_a_deferred_job_is_retried_minutes_later_not_a_period_later(plain: MemoryStore) -> None:
    sched = start(plain, idle=Idle(5))
    try:
        sched.fire("dedup")
        nxt = sched.next_run("dedup")
        assert nxt is not None
        assert timedelta(minutes=9) < nxt - datetime.now(UTC) < timedelta(minutes=11)
        assert runs(plain, "dedup") == [("deferred", "schedule")]
    finally:
        sched.shutdown()


def test_heavy_jobs_run_one_at_a_time(plain: MemoryStore, monkeypatch: pytest.MonkeyPatch) -> None:
    active, peak, release = [0], [0], threading.Event()
    lock = threading.Lock()
    done = {n: threading.Event() for n in ("dedup", "knowledge_update")}

    def slow(ctx: JobContext) -> None:
        with lock:
            active[0] += 1
            peak[0] = max(peak[0], active[0])
        release.wait(10)
        with lock:
            active[0] -= 1
        done[ctx.name].set()

    for name in done:
        spec = BY_NAME[name]
        monkeypatch.setitem(BY_NAME, name, JobSpec(name, slow, spec.every, True, spec.help))
    sched = start(plain)
    try:
        sched.run_now("dedup")
        sched.run_now("knowledge_update")
        release.set()
        assert all(e.wait(20) for e in done.values())
    finally:
        sched.shutdown()
    assert peak[0] == 1
    assert {r[0] for r in runs(plain, "dedup") + runs(plain, "knowledge_update")} == {"ok"}


def test_one_scheduler_per_data_dir_in_a_process(plain: MemoryStore) -> None:
    sched = start(plain)
    try:
        with pytest.raises(SchedulerRunning):
            start(plain)
    finally:
        sched.shutdown()
    start(plain).shutdown()  # free again once the first one stopped


CHILD = r"""
import sys, threading
from pathlib import Path
from reverie.core.store.keys import KeyOptions
from reverie.core.store.store import MemoryStore
from reverie.scheduler import start_scheduler
from reverie.settings import Settings

store = MemoryStore.open(Path(sys.argv[1]), KeyOptions(passphrase=sys.argv[2]), None)
sched = start_scheduler(store, Settings(), llm_factory=lambda: None)
print("READY", flush=True)
sys.stdin.readline()
sched.shutdown()
store.close()
print("STOPPED", flush=True)
"""


def test_a_second_process_cannot_even_open_the_store(home: Path) -> None:
    open_plain(home).close()
    proc = subprocess.Popen([sys.executable, "-c", CHILD, str(home), PASSPHRASE], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None and proc.stdin is not None
        assert proc.stdout.readline().strip() == "READY", proc.stderr.read() if proc.stderr else ""
        with pytest.raises(StoreLocked):
            open_plain(home)
        proc.stdin.write("\n")
        proc.stdin.flush()
        assert proc.stdout.readline().strip() == "STOPPED"
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
    open_plain(home).close()  # and free once it exited


SHIM = ("import argparse, sys; from reverie import cmd_jobs; p = argparse.ArgumentParser(); "
        "cmd_jobs.register(p.add_subparsers()); a = p.parse_args(sys.argv[1:]); sys.exit(a.handler(a))")


def jobs_cli(*args: str) -> tuple[int, str, str]:
    proc = subprocess.run([sys.executable, "-c", SHIM, "jobs", *args], capture_output=True, text=True, timeout=180,
                          env={**os.environ})
    return proc.returncode, proc.stdout, proc.stderr


def test_cli_runs_a_job_and_reports_status(home: Path) -> None:
    with open_plain(home) as store:
        add_frames(store, 3, datetime.now(UTC) - timedelta(days=400))
    code, out, err = jobs_cli("run", "retention", "--json")
    assert code == 0, err
    assert json.loads(out)["run"]["detail"]["purged_by_age"] == 3
    code, out, err = jobs_cli("--json")
    assert code == 0, err
    rows = {r["name"]: r for r in json.loads(out)}
    assert set(rows) == set(BY_NAME)
    assert rows["retention"]["last_run"]["status"] == "ok" and rows["retention"]["last_run"]["items"] == 3
    assert rows["dedup"]["last_run"] is None and rows["dedup"]["next_run"] is None  # no app has run yet
    code, out, _ = jobs_cli()
    assert code == 0 and "retention" in out and "when the app starts" in out


def test_job_events_reach_store_listeners(plain: MemoryStore) -> None:
    kinds: list[StoreEvent] = []
    plain.subscribe(kinds.append)
    JobRunner(plain, Idle(), Power(), FakeClock()).run("retention")
    assert StoreEvent("job_finished", ("retention",)) in kinds


def test_battery_from_sysfs(tmp_path: Path) -> None:
    def supply(name: str, kind: str, online: str | None = None) -> None:
        d = tmp_path / name
        d.mkdir()
        (d / "type").write_text(kind + "\n")
        if online is not None:
            (d / "online").write_text(online + "\n")
    probe = BatteryProbe(tmp_path)
    assert probe._sysfs_on_battery() is None  # a desktop: nothing to tell
    supply("AC", "Mains", "0")
    supply("BAT0", "Battery")
    assert probe._sysfs_on_battery() is True
    (tmp_path / "AC" / "online").write_text("1\n")
    assert probe._sysfs_on_battery() is False


@pytest.mark.skipif(shutil.which("Xvfb") is None or ctypes.util.find_library("Xss") is None,
                    reason="needs Xvfb and libXss (installed by .ci/run)")
def test_x11_idle_time_under_xvfb() -> None:
    display = f":{90 + os.getpid() % 50}"
    xvfb = subprocess.Popen(["Xvfb", display, "-screen", "0", "640x480x24", "-nolisten", "tcp"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        seconds: Any = None
        for _ in range(100):  # the server needs a moment before it accepts connections
            seconds = X11IdleProbe(display).idle_seconds()
            if seconds is not None:
                break
            threading.Event().wait(0.1)
        assert isinstance(seconds, float) and seconds >= 0
    finally:
        xvfb.terminate()
        xvfb.wait(10)
    assert X11IdleProbe("").idle_seconds() is None  # no display: unknown, and the fallback decides
