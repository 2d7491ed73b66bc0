"""A private X display (Xvfb) with a system tray (trayer), for UI tests, screenshots and benchmarks."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager


def available() -> str | None:
    """None when Xvfb and trayer are installed, else why not."""
    missing = [tool for tool in ("Xvfb", "trayer") if shutil.which(tool) is None]
    return f"not installed: {', '.join(missing)} (apt-get install xvfb trayer)" if missing else None


@contextmanager
def display(size: str = "1600x1000x24", tray: bool = True) -> Iterator[dict[str, str]]:
    """Start Xvfb on a free display (and trayer on it); yields the environment to run Qt apps with."""
    read_fd, write_fd = os.pipe()
    xvfb = subprocess.Popen(["Xvfb", "-displayfd", str(write_fd), "-screen", "0", size, "-nolisten", "tcp"],
                            pass_fds=(write_fd,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(write_fd)
    procs = [xvfb]
    try:
        with os.fdopen(read_fd) as fh:
            number = fh.readline().strip()  # Xvfb writes the display number once it accepts clients
        if not number:
            raise RuntimeError("Xvfb did not start")
        env = {**os.environ, "DISPLAY": f":{number}", "QT_QPA_PLATFORM": "xcb"}
        env.pop("WAYLAND_DISPLAY", None)
        if tray:
            procs.append(subprocess.Popen(["trayer", "--edge", "top", "--align", "right", "--height", "24"],
                                          env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
            time.sleep(0.5)  # trayer must own the tray selection before Qt asks for it
        yield env
    finally:
        for proc in reversed(procs):
            proc.terminate()
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
