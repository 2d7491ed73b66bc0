"""Render the main window with the current data to a PNG (for docs and `reverie gui --screenshot`)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QApplication, QWidget


def settle(runner: Any, rounds: int = 4, timeout_s: float = 60.0) -> None:
    """Let chained ops finish: a load op's success often starts the next one (e.g. thumbnails)."""
    for _ in range(rounds):
        runner.wait_idle(timeout_s)
        end = time.monotonic() + 0.05
        while time.monotonic() < end:
            QCoreApplication.processEvents()
            time.sleep(0.005)


def grab(widget: QWidget, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if not widget.grab().save(str(path)):
        raise OSError(f"could not write {path}")


def render_main_window(app: QApplication, shell: Any, path: Path, width: int, height: int, page: str,
                       timeout_s: float = 120.0) -> None:
    shell.start(skip_onboarding=True)
    deadline = time.monotonic() + timeout_s
    while shell.window is None and shell.error is None and time.monotonic() < deadline:
        shell.runner.wait_idle(0.1)
    if shell.error is not None:
        raise shell.error
    if shell.window is None:
        raise TimeoutError("the store did not open in time")
    shell.window.resize(width, height)
    shell.window.go(page)
    settle(shell.runner)
    grab(shell.window, path)
    shell.quit()
