"""Render the app icon's PNGs from its SVG (the single source): `python packaging/linux/render_icons.py`.

Writes app/data/io.github.reverie.Reverie-<N>.png for every size in reverie.desktop.ICON_SIZES with
Qt's SVG renderer (PySide6-Essentials ships QtSvg), so the PNGs match what Qt draws from the SVG.
Commit the PNGs: installs and the window icon use them without QtSvg at run time.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

DATA = Path(__file__).resolve().parents[2] / "app" / "data"


def render(svg: Path, out_dir: Path, sizes: tuple[int, ...]) -> list[Path]:
    from PySide6.QtCore import QRectF, Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    _app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise SystemExit(f"render_icons: {svg} is not a valid SVG")
    written = []
    for size in sizes:
        img = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
        img.fill(Qt.GlobalColor.transparent)
        painter = QPainter(img)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        renderer.render(painter, QRectF(0, 0, size, size))
        painter.end()
        path = out_dir / f"{svg.stem}-{size}.png"
        if not img.convertToFormat(QImage.Format.Format_ARGB32).save(str(path), "PNG"):
            raise SystemExit(f"render_icons: could not write {path}")
        written.append(path)
    return written


def main() -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # no display needed
    from reverie.desktop import APP_ID, ICON_SIZES

    for path in render(DATA / f"{APP_ID}.svg", DATA, ICON_SIZES):
        print(path.relative_to(DATA.parents[1]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
