"""Run history of background jobs: one row per run (or deferral) in the encrypted store."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from reverie.core.store.store import MemoryStore

KEEP_PER_JOB = 200  # enough to see a week of deferrals without the table growing forever


@dataclass(frozen=True)
class RunRecord:
    id: int
    name: str
    trigger: str
    started_at: datetime
    finished_at: datetime | None
    status: str  # running | ok | errors | failed | deferred | cancelled | interrupted
    items: int
    errors: list[str]
    detail: dict[str, Any]

    @property
    def duration_s(self) -> float | None:
        if self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "trigger": self.trigger,
                "started_at": self.started_at.isoformat(),
                "finished_at": self.finished_at.isoformat() if self.finished_at else None,
                "duration_s": None if self.duration_s is None else round(self.duration_s, 3),
                "status": self.status, "items": self.items, "errors": self.errors, "detail": self.detail}


_COLS = "id, name, trigger, started_at, finished_at, status, items, errors, detail"


def _record(row: tuple[Any, ...]) -> RunRecord:
    rid, name, trigger, started, finished, status, items, errors, detail = row
    return RunRecord(int(rid), name, trigger, datetime.fromtimestamp(started, UTC),
                     None if finished is None else datetime.fromtimestamp(finished, UTC),
                     status, int(items), json.loads(errors), json.loads(detail))


def start_run(store: MemoryStore, name: str, trigger: str, at: datetime) -> int:
    def txn(conn: Any) -> int:
        cur = conn.execute("INSERT INTO job_runs(name, trigger, started_at, status) VALUES (?,?,?, 'running')",
                           (name, trigger, at.timestamp()))
        return int(cur.lastrowid)
    run_id: int = store.write(txn)
    return run_id


def finish_run(store: MemoryStore, run_id: int, at: datetime, status: str, items: int,
               errors: list[str], detail: dict[str, Any]) -> None:
    def txn(conn: Any) -> None:
        conn.execute("UPDATE job_runs SET finished_at = ?, status = ?, items = ?, errors = ?, detail = ? "
                     "WHERE id = ?", (at.timestamp(), status, items, json.dumps(errors[:50]),
                                      json.dumps(detail, default=str), run_id))
        (name,) = conn.execute("SELECT name FROM job_runs WHERE id = ?", (run_id,)).fetchone()
        conn.execute("DELETE FROM job_runs WHERE name = ? AND id <= ?", (name, run_id - KEEP_PER_JOB))
    store.write(txn)


def mark_interrupted(store: MemoryStore, at: datetime) -> int:
    """Runs still 'running' when a process starts were cut off (crash, kill): one process per data dir."""
    n: int = store.write(lambda c: c.execute(
        "UPDATE job_runs SET status = 'interrupted', finished_at = ? WHERE status = 'running'",
        (at.timestamp(),)).rowcount)
    return n


def last_runs(store: MemoryStore, *, include_deferred: bool = False) -> dict[str, RunRecord]:
    skip = "" if include_deferred else "WHERE status != 'deferred'"
    q = f"SELECT {_COLS} FROM job_runs WHERE id IN (SELECT max(id) FROM job_runs {skip} GROUP BY name)"
    return {r.name: r for r in map(_record, store.read_conn().execute(q))}


def history(store: MemoryStore, name: str, limit: int = 20) -> list[RunRecord]:
    q = f"SELECT {_COLS} FROM job_runs WHERE name = ? ORDER BY id DESC LIMIT ?"
    return [_record(r) for r in store.read_conn().execute(q, (name, limit))]
