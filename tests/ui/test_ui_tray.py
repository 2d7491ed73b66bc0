"""The tray: four distinct states and a working menu, offscreen and under a real Xvfb + trayer."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from reverie.bench import ui_xvfb
from reverie.ui.icons import TrayState
from reverie.ui.tray import Tray

pytestmark = pytest.mark.gui
PROBE = Path(__file__).with_name("xvfb_tray_probe.py")


def test_tray_states_and_menu(qtbot) -> None:  # type: ignore[no-untyped-def]
    tray = Tray()
    assert tray.state is TrayState.PROCESSING  # until the store is open
    tray.set_paused(False)
    assert tray.state is TrayState.CAPTURING
    tray.set_busy(True)
    assert tray.state is TrayState.PROCESSING
    tray.set_busy(False)
    tray.set_paused(True)
    assert tray.state is TrayState.PAUSED and tray.pause_action.text() == "Resume capture"
    tray.set_locked(True)
    assert tray.state is TrayState.LOCKED and not tray.recall_action.isEnabled()
    tray.set_locked(False)
    assert tray.state is TrayState.PAUSED
    with qtbot.waitSignal(tray.pause_toggled) as toggled:
        tray.pause_action.trigger()
    assert toggled.args == [False]  # paused → asks to resume
    for action, signal in ((tray.recall_action, tray.recall_requested), (tray.open_action, tray.open_requested),
                           (tray.lock_action, tray.lock_requested), (tray.quit_action, tray.quit_requested)):
        with qtbot.waitSignal(signal, timeout=1000):
            action.trigger()


@pytest.mark.skipif(ui_xvfb.available() is not None, reason=f"Xvfb/trayer: {ui_xvfb.available()}")
def test_tray_under_real_xvfb_with_trayer() -> None:
    with ui_xvfb.display() as env:
        proc = subprocess.run([sys.executable, str(PROBE)], env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["platform"] == "xcb"
    assert out["available"] is True, "QSystemTrayIcon saw no tray although trayer runs"
    assert out["visible"] and out["embedded"]
    assert out["states"] == ["processing", "capturing", "paused", "processing", "locked"]
    assert out["distinct_icons"]
    assert out["tooltip"] == "Reverie — locked"
    assert {"Quick recall…", "Unlock Reverie…", "Resume capture", "Lock", "Quit Reverie"} <= set(out["menu"])
