"""UI tests run on Qt's offscreen platform unless a test starts its own Xvfb display."""

from __future__ import annotations

import os

# Before pytest-qt creates the QApplication: only the UI tests get the offscreen platform.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


import pytest

from reverie.core.store.store import MemoryStore


@pytest.fixture
def ctx(store: MemoryStore, qapp):  # type: ignore[no-untyped-def]
    """A UiContext over the real store (real embedder), with a fresh runner and store bridge."""
    from reverie.settings import Settings
    from reverie.ui import theme
    from reverie.ui.context import UiContext
    from reverie.ui.op_runner import OpRunner
    from reverie.ui.store_bridge import StoreBridge

    theme.apply(qapp, dark=False)
    runner = OpRunner()
    bridge = StoreBridge(store)
    saved: list[Settings] = []
    c = UiContext(store=store, runner=runner, bridge=bridge, settings=Settings(), save_settings=saved.append)
    yield c
    runner.shutdown()
    bridge.close()


@pytest.fixture
def settle(ctx):  # type: ignore[no-untyped-def]
    """Call to let every op (and the ops their callbacks start) finish and deliver."""
    from reverie.ui.screenshot import settle as _settle

    def run(rounds: int = 4) -> None:
        _settle(ctx.runner, rounds)

    return run

