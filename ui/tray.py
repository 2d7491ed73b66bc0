"""The tray icon: Reverie's state at a glance (capturing / paused / processing / locked) and its menu.

Deliberately light: it imports only QtWidgets and the icon painter, so it can be shown before the
store, the embedder or any model has loaded.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QSystemTrayIcon

from reverie.ui.icons import TrayState, tray_icon

TOOLTIPS = {
    TrayState.CAPTURING: "Reverie — capturing",
    TrayState.PAUSED: "Reverie — capture paused",
    TrayState.PROCESSING: "Reverie — working…",
    TrayState.LOCKED: "Reverie — locked",
}


class Tray(QObject):
    pause_toggled = Signal(bool)  # True = pause
    recall_requested = Signal()
    open_requested = Signal()
    lock_requested = Signal()
    quit_requested = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.paused = False
        self.icons = {state: tray_icon(state) for state in TrayState}
        self.icon = QSystemTrayIcon(self.icons[TrayState.PROCESSING], self)
        self.menu = QMenu()
        self.pause_action = QAction("Pause capture", self.menu)
        self.recall_action = QAction("Quick recall…", self.menu)
        self.open_action = QAction("Open Reverie", self.menu)
        self.lock_action = QAction("Lock", self.menu)
        self.quit_action = QAction("Quit Reverie", self.menu)
        self.status_action = QAction("", self.menu, enabled=False)
        for action in (self.status_action, None, self.recall_action, self.open_action, None, self.pause_action,
                       self.lock_action, None, self.quit_action):
            if action is None:
                self.menu.addSeparator()
            else:
                self.menu.addAction(action)
        self.icon.setContextMenu(self.menu)
        self.pause_action.triggered.connect(lambda: self.pause_toggled.emit(not self.paused))
        self.recall_action.triggered.connect(self.recall_requested)
        self.open_action.triggered.connect(self.open_requested)
        self.lock_action.triggered.connect(self.lock_requested)
        self.quit_action.triggered.connect(self.quit_requested)
        self.icon.activated.connect(self._activated)
        self._base = TrayState.CAPTURING
        self._busy = False
        self._locked = False
        self.state = TrayState.PROCESSING
        self._apply(TrayState.PROCESSING)

    @staticmethod
    def available() -> bool:
        return QSystemTrayIcon.isSystemTrayAvailable()

    def show(self) -> None:
        self.icon.show()

    def set_paused(self, paused: bool) -> None:
        self.paused = paused
        self._base = TrayState.PAUSED if paused else TrayState.CAPTURING
        self.pause_action.setText("Resume capture" if paused else "Pause capture")
        self._update()

    def set_busy(self, busy: bool) -> None:
        self._busy = busy
        self._update()

    def set_locked(self, locked: bool) -> None:
        self._locked = locked
        self.recall_action.setEnabled(not locked)
        self.lock_action.setEnabled(not locked)
        self.open_action.setText("Unlock Reverie…" if locked else "Open Reverie")
        self._update()

    def _update(self) -> None:
        # Locked wins over everything; work in progress shows over the capture state.
        state = TrayState.LOCKED if self._locked else TrayState.PROCESSING if self._busy else self._base
        self._apply(state)

    def _apply(self, state: TrayState) -> None:
        self.state = state
        self.icon.setIcon(self.icons[state])
        self.icon.setToolTip(TOOLTIPS[state])
        self.status_action.setText(TOOLTIPS[state].replace("Reverie — ", "").capitalize())

    def _activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        if reason == QSystemTrayIcon.ActivationReason.Trigger:
            self.open_requested.emit()
