"""`reverie gui [--screenshot PNG]`: the desktop app (tray, timeline, search, memories, chat).

Only PySide6 and the tray are imported before the tray shows; the store (onnxruntime, Chroma)
opens on a worker thread afterwards, and the LLM loads on the first question.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

_T0 = time.perf_counter()


def register(sub: Any) -> None:
    p = sub.add_parser("gui", help="open the desktop app (default when no command is given)")
    p.add_argument("--screenshot", type=Path, metavar="PNG",
                   help="render the main window with the current data to PNG and exit (skips onboarding)")
    p.add_argument("--size", default="1280x800", help="window size for --screenshot (WxH)")
    p.add_argument("--page", default="timeline", choices=["timeline", "search", "memories", "chat", "privacy"],
                   help="page to show for --screenshot")
    p.add_argument("--minimized", action="store_true",
                   help="start in the tray without opening the main window (used at login)")
    p.add_argument("--startup-probe", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--idle-probe", type=float, metavar="SECONDS", help=argparse.SUPPRESS)
    p.set_defaults(handler=cmd_gui)


def cmd_gui(args: argparse.Namespace) -> int:
    from PySide6.QtWidgets import QApplication

    from reverie.ui import theme
    from reverie.ui.tray import Tray

    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("Reverie")  # also the X11 WM_CLASS class: StartupWMClass in the .desktop file
    app.setDesktopFileName("io.github.reverie.Reverie")  # Wayland app id: matches the menu entry and its icon
    app.setQuitOnLastWindowClosed(False)  # the tray keeps running when the window closes
    theme.apply(app)
    # The tray first, in its "working…" state: everything below (store, windows) loads after it.
    tray = Tray()
    if args.screenshot is None and Tray.available():
        tray.show()
        app.processEvents()
    if args.startup_probe:
        return _probe(app, tray)
    from reverie.ui.app_shell import AppShell

    shell = AppShell(app, make_boot(minimized=args.minimized), tray=tray)
    if args.screenshot is not None:
        return _screenshot(app, shell, args)
    if args.idle_probe is not None:
        shell.ready.connect(lambda: _idle_probe(app, shell, args.idle_probe))
        shell.start(skip_onboarding=True)
        return int(app.exec())
    shell.start()
    return int(app.exec())


def make_boot(minimized: bool = False) -> Any:
    """The composition root for the UI: how to open the store and what the widgets get injected."""
    from reverie import gui_wiring as wiring
    from reverie.paths import reverie_home
    from reverie.settings import Settings
    from reverie.ui.app_shell import Boot

    home = reverie_home()
    preset = os.environ.get("REVERIE_PASSPHRASE")

    def open_store(passphrase: str | None) -> Any:
        from reverie.core.store.keys import KeyOptions
        from reverie.core.store.store import MemoryStore
        from reverie.core.store.vector_index import IndexConfig
        from reverie.services import make_embedder

        s = boot.settings  # onboarding may have changed it since start-up
        return MemoryStore.open(home, KeyOptions(passphrase=passphrase, use_keystore=s.use_keystore),
                                make_embedder(),  # type: ignore[arg-type]
                                IndexConfig(mode=s.index_mode, http_url=s.index_url))

    def make_context(store: Any, runner: Any) -> Any:
        from reverie.ui.context import UiContext
        from reverie.ui.store_bridge import StoreBridge

        s = boot.settings
        answer, note = wiring.chat_stream(store, s, home)
        mode = wiring.key_mode(home) or "keystore"
        return UiContext(
            store=store, runner=runner, bridge=StoreBridge(store), settings=s, save_settings=boot.save_settings,
            answer_stream=answer, chat_note=note, forget_recent=lambda minutes: wiring.forget_recent(store, minutes),
            capture=wiring.PauseFlag(home), key_mode=mode, tokens=wiring.tokens_for(store),
            verify_unlock=lambda pw: wiring.verify_passphrase(home, pw, mode == "keystore"))

    boot = Boot(settings=Settings.load(home), save_settings=wiring.settings_saver(home), open_store=open_store,
                make_context=make_context, start_minimized=minimized,
                needs_passphrase=wiring.key_mode(home) == "passphrase" and preset is None,
                preset_passphrase=preset, keystore_available=_keystore_available, bundled_models=_bundled_names)
    return boot


def _keystore_available() -> bool:
    from reverie.core.store.keys import keystore_available

    return keystore_available()


def _bundled_names() -> list[str]:
    from reverie.models.model_manager import BUNDLED

    return [m.name for m in BUNDLED]


def _probe(app: Any, tray: Any) -> int:
    """Benchmark hook: report how long the tray took to appear (as in a normal start), then exit."""
    tray.show()
    app.processEvents()
    print(json.dumps({"tray_visible": tray.icon.isVisible(), "tray_s": round(time.perf_counter() - _T0, 3),
                      "heavy_loaded": sorted(m for m in ("onnxruntime", "chromadb", "llama_cpp")
                                             if m in sys.modules)}), flush=True)
    return 0


def _idle_probe(app: Any, shell: Any, seconds: float) -> None:
    """Benchmark hook: once the window is up and its ops are done, idle, then report memory and quit."""
    from PySide6.QtCore import QTimer

    from reverie.ui.screenshot import settle

    ready_s = time.perf_counter() - _T0

    def report() -> None:
        print(json.dumps({"ready_s": round(ready_s, 3), "rss_mb": round(_rss_mb(), 1),
                          "llm_loaded": "llama_cpp" in sys.modules}), flush=True)
        shell.quit()

    def idle() -> None:
        settle(shell.runner)  # the first day, thumbnails and counts load; then nothing happens
        QTimer.singleShot(int(seconds * 1000), report)

    # Deferred: `ready` is emitted from inside the store-opening op, which must finish first.
    QTimer.singleShot(0, idle)


def _rss_mb() -> float:
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    import resource  # not Linux: the peak RSS, an upper bound of the current one

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def _screenshot(app: Any, shell: Any, args: argparse.Namespace) -> int:
    from reverie.errors import UserFacingError
    from reverie.ui.screenshot import render_main_window

    if shell.boot.needs_passphrase:
        raise UserFacingError("this data dir is locked with a passphrase: set REVERIE_PASSPHRASE for --screenshot")

    width, height = (int(v) for v in args.size.lower().split("x"))
    render_main_window(app, shell, args.screenshot, width, height, args.page)
    print(f"wrote {args.screenshot}")
    return 0
