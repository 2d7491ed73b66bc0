"""Small Qt conveniences that keep the typed call sites short."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QWidget


def timer(parent: QObject, ms: int, slot: Callable[[], object], single_shot: bool = True) -> QTimer:
    t = QTimer(parent)
    t.setInterval(ms)
    t.setSingleShot(single_shot)
    t.timeout.connect(slot)
    return t


def hidden(widget: QWidget) -> QWidget:
    widget.setVisible(False)
    return widget
