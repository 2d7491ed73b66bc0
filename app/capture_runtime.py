"""Wiring the capture pipeline to the store: privacy policy from settings, the platform's window
reader, RapidOCR and the store sink, plus a session that runs until asked to stop.

Heavy pieces (mss, python-xlib, RapidOCR) are imported when a session is built, not at start-up.
"""

from __future__ import annotations

import logging
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from reverie.capture.pipeline import CapturePipeline
from reverie.capture.store_sink import StoreSink
from reverie.core.frames import assign_batches
from reverie.core.privacy import DEFAULT_EXCLUDED_APPS, DEFAULT_EXCLUDED_TITLES, PrivacyPolicy
from reverie.core.protocols import OCR, WindowInfo
from reverie.core.store.store import MemoryStore
from reverie.settings import Settings

log = logging.getLogger(__name__)
PAUSE_FLAG = "capture.paused"  # the file the GUI's pause toggle creates (app/gui_wiring.PauseFlag)


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


def privacy_policy(settings: Settings) -> PrivacyPolicy:
    """The built-in exclusions plus the user's own; user entries never replace the defaults."""
    return PrivacyPolicy(
        excluded_apps=list(dict.fromkeys([*DEFAULT_EXCLUDED_APPS, *settings.excluded_apps])),
        excluded_title_patterns=list(dict.fromkeys([*DEFAULT_EXCLUDED_TITLES, *settings.excluded_titles])),
        fail_closed=settings.capture_fail_closed,
    )


def window_reader() -> tuple[Callable[[], WindowInfo | None], Callable[[], float | None] | None]:
    """(active window, idle seconds) for this platform; idle time is known on X11 only."""
    if sys.platform.startswith("linux"):
        from reverie.capture.window_info import X11WindowReader

        reader = X11WindowReader()
        return reader, reader.idle_seconds
    from reverie.capture.window_info import active_window

    return active_window, None


def default_ocr() -> OCR:
    from reverie.models.ocr import RapidOCREngine

    return RapidOCREngine()


@dataclass
class CaptureSession:
    """A running capture into the store; `run()` blocks until `stop` is set or capture fails."""

    store: MemoryStore
    pipeline: CapturePipeline
    sink: StoreSink
    pause_file: Path | None = None
    status: Callable[[str], None] = print
    status_every: float = 60.0
    stop: threading.Event = field(default_factory=threading.Event)
    error: Exception | None = None

    def run(self) -> int:
        self.pipeline.start()
        next_status = time.monotonic() + self.status_every
        try:
            while not self.stop.wait(1.0):
                self._follow_pause_flag()
                if self.pipeline.error is not None:  # the capture thread gave up (e.g. capture blocked)
                    self.error = self.pipeline.error
                    return 2
                if time.monotonic() >= next_status:
                    next_status += self.status_every
                    assign_batches(self.store)
                    self.status(self.status_line())
            return 0
        finally:
            self.pipeline.stop(timeout=30.0, drain=True)  # finish the frames already read
            self.sink.close()
            assign_batches(self.store)

    def _follow_pause_flag(self) -> None:
        if self.pause_file is None:
            return
        paused = self.pause_file.exists()
        if paused != self.pipeline.paused:
            (self.pipeline.pause if paused else self.pipeline.resume)()
            self.status("capture paused" if paused else "capture resumed")

    def status_line(self) -> str:
        return format_status({**self.pipeline.stats(), **self.sink.stats()}, self.pipeline.paused)


def format_status(stats: dict[str, Any], paused: bool = False) -> str:
    parts = [f"{stats.get('stored', 0)} frames stored ({stats.get('bytes', 0) / 1e6:.1f} MB)",
             f"{stats.get('unchanged', 0) + stats.get('text_unchanged', 0)} unchanged",
             f"{stats.get('excluded', 0)} excluded", f"backlog {stats.get('backlog', 0)}"]
    for key in ("degraded_skipped", "dropped", "errors", "sink_errors", "store_dropped", "store_errors", "forgotten"):
        if stats.get(key):
            parts.append(f"{stats[key]} {key.replace('_', ' ')}")
    return ("capture (paused): " if paused else "capture: ") + ", ".join(parts)
