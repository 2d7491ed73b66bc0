"""Capture against a real X server: Xvfb, a real Tk window, mss, python-xlib and RapidOCR.

Needs the Debian packages xvfb (and fonts-dejavu-core for legible text); skips only without Xvfb.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from reverie.capture.pipeline import CapturePipeline, ProcessedFrame
from reverie.capture.screen import CaptureUnavailable, MssFrameSource, check_session
from reverie.capture.window_info import X11WindowReader
from reverie.core.privacy import PrivacyPolicy
from reverie.core.protocols import WindowInfo
from reverie.models.ocr import RapidOCREngine
from tests.x11_helpers import needs_xvfb, set_active, start_xvfb, stop, windows

pytestmark = needs_xvfb


@pytest.fixture(scope="module")
def display() -> Iterator[str]:
    proc, name = start_xvfb()
    yield name
    stop(proc)


@pytest.fixture
def x11(display: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("DISPLAY", display)
    monkeypatch.setenv("XDG_SESSION_TYPE", "x11")
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    return display


@pytest.fixture
def open_window(x11: str) -> Iterator[Any]:
    with windows(x11) as opened:
        yield opened.open


def test_window_info_without_and_with_a_window_manager(open_window: Any, x11: str) -> None:
    wid, pid = open_window("Quarterly notes - Editor", "hello")
    reader = X11WindowReader(x11)
    focused = reader()  # no WM: falls back to the input focus Tk set
    assert focused is not None and focused.title == "Quarterly notes - Editor"
    assert focused.app == "Capturetest"
    set_active(x11, wid)
    try:
        # Tk sets no _NET_WM_PID: the pid comes from the X-Resource extension.
        assert reader() == WindowInfo("Capturetest", "Quarterly notes - Editor", pid)
    finally:
        set_active(x11, None)
    assert reader.idle_seconds() is not None


def pipeline(display: str, out: list[ProcessedFrame]) -> CapturePipeline:
    class Clock:
        def now(self) -> datetime:
            return datetime.now(UTC)

    reader = X11WindowReader(display)
    return CapturePipeline(MssFrameSource(), reader, PrivacyPolicy(), RapidOCREngine(), out.append, Clock())


@pytest.mark.slow
def test_capture_and_ocr_of_a_real_window(open_window: Any, x11: str) -> None:
    open_window("Quarterly notes - Editor", "Budget review moved to Friday 4711")
    out: list[ProcessedFrame] = []
    pipe = pipeline(x11, out)
    frames = [pipe.run_once() for _ in range(4)]  # a static screen: read once, then skipped
    assert [len(f) for f in frames] == [1, 0, 0, 0], pipe.stats()
    frame = out[0]
    assert frame.window.title == "Quarterly notes - Editor"
    assert "budget review moved to friday 4711" in " ".join(frame.text.lower().split())
    assert frame.thumbnail.size == (640, 360)
    assert pipe.stats()["unchanged"] == 3


def test_excluded_window_yields_no_frame(open_window: Any, x11: str) -> None:
    open_window("Bank — Mozilla Firefox Private Browsing", "IBAN DE89 3704 0044 0532 0130 00")
    out: list[ProcessedFrame] = []
    pipe = pipeline(x11, out)
    assert pipe.run_once() == [] and out == []
    assert pipe.stats() == {"excluded": 1, "backlog": 0}


def test_wayland_and_black_screens_are_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(CaptureUnavailable, match="needs X11 or a portal"):
        check_session({"XDG_SESSION_TYPE": "wayland", "DISPLAY": ":0"})
    with pytest.raises(CaptureUnavailable, match="needs X11 or a portal"):
        check_session({"WAYLAND_DISPLAY": "wayland-0"})
    proc, name = start_xvfb("-br")  # black root window, nothing drawn
    try:
        monkeypatch.setenv("DISPLAY", name)
        monkeypatch.setenv("XDG_SESSION_TYPE", "x11")
        source = MssFrameSource()
        frames = source.grab()
        assert frames[0].black and frames[0].image.size == (1280, 720)
        source.grab()
        with pytest.raises(CaptureUnavailable, match="entirely black"):
            source.grab()
        source.close()
    finally:
        stop(proc)
