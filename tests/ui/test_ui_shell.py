"""Settings, onboarding, privacy (stats, pause, forget recent), lock/unlock, and the screenshot CLI."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from ui_helpers import add_frames

from reverie.core.store.keys import WrongPassphrase
from reverie.core.types import EpisodicMemory, SemanticMemory
from reverie.settings import Settings
from reverie.ui.main_window import MainWindow
from reverie.ui.onboarding import Onboarding
from reverie.ui.privacy_panel import PrivacyPanel
from reverie.ui.settings_dialog import SettingsDialog
from reverie.ui.unlock_dialog import UnlockDialog

pytestmark = pytest.mark.gui


def test_settings_dialog_round_trip(qtbot) -> None:  # type: ignore[no-untyped-def]
    dlg = SettingsDialog(Settings(), bundled_models=["qwen-0.5b", "smollm2"])
    qtbot.addWidget(dlg)
    dlg.interval.setValue(5.0)
    dlg.apps.setPlainText("KeePassXC\nSignal\n")
    dlg.days.setValue(30)
    dlg.lock.setValue(5)
    dlg.autostart.setChecked(True)
    dlg.models_page.use_url.setChecked(True)
    dlg.models_page.url.setText("http://127.0.0.1:8080/v1")
    dlg.models_page.model.setText("llama3")
    dlg.api_page.port.setValue(9000)
    s = dlg.result_settings()
    assert (s.capture_interval_s, s.excluded_apps, s.retention_days, s.lock_timeout_min, s.autostart) == \
        (5.0, ["KeePassXC", "Signal"], 30, 5, True)
    assert (s.llm_backend, s.llm_url, s.llm_model, s.api_port) == ("openai", "http://127.0.0.1:8080/v1", "llama3", 9000)
    dlg.models_page.use_bundled.setChecked(True)
    dlg.models_page.bundled.setCurrentText("smollm2")
    assert (dlg.result_settings().llm_backend, dlg.result_settings().llm_model_path) == ("llamacpp", "smollm2")


def test_onboarding_needs_consent_and_a_matching_passphrase(qtbot) -> None:  # type: ignore[no-untyped-def]
    wizard = Onboarding(Settings(), ["smollm2"], keystore=False)
    qtbot.addWidget(wizard)
    wizard.show()
    wizard.next()
    assert not wizard.button(wizard.WizardButton.NextButton).isEnabled()  # consent required
    wizard.consent.setChecked(True)
    wizard.next()
    key = wizard.key_page
    assert not key.keystore.isEnabled() and key.passphrase.isChecked()
    key.pw1.setText("long enough phrase")
    key.pw2.setText("long enough phrasX")
    assert not key.isComplete()
    key.pw2.setText("long enough phrase")
    assert key.isComplete()
    wizard.exclusions.item(0).setCheckState(wizard.exclusions.item(0).checkState().Unchecked)
    result = wizard.result_value()
    assert result.passphrase == "long enough phrase" and not result.settings.use_keystore
    assert result.settings.onboarded and "KeePass" not in result.settings.excluded_apps
    assert "Tor Browser" in result.settings.excluded_apps


def test_privacy_panel_shows_counts_pauses_and_forgets(qtbot, ctx, settle, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from reverie.gui_wiring import PauseFlag, forget_recent

    now = time.time()
    old = add_frames(ctx.store, [(now - 7200, "Mail", "inbox", "old mail")])
    add_frames(ctx.store, [(now - 60, "Mail", "draft", "fresh draft"), (now - 30, "Mail", "sent", "sent it")])
    ctx.store.add(SemanticMemory(name="just now"))
    kept = EpisodicMemory(summary="yesterday")
    kept.created_at = kept.occurred_at = kept.created_at.replace(year=2020)
    ctx.store.add(kept)
    ctx.capture = PauseFlag(ctx.store.home)
    ctx.forget_recent = lambda minutes: forget_recent(ctx.store, minutes)
    panel = PrivacyPanel(ctx)
    qtbot.addWidget(panel)
    panel.show()
    settle()
    assert panel.cards["memories"].text() == "2" and panel.cards["frames"].text() == "3"
    panel.pause_btn.click()
    assert ctx.capture.paused and panel.pause_btn.text() == "Resume capture"
    monkeypatch.setattr(PrivacyPanel, "confirm_forget", lambda self, m: True)
    with qtbot.waitSignal(panel.forgotten, timeout=10_000) as done:
        panel.forget_btns[5].click()
    assert {k: done.args[0][k] for k in ("memories", "frames", "thumbnails")} == {
        "memories": 1, "frames": 2, "thumbnails": 2}
    settle()
    assert panel.cards["frames"].text() == "1" and panel.cards["memories"].text() == "1"
    rows = ctx.store.read_conn().execute("SELECT id FROM frames").fetchall()
    assert [r[0] for r in rows] == old
    assert ctx.store.get(kept.id) is not None


def test_lock_hides_memories_and_unlock_checks_the_passphrase(qtbot, ctx, settle) -> None:  # type: ignore[no-untyped-def]
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.show()
    window.set_locked(True)
    assert window.pages.currentWidget() is window.locked and not window.side.isEnabled()

    def verify(passphrase: str | None) -> str:
        if passphrase != "right one":
            raise WrongPassphrase("Wrong passphrase: the data key could not be unlocked.")
        return "ok"

    dlg = UnlockDialog(ctx.runner, verify, parent=window)
    qtbot.addWidget(dlg)
    dlg.open()
    dlg.passphrase.setText("wrong")
    dlg.unlock_btn.click()
    settle()
    assert "Wrong passphrase" in dlg.error.text() and dlg.isVisible()
    dlg.passphrase.setText("right one")
    with qtbot.waitSignal(dlg.unlocked, timeout=5000):
        dlg.unlock_btn.click()
    window.set_locked(False)
    assert window.pages.currentWidget() is window.timeline and window.side.isEnabled()


def test_screenshot_cli_renders_the_main_window(home, embedder, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from reverie.core.store.keys import KeyOptions
    from reverie.core.store.store import MemoryStore

    with MemoryStore.open(home, KeyOptions(passphrase=os.environ["REVERIE_PASSPHRASE"]), embedder) as store:
        store.add(SemanticMemory(name="Screenshot me"))
        add_frames(store, [(time.time() - 60, "Firefox", "Docs", "hello")])
    out = tmp_path / "main.png"
    code = ("import argparse, sys\nfrom reverie import cmd_gui\n"
            "p = argparse.ArgumentParser(); cmd_gui.register(p.add_subparsers())\n"
            "a = p.parse_args(sys.argv[1:]); sys.exit(a.handler(a))")
    proc = subprocess.run([sys.executable, "-c", code, "gui", "--screenshot", str(out), "--size", "1100x700"],
                          capture_output=True, text=True, timeout=300,
                          env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert proc.returncode == 0, proc.stderr
    from PySide6.QtGui import QImage

    img = QImage(str(out))
    assert (img.width(), img.height()) == (1100, 700)
    assert not img.isNull() and len({img.pixel(x, 300) for x in range(0, 1100, 10)}) > 3  # not a blank window
    assert not (Path(home) / "settings.json").exists()  # a screenshot never marks onboarding done


def test_without_a_tray_the_app_quits_cleanly(home, embedder) -> None:  # type: ignore[no-untyped-def]
    """No tray (offscreen has none): closing the window quits, and quitting closes the window; the
    two used to run each other twice and crash Qt (exit 139)."""
    from reverie.core.store.keys import KeyOptions
    from reverie.core.store.store import MemoryStore

    with MemoryStore.open(home, KeyOptions(passphrase=os.environ["REVERIE_PASSPHRASE"]), embedder) as store:
        store.add(SemanticMemory(name="Quit cleanly"))
    proc = subprocess.run([sys.executable, "-m", "reverie", "gui", "--idle-probe", "0.2"], capture_output=True,
                          text=True, timeout=300, env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "no system tray" in proc.stderr and '"ready_s"' in proc.stdout
