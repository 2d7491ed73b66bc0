"""The capture pipeline's sink into the encrypted store: ProcessedFrame → FrameRecord → add_frame.

The pipeline calls the sink from its OCR worker thread. Store writes already run on the store's
writer thread, but that thread can be busy for seconds (a forget, a retention purge, VACUUM), so
in background mode frames wait in a small queue for a sink thread and the OCR worker blocks at
most `put_timeout` seconds before a frame is dropped and counted.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections import Counter

from reverie.capture.pipeline import ProcessedFrame
from reverie.capture.screen import encode_webp
from reverie.core.frames import FrameForgotten, FrameRecord, add_frame
from reverie.core.store.store import MemoryStore

log = logging.getLogger(__name__)


def frame_record(frame: ProcessedFrame, quality: int = 50) -> FrameRecord:
    return FrameRecord(
        captured_at=frame.captured_at,
        text=frame.text,
        app=frame.window.app,
        title=frame.window.title,
        monitor=frame.monitor,
        redactions=dict(frame.redactions),
        thumbnail=encode_webp(frame.thumbnail, quality),
    )


class StoreSink:
    """Callable sink. `background=False` stores synchronously in the caller's thread (ingest, --once)."""

    def __init__(self, store: MemoryStore, *, quality: int = 50, keep_degraded: bool = False, background: bool = True,
                 queue_size: int = 8, put_timeout: float = 2.0) -> None:
        self.store, self.quality, self.keep_degraded = store, quality, keep_degraded
        self.put_timeout = put_timeout
        self.stored_ids: list[str] = []
        self._counts: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._queue: queue.Queue[FrameRecord | None] | None = None
        self._thread: threading.Thread | None = None
        if background:
            self._queue = queue.Queue(maxsize=max(1, queue_size))
            self._thread = threading.Thread(target=self._run, args=(self._queue,), name="reverie-store-sink",
                                            daemon=True)
            self._thread.start()

    def __call__(self, frame: ProcessedFrame) -> None:
        if frame.degraded and not self.keep_degraded:
            # A degraded frame was never OCR'd, so its thumbnail was never masked: it could show a
            # secret that redaction would have painted over. The pipeline retries OCR of the screen
            # once it catches up, so only a transient screen is lost.
            self._count("degraded_skipped")
            return
        record = frame_record(frame, self.quality)  # WebP encoding: CPU work, on the OCR thread
        if self._queue is None:
            self._store(record)
            return
        try:
            self._queue.put(record, timeout=self.put_timeout)
        except queue.Full:
            self._count("store_dropped")
            log.warning("store busy for %.0f s: frame from %s dropped", self.put_timeout, frame.window.app or "?")

    def _run(self, pending: queue.Queue[FrameRecord | None]) -> None:
        while (record := pending.get()) is not None:  # None: close() asked us to stop
            self._store(record)

    def _store(self, record: FrameRecord) -> None:
        try:
            fid = add_frame(self.store, record)
        except FrameForgotten:
            self._count("forgotten")
            return
        except Exception:
            self._count("store_errors")
            log.exception("storing the frame from %s failed", record.app or "?")
            return
        with self._lock:
            self.stored_ids.append(fid)
            self._counts["stored"] += 1
            self._counts["bytes"] += len(record.thumbnail or b"") + len(record.text.encode())

    def close(self, timeout: float = 30.0) -> None:
        """Store what is queued, then stop the sink thread (call after the pipeline stopped)."""
        if self._queue is None or self._thread is None:
            return
        try:
            self._queue.put(None, timeout=timeout)
        except queue.Full:
            log.error("store sink still busy after %.0f s; queued frames are lost", timeout)
            return
        self._thread.join(timeout)
        if self._thread.is_alive():
            log.error("store sink did not finish within %.0f s", timeout)
        self._thread = None

    def stats(self) -> dict[str, int]:
        with self._lock:
            out = dict(self._counts)
        if self._queue is not None:
            out["sink_backlog"] = self._queue.qsize()
        return out

    def _count(self, name: str) -> None:
        with self._lock:
            self._counts[name] += 1
