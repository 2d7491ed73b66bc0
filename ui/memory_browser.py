"""The six memory types as tabs, each a paged list beside the selected memory's detail."""

from __future__ import annotations

from PySide6.QtCore import QItemSelection, Qt, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QAbstractItemView, QListView, QSplitter, QStackedWidget, QTabBar, QVBoxLayout, QWidget

from reverie.core.types import Memory, MemoryType
from reverie.ui.context import UiContext
from reverie.ui.empty_state import EmptyState
from reverie.ui.memory_detail import MemoryDetail
from reverie.ui.memory_list_model import MemoryListModel, MemoryRole
from reverie.ui.memory_text import TYPE_HINTS, TYPE_LABELS
from reverie.ui.qt_util import timer
from reverie.ui.theme import GAP, PAD

TYPES = list(MemoryType)


class MemoryBrowser(QWidget):
    show_on_timeline = Signal(object)  # Memory

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.tabs = QTabBar()
        self.tabs.setExpanding(False)
        for t in TYPES:
            self.tabs.addTab(TYPE_LABELS[t])
        self.models = {t: MemoryListModel(ctx.runner, ctx.store, t, self) for t in TYPES}
        self.list = QListView()
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list.setUniformItemSizes(True)
        self.list.setSpacing(2)
        self.list.setWordWrap(False)
        self.list.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.empty = EmptyState("", "", icon="memories")
        self.left = QStackedWidget()
        self.left.addWidget(self.list)
        self.left.addWidget(self.empty)
        self.detail = MemoryDetail(ctx)
        split = QSplitter()
        split.addWidget(self.left)
        split.addWidget(self.detail)
        split.setStretchFactor(0, 2)
        split.setStretchFactor(1, 3)
        split.setSizes([380, 560])
        lay = QVBoxLayout(self)
        lay.setContentsMargins(PAD, PAD, PAD, PAD)
        lay.setSpacing(GAP)
        lay.addWidget(self.tabs)
        lay.addWidget(split, 1)

        self._pending_select: str | None = None
        self._dirty: set[MemoryType] = set(TYPES)
        self._refresh = timer(self, 400, self._reload_current)
        self.tabs.currentChanged.connect(self._tab_changed)
        self.detail.show_on_timeline.connect(self.show_on_timeline)
        self.detail.deleted.connect(self._forgotten)
        ctx.bridge.memories_changed.connect(self._store_changed)
        for model in self.models.values():
            model.loaded.connect(self._model_loaded)
        self._tab_changed(0)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.refresh_counts()

    def refresh_counts(self) -> None:
        store = self.ctx.store
        # Per-type counts, not stats(): that also walks every blob file, which is slow at 100k frames.
        self.ctx.runner.op(lambda _: {t.value: store.count(t) for t in TYPES}, self, label="counts") \
            .success(self._counts).run_in_background()

    def _counts(self, by_type: dict[str, int]) -> None:
        for i, t in enumerate(TYPES):
            n = by_type.get(t.value, 0)
            self.tabs.setTabText(i, f"{TYPE_LABELS[t]}  {n:,}" if n else TYPE_LABELS[t])

    @property
    def current_type(self) -> MemoryType:
        return TYPES[self.tabs.currentIndex()]

    def _tab_changed(self, index: int) -> None:
        mtype = TYPES[index]
        model = self.models[mtype]
        self.list.setModel(model)
        self.list.selectionModel().selectionChanged.connect(self._selected)
        self.detail.show_memory(None)
        if mtype in self._dirty:
            self._dirty.discard(mtype)
            model.reload()
        else:
            self._model_loaded()

    def _model_loaded(self) -> None:
        model = self.models[self.current_type]
        if model.rowCount() == 0 and not model.is_loading:
            name = TYPE_LABELS[self.current_type].lower()
            self.empty.set_text(f"No {name} memories yet — Reverie will fill this as you work",
                                TYPE_HINTS[self.current_type])
            self.left.setCurrentWidget(self.empty)
        else:
            self.left.setCurrentWidget(self.list)
        if self._pending_select is not None:
            row = model.row_of(self._pending_select)
            if row >= 0:
                self._pending_select = None
                self.list.setCurrentIndex(model.index(row))

    def _selected(self, selected: QItemSelection, _deselected: QItemSelection) -> None:
        indexes = selected.indexes()
        self.detail.show_memory(indexes[0].data(MemoryRole) if indexes else None)

    def open_memory(self, mem: Memory) -> None:
        """Show `mem` in its tab; it is selected in the list once that page is loaded."""
        self._pending_select = mem.id
        self.tabs.setCurrentIndex(TYPES.index(mem.type))
        self._model_loaded()
        self.detail.show_memory(mem)

    def _forgotten(self, mem_id: str) -> None:
        for model in self.models.values():
            model.remove(mem_id)
        self._model_loaded()

    def _store_changed(self, kind: str, ids: tuple[str, ...]) -> None:
        if kind == "memory_deleted":
            for mem_id in ids:
                self._forgotten(mem_id)
        elif kind == "memory_updated":
            store = self.ctx.store
            self.ctx.runner.op(lambda _: store.get_many(list(ids)), self, label="get_many") \
                .success(self._updated).run_in_background()
        elif kind == "memory_added":
            self._dirty.update(TYPES)
            self._refresh.start()  # a burst of new memories becomes one reload
        if kind != "memory_updated" and self.isVisible():
            self.refresh_counts()

    def _updated(self, mems: dict[str, Memory]) -> None:
        for mem in mems.values():
            self.models[mem.type].replace(mem)
            if self.detail.memory is not None and self.detail.memory.id == mem.id:
                self.detail.show_memory(mem)

    def _reload_current(self) -> None:
        self._dirty.discard(self.current_type)
        self.models[self.current_type].reload()
