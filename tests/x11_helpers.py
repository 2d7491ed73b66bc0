"""A real X server for capture tests: Xvfb on a free display, Tk windows with known text, and the
focus change an EWMH window manager would make (Xvfb runs none).

Needs the Debian packages xvfb and fonts-dejavu-core; tests using it skip without Xvfb.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

needs_xvfb = pytest.mark.skipif(
    shutil.which("Xvfb") is None, reason="Xvfb is not installed (apt-get install xvfb fonts-dejavu-core)"
)

# argv: title, text, geometry, font size (negative = pixels). Prints the frame window id when shown.
TK_WINDOW = r"""
import sys, tkinter
root = tkinter.Tk(className="capturetest")
root.title(sys.argv[1])
root.geometry(sys.argv[3])
tkinter.Label(root, text=sys.argv[2], font=("DejaVu Sans", int(sys.argv[4])), bg="white", fg="black",
              justify="left", anchor="nw", padx=16, pady=16).pack(expand=True, fill="both")
def ready():
    root.focus_force()
    root.update()
    print(int(root.wm_frame(), 16), flush=True)
root.after(300, ready)
root.mainloop()
"""


def start_xvfb(*extra: str, size: str = "1280x720") -> tuple[subprocess.Popen[bytes], str]:
    """-displayfd lets Xvfb pick a free display number itself: no races with other test runs."""
    read_fd, write_fd = os.pipe()
    proc = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write_fd), "-screen", "0", f"{size}x24", "-nolisten", "tcp", *extra],
        pass_fds=(write_fd,),
        stderr=subprocess.DEVNULL,
    )
    os.close(write_fd)
    with os.fdopen(read_fd) as f:
        number = f.readline().strip()
    if not number:
        proc.kill()
        pytest.fail("Xvfb did not report a display number")
    return proc, f":{number}"


def stop(proc: subprocess.Popen[Any]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


class Windows:
    """Opens Tk windows on `display`; `close_all()` ends them."""

    def __init__(self, display: str, geometry: str = "1280x720+0+0", font: int = 30) -> None:
        self.display, self.geometry, self.font = display, geometry, font
        self.procs: list[subprocess.Popen[str]] = []

    def open(self, title: str, text: str, geometry: str | None = None, font: int | None = None) -> tuple[int, int]:
        """Show a window and wait until it is mapped and focused; returns (X window id, pid)."""
        args = [title, text, geometry or self.geometry, str(font or self.font)]
        proc = subprocess.Popen([sys.executable, "-c", TK_WINDOW, *args], stdout=subprocess.PIPE, text=True,
                                env={**os.environ, "DISPLAY": self.display})
        self.procs.append(proc)
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.strip(), f"Tk window did not start (exit {proc.poll()})"
        return int(line), proc.pid

    def close_all(self) -> None:
        for proc in self.procs:
            stop(proc)
        self.procs.clear()


@contextmanager
def windows(display: str, **kw: Any) -> Iterator[Windows]:
    opened = Windows(display, **kw)
    try:
        yield opened
    finally:
        opened.close_all()


def set_active(display: str, wid: int | None) -> None:
    """What an EWMH window manager does on focus change (Xvfb runs none)."""
    from Xlib import Xatom
    from Xlib import display as xdisplay

    d = xdisplay.Display(display)
    root, atom = d.screen().root, d.intern_atom("_NET_ACTIVE_WINDOW")
    if wid is None:
        root.delete_property(atom)
    else:
        root.change_property(atom, Xatom.WINDOW, 32, [wid])
    d.flush()
    d.close()
