"""A centred, quiet message for views with nothing to show yet."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from reverie.ui.icons import nav_icon
from reverie.ui.theme import GAP, label


class EmptyState(QWidget):
    def __init__(self, title: str, hint: str = "", icon: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        lay = QVBoxLayout(self)
        lay.setSpacing(GAP)
        lay.addStretch(1)
        if icon:
            art = QLabel()
            art.setPixmap(nav_icon(icon, self.palette().placeholderText().color()).pixmap(48, 48))
            art.setAlignment(Qt.AlignmentFlag.AlignCenter)
            lay.addWidget(art)
        self.title = label(title, "subheading")
        self.hint = label(hint, "muted")
        for w in (self.title, self.hint):
            w.setAlignment(Qt.AlignmentFlag.AlignCenter)
            w.setWordWrap(True)
            lay.addWidget(w)
        self.hint.setVisible(bool(hint))
        lay.addStretch(2)

    def set_text(self, title: str, hint: str = "") -> None:
        self.title.setText(title)
        self.hint.setText(hint)
        self.hint.setVisible(bool(hint))
