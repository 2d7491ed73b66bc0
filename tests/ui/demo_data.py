"""A believable demo day for screenshots and benchmarks: painted app screens and memories of all types."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QImage, QPainter

from reverie.core.store.store import MemoryStore
from reverie.core.types import (
    CoreMemory,
    EpisodicMemory,
    ProceduralMemory,
    ResourceMemory,
    SemanticMemory,
    VaultEntry,
)

APPS = {
    "VS Code": ("#1e1e1e", "#d4d4d4", ["def load_day(store, day):", "    start, end = day_bounds(day)",
                                         "    rows = conn.execute(SQL, (start, end))", "    return sorted(rows)"]),
    "Firefox": ("#ffffff", "#222222", ["Atlas launch plan — Q1", "Owners: Maria Lopez, Sam Patel",
                                       "Launch date moved to 14 March", "Open risks: pricing page, docs"]),
    "Terminal": ("#101418", "#7ee787", ["$ wg-quick up office", "[#] ip link add office type wireguard",
                                        "$ ping 10.0.0.1", "64 bytes from 10.0.0.1: time=12.1 ms"]),
    "Slack": ("#f8f8fa", "#1d1c1d", ["Maria: can we move the review to 3pm?", "Sam: works for me",
                                     "You: sure, booked", "Maria: thanks! async notes in the doc"]),
}


def screen_png(app: str, title: str, seed: int, size: tuple[int, int] = (640, 400)) -> bytes:
    bg, fg, lines = APPS[app]
    rnd = random.Random(seed)
    img = QImage(size[0], size[1], QImage.Format.Format_RGB32)
    img.fill(QColor(bg))
    p = QPainter(img)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.fillRect(0, 0, size[0], 28, QColor("#2b2d31" if app != "Slack" else "#4a154b"))
    p.setPen(QColor("#e8e8e8"))
    p.setFont(QFont("DejaVu Sans", 10))
    p.drawText(QRectF(12, 0, size[0] - 24, 28), Qt.AlignmentFlag.AlignVCenter, f"{title} — {app}")
    if app in ("VS Code", "Slack"):
        p.fillRect(0, 28, 120, size[1] - 28, QColor("#252526" if app == "VS Code" else "#3f0e40"))
    x0 = 136 if app in ("VS Code", "Slack") else 24
    p.setFont(QFont("DejaVu Sans Mono" if app in ("VS Code", "Terminal") else "DejaVu Sans", 11))
    y = 56
    for i in range(9):
        text = lines[(i + seed) % len(lines)]
        p.setPen(QColor(fg) if i % 3 else QColor("#569cd6" if app == "VS Code" else fg))
        p.drawText(x0, y, text[: 20 + rnd.randint(0, 40)])
        y += 36
    p.end()
    data = QByteArray()
    buf = QBuffer(data)
    buf.open(QIODevice.OpenModeFlag.WriteOnly)
    img.save(buf, "JPEG", 82)
    return bytes(data.data())


def seed_demo(store: MemoryStore, day: datetime, frames_every_s: int = 150) -> dict[str, str]:
    """Frames from 09:00 to 17:30 on `day` (local), and memories of every type; returns named ids."""
    start = day.replace(hour=9, minute=0, second=0, microsecond=0)
    titles = {"VS Code": "timeline_model.py", "Firefox": "Atlas launch plan", "Terminal": "bash",
              "Slack": "#atlas-launch"}
    order = ["VS Code", "VS Code", "Firefox", "Slack", "Terminal", "VS Code", "Firefox", "Slack"]
    rows = []
    t = start
    i = 0
    while t < start.replace(hour=17, minute=30):
        if t.hour != 12:  # lunch: nothing captured
            app = order[(i // 6) % len(order)]
            blob = store.blobs.put(screen_png(app, titles[app], i))
            rows.append((f"demo{i:05d}", t.timestamp(), app, titles[app], " ".join(APPS[app][2]), blob))
        t += timedelta(seconds=frames_every_s)
        i += 1
    store.write(lambda c: c.executemany(
        "INSERT INTO frames(id, captured_at, monitor, app, title, text, thumb_blob) VALUES (?,?,0,?,?,?,?)", rows))
    at = {h: start.replace(hour=h, minute=m) for h, m in ((9, 15), (10, 40), (14, 5), (15, 30), (16, 50))}
    mems = {
        "standup": EpisodicMemory(summary="Atlas standup: launch moved to 14 March, docs are the open risk",
                                  occurred_at=at[9], app="Zoom", provenance=["frame:demo00006"]),
        "vpn": EpisodicMemory(summary="Fixed the office VPN by re-importing the WireGuard config",
                              occurred_at=at[10], app="Terminal"),
        "review": EpisodicMemory(summary="Reviewed Sam's pricing-page PR and asked for a mobile screenshot",
                                 occurred_at=at[14], app="Firefox"),
        "maria": SemanticMemory(name="Maria Lopez", summary="Product lead for Atlas; prefers async updates in the doc",
                                app="Slack", occurred_at=at[15]),
        "atlas": SemanticMemory(name="Atlas launch", summary="Public launch on 14 March; pricing page and docs pending",
                                app="Firefox", occurred_at=at[16]),
        "deploy": ProceduralMemory(summary="Deploy the web app to staging",
                                   steps=["git switch main && git pull", "make build", "make deploy ENV=staging",
                                          "check https://staging.example.com/health"], occurred_at=at[16]),
        "plan": ResourceMemory(title="Atlas launch plan — Q1", summary="Owners, dates and open risks for the launch",
                               resource_type="doc", content="Owners: Maria, Sam. Launch 14 March.",
                               app="Firefox", occurred_at=at[14]),
        "human": CoreMemory(label="human", value="Works on the Atlas team; prefers short written updates"),
        "vault": VaultEntry(caption="Staging database (postgres)", entry_type="credential", source="Terminal",
                            secret_value="pg-staging-7f3k-Qx9", occurred_at=at[10]),
    }
    store.add_many(list(mems.values()))
    return {k: m.id for k, m in mems.items()}
