"""Widget screenshots (QWidget.grab) over the real wiring; called by make_screenshots.py."""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtWidgets import QApplication

from reverie import cmd_gui
from reverie.core.store.keys import KeyOptions
from reverie.core.store.store import MemoryStore
from reverie.settings import Settings
from reverie.ui import theme
from reverie.ui.context import Final, UiContext
from reverie.ui.icons import TrayState
from reverie.ui.main_window import MainWindow
from reverie.ui.onboarding import Onboarding
from reverie.ui.op_runner import OpRunner
from reverie.ui.recall_popup import RecallPopup
from reverie.ui.screenshot import grab, settle
from reverie.ui.settings_dialog import SettingsDialog
from reverie.ui.store_bridge import StoreBridge
from reverie.ui.tray import Tray
from reverie.ui.unlock_dialog import UnlockDialog


def scripted(ids: dict[str, str]):  # type: ignore[no-untyped-def]
    def answer(question: str) -> Iterator[str | Final]:
        if "vpn" in question.lower():
            text, cites = "You re-imported the WireGuard config and brought the office tunnel back up.", ["vpn"]
        else:
            text = ("Atlas launches publicly on 14 March [1]. Maria Lopez is the product lead and prefers "
                    "async updates in the launch doc [2]; the pricing page and docs are still open [3].")
            cites = ["atlas", "maria", "plan"]
        for word in text.split(" "):
            time.sleep(0.005)
            yield word + " "
        yield Final([ids[c] for c in cites])
    return answer


def wait_for(app: QApplication, cond, timeout: float = 30.0) -> None:  # type: ignore[no-untyped-def]
    end = time.monotonic() + timeout
    while not cond() and time.monotonic() < end:
        app.processEvents()
        time.sleep(0.01)


def grab_widgets(app: QApplication, home: Path, out: Path, ids: dict[str, str]) -> None:
    theme.apply(app, dark=False)
    boot = cmd_gui.make_boot()
    store = boot.open_store(os.environ["REVERIE_PASSPHRASE"])
    runner = OpRunner()
    ctx: UiContext = boot.make_context(store, runner)
    ctx.answer_stream = scripted(ids)
    win = MainWindow(ctx, boot.bundled_models)
    win.resize(1280, 800)
    win.show()
    settle(runner)
    win.go("search")
    win.search.box.setText("atlas launch")
    win.search.run_search()
    settle(runner)
    grab(win, out / "search.png")
    for key, name in (("maria", "memories.png"), ("vault", "vault.png")):
        mem = store.get(ids[key])
        assert mem is not None
        win.open_memory(mem, jump=False)
        settle(runner)
        grab(win, out / name)
    win.go("chat")
    win.chat.ask("When does Atlas launch, and who owns it?")
    wait_for(app, lambda: not win.chat.busy)
    settle(runner)
    grab(win, out / "chat.png")

    popup = RecallPopup(ctx)
    popup.popup()
    popup.box.setText("wireguard vpn")
    popup.search_now()
    settle(runner)
    grab(popup, out / "recall-popup.png")
    popup.box.setText("how did I fix the vpn?")
    popup.ask()
    wait_for(app, lambda: "WireGuard" in popup.answer.toPlainText() and not runner.busy)
    settle(runner)
    grab(popup, out / "recall-popup-answer.png")
    popup.hide()

    dlg = SettingsDialog(ctx.settings, boot.bundled_models(), ctx.tokens, win)
    dlg.show()
    settle(runner)
    grab(dlg, out / "settings.png")
    dlg.tabs.setCurrentIndex(3)
    grab(dlg, out / "settings-models.png")
    dlg.close()

    wizard = Onboarding(Settings(), boot.bundled_models(), keystore=False)
    wizard.show()
    settle(runner)
    grab(wizard, out / "onboarding-welcome.png")
    wizard.next()
    wizard.consent.setChecked(True)
    wizard.next()
    grab(wizard, out / "onboarding-key.png")
    wizard.close()

    unlock = UnlockDialog(runner, lambda pw: None)
    unlock.show()
    settle(runner)
    grab(unlock, out / "unlock.png")
    unlock.close()

    tray = Tray()
    tray.set_paused(False)
    tray.menu.adjustSize()
    grab(tray.menu, out / "tray-menu.png")
    tray_states(tray).save(str(out / "tray-states.png"))

    win.close()
    runner.shutdown()
    ctx.bridge.close()
    store.close()
    empty_window(app, out / "empty-timeline.png")


def tray_states(tray: Tray) -> QImage:
    c = theme.colors()
    img = QImage(520, 110, QImage.Format.Format_ARGB32)
    img.fill(QColor(c.window))
    p = QPainter(img)
    p.setPen(QColor(c.text))
    for i, state in enumerate(TrayState):
        x = 20 + i * 125
        p.drawPixmap(x + 30, 14, tray.icons[state].pixmap(48, 48))
        p.drawText(QRectF(x, 70, 110, 24), Qt.AlignmentFlag.AlignCenter, state.value)
    p.end()
    return img


def empty_window(app: QApplication, path: Path) -> None:
    """A brand-new data dir: the empty states a first-time user sees."""
    with tempfile.TemporaryDirectory() as tmp, MemoryStore.open(Path(tmp), KeyOptions(passphrase="x")) as store:
        runner = OpRunner()
        ctx = UiContext(store=store, runner=runner, bridge=StoreBridge(store), settings=Settings(),
                        save_settings=lambda s: None)
        win = MainWindow(ctx)
        win.resize(1280, 800)
        win.show()
        settle(runner)
        grab(win, path)
        win.close()
        runner.shutdown()
        ctx.bridge.close()
