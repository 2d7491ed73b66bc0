"""Global shortcut for quick recall, where the platform allows one.

Uses pynput (an optional dependency) on X11, Windows and macOS. Wayland does not let apps grab
keys globally, so there we say how to bind the shortcut in the desktop's settings instead.
Nothing here may crash the app: every failure becomes a status message the UI can show.
"""

from __future__ import annotations

import logging
import os
import sys
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QGuiApplication

log = logging.getLogger(__name__)
DEFAULT_COMBO = "<ctrl>+<shift>+<space>"


@dataclass(frozen=True)
class HotkeyStatus:
    ok: bool
    message: str


def readable(combo: str) -> str:
    return "+".join(part.strip("<>").capitalize() for part in combo.split("+"))


class GlobalHotkey(QObject):
    triggered = Signal()
    _fired = Signal()  # emitted on pynput's listener thread

    def __init__(self, combo: str = DEFAULT_COMBO, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.combo = combo
        self._listener: Any = None
        self._fired.connect(self.triggered, Qt.ConnectionType.QueuedConnection)

    def start(self) -> HotkeyStatus:
        platform = QGuiApplication.platformName()
        if platform == "wayland" or os.environ.get("XDG_SESSION_TYPE") == "wayland":
            return HotkeyStatus(False, "Wayland does not allow global shortcuts for apps. Bind "
                                       f"{readable(self.combo)} to `reverie gui` in your desktop's keyboard settings.")
        if platform in ("offscreen", "minimal", "vnc"):
            return HotkeyStatus(False, f"No global shortcut on the '{platform}' display.")
        try:
            from pynput import keyboard  # optional: absent on minimal installs
        except ImportError:
            return HotkeyStatus(False, "Install the optional 'pynput' package for a global quick-recall shortcut.")
        except Exception as exc:  # pynput's X backend raises its own errors when it can't reach the display
            log.warning("pynput unavailable: %s", exc)
            return HotkeyStatus(False, f"Global shortcut unavailable: {exc}")
        try:
            self._listener = keyboard.GlobalHotKeys({self.combo: self._fired.emit})
            self._listener.start()
        except Exception as exc:  # e.g. X server refusing the record extension
            log.warning("global hotkey %s failed: %s", self.combo, exc)
            self._listener = None
            return HotkeyStatus(False, f"Global shortcut unavailable: {exc}")
        note = " (allow Reverie under Privacy → Accessibility if it does nothing)" if sys.platform == "darwin" else ""
        return HotkeyStatus(True, f"Press {readable(self.combo)} for quick recall{note}.")

    def stop(self) -> None:
        if self._listener is not None:
            self._listener.stop()
            self._listener = None
