"""One runner for every store / model operation the UI starts (after Anki's CollectionOp).

    runner.op(lambda ctx: store.forget(mid), parent=self).success(on_done).run_in_background()

The op function runs on a pool thread and must not touch widgets; `success`, `failure` and
`progress` callbacks run on the GUI thread (queued signals), and are dropped when `parent` has
been destroyed meanwhile. Failures without a handler are logged and shown in a dialog.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any, Generic, TypeVar

import shiboken6
from PySide6.QtCore import QCoreApplication, QObject, QRunnable, Qt, QThreadPool, Signal, Slot
from PySide6.QtWidgets import QMessageBox, QWidget

log = logging.getLogger(__name__)
T = TypeVar("T")


class Cancelled(Exception):
    """Raised inside an op by `ctx.report` once the op was cancelled."""


class OpContext:
    """What the op function sees: a progress reporter and a cancellation flag."""

    def __init__(self, op: Op[Any]) -> None:
        self._op = op

    @property
    def cancelled(self) -> bool:
        return self._op.cancelled

    def report(self, value: object) -> None:
        if self._op.cancelled:
            raise Cancelled
        self._op._progress.emit(value)


class Op(QObject, Generic[T]):
    _done = Signal(object)
    _failed = Signal(object)
    _progress = Signal(object)

    def __init__(self, runner: OpRunner, fn: Callable[[OpContext], T], parent: QObject | None,
                 pool: QThreadPool, label: str) -> None:
        super().__init__()  # no Qt parent: the runner keeps ops alive until they are delivered
        self._runner, self._fn, self._parent, self._pool, self.label = runner, fn, parent, pool, label
        self._on_success: Callable[[T], None] | None = None
        self._on_failure: Callable[[BaseException], None] | None = None
        self._on_progress: Callable[[Any], None] | None = None
        self.cancelled = False
        # Queued: the slots run in this object's (the GUI) thread whatever thread emits.
        self._done.connect(self._deliver_done, Qt.ConnectionType.QueuedConnection)
        self._failed.connect(self._deliver_failure, Qt.ConnectionType.QueuedConnection)
        self._progress.connect(self._deliver_progress, Qt.ConnectionType.QueuedConnection)

    def success(self, cb: Callable[[T], None]) -> Op[T]:
        self._on_success = cb
        return self

    def failure(self, cb: Callable[[BaseException], None]) -> Op[T]:
        self._on_failure = cb
        return self

    def progress(self, cb: Callable[[Any], None]) -> Op[T]:
        self._on_progress = cb
        return self

    def cancel(self) -> None:
        self.cancelled = True

    def run_in_background(self) -> Op[T]:
        if self._runner.closed:
            # Late timers (debounces, live reloads) can fire while the app shuts down and the store closes.
            log.debug("op %s not started: the runner is shut down", self.label)
            return self
        self._runner._started(self)
        self._pool.start(_Job(self))
        return self

    def _execute(self) -> None:  # pool thread
        t0 = time.perf_counter()
        try:
            result = self._fn(OpContext(self))
        except BaseException as exc:  # handed to the GUI thread, never dropped
            self._failed.emit(exc)
        else:
            self._done.emit(result)
        log.debug("op %s took %.1f ms", self.label, (time.perf_counter() - t0) * 1000)

    def _alive(self) -> bool:
        return self._parent is None or shiboken6.isValid(self._parent)

    @Slot(object)
    def _deliver_progress(self, value: object) -> None:
        if self._on_progress is not None and self._alive() and not self.cancelled:
            self._on_progress(value)

    @Slot(object)
    def _deliver_done(self, result: T) -> None:
        try:
            if self._on_success is not None and self._alive() and not self.cancelled:
                self._on_success(result)
        finally:
            self._runner._finished(self)

    @Slot(object)
    def _deliver_failure(self, exc: BaseException) -> None:
        try:
            if isinstance(exc, Cancelled) or self.cancelled:
                return
            log.error("op %s failed", self.label, exc_info=exc)
            self._runner.failed.emit(self.label, exc)
            if not self._alive():
                return
            if self._on_failure is not None:
                self._on_failure(exc)
            else:
                show_error(self._parent if isinstance(self._parent, QWidget) else None, exc)
        finally:
            self._runner._finished(self)


class _Job(QRunnable):
    def __init__(self, op: Op[Any]) -> None:
        super().__init__()
        self._op = op

    def run(self) -> None:
        self._op._execute()


class OpRunner(QObject):
    """Owns the worker pools: `ops` for store/LLM work, `media` for thumbnail decryption."""

    busy_changed = Signal(bool)
    failed = Signal(str, object)

    def __init__(self, threads: int = 3, media_threads: int = 2) -> None:
        super().__init__()
        self.pool = QThreadPool()
        self.media = QThreadPool()
        for pool, n in ((self.pool, threads), (self.media, media_threads)):
            pool.setMaxThreadCount(n)
            # Threads never expire: each keeps a per-thread store read connection open.
            pool.setExpiryTimeout(-1)
        self._active: set[Op[Any]] = set()
        self.closed = False

    def op(self, fn: Callable[[OpContext], T], parent: QObject | None = None, *, media: bool = False,
           label: str = "") -> Op[T]:
        return Op(self, fn, parent, self.media if media else self.pool, label or getattr(fn, "__name__", "op"))

    @property
    def busy(self) -> bool:
        return bool(self._active)

    def _started(self, op: Op[Any]) -> None:
        self._active.add(op)
        if len(self._active) == 1:
            self.busy_changed.emit(True)

    def _finished(self, op: Op[Any]) -> None:
        self._active.discard(op)
        if not self._active:
            self.busy_changed.emit(False)

    def wait_idle(self, timeout_s: float = 30.0) -> bool:
        """Pump the event loop until every op has been delivered (screenshots, benchmarks, tests)."""
        deadline = time.monotonic() + timeout_s
        while self._active and time.monotonic() < deadline:
            QCoreApplication.processEvents()
            time.sleep(0.005)
        QCoreApplication.processEvents()
        return not self._active

    def shutdown(self) -> None:
        self.closed = True
        for op in list(self._active):
            op.cancel()
        self.pool.waitForDone(5000)
        self.media.waitForDone(5000)


def show_error(parent: QWidget | None, exc: BaseException) -> None:
    """A non-blocking error dialog: modal loops would stall the tray and running ops."""
    box = QMessageBox(QMessageBox.Icon.Warning, "Reverie", str(exc) or type(exc).__name__, parent=parent)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()
