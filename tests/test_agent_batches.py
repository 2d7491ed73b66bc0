"""What the memory agents read of captured frames."""

from __future__ import annotations

from datetime import UTC, datetime

from reverie.core.agents.batch import pending_batch
from reverie.core.store.store import MemoryStore


def _frame(store: MemoryStore, fid: str, at: float, text: str, app: str = "Slack", title: str = "#eng") -> None:
    store.write(lambda c: c.execute(
        "INSERT INTO frames(id, captured_at, app, title, text, processed) VALUES (?,?,?,?,?,0)",
        (fid, at, app, title, text)))


def test_blank_frames_do_not_hide_the_frames_behind_them(store: MemoryStore) -> None:
    t0 = datetime(2026, 3, 10, 9, tzinfo=UTC).timestamp()
    for i in range(10):  # a video: frames without text, more than one batch of them
        _frame(store, f"blank{i}", t0 + i, "  ", app="mpv", title="talk.mp4")
    _frame(store, "a", t0 + 20, "menu\nold line")
    _frame(store, "b", t0 + 22, "menu\nold line\nnew line")
    batch = pending_batch(store, max_frames=8)
    assert {s.id: s.text for s in batch.sources} == {"frame:a": "menu\nold line", "frame:b": "menu\nold line\nnew line"}
