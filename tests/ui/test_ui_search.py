"""Quick recall and the search page over the real store and embedder."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from PySide6.QtCore import Qt

from reverie.core.types import EpisodicMemory, MemoryType, SemanticMemory
from reverie.ui.main_window import MainWindow
from reverie.ui.recall_popup import RecallPopup
from reverie.ui.search_panel import SearchPanel

pytestmark = pytest.mark.gui


def _seed(store) -> dict[str, str]:  # type: ignore[no-untyped-def]
    now = datetime.now().astimezone()
    mems = {
        "vpn": EpisodicMemory(summary="Fixed the office VPN by re-importing the WireGuard config",
                              occurred_at=now - timedelta(days=1), app="Terminal"),
        "maria": SemanticMemory(name="Maria Lopez", summary="Product lead for the Atlas launch, prefers async updates",
                                app="Slack"),
        "lunch": EpisodicMemory(summary="Lunch with Sam at the ramen place on 5th street",
                                occurred_at=now - timedelta(days=3), app="Calendar"),
    }
    store.add_many(list(mems.values()))
    return {k: m.id for k, m in mems.items()}


def test_popup_search_returns_seeded_memories_and_enter_opens(qtbot, ctx) -> None:  # type: ignore[no-untyped-def]
    ids = _seed(ctx.store)
    popup = RecallPopup(ctx)
    qtbot.addWidget(popup)
    popup.popup()
    with qtbot.waitSignal(popup.results_shown, timeout=10_000):
        qtbot.keyClicks(popup.box, "wireguard vpn")
    assert popup.results.memories()[0].id == ids["vpn"]
    with qtbot.waitSignal(popup.open_memory, timeout=2000) as opened:
        qtbot.keyClick(popup.box, Qt.Key.Key_Return)
    assert opened.args[0].id == ids["vpn"]
    assert not popup.isVisible()


def test_popup_drops_results_of_queries_typed_past(qtbot, ctx) -> None:  # type: ignore[no-untyped-def]
    ids = _seed(ctx.store)
    popup = RecallPopup(ctx)
    qtbot.addWidget(popup)
    popup.popup()
    popup.box.setText("ramen")
    popup.search_now()
    popup.box.setText("Maria atlas launch")
    with qtbot.waitSignal(popup.results_shown, timeout=10_000):
        popup.search_now()
    ctx.runner.wait_idle(10)
    assert popup.results.memories()[0].id == ids["maria"]
    popup.box.setFocus()
    qtbot.keyClick(popup, Qt.Key.Key_Escape)
    assert not popup.isVisible()


def test_search_panel_filters_by_type(qtbot, ctx, settle) -> None:  # type: ignore[no-untyped-def]
    ids = _seed(ctx.store)
    panel = SearchPanel(ctx)
    qtbot.addWidget(panel)
    panel.show()
    panel.box.setText("Atlas launch VPN lunch")
    panel.run_search()
    settle()
    found = {m.id for m in panel.results.memories()}
    assert set(ids.values()) <= found
    panel.type_filter.setCurrentIndex(panel.type_filter.findData(MemoryType.SEMANTIC))
    panel.run_search()
    settle()
    assert [m.id for m in panel.results.memories()] == [ids["maria"]]
    panel.app_filter.setCurrentText("Calendar")
    panel.type_filter.setCurrentIndex(0)
    panel.run_search()
    settle()
    assert [m.id for m in panel.results.memories()] == [ids["lunch"]]


def test_a_search_result_opens_the_memory_and_moves_the_timeline(qtbot, ctx, settle) -> None:  # type: ignore[no-untyped-def]
    ids = _seed(ctx.store)
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.show()
    window.go("search")
    window.search.box.setText("ramen lunch")
    window.search.run_search()
    settle()
    assert window.search.results.memories()[0].id == ids["lunch"]
    window.search.results.setCurrentRow(0)
    qtbot.keyClick(window.search.results, Qt.Key.Key_Return)
    settle()
    assert window.pages.currentWidget() is window.browser
    assert window.browser.detail.memory is not None and window.browser.detail.memory.id == ids["lunch"]
    assert window.timeline.model.day == (datetime.now() - timedelta(days=3)).date()
    assert ctx.store.get(ids["lunch"]).recall_count == 1
