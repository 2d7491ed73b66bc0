"""Memory browser and detail: edit, invalidate, real purge, vault reveal and clipboard hygiene."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QGuiApplication

from reverie.core.retrieval.hybrid import SearchQuery, search
from reverie.core.types import MemoryType, SemanticMemory, VaultEntry
from reverie.ui.memory_browser import MemoryBrowser
from reverie.ui.memory_detail import MemoryDetail
from reverie.ui.memory_list_model import MemoryRole
from reverie.ui.vault_reveal import MASK

pytestmark = pytest.mark.gui


def test_delete_really_purges(qtbot, ctx, settle, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    mem = SemanticMemory(name="Project Nightjar", summary="Codename for the quarterly offsite in Lisbon")
    ctx.store.add(mem)
    assert search(ctx.store, SearchQuery(text="Nightjar offsite Lisbon"))[0].memory.id == mem.id
    browser = MemoryBrowser(ctx)
    qtbot.addWidget(browser)
    browser.show()
    browser.tabs.setCurrentIndex(list(MemoryType).index(MemoryType.SEMANTIC))
    settle()
    model = browser.models[MemoryType.SEMANTIC]
    assert model.rowCount() == 1
    browser.list.setCurrentIndex(model.index(0))
    assert browser.detail.memory is not None and browser.detail.memory.id == mem.id
    asked: list[str] = []
    monkeypatch.setattr(MemoryDetail, "confirm_delete", lambda self, m: asked.append(m.id) or True)
    browser.detail.delete()
    settle()
    assert asked == [mem.id]
    assert ctx.store.get(mem.id) is None
    assert all(h.memory.id != mem.id for h in search(ctx.store, SearchQuery(text="Nightjar offsite Lisbon")))
    assert model.rowCount() == 0 and browser.left.currentWidget() is browser.empty


def test_cancelled_delete_keeps_the_memory(qtbot, ctx, settle, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    mem = SemanticMemory(name="Keep me")
    ctx.store.add(mem)
    detail = MemoryDetail(ctx)
    qtbot.addWidget(detail)
    detail.show_memory(mem)
    monkeypatch.setattr(MemoryDetail, "confirm_delete", lambda self, m: False)
    detail.delete()
    settle()
    assert ctx.store.get(mem.id) is not None


def test_edit_and_invalidate(qtbot, ctx, settle) -> None:  # type: ignore[no-untyped-def]
    mem = SemanticMemory(name="Office wifi", summary="Password rotates monthly", details="ask IT")
    ctx.store.add(mem)
    detail = MemoryDetail(ctx)
    qtbot.addWidget(detail)
    detail.show_memory(mem)
    detail._editors["summary"].setPlainText("Password rotates weekly")  # type: ignore[union-attr]
    detail.save()
    settle()
    saved = ctx.store.get(mem.id)
    assert saved is not None and saved.summary == "Password rotates weekly"  # type: ignore[attr-defined]
    detail.invalidate()
    settle()
    assert ctx.store.get(mem.id).invalid_at is not None  # type: ignore[union-attr]
    assert not detail.invalidate_btn.isEnabled()


def test_vault_secret_hidden_until_reveal_then_auto_hides(qtbot, ctx, settle) -> None:  # type: ignore[no-untyped-def]
    ctx.vault_hide_ms, ctx.clipboard_clear_ms = 300, 400
    entry = VaultEntry(caption="Staging database", secret_value="s3cr3t-Pa55")
    ctx.store.add(entry)
    browser = MemoryBrowser(ctx)
    qtbot.addWidget(browser)
    browser.show()
    browser.tabs.setCurrentIndex(list(MemoryType).index(MemoryType.VAULT))
    settle()
    browser.list.setCurrentIndex(browser.models[MemoryType.VAULT].index(0))
    shown = browser.list.currentIndex().data(MemoryRole)
    assert shown.secret_value == ""  # list rows never carry the secret
    vault = browser.detail.vault
    assert vault.isVisibleTo(browser) and vault.value.text() == MASK
    with qtbot.waitSignal(vault.revealed, timeout=5000):
        vault.reveal_btn.click()
    assert vault.value.text() == "s3cr3t-Pa55"
    with qtbot.waitSignal(vault.hidden, timeout=3000):
        pass
    assert vault.value.text() == MASK

    clipboard = QGuiApplication.clipboard()
    with qtbot.waitSignal(vault.clipboard_cleared, timeout=5000):
        vault.copy_btn.click()
        qtbot.waitUntil(lambda: clipboard.text() == "s3cr3t-Pa55", timeout=3000)
    assert clipboard.text() == ""
    # Something else copied meanwhile is left alone.
    vault.copy_btn.click()
    qtbot.waitUntil(lambda: clipboard.text() == "s3cr3t-Pa55", timeout=3000)
    clipboard.setText("my own note")
    qtbot.wait(700)
    assert clipboard.text() == "my own note"
