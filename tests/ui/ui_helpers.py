"""Seeding helpers for UI tests: frames with real encrypted thumbnails, and a UiContext."""

from __future__ import annotations

import time
import uuid
from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QBuffer, QByteArray, QIODevice
from PySide6.QtGui import QColor, QImage, QPainter

from reverie.core.store.store import MemoryStore


def png_bytes(color: str, text: str = "", size: tuple[int, int] = (320, 180)) -> bytes:
    img = QImage(size[0], size[1], QImage.Format.Format_RGB32)
    img.fill(QColor(color))
    if text:
        p = QPainter(img)
        p.setPen(QColor("white"))
        p.drawText(12, 28, text)
        p.end()
    data = QByteArray()
    buf = QBuffer(data)
    buf.open(QIODevice.OpenModeFlag.WriteOnly)
    img.save(buf, "PNG")
    return bytes(data.data())


def add_frames(store: MemoryStore, frames: Sequence[tuple[float, str, str, str]], thumbs: bool = True,
               colors: Sequence[str] = ("#3b82f6", "#10b981", "#f59e0b", "#ef4444", "#8b5cf6")) -> list[str]:
    """Insert (captured_at, app, title, text) frames with encrypted thumbnails; returns frame ids."""
    rows = []
    for i, (at, app, title, text) in enumerate(frames):
        blob = store.blobs.put(png_bytes(colors[i % len(colors)], f"{app} — {title}")) if thumbs else None
        rows.append((uuid.uuid4().hex, at, app, title, text, blob))

    def txn(conn: Any) -> None:
        conn.executemany("INSERT INTO frames(id, captured_at, monitor, app, title, text, thumb_blob) "
                         "VALUES (?,?,0,?,?,?,?)", rows)

    store.write(txn)
    ids = [r[0] for r in rows]
    store.emit("frame_added", ids)
    return ids


def day_of_frames(store: MemoryStore, n: int, start: float | None = None, step: float = 30.0,
                  thumbs: bool = True) -> list[str]:
    base = start if start is not None else time.time() - n * step
    apps = ("Firefox", "Terminal", "VS Code", "Slack")
    return add_frames(store, [(base + i * step, apps[i % 4], f"Window {i}", f"text of frame {i}")
                              for i in range(n)], thumbs=thumbs)
