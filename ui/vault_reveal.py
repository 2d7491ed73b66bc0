"""A vault secret that stays hidden until an explicit Reveal, and hides itself again.

The plaintext lives only in the revealed label and, after Copy, on the clipboard: the label is
blanked after `hide_ms`, and the clipboard is cleared after `clear_ms` if it still holds the
secret (compared by hash, so the secret is not kept around just to check).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget

from reverie.ui.op_runner import OpRunner
from reverie.ui.qt_util import timer
from reverie.ui.theme import GAP, mono_font

MASK = "•" * 12


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


class VaultReveal(QWidget):
    revealed = Signal()
    hidden = Signal()
    clipboard_cleared = Signal()

    def __init__(self, runner: OpRunner, reveal: Callable[[str], str], hide_ms: int = 20_000,
                 clear_ms: int = 30_000, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._runner, self._reveal = runner, reveal
        self._mem_id: str | None = None
        self._clip_digest: str | None = None
        self.value = QLabel(MASK)
        self.value.setFont(mono_font())
        self.value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.reveal_btn = QPushButton("Reveal")
        self.copy_btn = QPushButton("Copy")
        self.reveal_btn.setToolTip(f"Show the secret for {hide_ms // 1000} seconds")
        self.copy_btn.setToolTip(f"Copy; the clipboard is cleared after {clear_ms // 1000} seconds")
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(GAP)
        lay.addWidget(self.value, 1)
        lay.addWidget(self.reveal_btn)
        lay.addWidget(self.copy_btn)
        self._hide_timer = timer(self, hide_ms, self.hide_secret)
        self._clip_timer = timer(self, clear_ms, self._clear_clipboard)
        self.reveal_btn.clicked.connect(self._toggle)
        self.copy_btn.clicked.connect(self.copy)

    def set_entry(self, mem_id: str | None) -> None:
        self.hide_secret()
        self._mem_id = mem_id
        self.setEnabled(mem_id is not None)

    @property
    def is_revealed(self) -> bool:
        return self.value.text() != MASK

    def _toggle(self) -> None:
        if self.is_revealed:
            self.hide_secret()
        else:
            self.reveal()

    def reveal(self) -> None:
        self._fetch(self._show)

    def copy(self) -> None:
        self._fetch(self._copy)

    def _fetch(self, then: Callable[[str], None]) -> None:
        if self._mem_id is None:
            return
        mem_id, reveal = self._mem_id, self._reveal
        # Decryption is store work: off the GUI thread like everything else.
        self._runner.op(lambda _: reveal(mem_id), self, label="reveal_secret") \
            .success(lambda secret: self._deliver(mem_id, secret, then)).run_in_background()

    def _deliver(self, mem_id: str, secret: str, then: Callable[[str], None]) -> None:
        if self._mem_id == mem_id:  # the user may have moved to another entry meanwhile
            then(secret)

    def _show(self, secret: str) -> None:
        self.value.setText(secret)
        self.reveal_btn.setText("Hide")
        self._hide_timer.start()
        self.revealed.emit()

    def hide_secret(self) -> None:
        self._hide_timer.stop()
        was = self.is_revealed
        self.value.setText(MASK)
        self.reveal_btn.setText("Reveal")
        if was:
            self.hidden.emit()

    def _copy(self, secret: str) -> None:
        QGuiApplication.clipboard().setText(secret)
        self._clip_digest = _digest(secret)
        self._clip_timer.start()

    def _clear_clipboard(self) -> None:
        clip = QGuiApplication.clipboard()
        # Only clear what we put there: the user may have copied something else since.
        if self._clip_digest is not None and _digest(clip.text()) == self._clip_digest:
            clip.clear()
            self.clipboard_cleared.emit()
        self._clip_digest = None

    def flush_clipboard(self) -> None:
        """Clear a copied secret now (on quit or lock) instead of waiting for the timer."""
        self._clip_timer.stop()
        self._clear_clipboard()
