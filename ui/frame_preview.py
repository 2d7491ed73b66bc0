"""The large view of the selected timeline moment: the screen as captured, plus what was read."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QPixmap, QResizeEvent
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from reverie.ui.theme import GAP, PAD, label
from reverie.ui.timeline_source import FrameDetail, TimelineItem


class FramePreview(QWidget):
    open_memory = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._pixmap: QPixmap | None = None
        self._event_id: str | None = None
        self.image = QLabel("Select a moment below")
        self.image.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.image.setMinimumSize(QSize(320, 180))
        self.image.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        self.image.setProperty("muted", True)
        frame = QFrame()
        frame.setObjectName("card")
        inner = QVBoxLayout(frame)
        inner.setContentsMargins(2, 2, 2, 2)
        inner.addWidget(self.image)

        side = QFrame()
        side.setObjectName("card")
        side.setFixedWidth(300)
        col = QVBoxLayout(side)
        col.setContentsMargins(PAD, PAD, PAD, PAD)
        col.setSpacing(GAP)
        self.when = label("", "subheading")
        self.app = label("", "muted")
        self.title = label("")
        self.text = QPlainTextEdit()
        self.text.setReadOnly(True)
        self.text.setPlaceholderText("No text was read from this moment.")
        self.open_btn = QPushButton("Open memory")
        self.open_btn.setVisible(False)
        self.open_btn.clicked.connect(lambda: self._event_id and self.open_memory.emit(self._event_id))
        for w in (self.when, self.app, self.title):
            col.addWidget(w)
        col.addWidget(self.text, 1)
        col.addWidget(self.open_btn, 0, Qt.AlignmentFlag.AlignRight)

        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(PAD - GAP // 2)
        row.addWidget(frame, 1)
        row.addWidget(side)

    def clear(self) -> None:
        self._pixmap = None
        self._event_id = None
        self.image.setPixmap(QPixmap())
        self.image.setText("Select a moment below")
        for w in (self.when, self.app, self.title):
            w.setText("")
        self.text.setPlainText("")
        self.open_btn.setVisible(False)

    def show_frame(self, detail: FrameDetail) -> None:
        self._event_id = None
        self.open_btn.setVisible(False)
        self._when(detail.at)
        self.app.setText(detail.app or "Unknown app")
        self.title.setText(detail.title)
        self.text.setPlainText(detail.text)

    def show_event(self, item: TimelineItem) -> None:
        self._event_id = item.id
        self.set_pixmap(None, "Episodic event")
        self._when(item.at)
        self.app.setText(item.app or "Episodic memory")
        self.title.setText("")
        self.text.setPlainText(item.title)
        self.open_btn.setVisible(True)

    def _when(self, ts: float) -> None:
        when = datetime.fromtimestamp(ts)
        self.when.setText(when.strftime("%H:%M:%S"))
        self.when.setToolTip(when.strftime("%A %d %B %Y"))

    def set_pixmap(self, pm: QPixmap | None, placeholder: str = "Decrypting…") -> None:
        self._pixmap = pm if pm is not None and not pm.isNull() else None
        if self._pixmap is None:
            self.image.setPixmap(QPixmap())
            self.image.setText(placeholder)
        self._fit()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit()

    def _fit(self) -> None:
        if self._pixmap is not None:
            self.image.setPixmap(self._pixmap.scaled(self.image.size(), Qt.AspectRatioMode.KeepAspectRatio,
                                                     Qt.TransformationMode.SmoothTransformation))
