"""Icons: the app mark from its packaged PNGs, everything else drawn with QPainter (crisp at any size).

The app mark's source is app/data/io.github.reverie.Reverie.svg (also installed as the desktop's
menu icon); its PNGs are loaded here, so the window, tray and menu show the same mark without QtSvg.
Tray states must be told apart at 16 px in a panel, so each has its own shape as well as colour
(a dot for capturing, bars for paused, an arc for processing, a padlock for locked).
"""

from __future__ import annotations

import enum
import functools
from collections.abc import Callable
from importlib import resources

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPainterPath, QPen, QPixmap

SIZES = (16, 22, 24, 32, 48, 64)
APP_ID = "io.github.reverie.Reverie"  # the desktop app id: names the packaged icon files
MARK_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
INK = QColor("#3f63c9")


class TrayState(enum.StrEnum):
    CAPTURING = "capturing"
    PAUSED = "paused"
    PROCESSING = "processing"
    LOCKED = "locked"


STATE_COLORS = {
    TrayState.CAPTURING: QColor("#16a34a"),
    TrayState.PAUSED: QColor("#d97706"),
    TrayState.PROCESSING: QColor("#2563eb"),
    TrayState.LOCKED: QColor("#64748b"),
}

Painter = Callable[[QPainter, float], None]


def _icon(paint: Painter) -> QIcon:
    icon = QIcon()
    for size in SIZES:
        pm = QPixmap(size, size)
        pm.fill(Qt.GlobalColor.transparent)
        p = QPainter(pm)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        paint(p, float(size))
        p.end()
        icon.addPixmap(pm)
    return icon


@functools.cache
def _mark() -> QIcon:
    """The Reverie mark (a moment inside a recall arrow, on a deep-blue tile) at every packaged size."""
    icon = QIcon()
    data = resources.files("reverie.data")
    for size in MARK_SIZES:
        pm = QPixmap()
        if not pm.loadFromData(data.joinpath(f"{APP_ID}-{size}.png").read_bytes(), "PNG"):
            raise RuntimeError(f"the packaged app icon {APP_ID}-{size}.png is not a PNG")
        icon.addPixmap(pm)
    return icon


def _base(p: QPainter, s: float) -> None:
    """The Reverie mark as the tray icon's background (the nearest packaged size, scaled to fit)."""
    pm = _mark().pixmap(int(s), int(s))
    p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    p.drawPixmap(QRectF(0, 0, s, s), pm, QRectF(pm.rect()))


def app_icon() -> QIcon:
    return _mark()


def tray_icon(state: TrayState) -> QIcon:
    color = STATE_COLORS[state]

    def paint(p: QPainter, s: float) -> None:
        _base(p, s)
        badge = QRectF(s * 0.48, s * 0.48, s * 0.52, s * 0.52)
        p.setPen(QPen(QColor("#26304a"), max(1.0, s * 0.05)))
        p.setBrush(color)
        p.drawEllipse(badge)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QColor("#ffffff"))
        c = badge.center()
        r = badge.width() / 2
        if state is TrayState.CAPTURING:
            p.drawEllipse(c, r * 0.38, r * 0.38)
        elif state is TrayState.PAUSED:
            w, h = r * 0.24, r * 0.9
            p.drawRect(QRectF(c.x() - w * 1.6, c.y() - h / 2, w, h))
            p.drawRect(QRectF(c.x() + w * 0.6, c.y() - h / 2, w, h))
        elif state is TrayState.PROCESSING:
            _stroke(p, r * 3, QColor("#ffffff"))
            arc = QRectF(c.x() - r * 0.5, c.y() - r * 0.5, r, r)
            p.drawArc(arc, 90 * 16, 270 * 16)
        else:  # locked: padlock body and shackle
            p.drawRoundedRect(QRectF(c.x() - r * 0.45, c.y() - r * 0.05, r * 0.9, r * 0.6), r * 0.1, r * 0.1)
            p.setPen(QPen(QColor("#ffffff"), max(1.0, r * 0.16)))
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawArc(QRectF(c.x() - r * 0.3, c.y() - r * 0.5, r * 0.6, r * 0.8), 0, 180 * 16)
    return _icon(paint)


def _stroke(p: QPainter, s: float, color: QColor) -> None:
    pen = QPen(color, max(1.4, s * 0.08))
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    p.setPen(pen)
    p.setBrush(Qt.BrushStyle.NoBrush)


def nav_icon(name: str, color: QColor | None = None) -> QIcon:
    """Line icons for the sidebar: timeline, search, memories, chat, privacy, settings."""
    ink = color or INK

    def paint(p: QPainter, s: float) -> None:
        _stroke(p, s, ink)
        m = s * 0.18
        if name == "timeline":
            p.drawLine(QPointF(m, s / 2), QPointF(s - m, s / 2))
            for x in (0.3, 0.55, 0.8):
                p.drawEllipse(QPointF(s * x, s / 2), s * 0.07, s * 0.07)
            p.drawLine(QPointF(s * 0.3, s * 0.25), QPointF(s * 0.3, s * 0.4))
        elif name == "search":
            p.drawEllipse(QRectF(m, m, s * 0.46, s * 0.46))
            p.drawLine(QPointF(s * 0.58, s * 0.58), QPointF(s - m, s - m))
        elif name == "memories":
            for i in range(3):
                y = m + i * s * 0.22
                p.drawRoundedRect(QRectF(m, y, s - 2 * m, s * 0.16), s * 0.04, s * 0.04)
        elif name == "chat":
            path = QPainterPath()
            path.addRoundedRect(QRectF(m, m, s - 2 * m, s * 0.5), s * 0.12, s * 0.12)
            p.drawPath(path)
            p.drawLine(QPointF(s * 0.32, m + s * 0.5), QPointF(s * 0.28, s - m))
        elif name == "privacy":
            path = QPainterPath(QPointF(s / 2, m))
            path.lineTo(s - m, s * 0.3)
            path.quadTo(s - m, s * 0.72, s / 2, s - m)
            path.quadTo(m, s * 0.72, m, s * 0.3)
            path.closeSubpath()
            p.drawPath(path)
        else:  # settings: three sliders
            for i, knob in enumerate((0.35, 0.65, 0.45)):
                y = m + i * (s - 2 * m) / 2
                p.drawLine(QPointF(m, y), QPointF(s - m, y))
                p.drawEllipse(QPointF(s * knob, y), s * 0.06, s * 0.06)
    return _icon(paint)
