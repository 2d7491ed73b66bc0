"""Crash a job half-way (an injected exception, a failure between the two writes of a merge, and a
real kill -9 of a subprocess), rerun it, and compare with an uninterrupted run on a copy of the
same data: the store must be consistent throughout and end up identical, with nothing duplicated."""

from __future__ import annotations

import copy
import json
import os
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from reverie.bench.consolidation_data import generate
from reverie.core.consolidation import dedup, forgetting, knowledge_update
from reverie.core.consolidation.config import ConsolidationConfig
from reverie.core.consolidation.jobs_base import JobContext
from reverie.core.store.keys import KeyOptions
from reverie.core.store.store import MemoryStore
from reverie.core.types import Memory
from tests.conftest import PASSPHRASE
from tests.consolidation_fakes import FakeClock

CFG = ConsolidationConfig(batch=5)


class Boom(RuntimeError):
    pass


def planted(n: int = 40, seed: int = 5) -> list[Memory]:
    return generate(n, seed, dup_share=0.4, negative_share=0.3, update_share=0.3).memories


def open_store(home: Path, embedder: Any) -> MemoryStore:
    return MemoryStore.open(home, KeyOptions(passphrase=PASSPHRASE), embedder)


def state(store: MemoryStore) -> dict[str, tuple[Any, ...]]:
    rows = store.read_conn().execute(
        "SELECT id, archived, invalid_at, provenance, last_change, round(strength, 6) FROM memories").fetchall()
    return {r[0]: (r[1], r[2], tuple(sorted(json.loads(r[3]))), r[4], r[5]) for r in rows}


def consistent(store: MemoryStore) -> None:
    conn = store.read_conn()
    # On the writer's connection: a long-lived reader's FTS5 structure cache can go stale after
    # writes and make integrity_check report corruption that a fresh connection does not see.
    assert store.write(lambda c: c.execute("PRAGMA integrity_check").fetchone()[0]) == "ok"
    assert conn.execute("SELECT count(*) FROM memories").fetchone()[0] == \
        conn.execute("SELECT count(*) FROM embeddings").fetchone()[0]
    fixed = store.reconcile()  # vector index and canonical store agree: nothing to add or remove
    assert fixed.get("added", 0) == 0 and fixed.get("removed", 0) == 0


def run_job(store: MemoryStore, job: Callable[[JobContext], None], name: str,
            on_item: Callable[[int], None] | None = None) -> JobContext:
    ctx = JobContext(store, name, FakeClock(), CFG, on_item=on_item)
    job(ctx)
    return ctx


def reference(tmp_path: Path, embedder: Any, mems: list[Memory], *jobs: tuple[Any, str]) -> dict[str, Any]:
    with open_store(tmp_path / "reference", embedder) as ref:
        ref.add_many(copy.deepcopy(mems))
        for job, name in jobs:
            run_job(ref, job, name)
        return state(ref)


def fail_after(n: int) -> Callable[[int], None]:
    def hook(count: int) -> None:
        if count >= n:
            raise Boom(f"injected crash after {n} items")
    return hook


@pytest.mark.parametrize(("job", "name", "after"), [
    (dedup.run, dedup.NAME, 7), (knowledge_update.run, knowledge_update.NAME, 6),
    (forgetting.run, forgetting.NAME, 30),
])
def test_exception_mid_job_then_rerun_matches_uninterrupted_run(store: MemoryStore, embedder: Any, tmp_path: Path,
                                                                 job: Any, name: str, after: int) -> None:
    mems = planted()
    store.add_many(copy.deepcopy(mems))
    with pytest.raises(Boom):
        run_job(store, job, name, fail_after(after))
    consistent(store)
    assert store.read_conn().execute("SELECT cursor FROM job_state WHERE name = ?", (name,)).fetchone() is not None
    run_job(store, job, name)
    consistent(store)
    assert state(store) == reference(tmp_path, embedder, mems, (job, name))


def test_crash_between_the_two_writes_of_a_merge(store: MemoryStore, embedder: Any, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    mems = planted()
    store.add_many(copy.deepcopy(mems))
    real_update = store.update

    def update(mem: Memory, change: str = "update") -> None:
        if change.startswith("merged_into:"):
            raise Boom("killed after the keeper took the provenance, before the copy was archived")
        real_update(mem, change)

    monkeypatch.setattr(store, "update", update)
    with pytest.raises(Boom):
        run_job(store, dedup.run, dedup.NAME)
    monkeypatch.setattr(store, "update", real_update)
    consistent(store)
    run_job(store, dedup.run, dedup.NAME)
    assert state(store) == reference(tmp_path, embedder, mems, (dedup.run, dedup.NAME))


CHILD = r"""
import sys, threading
from pathlib import Path
from reverie.core.consolidation import dedup
from reverie.core.consolidation.config import ConsolidationConfig
from reverie.core.consolidation.jobs_base import JobContext
from reverie.core.store.keys import KeyOptions
from reverie.core.store.store import MemoryStore
from reverie.models.embedder import OnnxEmbedder

store = MemoryStore.open(Path(sys.argv[1]), KeyOptions(passphrase=sys.argv[2]), OnnxEmbedder())

def hook(count):
    if count == int(sys.argv[3]):
        print("READY", flush=True)
        threading.Event().wait()  # hold here, mid-job, until the parent kills this process

dedup.run(JobContext(store, dedup.NAME, config=ConsolidationConfig(batch=5), on_item=hook))
print("FINISHED", flush=True)
"""


def test_kill_9_mid_dedup_then_rerun(home: Path, embedder: Any, tmp_path: Path) -> None:
    mems = planted()
    with open_store(home, embedder) as s:
        s.add_many(copy.deepcopy(mems))
    proc = subprocess.Popen([sys.executable, "-c", CHILD, str(home), PASSPHRASE, "12"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env={**os.environ})
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline().strip()
        assert line == "READY", proc.stderr.read() if proc.stderr else line
        os.kill(proc.pid, signal.SIGKILL)
        assert proc.wait(timeout=30) == -signal.SIGKILL
    finally:
        if proc.poll() is None:
            proc.kill()
    with open_store(home, embedder) as s:
        consistent(s)
        cursor = s.read_conn().execute("SELECT cursor FROM job_state WHERE name = 'dedup'").fetchone()
        assert cursor is not None  # two batches were checkpointed before the kill
        run_job(s, dedup.run, dedup.NAME)
        consistent(s)
        assert state(s) == reference(tmp_path, embedder, mems, (dedup.run, dedup.NAME))
