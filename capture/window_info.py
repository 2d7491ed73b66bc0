"""Metadata of the focused window (app, title, pid); None whenever it cannot be read.

The privacy policy fails closed on None, so a reader that breaks stops capture instead of leaking.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
from typing import Any

from reverie.core.protocols import WindowInfo

log = logging.getLogger(__name__)


class X11WindowReader:
    """EWMH (`_NET_ACTIVE_WINDOW`, `_NET_WM_NAME`, `WM_CLASS`, `_NET_WM_PID`) via python-xlib.

    Without a window manager there is no `_NET_ACTIVE_WINDOW`; the input focus is used instead.
    """

    def __init__(self, display: str | None = None) -> None:
        self.display_name = display
        self._display: Any = None
        self._lock = threading.Lock()  # one X connection, used from the capture and the UI thread

    def _connect(self) -> Any:
        if self._display is None:
            from Xlib import display  # lazy: python-xlib is only needed on X11

            self._display = display.Display(self.display_name)
        return self._display

    def __call__(self) -> WindowInfo | None:
        with self._lock:
            try:
                return self._read(self._connect())
            except Exception as exc:  # X errors, lost connection, missing python-xlib
                log.warning("cannot read the active X11 window: %s", exc)
                self.close()
                return None

    def _read(self, d: Any) -> WindowInfo | None:
        from Xlib import X

        root = d.screen().root
        active = root.get_full_property(d.intern_atom("_NET_ACTIVE_WINDOW"), X.AnyPropertyType)
        if active is not None and len(active.value) and active.value[0]:
            window = d.create_resource_object("window", int(active.value[0]))
        else:
            window = d.get_input_focus().focus
            if not hasattr(window, "id") or window.id == root.id:  # PointerRoot / None
                return None
        while window is not None and window.id != root.id:  # focus may sit on a child window
            cls = window.get_wm_class()
            if cls or window.get_wm_name():
                return self._describe(d, window, cls)
            tree = window.query_tree()
            window = tree.parent if tree.parent and tree.parent.id != tree.root.id else None
        return None

    def _describe(self, d: Any, window: Any, cls: Any) -> WindowInfo:
        from Xlib import Xatom

        name = window.get_full_property(d.intern_atom("_NET_WM_NAME"), d.intern_atom("UTF8_STRING"))
        if name is not None:
            title = name.value.decode("utf-8", "replace") if isinstance(name.value, bytes) else str(name.value)
        else:
            legacy = window.get_wm_name()
            title = legacy.decode("latin-1") if isinstance(legacy, bytes) else str(legacy or "")
        pid_prop = window.get_full_property(d.intern_atom("_NET_WM_PID"), Xatom.CARDINAL)
        pid = int(pid_prop.value[0]) if pid_prop is not None and len(pid_prop.value) else _client_pid(d, window)
        app = str(cls[1] if cls and len(cls) > 1 else (cls[0] if cls else ""))
        return WindowInfo(app=app, title=title, pid=pid)

    def idle_seconds(self) -> float | None:
        """Seconds since the last keyboard/mouse input (MIT-SCREEN-SAVER extension)."""
        with self._lock:
            try:
                d = self._connect()
                return float(d.screen().root.screensaver_query_info().idle) / 1000.0
            except Exception as exc:
                log.debug("X11 idle time unavailable: %s", exc)
                return None

    def close(self) -> None:
        if self._display is not None:
            try:
                self._display.close()
            except Exception as exc:
                log.debug("closing the X display failed: %s", exc)
            self._display = None


def _client_pid(d: Any, window: Any) -> int | None:
    """Many toolkits (Tk, old Xt apps) never set _NET_WM_PID; the X-Resource extension knows the
    pid of the client owning the window when that client is local."""
    try:
        from Xlib.ext import res

        if not d.has_extension(res.extname):
            return None
        reply = d.res_query_client_ids([{"client": window.id, "mask": res.LocalClientPIDMask}])
        return next((int(i.value[0]) for i in reply.ids if i.value), None)
    except Exception as exc:  # old server without XRes 1.2: the pid stays unknown
        log.debug("X-Resource pid lookup failed: %s", exc)
        return None


def _windows_active() -> WindowInfo | None:
    if sys.platform != "win32":
        return None
    import ctypes
    from ctypes import wintypes

    user32, kernel32 = ctypes.windll.user32, ctypes.windll.kernel32
    # Handles are pointer-sized: the default int restype would truncate them on 64-bit Windows.
    user32.GetForegroundWindow.restype = wintypes.HWND
    user32.GetWindowTextLengthW.argtypes = [wintypes.HWND]
    user32.GetWindowTextW.argtypes = [wintypes.HWND, wintypes.LPWSTR, ctypes.c_int]
    user32.GetWindowThreadProcessId.argtypes = [wintypes.HWND, ctypes.POINTER(wintypes.DWORD)]
    kernel32.OpenProcess.restype = wintypes.HANDLE
    kernel32.QueryFullProcessImageNameW.argtypes = [
        wintypes.HANDLE,
        wintypes.DWORD,
        wintypes.LPWSTR,
        ctypes.POINTER(wintypes.DWORD),
    ]
    kernel32.CloseHandle.argtypes = [wintypes.HANDLE]
    hwnd = user32.GetForegroundWindow()
    if not hwnd:
        return None
    buf = ctypes.create_unicode_buffer(user32.GetWindowTextLengthW(hwnd) + 1)
    user32.GetWindowTextW(hwnd, buf, len(buf))
    pid = wintypes.DWORD()
    user32.GetWindowThreadProcessId(hwnd, ctypes.byref(pid))
    app = ""
    handle = kernel32.OpenProcess(0x1000, False, pid.value)  # PROCESS_QUERY_LIMITED_INFORMATION
    if handle:
        try:
            path = ctypes.create_unicode_buffer(1024)
            size = wintypes.DWORD(len(path))
            if kernel32.QueryFullProcessImageNameW(handle, 0, path, ctypes.byref(size)):
                app = os.path.basename(path.value)
        finally:
            kernel32.CloseHandle(handle)
    return WindowInfo(app=app, title=buf.value, pid=int(pid.value) or None)


def _macos_active() -> WindowInfo | None:
    from AppKit import NSWorkspace  # pyobjc; the title needs Quartz and screen-recording permission

    front = NSWorkspace.sharedWorkspace().frontmostApplication()
    if front is None:
        return None
    pid = int(front.processIdentifier())
    title = ""
    try:
        import Quartz

        windows = Quartz.CGWindowListCopyWindowInfo(
            Quartz.kCGWindowListOptionOnScreenOnly | Quartz.kCGWindowListExcludeDesktopElements,
            Quartz.kCGNullWindowID,
        )
        title = next(
            (
                str(w.get("kCGWindowName") or "")
                for w in windows
                if w.get("kCGWindowOwnerPID") == pid and w.get("kCGWindowLayer") == 0
            ),
            "",
        )
    except ImportError as exc:
        log.debug("Quartz unavailable, window titles unknown: %s", exc)
    return WindowInfo(app=str(front.localizedName() or ""), title=title, pid=pid)


_x11: X11WindowReader | None = None


def active_window() -> WindowInfo | None:
    """The focused window on this platform, or None (unsupported platform or unreadable)."""
    global _x11
    try:
        if sys.platform == "win32":
            return _windows_active()
        if sys.platform == "darwin":
            return _macos_active()
    except Exception as exc:  # missing pyobjc, OS refusal: the policy then skips the frame
        log.warning("cannot read the active window: %s", exc)
        return None
    if _x11 is None:
        _x11 = X11WindowReader()
    return _x11()
