"""The op runner: store work off the GUI thread, results back on it, the event loop never stalls."""

from __future__ import annotations

import itertools
import threading
import time

import pytest
from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QWidget

from reverie.ui.op_runner import OpRunner

pytestmark = pytest.mark.gui


def test_sleeping_op_does_not_block_the_event_loop(qtbot) -> None:  # type: ignore[no-untyped-def]
    runner = OpRunner()
    ticks: list[float] = []
    timer = QTimer(interval=50, timeout=lambda: ticks.append(time.monotonic()))
    timer.start()
    done: list[str] = []
    threads: dict[str, threading.Thread] = {}

    def slow(_ctx: object) -> str:
        threads["op"] = threading.current_thread()
        time.sleep(1.0)
        return "slept"

    def on_done(value: str) -> None:
        threads["callback"] = threading.current_thread()
        done.append(value)

    runner.op(slow).success(on_done).run_in_background()
    qtbot.waitUntil(lambda: bool(done), timeout=5000)
    timer.stop()
    assert done == ["slept"]
    assert len(ticks) >= 12, f"the GUI thread stalled: only {len(ticks)} ticks in ~1 s"
    assert max(b - a for a, b in itertools.pairwise(ticks)) < 0.4
    assert threads["op"] is not threading.main_thread()
    assert threads["callback"] is threading.main_thread()
    runner.shutdown()


def test_failure_and_progress_arrive_on_the_gui_thread_in_order(qtbot) -> None:  # type: ignore[no-untyped-def]
    runner = OpRunner()
    seen: list[object] = []
    failed: list[tuple[str, object]] = []
    runner.failed.connect(lambda label, exc: failed.append((label, exc)))

    def work(ctx) -> None:  # type: ignore[no-untyped-def]
        for i in range(5):
            ctx.report(i)
        raise ValueError("boom")

    runner.op(work, label="work").progress(seen.append) \
        .failure(lambda exc: seen.append((threading.current_thread() is threading.main_thread(), str(exc)))) \
        .run_in_background()
    qtbot.waitUntil(lambda: len(seen) == 6, timeout=5000)
    assert seen == [0, 1, 2, 3, 4, (True, "boom")]
    assert failed and failed[0][0] == "work"
    assert runner.wait_idle(5) and not runner.busy
    runner.shutdown()


def test_callbacks_are_dropped_once_the_parent_widget_is_gone(qtbot) -> None:  # type: ignore[no-untyped-def]
    runner = OpRunner()
    parent = QWidget()
    called: list[int] = []
    gate = threading.Event()
    runner.op(lambda _: gate.wait(5) and 1, parent).success(called.append).run_in_background()
    parent.deleteLater()
    qtbot.waitUntil(lambda: not _alive(parent), timeout=2000)
    gate.set()
    assert runner.wait_idle(5)
    assert called == []
    runner.shutdown()


def test_cancelled_stream_stops_reporting(qtbot) -> None:  # type: ignore[no-untyped-def]
    runner = OpRunner()
    pieces: list[object] = []

    def stream(ctx) -> None:  # type: ignore[no-untyped-def]
        for i in range(1000):
            ctx.report(i)
            time.sleep(0.002)

    op = runner.op(stream).progress(pieces.append).run_in_background()
    qtbot.waitUntil(lambda: len(pieces) >= 3, timeout=5000)
    op.cancel()
    assert runner.wait_idle(5)
    assert len(pieces) < 1000
    runner.shutdown()


def _alive(obj: QObject) -> bool:
    import shiboken6

    return bool(shiboken6.isValid(obj))
