"""Notices when nobody has used Reverie's windows for a while, so the app can lock itself."""

from __future__ import annotations

import time

from PySide6.QtCore import QEvent, QObject, Signal
from PySide6.QtWidgets import QApplication

from reverie.ui.qt_util import timer

ACTIVITY = {QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.MouseMove, QEvent.Type.Wheel,
            QEvent.Type.TouchBegin}


class IdleLock(QObject):
    idle = Signal()

    def __init__(self, timeout_min: float, check_ms: int = 15_000, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.timeout_s = timeout_min * 60
        self.last_activity = time.monotonic()
        self._fired = False
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)
        self._timer = timer(self, check_ms, self._check, single_shot=False)
        self._timer.start()

    def set_timeout(self, timeout_min: float) -> None:
        self.timeout_s = timeout_min * 60  # 0 = never lock

    def reset(self) -> None:
        self.last_activity = time.monotonic()
        self._fired = False

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if event.type() in ACTIVITY:
            self.last_activity = time.monotonic()
        return False

    def _check(self) -> None:
        if self.timeout_s > 0 and not self._fired and time.monotonic() - self.last_activity >= self.timeout_s:
            self._fired = True
            self.idle.emit()
