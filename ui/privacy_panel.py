"""Privacy page: what is stored and how much, pause capture, and forget the last minutes."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from reverie.core.types import MemoryType
from reverie.ui.context import UiContext
from reverie.ui.memory_text import TYPE_LABELS
from reverie.ui.qt_util import timer
from reverie.ui.theme import GAP, PAD, label

FORGET_CHOICES = ((5, "Last 5 minutes"), (30, "Last 30 minutes"), (60, "Last hour"))


def human_bytes(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GB"


def _stat_card(title: str) -> tuple[QFrame, QLabel]:
    card = QFrame()
    card.setObjectName("card")
    lay = QVBoxLayout(card)
    lay.setContentsMargins(PAD, GAP + 4, PAD, GAP + 4)
    value = label("—", "heading")
    lay.addWidget(value)
    lay.addWidget(label(title, "muted"))
    return card, value


class PrivacyPanel(QWidget):
    pause_toggled = Signal(bool)
    forgotten = Signal(dict)

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.cards: dict[str, QLabel] = {}
        grid = QGridLayout()
        grid.setSpacing(GAP + 4)
        for i, (key, text) in enumerate((("memories", "memories"), ("frames", "captured moments"),
                                         ("db_bytes", "encrypted database"), ("blob_bytes", "encrypted screenshots"))):
            card, value = _stat_card(text)
            self.cards[key] = value
            grid.addWidget(card, 0, i)
        self.by_type = QLabel()
        self.by_type.setProperty("muted", True)
        self.by_type.setTextFormat(Qt.TextFormat.RichText)

        capture_box = QGroupBox("Capture")
        cap = QHBoxLayout(capture_box)
        self.capture_state = label("")
        self.pause_btn = QPushButton("Pause capture")
        self.pause_btn.setEnabled(ctx.capture is not None)
        self.pause_btn.clicked.connect(self.toggle_pause)
        cap.addWidget(self.capture_state, 1)
        cap.addWidget(self.pause_btn)

        forget_box = QGroupBox("Forget recent activity")
        fl = QVBoxLayout(forget_box)
        fl.addWidget(label("Purges screenshots, read text and memories from that span for good.", "muted"))
        row = QHBoxLayout()
        row.setSpacing(GAP)
        self.forget_btns: dict[int, QPushButton] = {}
        for minutes, text in FORGET_CHOICES:
            btn = QPushButton(text)
            btn.setProperty("danger", True)
            btn.setEnabled(ctx.forget_recent is not None)
            btn.clicked.connect(lambda _=False, m=minutes: self.forget(m))
            self.forget_btns[minutes] = btn
            row.addWidget(btn)
        row.addStretch(1)
        fl.addLayout(row)

        lay = QVBoxLayout(self)
        lay.setContentsMargins(PAD, PAD, PAD, PAD)
        lay.setSpacing(PAD)
        lay.addWidget(label("What Reverie keeps", "heading"))
        lay.addWidget(label("Everything stays on this computer, encrypted with a key only you hold.", "muted"))
        lay.addLayout(grid)
        lay.addWidget(self.by_type)
        lay.addWidget(capture_box)
        lay.addWidget(forget_box)
        lay.addStretch(1)
        self._refresh = timer(self, 800, self.refresh)
        ctx.bridge.changed.connect(lambda *_: self.isVisible() and self._refresh.start())
        self._show_capture_state()

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        self.refresh()

    def refresh(self) -> None:
        store = self.ctx.store
        self.ctx.runner.op(lambda _: store.stats(), self, label="stats").success(self.show_stats).run_in_background()
        self._show_capture_state()

    def show_stats(self, stats: dict[str, Any]) -> None:
        self.cards["memories"].setText(f"{stats['memories']:,}")
        self.cards["frames"].setText(f"{stats['frames']:,}")
        self.cards["db_bytes"].setText(human_bytes(stats["db_bytes"]))
        self.cards["blob_bytes"].setText(human_bytes(stats["blob_bytes"]))
        by_type = stats.get("by_type", {})
        self.by_type.setText(" &nbsp;·&nbsp; ".join(f"{TYPE_LABELS[t]} <b>{by_type.get(t.value, 0):,}</b>"
                                                    for t in MemoryType))

    def _show_capture_state(self) -> None:
        cap = self.ctx.capture
        if cap is None:
            self.capture_state.setText("Capture is not running in this session.")
            return
        self.capture_state.setText("Paused — nothing is being captured." if cap.paused
                                   else "Capturing the screen every few seconds.")
        self.pause_btn.setText("Resume capture" if cap.paused else "Pause capture")

    def toggle_pause(self) -> None:
        cap = self.ctx.capture
        if cap is not None:
            cap.set_paused(not cap.paused)
            self._show_capture_state()
            self.pause_toggled.emit(cap.paused)

    def confirm_forget(self, minutes: int) -> bool:
        answer = QMessageBox.question(self, "Forget recent activity",
                                      f"Forget everything from the last {minutes} minutes? This cannot be undone.",
                                      QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
                                      QMessageBox.StandardButton.Cancel)
        return answer == QMessageBox.StandardButton.Yes

    def forget(self, minutes: int) -> None:
        forget = self.ctx.forget_recent
        if forget is None or not self.confirm_forget(minutes):
            return
        self.ctx.runner.op(lambda _: forget(minutes), self, label="forget_recent") \
            .success(self._forgot).run_in_background()

    def _forgot(self, counts: dict[str, int]) -> None:
        self.forgotten.emit(counts)
        self.refresh()
