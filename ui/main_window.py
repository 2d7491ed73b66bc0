"""The main window: a quiet sidebar and one page at a time; every page only shows and forwards."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from reverie.core.types import Memory
from reverie.ui.chat_view import ChatView
from reverie.ui.context import UiContext
from reverie.ui.empty_state import EmptyState
from reverie.ui.icons import app_icon, nav_icon
from reverie.ui.memory_browser import MemoryBrowser
from reverie.ui.privacy_panel import PrivacyPanel
from reverie.ui.search_panel import SearchPanel
from reverie.ui.settings_dialog import SettingsDialog
from reverie.ui.theme import GAP, colors, label
from reverie.ui.timeline_source import moment_of
from reverie.ui.timeline_view import TimelineView

PAGES = (("timeline", "Timeline"), ("search", "Search"), ("memories", "Memories"), ("chat", "Chat"),
         ("privacy", "Privacy"))


class MainWindow(QMainWindow):
    lock_requested = Signal()
    unlock_requested = Signal()

    def __init__(self, ctx: UiContext, bundled_models: Callable[[], Sequence[str]] = tuple) -> None:
        super().__init__()
        self.ctx = ctx
        self.bundled_models = bundled_models
        self.setWindowTitle("Reverie")
        self.setWindowIcon(app_icon())
        self.resize(1280, 800)
        self.timeline = TimelineView(ctx)
        self.search = SearchPanel(ctx)
        self.browser = MemoryBrowser(ctx)
        self.chat = ChatView(ctx)
        self.privacy = PrivacyPanel(ctx)
        self.locked = QWidget()
        lock_lay = QVBoxLayout(self.locked)
        lock_lay.addWidget(EmptyState("Reverie is locked", "Your memories are hidden until you unlock.", "privacy"))
        unlock_btn = QPushButton("Unlock…")
        unlock_btn.setProperty("primary", True)
        unlock_btn.clicked.connect(self.unlock_requested)
        lock_lay.addWidget(unlock_btn, 0, Qt.AlignmentFlag.AlignHCenter)
        lock_lay.addStretch(1)

        self.pages = QStackedWidget()
        for w in (self.timeline, self.search, self.browser, self.chat, self.privacy, self.locked):
            self.pages.addWidget(w)
        self.nav = QListWidget()
        self.nav.setObjectName("nav")
        self.nav.setIconSize(QSize(20, 20))
        self.nav.setFixedWidth(196)
        ink = self.palette().text().color()
        for key, text in PAGES:
            self.nav.addItem(QListWidgetItem(nav_icon(key, ink), text))
        self.nav.currentRowChanged.connect(self.pages.setCurrentIndex)
        settings_btn = QPushButton(nav_icon("settings", ink), "  Settings")
        settings_btn.setFlat(True)
        settings_btn.clicked.connect(self.open_settings)
        brand = QHBoxLayout()
        logo = label("")
        logo.setPixmap(app_icon().pixmap(28, 28))
        brand.addWidget(logo)
        brand.addWidget(label("Reverie", "heading"), 1)
        side = QWidget()
        side.setStyleSheet(f"background: {colors().alt};")
        side_lay = QVBoxLayout(side)
        side_lay.setContentsMargins(12, 16, 12, 12)
        side_lay.setSpacing(GAP)
        side_lay.addLayout(brand)
        side_lay.addSpacing(GAP)
        side_lay.addWidget(self.nav, 1)
        side_lay.addWidget(settings_btn, 0, Qt.AlignmentFlag.AlignLeft)
        central = QWidget()
        row = QHBoxLayout(central)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(0)
        row.addWidget(side)
        row.addWidget(self.pages, 1)
        self.setCentralWidget(central)
        self.side = side

        self.search.open_memory.connect(self.open_memory)
        self.browser.show_on_timeline.connect(self.show_on_timeline)
        self.timeline.open_memory.connect(self.open_memory_id)
        self.timeline.status.connect(lambda text: self.statusBar().showMessage(text, 5000))
        self.chat.open_memory_id.connect(self.open_memory_id)
        self.nav.setCurrentRow(0)
        self.timeline.start()

    def go(self, page: str) -> None:
        self.nav.setCurrentRow([key for key, _ in PAGES].index(page))

    def open_memory(self, mem: Memory, jump: bool = True) -> None:
        """Show a memory in the browser, and move the timeline to its moment behind it."""
        self.browser.open_memory(mem)
        self.go("memories")
        store = self.ctx.store
        self.ctx.runner.op(lambda _: store.record_recall([mem.id]), self, label="record_recall").run_in_background()
        if jump:
            self.ctx.runner.op(lambda _: moment_of(store, mem), self, label="moment_of") \
                .success(self._jump).run_in_background()

    def _jump(self, ts: float | None) -> None:
        if ts is not None:
            self.timeline.show_moment(ts)

    def open_memory_id(self, mem_id: str) -> None:
        store = self.ctx.store
        self.ctx.runner.op(lambda _: store.get(mem_id), self, label="get") \
            .success(self._open_found).run_in_background()

    def _open_found(self, mem: Memory | None) -> None:
        if mem is None:
            self.statusBar().showMessage("That memory has been deleted.", 5000)
        else:
            self.open_memory(mem)

    def show_on_timeline(self, mem: Memory) -> None:
        store = self.ctx.store
        self.go("timeline")
        self.ctx.runner.op(lambda _: moment_of(store, mem), self, label="moment_of") \
            .success(self._jump).run_in_background()

    def open_settings(self) -> None:
        dlg = SettingsDialog(self.ctx.settings, self.bundled_models(), self.ctx.tokens, self)
        dlg.accepted.connect(lambda: self._save_settings(dlg))
        dlg.open()

    def _save_settings(self, dlg: SettingsDialog) -> None:
        self.ctx.settings = dlg.result_settings()
        self.ctx.save_settings(self.ctx.settings)
        self.statusBar().showMessage("Settings saved.", 4000)

    def set_locked(self, locked: bool) -> None:
        if locked:
            self.timeline.thumbs.clear()  # decrypted pixmaps leave memory with the lock
            self.timeline.previews.clear()
            self.timeline.preview.clear()
            self.browser.detail.vault.hide_secret()
            self.browser.detail.vault.flush_clipboard()
            self.pages.setCurrentWidget(self.locked)
        else:
            self.pages.setCurrentIndex(max(0, self.nav.currentRow()))
            self.timeline.reload()
        self.side.setEnabled(not locked)

    def closeEvent(self, event: QCloseEvent) -> None:
        # Closing the window keeps Reverie running in the tray; Quit is in the tray menu.
        event.ignore()
        self.hide()
