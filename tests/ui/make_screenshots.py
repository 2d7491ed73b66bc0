"""Render docs/screenshots/*.png from a seeded demo data dir, under a private Xvfb + trayer.

    python tests/ui/make_screenshots.py [OUT_DIR]
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
GUI = ("import argparse, sys\nfrom reverie import cmd_gui\np = argparse.ArgumentParser(); "
       "cmd_gui.register(p.add_subparsers())\na = p.parse_args(sys.argv[1:]); sys.exit(a.handler(a))")


def main() -> int:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else ROOT / "docs" / "screenshots").resolve()
    if os.environ.get("REVERIE_SHOTS_CHILD") is None:
        from reverie.bench import ui_xvfb

        with tempfile.TemporaryDirectory(prefix="reverie-shots-") as tmp:
            env = {"REVERIE_HOME": f"{tmp}/home", "REVERIE_PASSPHRASE": "demo passphrase",
                   "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring", "REVERIE_SHOTS_CHILD": "1"}
            if ui_xvfb.available() is not None:
                print(f"no Xvfb ({ui_xvfb.available()}); rendering offscreen")
                return subprocess.call([sys.executable, __file__, str(out)],
                                       env={**os.environ, **env, "QT_QPA_PLATFORM": "offscreen"})
            with ui_xvfb.display() as xenv:
                return subprocess.call([sys.executable, __file__, str(out)], env={**xenv, **env})
    sys.path.insert(0, str(HERE))
    from PySide6.QtWidgets import QApplication

    app = QApplication(sys.argv[:1])
    from demo_data import seed_demo

    from reverie.services import open_store

    home = Path(os.environ["REVERIE_HOME"])
    day = datetime.now().astimezone() - timedelta(days=1)
    with open_store(home, interactive=False) as store:
        ids = seed_demo(store, day)
    out.mkdir(parents=True, exist_ok=True)
    for theme_name, name in (("light", "main-timeline.png"), ("dark", "main-timeline-dark.png")):
        subprocess.run([sys.executable, "-c", GUI, "gui", "--screenshot", str(out / name), "--size", "1280x800"],
                       check=True, env={**os.environ, "REVERIE_THEME": theme_name})
    subprocess.run([sys.executable, "-c", GUI, "gui", "--screenshot", str(out / "privacy.png"), "--page", "privacy"],
                   check=True)
    from shots import grab_widgets

    grab_widgets(app, home, out, ids)
    print("\n".join(sorted(p.name for p in out.glob("*.png"))))
    _ = time
    return 0


if __name__ == "__main__":
    sys.exit(main())
