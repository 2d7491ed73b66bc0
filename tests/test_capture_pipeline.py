"""CapturePipeline with a deterministic fake OCR: words are solid rectangles whose red channel is
a word id (green 0), so crops and offsets are checked exactly, without a model."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pytest
from PIL import Image, ImageDraw

from reverie.capture.pipeline import CapturePipeline, ProcessedFrame
from reverie.capture.screen import StaticImageSource
from reverie.core.privacy import PrivacyPolicy
from reverie.core.protocols import OCRLine, WindowInfo

EDITOR = WindowInfo("editor", "notes.md", 1)


class ColorOCR:
    def __init__(self, words: dict[int, str] | None = None, gate: threading.Event | None = None) -> None:
        self.words = words or {}
        self.gate = gate
        self.calls: list[tuple[int, int]] = []

    def read(self, image: Any) -> list[OCRLine]:
        if self.gate is not None:
            self.gate.wait(10)
        self.calls.append(image.size)
        arr = np.asarray(image.convert("RGB"))
        ink = arr[..., 1] == 0
        lines = []
        for wid in np.unique(arr[..., 0][ink]):
            ys, xs = np.nonzero(ink & (arr[..., 0] == wid))
            box = (int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1)
            lines.append(OCRLine(self.words.get(int(wid), f"word{wid}"), box, 1.0))
        return sorted(lines, key=lambda ln: (ln.box[1], ln.box[0]))


class FixedClock:
    def now(self) -> datetime:
        return datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def screen(*words: tuple[int, int, int]) -> Image.Image:
    """words: (id, x, y) drawn as 120x14 rectangles on a 1280x720 white screen."""
    img = Image.new("RGB", (1280, 720), "white")
    draw = ImageDraw.Draw(img)
    for wid, x, y in words:
        draw.rectangle((x, y, x + 119, y + 13), fill=(wid, 0, 0))
    return img


BASE = [(40, 100, 100), (80, 100, 140), (120, 100, 500)]


def make(
    images: list[Image.Image], window: WindowInfo | None = EDITOR, ocr: ColorOCR | None = None, **kw: Any
) -> tuple[CapturePipeline, list[ProcessedFrame], ColorOCR]:
    out: list[ProcessedFrame] = []
    ocr = ocr or ColorOCR()
    reader = kw.pop("reader", lambda: window)
    pipe = CapturePipeline(StaticImageSource(images), reader, PrivacyPolicy(), ocr, out.append, FixedClock(), **kw)
    return pipe, out, ocr


def test_static_screen_is_read_once() -> None:
    pipe, out, ocr = make([screen(*BASE)])
    frames = [pipe.run_once() for _ in range(4)]
    assert [len(f) for f in frames] == [1, 0, 0, 0]
    assert out[0].text == "word40\nword80\nword120"
    assert out[0].changed_fraction == 1.0 and out[0].thumbnail.width <= 640
    assert len(ocr.calls) == 1
    assert pipe.stats()["unchanged"] == 3


def test_only_the_changed_region_is_read_and_merged() -> None:
    pipe, _, ocr = make([screen(*BASE), screen(*BASE, (200, 900, 300))])
    pipe.run_once()
    (frame,) = pipe.run_once()
    assert frame.text == "word40\nword80\nword200\nword120"
    assert ocr.calls[1][0] * ocr.calls[1][1] < 0.1 * 1280 * 720
    assert 0 < frame.changed_fraction < 0.1


def test_a_changed_line_is_reread_whole() -> None:
    edited = [(40, 100, 100), (160, 100, 140), (120, 100, 500)]  # word80 -> word160, same place
    pipe, _, _ = make([screen(*BASE), screen(*edited)])
    pipe.run_once()
    (frame,) = pipe.run_once()
    assert frame.text == "word40\nword160\nword120"


@pytest.mark.parametrize(
    "window", [WindowInfo("KeePassXC", "db.kdbx"), WindowInfo("firefox", "x — Private Browsing"), None]
)
def test_excluded_and_unknown_windows_leave_nothing(window: WindowInfo | None) -> None:
    pipe, out, ocr = make([screen(*BASE)], window=window)
    assert pipe.run_once() == []
    assert out == [] and ocr.calls == []
    assert pipe.stats()["excluded"] == 1


def test_secrets_are_redacted_and_masked_in_the_thumbnail() -> None:
    ocr = ColorOCR({80: "password: hunter2"})
    pipe, _, _ = make([screen(*BASE)], ocr=ocr)
    (frame,) = pipe.run_once()
    assert "hunter2" not in frame.text
    assert frame.redactions == {"password": 1}
    scale = frame.thumbnail.width / 1280
    assert frame.thumbnail.getpixel((int(160 * scale), int(147 * scale))) == (0, 0, 0)


def test_blinking_caret_is_not_read_but_a_lasting_small_edit_is() -> None:
    caret = screen(*BASE)
    ImageDraw.Draw(caret).rectangle((700, 300, 701, 316), fill=(0, 0, 255))
    pipe, _, ocr = make([screen(*BASE), caret, screen(*BASE), caret, screen(*BASE)])
    for _ in range(5):
        pipe.run_once()
    assert len(ocr.calls) == 1
    pipe, _, ocr = make([screen(*BASE), *[caret] * 5])
    for _ in range(6):
        pipe.run_once()
    assert len(ocr.calls) == 2  # read after TINY_TICKS, then unchanged


def test_switching_back_to_a_window_uses_its_cached_text() -> None:
    current = [EDITOR]
    pipe, out, ocr = make([screen(*BASE), screen((200, 50, 50)), screen(*BASE)], reader=lambda: current[0])
    for window in [EDITOR, WindowInfo("term", "bash"), EDITOR]:
        current[0] = window
        pipe.run_once()
    assert [f.window.app for f in out] == ["editor", "term", "editor"]
    assert out[2].text == out[0].text and out[2].ocr_ms < 5
    assert len(ocr.calls) == 2


def test_adaptive_interval() -> None:
    idle = [0.0]
    pipe, _, _ = make([screen(*BASE)], interval=2.0, idle_seconds=lambda: idle[0])
    for _ in range(11):
        pipe.run_once()
    assert pipe.current_interval() == pytest.approx(6.0)  # 10 static ticks: x3
    idle[0] = 600
    assert pipe.current_interval() == pytest.approx(8.0)  # idle user: x4 cap


def test_pause_and_sink_errors() -> None:
    def broken(_: ProcessedFrame) -> None:
        raise RuntimeError("store is locked")

    pipe = CapturePipeline(
        StaticImageSource([screen(*BASE)]), lambda: EDITOR, PrivacyPolicy(), ColorOCR(), broken, FixedClock()
    )
    pipe.pause()
    assert pipe.run_once() == [] and pipe.stats().get("queued", 0) == 0
    pipe.resume()
    assert len(pipe.run_once()) == 1
    assert pipe.stats()["sink_errors"] == 1


def test_black_frames_are_skipped() -> None:
    pipe, _, _ = make([Image.new("RGB", (1280, 720))])
    assert pipe.run_once() == []
    assert pipe.stats()["black"] == 1


def test_back_pressure_degrades_to_thumbnails_and_stays_bounded() -> None:
    gate = threading.Event()
    source_images = [screen((i % 200 + 20, 100 + (i * 37) % 1000, 100 + (i * 53) % 600)) for i in range(60)]
    pipe, out, _ = make(source_images, ocr=ColorOCR(gate=gate), interval=0.01, queue_size=2)
    pipe.start()
    try:
        deadline = time.monotonic() + 10
        while pipe.stats().get("degraded", 0) + pipe.stats().get("dropped", 0) < 5:
            assert time.monotonic() < deadline, pipe.stats()
            time.sleep(0.01)
        assert pipe.stats()["backlog"] <= 2 * 2
    finally:
        gate.set()
        pipe.stop(timeout=10, drain=True)
    stats = pipe.stats()
    assert stats["max_backlog"] <= 3  # two OCR jobs waiting plus the one being taken
    assert any(f.degraded and f.text == "" for f in out)
    assert all(not t.is_alive() for t in threading.enumerate() if t.name.startswith("reverie-"))


def test_threads_start_and_stop_cleanly() -> None:
    pipe, out, _ = make([screen(*BASE)], interval=0.01)
    pipe.start()
    deadline = time.monotonic() + 5
    while not out:
        assert time.monotonic() < deadline
        time.sleep(0.01)
    pipe.stop(timeout=5)
    assert all(not t.is_alive() for t in threading.enumerate() if t.name.startswith("reverie-"))
    assert len(out) == 1  # static screen: one frame however many ticks
    with pytest.raises(RuntimeError):
        pipe.start()
        pipe.start()
    pipe.stop()


def test_scroll_reads_only_the_strip_that_scrolled_in() -> None:
    words = [(20 + i, 100 + 150 * (i % 5), 60 + 30 * i) for i in range(20)]  # a page of "text"
    before = screen(*words)
    after = Image.new("RGB", before.size, "white")
    after.paste(before.crop((0, 90, 1280, 720)), (0, 0))  # scrolled by three lines
    ImageDraw.Draw(after).rectangle((100, 660, 219, 673), fill=(220, 0, 0))  # the line that scrolled in
    pipe, _, ocr = make([before, after])
    pipe.run_once()
    (frame,) = pipe.run_once()
    assert frame.text.split("\n") == [f"word{20 + i}" for i in range(1, 20)] + ["word220"]
    assert ocr.calls[1][1] < 200  # only the bottom strip was read
    assert frame.changed_fraction < 0.25


def test_capture_benchmark_runs(tmp_path: Any) -> None:
    from reverie.bench.capture import run

    class CountingOCR:
        calls = 0

        def read(self, image: Any) -> list[OCRLine]:
            self.calls += 1
            return [OCRLine(f"read {self.calls}", (0, 0, 10, 10), 1.0)]

    result = run(tmp_path / "capture.json", session_frames=20, ocr=CountingOCR())
    assert (tmp_path / "capture.json").exists()
    assert result["unchanged_frame_ms"] < 50 and 0 < result["bytes_per_frame"] < 40_000
    assert result["session"]["cpu"]["frames"] == 20


def test_switch_to_a_private_window_during_the_grab_is_dropped() -> None:
    windows = iter([EDITOR, WindowInfo("firefox", "Bank - Private Browsing")])
    pipe, _, ocr = make([screen(*BASE)], reader=lambda: next(windows))
    assert pipe.run_once() == [] and ocr.calls == []
    assert pipe.stats()["excluded"] == 1
