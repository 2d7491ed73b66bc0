"""Idle and power probes for the scheduler's heavy-job gate.

X11: the XScreenSaver extension's idle time (keyboard/mouse), loaded through ctypes when libXss is
there and a display is reachable. Elsewhere (Wayland, headless, macOS, Windows for now) the
fallback is capture activity: no new captured frame for N minutes counts as idle. Battery: psutil
if installed, else Linux's /sys/class/power_supply; unknown means "not on battery".
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import os
import threading
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from reverie.core.consolidation.gate import IdleProbe
from reverie.core.protocols import Clock
from reverie.core.store.store import MemoryStore, StoreEvent

log = logging.getLogger(__name__)


class _XScreenSaverInfo(ctypes.Structure):
    _fields_ = [("window", ctypes.c_ulong), ("state", ctypes.c_int), ("kind", ctypes.c_int),
                ("til_or_since", ctypes.c_ulong), ("idle", ctypes.c_ulong), ("eventMask", ctypes.c_ulong)]


class X11IdleProbe:
    """Milliseconds since the last keyboard or mouse input on the X display, as seconds."""

    def __init__(self, display: str | None = None) -> None:
        self._display_name = display if display is not None else os.environ.get("DISPLAY")
        self._lock = threading.Lock()
        self._state: tuple[Any, Any, Any, Any] | None = None
        self._failed = not self._display_name

    def _open(self) -> tuple[Any, Any, Any, Any] | None:
        if self._state is not None or self._failed:
            return self._state
        x11_name, xss_name = ctypes.util.find_library("X11"), ctypes.util.find_library("Xss")
        if not x11_name or not xss_name:
            log.info("X11 idle time unavailable (libX11/libXss not found); using capture activity")
            self._failed = True
            return None
        x11, xss = ctypes.cdll.LoadLibrary(x11_name), ctypes.cdll.LoadLibrary(xss_name)
        x11.XOpenDisplay.restype = ctypes.c_void_p
        x11.XOpenDisplay.argtypes = [ctypes.c_char_p]
        x11.XDefaultRootWindow.restype = ctypes.c_ulong
        x11.XDefaultRootWindow.argtypes = [ctypes.c_void_p]
        xss.XScreenSaverAllocInfo.restype = ctypes.POINTER(_XScreenSaverInfo)
        xss.XScreenSaverQueryInfo.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.POINTER(_XScreenSaverInfo)]
        display = x11.XOpenDisplay((self._display_name or "").encode())
        if not display:
            log.info("X11 display %s not reachable; using capture activity for idle time", self._display_name)
            self._failed = True
            return None
        self._state = (x11, xss, display, xss.XScreenSaverAllocInfo())
        return self._state

    def idle_seconds(self) -> float | None:
        with self._lock:
            state = self._open()
            if state is None:
                return None
            x11, xss, display, info = state
            if not xss.XScreenSaverQueryInfo(display, x11.XDefaultRootWindow(display), info):
                return None  # the server lacks the MIT-SCREEN-SAVER extension
            return float(info.contents.idle) / 1000.0


class CaptureActivityProbe:
    """'Unknown' made usable: idle once no screen change was captured for a while."""

    def __init__(self, store: MemoryStore, clock: Clock) -> None:
        self._clock = clock
        self._last: datetime = clock.now()
        self._unsubscribe = store.subscribe(self._on_event)

    def _on_event(self, event: StoreEvent) -> None:
        if event.kind == "frame_added":
            self._last = self._clock.now()

    def idle_seconds(self) -> float:
        return max(0.0, (self._clock.now() - self._last).total_seconds())

    def close(self) -> None:
        self._unsubscribe()


class FirstAnswer:
    """The first probe that can tell; X11 before capture activity."""

    def __init__(self, probes: Sequence[IdleProbe]) -> None:
        self.probes = list(probes)

    def idle_seconds(self) -> float | None:
        for probe in self.probes:
            seconds = probe.idle_seconds()
            if seconds is not None:
                return seconds
        return None


class BatteryProbe:
    def __init__(self, power_supply: Path = Path("/sys/class/power_supply")) -> None:
        self._sysfs = power_supply

    def on_battery(self) -> bool | None:
        try:
            import psutil
        except ImportError:
            return self._sysfs_on_battery()
        battery = psutil.sensors_battery()
        return None if battery is None else not battery.power_plugged

    def _sysfs_on_battery(self) -> bool | None:
        if not self._sysfs.is_dir():
            return None
        mains: list[bool] = []
        has_battery = False
        for supply in self._sysfs.iterdir():
            kind = _read(supply / "type")
            if kind == "Mains":
                mains.append(_read(supply / "online") == "1")
            elif kind == "Battery":
                has_battery = True
        if not has_battery or not mains:
            return None  # a desktop, or a laptop whose adapter the kernel does not report
        return not any(mains)


def _read(path: Path) -> str | None:
    try:
        return path.read_text().strip()
    except OSError:
        return None
