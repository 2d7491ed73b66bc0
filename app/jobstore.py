"""An APScheduler 3 job store inside the encrypted store (table `scheduler_jobs`).

APScheduler's SQLAlchemy store would keep job state in a plaintext SQLite file next to the data;
this one keeps it in the SQLCipher database, writes through the store's single writer and reads
on the calling thread's read connection, so restarts resume the schedule and nothing leaks.
The pickled state is trusted because only the holder of the data key can write it.
"""

from __future__ import annotations

import pickle
from datetime import datetime
from typing import Any

from apscheduler.job import Job
from apscheduler.jobstores.base import BaseJobStore, ConflictingIdError, JobLookupError
from apscheduler.util import datetime_to_utc_timestamp, utc_timestamp_to_datetime

from reverie.core.store.store import MemoryStore


class EncryptedJobStore(BaseJobStore):  # type: ignore[misc]
    def __init__(self, store: MemoryStore) -> None:
        super().__init__()
        self._store = store

    def lookup_job(self, job_id: str) -> Job | None:
        row = self._store.read_conn().execute("SELECT job_state FROM scheduler_jobs WHERE id = ?",
                                              (job_id,)).fetchone()
        return self._reconstitute(row[0]) if row else None

    def get_due_jobs(self, now: datetime) -> list[Job]:
        return self._jobs("WHERE next_run_time <= ?", (datetime_to_utc_timestamp(now),))

    def get_next_run_time(self) -> datetime | None:
        row = self._store.read_conn().execute(
            "SELECT min(next_run_time) FROM scheduler_jobs WHERE next_run_time IS NOT NULL").fetchone()
        result: datetime | None = utc_timestamp_to_datetime(row[0])
        return result

    def get_all_jobs(self) -> list[Job]:
        jobs = self._jobs()
        self._fix_paused_jobs_sorting(jobs)
        return jobs

    def add_job(self, job: Job) -> None:
        state = pickle.dumps(job.__getstate__(), pickle.HIGHEST_PROTOCOL)

        def txn(conn: Any) -> None:
            if conn.execute("SELECT 1 FROM scheduler_jobs WHERE id = ?", (job.id,)).fetchone():
                raise ConflictingIdError(job.id)
            conn.execute("INSERT INTO scheduler_jobs(id, next_run_time, job_state) VALUES (?,?,?)",
                         (job.id, datetime_to_utc_timestamp(job.next_run_time), state))
        self._store.write(txn)

    def update_job(self, job: Job) -> None:
        state = pickle.dumps(job.__getstate__(), pickle.HIGHEST_PROTOCOL)
        n = self._store.write(lambda c: c.execute(
            "UPDATE scheduler_jobs SET next_run_time = ?, job_state = ? WHERE id = ?",
            (datetime_to_utc_timestamp(job.next_run_time), state, job.id)).rowcount)
        if n == 0:
            raise JobLookupError(job.id)

    def remove_job(self, job_id: str) -> None:
        n = self._store.write(lambda c: c.execute("DELETE FROM scheduler_jobs WHERE id = ?", (job_id,)).rowcount)
        if n == 0:
            raise JobLookupError(job_id)

    def remove_all_jobs(self) -> None:
        self._store.write(lambda c: c.execute("DELETE FROM scheduler_jobs"))

    def _reconstitute(self, blob: bytes) -> Job:
        state = pickle.loads(blob)
        state["jobstore"] = self
        job = Job.__new__(Job)
        job.__setstate__(state)
        job._scheduler = self._scheduler
        job._jobstore_alias = self._alias
        return job

    def _jobs(self, where: str = "", args: tuple[Any, ...] = ()) -> list[Job]:
        rows = self._store.read_conn().execute(
            f"SELECT id, job_state FROM scheduler_jobs {where} ORDER BY next_run_time", args).fetchall()
        jobs: list[Job] = []
        broken: list[str] = []
        for job_id, blob in rows:
            try:
                jobs.append(self._reconstitute(blob))
            except Exception:
                # A job whose function moved (renamed module): log it loudly and drop it; the app
                # re-adds every registered job at start, so the schedule heals itself.
                self._logger.exception('Unable to restore job "%s" -- removing it', job_id)
                broken.append(job_id)
        if broken:
            self._store.write(lambda c: c.executemany("DELETE FROM scheduler_jobs WHERE id = ?",
                                                      [(b,) for b in broken]))
        return jobs

    def __repr__(self) -> str:
        return f"<{type(self).__name__} ({self._store.db_path.name})>"
