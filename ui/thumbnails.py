"""Lazily decrypted, cached thumbnails.

Decryption and decoding run on the runner's media pool in small batches, newest request first:
when the user flings the timeline, the frames now on screen are decoded before the ones that
scrolled past, and stale requests beyond `backlog` are dropped rather than decoded for nothing.
QPixmaps are only made on the GUI thread (QImage is the thread-safe half).
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Callable

from PySide6.QtCore import QObject, QSize, Qt, Signal
from PySide6.QtGui import QImage, QPixmap

from reverie.ui.op_runner import OpContext, OpRunner

log = logging.getLogger(__name__)
BATCH = 6


class ThumbnailCache(QObject):
    ready = Signal(str)

    def __init__(self, runner: OpRunner, fetch: Callable[[str], bytes], size: QSize,
                 capacity: int = 600, backlog: int = 48, in_flight: int = 2) -> None:
        super().__init__()
        self._runner, self._fetch, self._size = runner, fetch, size
        self._capacity, self._backlog, self._max_flight = capacity, backlog, in_flight
        self._cache: OrderedDict[str, QPixmap] = OrderedDict()
        self._wanted: list[str] = []  # a stack: the last request is served first
        self._pending: set[str] = set()
        self._flight = 0
        self.failures = 0

    def get(self, blob_id: str) -> QPixmap | None:
        pm = self._cache.get(blob_id)
        if pm is not None:
            self._cache.move_to_end(blob_id)
            return pm
        if blob_id not in self._pending:
            self._pending.add(blob_id)
            self._wanted.append(blob_id)
            if len(self._wanted) > self._backlog:
                for stale in self._wanted[: -self._backlog]:
                    self._pending.discard(stale)
                del self._wanted[: -self._backlog]
            self._pump()
        return None

    def clear(self) -> None:
        self._cache.clear()
        self._wanted.clear()
        self._pending.clear()

    def _pump(self) -> None:
        while self._wanted and self._flight < self._max_flight:
            batch = self._wanted[-BATCH:][::-1]
            del self._wanted[-BATCH:]
            self._flight += 1

            def work(ctx: OpContext, ids: list[str] = batch, fetch: Callable[[str], bytes] = self._fetch,
                     size: QSize = self._size) -> list[tuple[str, QImage | None]]:
                return [(i, None if ctx.cancelled else _decode(fetch, i, size)) for i in ids]

            (self._runner.op(work, self, media=True, label="thumbnails")
             .success(self._arrived).failure(self._batch_failed).run_in_background())

    def _arrived(self, images: list[tuple[str, QImage | None]]) -> None:
        self._flight -= 1
        for blob_id, img in images:
            self._pending.discard(blob_id)
            if img is None:
                self.failures += 1
                pm = QPixmap()  # a null pixmap is cached too: a broken blob is not retried per paint
            else:
                pm = QPixmap.fromImage(img)
            self._cache[blob_id] = pm
            self.ready.emit(blob_id)
        while len(self._cache) > self._capacity:
            self._cache.popitem(last=False)
        self._pump()

    def _batch_failed(self, exc: BaseException) -> None:
        self._flight -= 1
        log.warning("thumbnail batch failed: %s", exc)
        self._pump()


def _decode(fetch: Callable[[str], bytes], blob_id: str, size: QSize) -> QImage | None:
    """Decrypt and shrink one thumbnail; a missing or corrupt blob is logged and shown as a blank."""
    try:
        data = fetch(blob_id)
    except Exception as exc:  # a purged or damaged blob must not kill its whole batch
        log.warning("thumbnail %s unreadable: %s", blob_id, exc)
        return None
    img = QImage.fromData(data)
    if img.isNull():
        log.warning("thumbnail %s is not an image (%d bytes)", blob_id, len(data))
        return None
    if img.width() > size.width() or img.height() > size.height():
        img = img.scaled(size, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation)
    return img
