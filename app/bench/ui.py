"""Desktop UI costs: cold start to tray, 100k-row timeline, quick-recall latency, idle memory.

`run()` needs PySide6; the two subprocess measurements use a private Xvfb + trayer when installed
(a real tray), else Qt's offscreen platform.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack
from datetime import date, datetime
from pathlib import Path
from typing import Any

from reverie.bench import ui_xvfb

GUI = ("import argparse, sys\nfrom reverie import cmd_gui\np = argparse.ArgumentParser(); "
       "cmd_gui.register(p.add_subparsers())\na = p.parse_args(sys.argv[1:]); sys.exit(a.handler(a))")
PASSPHRASE = "bench passphrase"


def run(frames: int = 100_000, memories: int = 3_000, queries: int = 40, starts: int = 3) -> dict[str, Any]:
    with ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="reverie-bench-ui-")))
        env = {**os.environ, "REVERIE_PASSPHRASE": PASSPHRASE, "PYTHON_KEYRING_BACKEND":
               "keyring.backends.fail.Keyring"}
        display = "offscreen"
        if ui_xvfb.available() is None:
            env = {**env, **stack.enter_context(ui_xvfb.display())}
            display = "xvfb+trayer"
        else:
            env["QT_QPA_PLATFORM"] = "offscreen"
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        from PySide6.QtWidgets import QApplication

        app = QApplication.instance() or QApplication(sys.argv[:1])
        result: dict[str, Any] = {"display": display}
        phases: dict[str, Callable[[], dict[str, Any]]] = {
            "cold_start": lambda: _cold_start(env, tmp / "start", starts),
            "timeline": lambda: _timeline(app, tmp / "timeline", frames),
            "popup": lambda: _popup(app, tmp / "popup", memories, queries),
            "idle": lambda: _idle(env, tmp / "popup")}
        took: dict[str, float] = {}
        for name, phase in phases.items():
            t = time.perf_counter()
            result.update(phase())
            took[name] = round(time.perf_counter() - t, 1)
        result["bench_phase_s"] = took
    result["targets"] = {"cold_start_to_tray_s": 1.5, "idle_rss_mb": 400}
    return result


def _cold_start(env: dict[str, str], home: Path, n: int) -> dict[str, Any]:
    walls, inner, heavy = [], [], set()
    for _ in range(n):
        t0 = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-c", GUI, "gui", "--startup-probe"], stdout=subprocess.PIPE,
                                stderr=subprocess.DEVNULL, text=True, env={**env, "REVERIE_HOME": str(home)})
        assert proc.stdout is not None
        line = proc.stdout.readline()  # printed the moment the tray is shown; interpreter exit is not counted
        walls.append(time.perf_counter() - t0)
        if proc.wait(60) != 0 or not line:
            raise RuntimeError("startup probe failed")
        out = json.loads(line)
        inner.append(out["tray_s"])
        heavy.update(out["heavy_loaded"])
    return {"cold_start_to_tray_s": round(statistics.median(walls), 3),
            "cold_start_in_process_s": round(statistics.median(inner), 3), "heavy_modules_before_tray": sorted(heavy)}


def _timeline(app: Any, home: Path, n: int) -> dict[str, Any]:
    from reverie.core.store.keys import KeyOptions
    from reverie.core.store.store import MemoryStore
    from reverie.settings import Settings
    from reverie.ui.context import UiContext
    from reverie.ui.op_runner import OpRunner
    from reverie.ui.screenshot import settle
    from reverie.ui.store_bridge import StoreBridge
    from reverie.ui.timeline_source import day_bounds, load_day
    from reverie.ui.timeline_view import TimelineView

    day = date.today()
    start, end = day_bounds(day)
    with MemoryStore.open(home, KeyOptions(passphrase=PASSPHRASE)) as store:
        blob = store.blobs.put(_jpeg())
        step = (end - start - 1) / n
        rows = [(f"f{i:06d}", start + i * step, f"App {i % 7}", f"Window {i}", "", blob) for i in range(n)]
        store.write(lambda c: c.executemany(
            "INSERT INTO frames(id, captured_at, monitor, app, title, text, thumb_blob) VALUES (?,?,0,?,?,?,?)", rows))
        t = time.perf_counter()
        items = load_day(store, day)
        query_ms = (time.perf_counter() - t) * 1000
        runner = OpRunner()
        ctx = UiContext(store=store, runner=runner, bridge=StoreBridge(store), settings=Settings(),
                        save_settings=lambda s: None)
        view = TimelineView(ctx)
        view.resize(1280, 760)
        view.show()
        t = time.perf_counter()
        view.model.set_day(day, items)
        set_day_ms = (time.perf_counter() - t) * 1000
        t = time.perf_counter()
        view.show_day(day)
        settle(runner)
        end_to_end_ms = (time.perf_counter() - t) * 1000
        frame_ms = []
        for i in range(200):  # scrub across the whole day; each step is one jump + repaint
            t = time.perf_counter()
            view.select_time(start + (end - start) * i / 200)
            view.strip.viewport().repaint()
            app.processEvents()
            frame_ms.append((time.perf_counter() - t) * 1000)
        settle(runner)
        frame_ms.sort()
        view.close()
        runner.shutdown()
        ctx.bridge.close()
    return {"timeline_items": len(items), "timeline_query_ms": round(query_ms, 1),
            "timeline_model_set_ms": round(set_day_ms, 1), "timeline_load_end_to_end_ms": round(end_to_end_ms, 1),
            "timeline_scrub_p50_ms": round(statistics.median(frame_ms), 2),
            "timeline_scrub_p95_ms": round(frame_ms[int(0.95 * (len(frame_ms) - 1))], 2)}


def _popup(app: Any, home: Path, n: int, queries: int) -> dict[str, Any]:
    from reverie.bench.search import _BulkEmbedder
    from reverie.core.store.keys import KeyOptions
    from reverie.core.store.store import MemoryStore
    from reverie.core.types import EpisodicMemory
    from reverie.models.embedder import OnnxEmbedder
    from reverie.settings import Settings
    from reverie.ui.context import UiContext
    from reverie.ui.op_runner import OpRunner
    from reverie.ui.recall_popup import DEBOUNCE_MS, RecallPopup
    from reverie.ui.store_bridge import StoreBridge

    words = ["atlas", "launch", "pricing", "vpn", "wireguard", "review", "maria", "sam", "deploy", "staging",
             "budget", "lunch", "ramen", "docs", "invoice", "travel", "lisbon", "offsite", "release", "bug"]
    embedder = _BulkEmbedder(OnnxEmbedder())
    with MemoryStore.open(home, KeyOptions(passphrase=PASSPHRASE), embedder) as store:
        now = datetime.now().astimezone()
        store.add_many([EpisodicMemory(summary=" ".join(words[(i * k) % len(words)] for k in (1, 3, 7, 11, 13)),
                                       occurred_at=now) for i in range(n)])
        runner = OpRunner()
        ctx = UiContext(store=store, runner=runner, bridge=StoreBridge(store), settings=Settings(),
                        save_settings=lambda s: None)
        popup = RecallPopup(ctx)
        popup.popup()
        lat = []
        for i in range(queries):
            popup.box.setText(f"{words[i % len(words)]} {words[(i * 3 + 1) % len(words)]}")
            popup._debounce.stop()  # time the search itself; the debounce is a constant added below
            done: list[int] = []
            popup.results_shown.connect(done.append)
            t = time.perf_counter()
            popup.search_now()
            while not done:
                app.processEvents()
                time.sleep(0.0005)
            lat.append((time.perf_counter() - t) * 1000)
            popup.results_shown.disconnect()
        runner.shutdown()
        ctx.bridge.close()
        popup.close()
    median = statistics.median(lat)
    return {"popup_memories": n, "popup_search_median_ms": round(median, 1),
            "popup_search_p95_ms": round(sorted(lat)[int(0.95 * (len(lat) - 1))], 1),
            "popup_keystroke_to_results_median_ms": round(median + DEBOUNCE_MS, 1)}


def _idle(env: dict[str, str], home: Path) -> dict[str, Any]:
    """The real app (store + embedder + Chroma open, window shown, no LLM), idle for 3 s."""
    proc = subprocess.run([sys.executable, "-c", GUI, "gui", "--idle-probe", "3"], capture_output=True, text=True,
                          env={**env, "REVERIE_HOME": str(home)}, timeout=300, check=True)
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    return {"idle_rss_mb": out["rss_mb"], "window_ready_s": out["ready_s"], "idle_llm_loaded": out["llm_loaded"]}


def _jpeg() -> bytes:
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (640, 400), (60, 90, 160)).save(buf, "JPEG", quality=80)
    return buf.getvalue()


if __name__ == "__main__":
    print(json.dumps(run(), indent=1))
