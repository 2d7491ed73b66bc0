"""Unlock: the passphrase (or a keystore confirmation) before memories are shown again.

Checking a passphrase runs Argon2id (~0.5 s on purpose), so it goes through the op runner and the
dialog stays responsive; a wrong passphrase leaves the dialog open with a clear message.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QDialog, QHBoxLayout, QLineEdit, QPushButton, QVBoxLayout, QWidget

from reverie.ui.icons import app_icon
from reverie.ui.op_runner import OpRunner
from reverie.ui.theme import GAP, PAD, colors, label


class UnlockDialog(QDialog):
    unlocked = Signal(object)  # whatever `verify` returned (at startup: the opened store)

    def __init__(self, runner: OpRunner, verify: Callable[[str | None], Any], needs_passphrase: bool = True,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Unlock Reverie")
        self.setWindowIcon(app_icon())
        self.setMinimumWidth(400)
        self._runner, self._verify, self._needs = runner, verify, needs_passphrase
        self.passphrase = QLineEdit(echoMode=QLineEdit.EchoMode.Password, placeholderText="Passphrase")
        self.passphrase.setVisible(needs_passphrase)
        self.error = label("", "muted")
        self.error.setStyleSheet(f"color: {colors().danger};")
        self.unlock_btn = QPushButton("Unlock")
        self.unlock_btn.setProperty("primary", True)
        self.unlock_btn.setDefault(True)
        quit_btn = QPushButton("Quit")
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(quit_btn)
        buttons.addWidget(self.unlock_btn)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(PAD + 4, PAD + 4, PAD + 4, PAD)
        lay.setSpacing(GAP + 2)
        lay.addWidget(label("Reverie is locked", "heading"))
        lay.addWidget(label("Enter your passphrase to see your memories." if needs_passphrase else
                            "Your key is in the system keychain. Unlock to see your memories.", "muted"))
        lay.addWidget(self.passphrase)
        lay.addWidget(self.error)
        lay.addLayout(buttons)
        self.unlock_btn.clicked.connect(self.try_unlock)
        self.passphrase.returnPressed.connect(self.try_unlock)
        quit_btn.clicked.connect(self.reject)

    def try_unlock(self) -> None:
        secret = self.passphrase.text() if self._needs else None
        if self._needs and not secret:
            self.error.setText("Type your passphrase first.")
            return
        self.unlock_btn.setEnabled(False)
        self.error.setText("Checking…")
        verify = self._verify
        self._runner.op(lambda _: verify(secret), self, label="unlock") \
            .success(self._ok).failure(self._wrong).run_in_background()

    def _ok(self, result: Any) -> None:
        self.passphrase.clear()
        self.error.setText("")
        self.unlock_btn.setEnabled(True)
        self.unlocked.emit(result)
        self.accept()

    def _wrong(self, exc: BaseException) -> None:
        self.unlock_btn.setEnabled(True)
        self.error.setText(str(exc) or "That did not unlock Reverie.")
        self.passphrase.selectAll()
        self.passphrase.setFocus()
