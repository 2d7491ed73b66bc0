"""Capture loop → privacy decision → change detection → bounded queue → OCR of changed regions →
redaction → sink.

Two threads: the capture thread does only cheap work (window metadata, grab, ~2 ms signature) so
it keeps its 2 s rhythm; the OCR worker owns the per-window text caches and is the only caller of
`sink` (run_once() runs both steps in the caller's thread instead).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime

from PIL import Image

from reverie.capture.change_detect import ChangeDetector, Signature
from reverie.capture.screen import CaptureUnavailable, FrameSource, make_thumbnail
from reverie.capture.window_text import WindowTextCache, redacted_boxes
from reverie.core.privacy import PrivacyPolicy
from reverie.core.protocols import OCR, Clock, WindowInfo
from reverie.core.redaction import redact

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ProcessedFrame:
    captured_at: datetime
    monitor: int
    window: WindowInfo
    text: str  # redacted, in reading order
    redactions: dict[str, int]
    thumbnail: Image.Image  # <= 640 px wide; boxes of redacted lines painted black
    changed_fraction: float  # share of the screen that was re-read (1.0 = full OCR)
    ocr_ms: float
    degraded: bool = False  # back-pressure: thumbnail only, not OCR'd (and so not masked)


@dataclass(frozen=True)
class _Job:
    captured_at: datetime
    monitor: int
    window: WindowInfo
    image: Image.Image  # the full frame, or its thumbnail when degraded
    signature: Signature
    changed_fraction: float
    degraded: bool = False


class CapturePipeline:
    TINY_PIXELS, TINY_TICKS = 4, 4

    def __init__(
        self,
        source: FrameSource,
        window_reader: Callable[[], WindowInfo | None],
        policy: PrivacyPolicy,
        ocr: OCR,
        sink: Callable[[ProcessedFrame], None],
        clock: Clock,
        interval: float = 2.0,
        queue_size: int = 3,
        *,
        detector: ChangeDetector | None = None,
        idle_seconds: Callable[[], float | None] | None = None,
        idle_after: float = 120.0,
        max_slowdown: float = 4.0,
    ) -> None:
        self.source, self.window_reader, self.policy, self.ocr = source, window_reader, policy, ocr
        self.sink, self.clock, self.interval, self.queue_size = sink, clock, interval, max(1, queue_size)
        self.detector = detector or ChangeDetector()
        self.idle_seconds, self.idle_after, self.max_slowdown = idle_seconds, idle_after, max_slowdown
        self.error: Exception | None = None  # why the capture thread stopped, if it did
        self._counts: Counter[str] = Counter()
        self._pending: deque[_Job] = deque()
        self._cond = threading.Condition()
        self._last_sig: dict[int, Signature] = {}  # per monitor: last frame handed to OCR
        self._degraded_sig: dict[int, Signature] = {}  # per monitor: last thumbnail-only frame
        self._texts = WindowTextCache(ocr, self.detector)  # OCR worker only
        self._last_text: dict[int, str] = {}  # per monitor: last emitted text
        self._tiny: dict[int, int] = {}  # per monitor: consecutive ticks with only a tiny change
        self._static_ticks = 0
        self._paused = threading.Event()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    # ---- control -------------------------------------------------------------------------------
    def start(self) -> None:
        if self._threads:
            raise RuntimeError("pipeline already started")
        self._stop.clear()
        self._threads = [
            threading.Thread(target=self._capture_loop, name="reverie-capture", daemon=True),
            threading.Thread(target=self._ocr_loop, name="reverie-ocr", daemon=True),
        ]
        for thread in self._threads:
            thread.start()

    def stop(self, timeout: float = 10.0, drain: bool = False) -> None:
        """Stop both threads; pending frames are dropped (counted) unless `drain`."""
        self._stop.set()
        with self._cond:
            if not drain:
                self._count("dropped", len(self._pending))
                self._pending.clear()
            self._cond.notify_all()
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))
            if thread.is_alive():
                log.warning("%s still busy after %.0f s; it exits after the current frame", thread.name, timeout)
        self._threads = []

    def pause(self) -> None:
        self._paused.set()

    def resume(self) -> None:
        self._paused.clear()

    @property
    def paused(self) -> bool:
        return self._paused.is_set()

    def stats(self) -> dict[str, int]:
        with self._cond:
            return {**self._counts, "backlog": len(self._pending)}

    def current_interval(self) -> float:
        """Slow down on a static screen (x2 after 5 unchanged ticks ... up to max_slowdown) and
        when the user has been idle, since nothing new is being read then."""
        factor = 1.0 + self._static_ticks / 5
        idle = self.idle_seconds() if self.idle_seconds else None
        if idle is not None and idle >= self.idle_after:
            factor = self.max_slowdown
        return self.interval * min(factor, self.max_slowdown)

    def run_once(self) -> list[ProcessedFrame]:
        """One capture and its processing, synchronously (for `--once`, tests and benchmarks)."""
        if self._threads:
            raise RuntimeError("run_once() while the pipeline threads are running")
        self.tick()
        frames: list[ProcessedFrame] = []
        while True:
            with self._cond:
                if not self._pending:
                    return frames
                job = self._pending.popleft()
            frame = self._handle(job)
            if frame is not None:
                frames.append(frame)

    # ---- capture side (cheap) ------------------------------------------------------------------
    def tick(self) -> int:
        """Capture once; return how many frames were queued for OCR."""
        if self.paused:
            return 0
        window = self._allowed_window()
        if window is None:
            return 0
        now, frames = self.clock.now(), self.source.grab()
        # Ask again: a switch to a private window between the first check and the grab would
        # otherwise be captured under the previous window's name.
        if self._allowed_window() is None:
            return 0
        queued = 0
        for frame in frames:
            index = frame.monitor.index
            if frame.black:
                self._count("black")
                continue
            signature = self.detector.signature(frame.image)
            change = self.detector.compare(self._last_sig.get(index), signature)
            if change.unchanged:
                self._count("unchanged")
                self._tiny.pop(index, None)
                continue
            if change.changed_pixels <= self.TINY_PIXELS:
                # A blinking caret flips a few pixels every other tick; a real one-character edit
                # persists (we compare with the last OCR'd frame), so it is read after a few ticks.
                self._tiny[index] = self._tiny.get(index, 0) + 1
                if self._tiny[index] < self.TINY_TICKS:
                    self._count("tiny")
                    continue
            self._tiny.pop(index, None)
            job = _Job(now, index, window, frame.image, signature, change.changed_fraction)
            if self._offer(job):
                self._last_sig[index] = signature
                queued += 1
        self._static_ticks = 0 if queued else self._static_ticks + 1
        return queued

    def _allowed_window(self) -> WindowInfo | None:
        """The window to capture, or None when policy excludes it (then nothing derived is kept)."""
        try:
            window = self.window_reader()
        except Exception as exc:  # treated as unknown: the policy decides (fail closed by default)
            log.warning("window reader failed: %s", exc)
            window = None
        decision = self.policy.decide(window)
        if decision.keep:
            return window or WindowInfo("", "")
        self._count("excluded")
        log.debug("frame skipped: %s", decision.reason)
        self._last_sig.clear()
        self._degraded_sig.clear()
        return None

    def _offer(self, job: _Job) -> bool:
        with self._cond:
            full_jobs = sum(not j.degraded for j in self._pending)
            if full_jobs < self.queue_size:
                self._pending.append(job)
                self._count("queued")
                self._counts["max_backlog"] = max(self._counts["max_backlog"], len(self._pending))
                self._cond.notify()
                self._degraded_sig.pop(job.monitor, None)
                return True
        # Overloaded: keep a thumbnail of this screen and leave _last_sig alone, so the next tick
        # retries OCR of the then-current screen once the worker has caught up.
        if self.detector.compare(self._degraded_sig.get(job.monitor), job.signature).unchanged:
            self._count("unchanged")
            return False
        self._degraded_sig[job.monitor] = job.signature
        thumb = replace(job, image=make_thumbnail(job.image), degraded=True)
        with self._cond:
            if sum(j.degraded for j in self._pending) < self.queue_size:
                self._pending.append(thumb)
                self._cond.notify()
                kind = "degraded"
            else:
                kind = "dropped"
            self._count(kind)
            n = self._counts[kind]
        if n == 1 or n % 30 == 0:
            log.warning("OCR is behind (%d frames queued): %d frames %s so far", self.queue_size, n, kind)
        return False

    def _capture_loop(self) -> None:
        while not self._stop.is_set():
            started = time.monotonic()
            if not self.paused:
                try:
                    self.tick()
                except CaptureUnavailable as exc:
                    self.error = exc
                    log.error("screen capture stopped: %s", exc)
                    return
                except Exception:
                    self._count("errors")
                    log.exception("capture tick failed")
            self._stop.wait(max(0.0, self.current_interval() - (time.monotonic() - started)))

    # ---- OCR side (slow) -----------------------------------------------------------------------
    def _ocr_loop(self) -> None:
        while True:
            with self._cond:
                while not self._pending and not self._stop.is_set():
                    self._cond.wait()
                if not self._pending:
                    return
                job = self._pending.popleft()
            self._handle(job)

    def _handle(self, job: _Job) -> ProcessedFrame | None:
        try:
            frame = self._thumbnail_only(job) if job.degraded else self._process(job)
        except Exception:
            self._count("errors")
            log.exception("processing the frame from %s failed", job.window.app or "?")
            return None
        if frame is None:
            return None
        try:
            self.sink(frame)
            self._count("emitted")
        except Exception:
            self._count("sink_errors")
            log.exception("frame sink failed")
        return frame

    def _thumbnail_only(self, job: _Job) -> ProcessedFrame:
        return ProcessedFrame(
            job.captured_at, job.monitor, job.window, "", {}, job.image, job.changed_fraction, 0.0, degraded=True
        )

    def _process(self, job: _Job) -> ProcessedFrame | None:
        # Keyed by app, not title: an editor's title flips on every save ("*"), its pixels do not.
        read = self._texts.read((job.monitor, job.window.app or job.window.title), job.image, job.signature)
        text = "\n".join(ln.text for ln in read.lines)
        if text == self._last_text.get(job.monitor):  # e.g. a blinking cursor: pixels, not words
            self._count("text_unchanged")
            return None
        self._last_text[job.monitor] = text
        result = redact(text)
        thumb = make_thumbnail(job.image, masks=redacted_boxes(read.lines, result.spans))
        return ProcessedFrame(
            job.captured_at,
            job.monitor,
            job.window,
            result.text,
            result.counts,
            thumb,
            read.changed_fraction,
            read.ocr_ms,
        )

    def _count(self, name: str, n: int = 1) -> None:
        with self._cond:  # RLock-backed: safe to call while holding it
            self._counts[name] += n
