"""`reverie jobs [--json]` and `reverie jobs run NAME`: background job status, and a run on demand.

Both open the store themselves, so they work while no app is running; while one is, the store's
lock refuses them with a clear message (ask the running app through its API instead).
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from reverie.errors import UserFacingError


def register(sub: Any) -> None:
    from reverie.jobs import JOBS

    p = sub.add_parser("jobs", help="background consolidation jobs: status, or run one now")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_status)
    jobs_sub = p.add_subparsers(dest="jobs_command")
    r = jobs_sub.add_parser("run", help="run one job now, in this process, ignoring the idle gate")
    r.add_argument("name", choices=[j.name for j in JOBS])
    r.add_argument("--json", action="store_true")
    r.set_defaults(handler=cmd_run)


def cmd_status(args: argparse.Namespace) -> int:
    from reverie.jobs import job_table
    from reverie.services import open_store

    with open_store(with_embedder=False) as store:
        rows = job_table(store)
    if args.json:
        print(json.dumps(rows, indent=1))
        return 0
    print(f"{'JOB':<17}{'LAST RUN':<22}{'STATUS':<12}{'TOOK':>8}{'ITEMS':>8}{'ERRORS':>7}  NEXT RUN")
    for row in rows:
        last = row["last_run"] or {}
        took = last.get("duration_s")
        print(f"{row['name']:<17}{_when(last.get('started_at')):<22}{last.get('status', 'never'):<12}"
              f"{'' if took is None else f'{took:.1f}s':>8}{last.get('items', ''):>8}"
              f"{len(last.get('errors', [])) if last else '':>7}  "
              f"{_when(row['next_run']) if row['next_run'] else 'when the app starts'}")
        for err in (last.get("errors") or [])[:3]:
            print(f"    error: {err}")
        if row["deferred"]:
            print(f"    last deferred: {row['deferred']}")
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    from reverie.idle import BatteryProbe, FirstAnswer
    from reverie.jobs import BY_NAME, JobRunner, consolidation_config, settings_llm_factory
    from reverie.paths import reverie_home
    from reverie.services import open_store
    from reverie.settings import Settings

    if args.name not in BY_NAME:
        raise UserFacingError(f"no job named {args.name!r}")
    home = reverie_home()
    settings = Settings.load(home)
    with open_store(home, settings=settings) as store:
        runner = JobRunner(store, FirstAnswer([]), BatteryProbe(), config=consolidation_config(settings),
                           llm_factory=settings_llm_factory(settings, home))
        outcome = runner.run(args.name, "manual", force=True)
    if args.json:
        print(json.dumps(outcome.as_dict(), indent=1))
    else:
        run = outcome.record
        took = f" in {run.duration_s:.1f}s" if run and run.duration_s is not None else ""
        print(f"{args.name}: {outcome.status}{took}, {run.items if run else 0} items")
        if run:
            for key, value in run.detail.items():
                print(f"  {key}: {value}")
            for err in run.errors:
                print(f"  error: {err}")
    return 0 if outcome.status in ("ok", "deferred") else 1


def _when(iso: str | None) -> str:
    if not iso:
        return "-"
    from datetime import datetime

    return datetime.fromisoformat(iso).astimezone().strftime("%Y-%m-%d %H:%M:%S")
