"""A 24-hour ruler: hour markers, activity density, episodic events, and the current moment.

Click or drag anywhere to scrub the day; the timeline jumps to the nearest frame.
"""

from __future__ import annotations

import bisect
from datetime import datetime

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QMouseEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from reverie.ui.theme import TYPE_COLORS, colors

BINS = 144  # ten-minute bins


class DayScrubber(QWidget):
    scrubbed = Signal(float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._start = 0.0
        self._end = 86400.0
        self._bins = [0] * BINS
        self._events: list[float] = []
        self._cursor: float | None = None
        self.setMinimumHeight(58)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setToolTip("Click or drag to move through the day")

    def sizeHint(self) -> QSize:
        return QSize(600, 58)

    def set_day(self, start: float, end: float, frame_times: list[float], event_times: list[float]) -> None:
        """`frame_times` must be sorted; binning is then 145 bisects, cheap even at 100k frames."""
        self._start, self._end = start, end
        step = (end - start) / BINS
        edges = [bisect.bisect_left(frame_times, start + i * step) for i in range(BINS + 1)]
        self._bins = [edges[i + 1] - edges[i] for i in range(BINS)]
        self._events = event_times
        self._cursor = None
        self.update()

    def set_cursor(self, ts: float | None) -> None:
        self._cursor = ts
        self.update()

    def _x(self, ts: float) -> float:
        span = max(1.0, self._end - self._start)
        return 8 + (self.width() - 16) * (ts - self._start) / span

    def _ts(self, x: float) -> float:
        frac = min(1.0, max(0.0, (x - 8) / max(1, self.width() - 16)))
        return self._start + frac * (self._end - self._start)

    def paintEvent(self, event: QPaintEvent) -> None:
        c = colors()
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        h = self.height()
        base_y = h - 20.0
        p.setPen(QPen(QColor(c.border), 1))
        p.drawLine(QPointF(8, base_y), QPointF(self.width() - 8, base_y))
        peak = max(self._bins) or 1
        accent = QColor(c.accent)
        step = (self._end - self._start) / BINS
        for i, n in enumerate(self._bins):
            if not n:
                continue
            x0, x1 = self._x(self._start + i * step), self._x(self._start + (i + 1) * step)
            bar = (base_y - 10) * (0.25 + 0.75 * n / peak)
            accent.setAlphaF(0.35 + 0.5 * n / peak)
            p.fillRect(QRectF(x0, base_y - bar, max(1.0, x1 - x0 - 1), bar), accent)
        p.setPen(QPen(QColor(c.muted), 1))
        font = p.font()
        font.setPointSizeF(8)
        p.setFont(font)
        hours = round((self._end - self._start) / 3600)  # 23 or 25 on DST days
        for i in range(hours + 1):
            at = self._start + i * 3600
            x = self._x(at)
            hour = datetime.fromtimestamp(at).hour
            major = hour % 3 == 0
            p.drawLine(QPointF(x, base_y), QPointF(x, base_y + (5 if major else 3)))
            if major and i < hours:
                left = min(max(0.0, x - 20), self.width() - 40.0)  # keep edge labels inside the widget
                p.drawText(QRectF(left, base_y + 5, 40, 14), Qt.AlignmentFlag.AlignCenter, f"{hour:02d}:00")
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QColor(TYPE_COLORS["episodic"]))
        for ts in self._events:
            p.drawEllipse(QPointF(self._x(ts), 6), 3, 3)
        if self._cursor is not None:
            x = self._x(self._cursor)
            p.setPen(QPen(QColor(c.danger), 2))
            p.drawLine(QPointF(x, 2), QPointF(x, base_y + 2))
            label = datetime.fromtimestamp(self._cursor).strftime("%H:%M")
            p.drawText(QRectF(x + 4, 0, 48, 14), Qt.AlignmentFlag.AlignLeft, label)
        p.end()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self._scrub(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if event.buttons() & Qt.MouseButton.LeftButton:
            self._scrub(event)

    def _scrub(self, event: QMouseEvent) -> None:
        ts = self._ts(event.position().x())
        self.set_cursor(ts)
        self.scrubbed.emit(ts)
