"""Run under a real X display with a tray: create the tray, walk its states, report as JSON."""

from __future__ import annotations

import json
import sys

from PySide6.QtWidgets import QApplication

from reverie.ui import theme
from reverie.ui.icons import TrayState
from reverie.ui.tray import Tray


def main() -> int:
    app = QApplication(sys.argv[:1])
    theme.apply(app)
    tray = Tray()
    out: dict[str, object] = {"platform": app.platformName(), "available": Tray.available()}
    tray.show()
    for _ in range(50):
        app.processEvents()
        if tray.icon.geometry().width() > 0:
            break
        QApplication.instance().thread().msleep(20)  # type: ignore[union-attr]
    out["visible"] = tray.icon.isVisible()
    out["embedded"] = tray.icon.geometry().width() > 0
    states = [tray.state.value]
    tray.set_paused(False)
    states.append(tray.state.value)
    tray.set_paused(True)
    states.append(tray.state.value)
    tray.set_busy(True)
    states.append(tray.state.value)
    tray.set_locked(True)
    states.append(tray.state.value)
    out["states"] = states
    out["tooltip"] = tray.icon.toolTip()
    keys = {s.value: tray.icons[s].pixmap(22, 22).toImage() for s in TrayState}
    out["distinct_icons"] = len({bytes(img.constBits()) for img in keys.values()}) == len(TrayState)
    out["menu"] = [a.text() for a in tray.menu.actions() if a.text()]
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
