"""Start-up and lifetime of the desktop app: tray first, then onboarding/unlock, then the window.

The tray appears before anything heavy loads (the store opening pulls in onnxruntime and Chroma
on a worker thread). Which store to open, and how, comes from the composition root as a `Boot`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QApplication

from reverie.core.store.store import MemoryStore
from reverie.core.types import Memory
from reverie.settings import Settings
from reverie.ui.context import UiContext
from reverie.ui.hotkey import GlobalHotkey
from reverie.ui.idle_lock import IdleLock
from reverie.ui.main_window import MainWindow
from reverie.ui.onboarding import Onboarding, OnboardingResult
from reverie.ui.op_runner import OpRunner, show_error
from reverie.ui.recall_popup import RecallPopup
from reverie.ui.tray import Tray
from reverie.ui.unlock_dialog import UnlockDialog

log = logging.getLogger(__name__)


@dataclass
class Boot:
    settings: Settings
    save_settings: Callable[[Settings], None]
    # open_store(passphrase or None) -> MemoryStore; raises WrongPassphrase / PassphraseRequired.
    open_store: Callable[[str | None], MemoryStore]
    make_context: Callable[[MemoryStore, OpRunner], UiContext]
    needs_passphrase: bool  # the data dir exists in passphrase mode and no passphrase was given
    preset_passphrase: str | None = None
    # Asked only when needed: the keyring backend and the model registry cost ~0.5 s to import,
    # which would otherwise delay the tray.
    keystore_available: Callable[[], bool] = lambda: False
    bundled_models: Callable[[], Sequence[str]] = tuple
    start_minimized: bool = False  # `reverie gui --minimized` (login start): tray only until opened


class AppShell(QObject):
    ready = Signal()  # the main window exists (the store is open)

    def __init__(self, app: QApplication, boot: Boot, runner: OpRunner | None = None, tray: Tray | None = None) -> None:
        super().__init__()
        self.app, self.boot = app, boot
        self._quitting = False
        self.runner = runner or OpRunner()
        self.tray = tray or Tray(self)
        self.ctx: UiContext | None = None
        self.window: MainWindow | None = None
        self.popup: RecallPopup | None = None
        self.hotkey: GlobalHotkey | None = None
        self.idle: IdleLock | None = None
        self.error: BaseException | None = None  # why start-up failed, if it did
        self.tray.quit_requested.connect(self.quit)
        self.tray.open_requested.connect(self.open_window)
        self.tray.recall_requested.connect(self.show_popup)
        self.tray.lock_requested.connect(self.lock)
        self.tray.pause_toggled.connect(self.set_paused)

    def start(self, *, skip_onboarding: bool = False) -> None:
        if self.tray.available():
            self.tray.show()
        else:
            log.warning("no system tray on this desktop; closing the window quits Reverie")
        if not self.boot.settings.onboarded and not skip_onboarding:
            wizard = Onboarding(self.boot.settings, self.boot.bundled_models(), self.boot.keystore_available(),
                                self.boot.preset_passphrase)
            wizard.accepted.connect(lambda: self._onboarded(wizard.result_value()))
            wizard.rejected.connect(self.quit)
            wizard.show()
            self._wizard = wizard
            return
        self._unlock_and_open(self.boot.preset_passphrase)

    def _onboarded(self, result: OnboardingResult) -> None:
        self.boot.settings = result.settings
        self.boot.save_settings(result.settings)
        self._unlock_and_open(result.passphrase or self.boot.preset_passphrase)

    def _unlock_and_open(self, passphrase: str | None) -> None:
        if self.boot.needs_passphrase and passphrase is None:
            dlg = UnlockDialog(self.runner, self.boot.open_store, needs_passphrase=True)
            dlg.unlocked.connect(self._opened)
            dlg.rejected.connect(self.quit)
            dlg.show()
            self._unlock_dialog = dlg
            return
        open_store = self.boot.open_store
        self.runner.op(lambda _: open_store(passphrase), self, label="open_store") \
            .success(self._opened).failure(self._open_failed).run_in_background()

    def _open_failed(self, exc: BaseException) -> None:
        self.error = exc
        show_error(None, exc)
        self.quit()

    def _opened(self, store: MemoryStore) -> None:
        ctx = self.ctx = self.boot.make_context(store, self.runner)
        self.window = MainWindow(ctx, self.boot.bundled_models)
        self.window.unlock_requested.connect(self.unlock)
        self.window.privacy.pause_toggled.connect(self.tray.set_paused)
        if not self.tray.available():
            self.window.closeEvent = lambda event: self.quit()  # type: ignore[method-assign]
        self.popup = RecallPopup(ctx)
        self.popup.open_memory.connect(self._open_from_popup)
        self.popup.open_memory_id.connect(self._open_from_popup)
        self.hotkey = GlobalHotkey(parent=self)
        self.hotkey.triggered.connect(self.show_popup)
        status = self.hotkey.start()
        self.window.statusBar().showMessage(status.message, 8000)
        self.idle = IdleLock(ctx.settings.lock_timeout_min, parent=self)
        self.idle.idle.connect(self.lock)
        self.tray.set_paused(bool(ctx.capture and ctx.capture.paused))
        self.tray.set_busy(False)
        if not (self.boot.start_minimized and self.tray.available()):  # without a tray, the window is the app
            self.window.show()
        self.ready.emit()

    def _open_from_popup(self, target: Memory | str) -> None:
        self.open_window()
        if self.window is None:
            return
        if isinstance(target, str):
            self.window.open_memory_id(target)
        else:
            self.window.open_memory(target)

    # ---- tray actions ----------------------------------------------------------------------
    def open_window(self) -> None:
        if self.window is None:
            return
        if self.tray.state.value == "locked":
            self.unlock()
        self.window.show()
        self.window.raise_()
        self.window.activateWindow()

    def show_popup(self) -> None:
        if self.popup is not None and self.tray.state.value != "locked":
            self.popup.popup()

    def set_paused(self, paused: bool) -> None:
        if self.ctx is not None and self.ctx.capture is not None:
            self.ctx.capture.set_paused(paused)
        self.tray.set_paused(paused)
        if self.window is not None:
            self.window.privacy.refresh()

    def lock(self) -> None:
        if self.window is None:
            return
        if self.popup is not None:
            self.popup.hide()
        self.window.set_locked(True)
        self.tray.set_locked(True)

    def unlock(self) -> None:
        verify = self.ctx.verify_unlock if self.ctx else None
        if verify is None or self.window is None:
            self._unlocked(None)
            return
        dlg = UnlockDialog(self.runner, verify, needs_passphrase=self.ctx is not None and
                           self.ctx.key_mode == "passphrase", parent=self.window)
        dlg.unlocked.connect(self._unlocked)
        dlg.open()

    def _unlocked(self, _result: Any) -> None:
        if self.window is not None:
            self.window.set_locked(False)
        self.tray.set_locked(False)
        if self.idle is not None:
            self.idle.reset()

    def quit(self) -> None:
        # Without a tray, closing the window quits, and quitting closes the window: run once. A second
        # run closed the store twice and crashed Qt inside app.quit().
        if self._quitting:
            return
        self._quitting = True
        if self.hotkey is not None:
            self.hotkey.stop()
        if self.window is not None:
            self.window.browser.detail.vault.flush_clipboard()
        self.runner.shutdown()
        if self.ctx is not None:
            self.ctx.bridge.close()
            self.ctx.store.close()
        self.tray.icon.hide()
        self.app.quit()
