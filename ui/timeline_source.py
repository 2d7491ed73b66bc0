"""Read-only timeline queries: frames and episodic events of one local day, light columns only.

Qt-free on purpose: these belong in core (a `frames_between` on the store) and can move there
unchanged once core grows that API. They run on op-runner threads, never on the GUI thread.
"""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta
from typing import NamedTuple

from reverie.core.store.store import MemoryStore
from reverie.core.types import Memory


class TimelineItem(NamedTuple):
    kind: str  # "frame" | "event"
    id: str
    at: float  # unix seconds
    app: str
    title: str  # window title for frames, summary for events
    thumb: str | None  # blob id of the encrypted thumbnail


class FrameDetail(NamedTuple):
    id: str
    at: float
    app: str
    title: str
    text: str


def day_bounds(day: date) -> tuple[float, float]:
    """Local midnight to the next local midnight (DST days are 23 or 25 hours long)."""
    start = datetime.combine(day, time.min).astimezone()
    end = datetime.combine(day + timedelta(days=1), time.min).astimezone()
    return start.timestamp(), end.timestamp()


def local_day(ts: float) -> date:
    return datetime.fromtimestamp(ts).date()


def load_day(store: MemoryStore, day: date) -> list[TimelineItem]:
    start, end = day_bounds(day)
    conn = store.read_conn()
    frames = [TimelineItem("frame", fid, at, app or "", title or "", thumb) for fid, at, app, title, thumb in
              conn.execute("SELECT id, captured_at, app, title, thumb_blob FROM frames "
                           "WHERE captured_at >= ? AND captured_at < ? ORDER BY captured_at", (start, end))]
    events = [TimelineItem("event", mid, at, app or "", _summary(body), None) for mid, at, app, body in
              conn.execute("SELECT id, occurred_at, app, body FROM memories WHERE type = 'episodic' "
                           "AND occurred_at >= ? AND occurred_at < ? ORDER BY occurred_at", (start, end))]
    if not events:
        return frames
    return sorted(frames + events, key=lambda item: item.at)


def _summary(body: str) -> str:
    data = json.loads(body)
    return str(data.get("summary") or data.get("details") or "")


def frame_detail(store: MemoryStore, frame_id: str) -> FrameDetail | None:
    row = store.read_conn().execute("SELECT id, captured_at, app, title, text FROM frames WHERE id = ?",
                                    (frame_id,)).fetchone()
    return None if row is None else FrameDetail(row[0], row[1], row[2] or "", row[3] or "", row[4] or "")


def latest_day(store: MemoryStore) -> date | None:
    conn = store.read_conn()
    (frame_at,) = conn.execute("SELECT max(captured_at) FROM frames").fetchone()
    (event_at,) = conn.execute("SELECT max(occurred_at) FROM memories WHERE type = 'episodic'").fetchone()
    latest = max((t for t in (frame_at, event_at) if t is not None), default=None)
    return None if latest is None else local_day(latest)


def adjacent_day(store: MemoryStore, day: date, step: int) -> date | None:
    """The nearest earlier (step < 0) or later day that has frames or events; skips empty days."""
    start, end = day_bounds(day)
    conn = store.read_conn()
    if step > 0:
        sql = ("SELECT min(t) FROM (SELECT min(captured_at) t FROM frames WHERE captured_at >= :b "
               "UNION ALL SELECT min(occurred_at) FROM memories WHERE type = 'episodic' AND occurred_at >= :b)")
        bound = end
    else:
        sql = ("SELECT max(t) FROM (SELECT max(captured_at) t FROM frames WHERE captured_at < :b "
               "UNION ALL SELECT max(occurred_at) FROM memories WHERE type = 'episodic' AND occurred_at < :b)")
        bound = start
    (found,) = conn.execute(sql, {"b": bound}).fetchone()
    return None if found is None else local_day(found)


def moment_of(store: MemoryStore, mem: Memory) -> float | None:
    """When a memory happened on the timeline: its first source frame, else its own time."""
    frame_ids = [p.removeprefix("frame:") for p in mem.provenance if p.startswith("frame:")]
    if frame_ids:
        marks = ",".join("?" * len(frame_ids))
        (at,) = store.read_conn().execute(f"SELECT min(captured_at) FROM frames WHERE id IN ({marks})",
                                          frame_ids).fetchone()
        if at is not None:
            return float(at)
    when = mem.occurred_at or mem.created_at
    return when.timestamp()


def known_apps(store: MemoryStore, limit: int = 200) -> list[str]:
    """Apps seen in memories and frames, most frequent first, for filter pickers."""
    rows = store.read_conn().execute(
        "SELECT app, sum(n) FROM (SELECT app, count(*) n FROM memories WHERE app IS NOT NULL GROUP BY app "
        "UNION ALL SELECT app, count(*) FROM frames WHERE app IS NOT NULL GROUP BY app) "
        "GROUP BY app ORDER BY 2 DESC LIMIT ?", (limit,)).fetchall()
    return [r[0] for r in rows if r[0]]
