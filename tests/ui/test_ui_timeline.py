"""Timeline: seeded frames load, scroll and decrypt lazily; a 100k-row day stays cheap."""

from __future__ import annotations

import time
from datetime import date, datetime, timedelta

import pytest
from ui_helpers import add_frames, day_of_frames

from reverie.core.types import EpisodicMemory
from reverie.ui.timeline_model import CHUNK, ItemRole, ThumbRole, TimelineModel
from reverie.ui.timeline_source import TimelineItem, adjacent_day, load_day, moment_of
from reverie.ui.timeline_view import TimelineView

pytestmark = pytest.mark.gui


def _midday(days_ago: int = 0) -> float:
    day = date.today() - timedelta(days=days_ago)
    return datetime.combine(day, datetime.min.time()).replace(hour=9).timestamp()


def test_timeline_loads_scrolls_and_decrypts_seeded_frames(qtbot, ctx, settle) -> None:  # type: ignore[no-untyped-def]
    ids = day_of_frames(ctx.store, 300, start=_midday(), step=60)
    ctx.store.add(EpisodicMemory(summary="Standup with the Atlas team", occurred_at=datetime.fromtimestamp(
        _midday() + 3600).astimezone(), app="Zoom"))
    view = TimelineView(ctx)
    qtbot.addWidget(view)
    view.resize(1200, 760)
    view.show()
    view.start()
    settle()
    assert view.model.total == 301
    assert view.model.rowCount() == 301  # under one CHUNK: all exposed
    # start() opens on the latest moment, whose thumbnail is decrypted lazily off the GUI thread.
    current = view.strip.currentIndex().data(ItemRole)
    assert current.id == ids[-1]
    qtbot.waitUntil(lambda: view.strip.currentIndex().data(ThumbRole) is not None, timeout=10_000)
    assert not view.strip.currentIndex().data(ThumbRole).isNull()
    assert view.preview.app.text() == "Slack"  # frame 299 → apps cycle every 4
    assert view.preview.text.toPlainText() == "text of frame 299"
    # Scroll to the start: frames painted there get decrypted too; nothing failed.
    bar = view.strip.horizontalScrollBar()
    for value in range(bar.maximum(), -1, -max(1, bar.maximum() // 20)):
        bar.setValue(value)
        qtbot.wait(5)
    bar.setValue(0)
    settle()
    first = view.model.index(0)
    qtbot.waitUntil(lambda: view.model.data(first, ThumbRole) is not None, timeout=10_000)
    assert view.thumbs.failures == 0
    # Scrubbing to 09:30 selects the frame captured then.
    view.select_time(_midday() + 30 * 60)
    settle()
    assert view.strip.currentIndex().data(ItemRole).at == pytest.approx(_midday() + 30 * 60)


def test_day_navigation_skips_empty_days_and_shows_an_empty_state(qtbot, ctx, settle) -> None:  # type: ignore[no-untyped-def]
    day_of_frames(ctx.store, 5, start=_midday(3), step=60)
    day_of_frames(ctx.store, 5, start=_midday(1), step=60)
    assert adjacent_day(ctx.store, date.today(), -1) == date.today() - timedelta(days=1)
    assert adjacent_day(ctx.store, date.today() - timedelta(days=1), -1) == date.today() - timedelta(days=3)
    view = TimelineView(ctx)
    qtbot.addWidget(view)
    view.show()
    view.show_day(date.today())
    settle()
    assert view.stack.currentWidget() is view.empty
    view.step_day(-1)
    settle()
    assert view.model.day == date.today() - timedelta(days=1) and view.model.total == 5
    view.step_day(-1)
    settle()
    assert view.model.day == date.today() - timedelta(days=3)


def test_show_moment_jumps_to_a_memory_source_frame(qtbot, ctx, settle) -> None:  # type: ignore[no-untyped-def]
    frame_ids = add_frames(ctx.store, [(_midday(2) + i * 120, "Firefox", f"Doc {i}", "") for i in range(10)])
    mem = EpisodicMemory(summary="Read the pricing doc", provenance=[f"frame:{frame_ids[6]}"])
    ctx.store.add(mem)
    ts = moment_of(ctx.store, mem)
    assert ts == pytest.approx(_midday(2) + 6 * 120)
    view = TimelineView(ctx)
    qtbot.addWidget(view)
    view.show()
    view.show_moment(ts)
    settle()
    assert view.model.day == date.today() - timedelta(days=2)
    assert view.strip.currentIndex().data(ItemRole).id == frame_ids[6]


def test_a_100k_row_day_is_exposed_in_chunks(qtbot) -> None:  # type: ignore[no-untyped-def]
    base = _midday()
    items = [TimelineItem("frame", f"f{i}", base + i * 0.5, "App", f"t{i}", f"b{i}") for i in range(100_000)]
    model = TimelineModel()
    t0 = time.perf_counter()
    model.set_day(date.today(), items)
    assert time.perf_counter() - t0 < 1.0
    assert model.rowCount() == CHUNK and model.canFetchMore()
    model.fetchMore()
    assert model.rowCount() == 2 * CHUNK
    row = model.row_at(base + 60_000 * 0.5)
    assert row == 60_000 and model.rowCount() >= 60_001
    assert model.data(model.index(row), ItemRole).id == "f60000"


def test_load_day_returns_frames_and_events_in_time_order(ctx) -> None:  # type: ignore[no-untyped-def]
    add_frames(ctx.store, [(_midday() + 10, "A", "one", ""), (_midday() + 30, "B", "two", "")], thumbs=False)
    ctx.store.add(EpisodicMemory(summary="between", occurred_at=datetime.fromtimestamp(_midday() + 20).astimezone()))
    items = load_day(ctx.store, date.today())
    assert [(i.kind, i.title) for i in items] == [("frame", "one"), ("event", "between"), ("frame", "two")]


def test_jumping_across_a_100k_day_is_quick_and_lands_on_screen(qtbot, ctx) -> None:  # type: ignore[no-untyped-def]
    base = _midday()
    items = [TimelineItem("frame", f"f{i}", base + i * 0.3, "App", f"t{i}", None) for i in range(100_000)]
    view = TimelineView(ctx)
    qtbot.addWidget(view)
    view.resize(1200, 700)
    view.show()
    view.model.set_day(date.today(), items)
    for row in (99_999, 20_000, 75_000):
        t0 = time.perf_counter()
        view.select_row(row)
        jump_s = time.perf_counter() - t0
        assert jump_s < 0.25, f"jump to row {row} blocked the GUI for {jump_s * 1000:.0f} ms"
        idx = view.model.index(row)
        qtbot.waitUntil(lambda i=idx: view.strip.viewport().rect().intersects(view.strip.visualRect(i)), timeout=3000)
        assert view.strip.currentIndex().row() == row
