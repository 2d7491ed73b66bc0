"""Paints one timeline cell: a frame thumbnail or an episodic-event card, time and app name.

Every cell has the same size (the view uses uniformItemSizes, so layout is O(1) per row); the
first cell of each hour carries an hour marker, which is how hours show inside the strip.
"""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPen, QPixmap
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem

from reverie.ui.theme import TYPE_COLORS, colors
from reverie.ui.timeline_model import HourStartRole, ItemRole, ThumbRole
from reverie.ui.timeline_source import TimelineItem

CELL = QSize(184, 150)
THUMB = QSize(168, 96)


class TimelineDelegate(QStyledItemDelegate):
    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> QSize:
        return CELL

    def paint(self, p: QPainter, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> None:
        item: TimelineItem | None = index.data(ItemRole)
        if item is None:
            return
        c = colors()
        rect = QRectF(option.rect).adjusted(8, 18, -8, -4)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        p.save()
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        if index.data(HourStartRole):
            hour = datetime.fromtimestamp(item.at).strftime("%H:00")
            p.setPen(QPen(QColor(c.muted), 1))
            top = float(option.rect.top())
            left = float(option.rect.left()) + 2
            p.drawLine(QRectF(left, top + 2, 1, 14).topLeft(), QRectF(left, top + 2, 1, 14).bottomLeft())
            p.drawText(QRectF(left + 5, top, 80, 16), Qt.AlignmentFlag.AlignVCenter, hour)
        card = QRectF(rect.left(), rect.top(), rect.width(), THUMB.height())
        p.setPen(QPen(QColor(c.accent if selected else c.border), 2 if selected else 1))
        p.setBrush(QColor(c.alt))
        p.drawRoundedRect(card, 6, 6)
        if item.kind == "frame":
            pm: QPixmap | None = index.data(ThumbRole)
            if pm is not None and not pm.isNull():
                box = card.size().toSize() - QSize(2, 2)
                # The cache already decodes at THUMB size; rescale only if a blob came out larger.
                scaled = pm if pm.width() <= box.width() and pm.height() <= box.height() else pm.scaled(
                    box, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation)
                x = card.left() + (card.width() - scaled.width()) / 2
                y = card.top() + (card.height() - scaled.height()) / 2
                p.drawPixmap(int(x), int(y), scaled)
        else:
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(QColor(TYPE_COLORS["episodic"]))
            p.drawRoundedRect(QRectF(card.left(), card.top(), 4, card.height()), 2, 2)
            p.setPen(QColor(c.text))
            p.drawText(card.adjusted(12, 8, -8, -8), int(Qt.TextFlag.TextWordWrap | Qt.AlignmentFlag.AlignTop),
                       item.title)
        p.setPen(QColor(c.text))
        meta = QRectF(rect.left(), card.bottom() + 4, rect.width(), 16)
        when = datetime.fromtimestamp(item.at).strftime("%H:%M:%S")
        p.drawText(meta, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, when)
        p.setPen(QColor(c.muted))
        app = item.app or ("event" if item.kind == "event" else "")
        elided = p.fontMetrics().elidedText(app, Qt.TextElideMode.ElideRight, int(rect.width() - 62))
        p.drawText(meta, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, elided)
        title = p.fontMetrics().elidedText(item.title if item.kind == "frame" else "", Qt.TextElideMode.ElideRight,
                                           int(rect.width()))
        p.drawText(QRectF(rect.left(), meta.bottom(), rect.width(), 16),
                   Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, title)
        p.restore()
