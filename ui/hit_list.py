"""A list of search hits (search page and quick-recall popup); Enter or double-click opens one."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QKeyEvent
from PySide6.QtWidgets import QListWidget, QListWidgetItem, QWidget

from reverie.core.retrieval.hybrid import SearchHit
from reverie.core.types import Memory
from reverie.ui.memory_text import meta, title
from reverie.ui.theme import TYPE_COLORS

MemoryRole = Qt.ItemDataRole.UserRole + 1


class HitList(QListWidget):
    open_memory = Signal(object)  # Memory

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setUniformItemSizes(True)
        self.setSpacing(2)
        self.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.itemActivated.connect(self._activated)

    def set_hits(self, hits: Sequence[SearchHit]) -> None:
        self.clear()
        for hit in hits:
            mem = hit.memory
            item = QListWidgetItem(f"{title(mem)}\n{meta(mem)}")
            item.setData(MemoryRole, mem)
            item.setToolTip((hit.context or mem.search_text())[:600])
            item.setData(Qt.ItemDataRole.DecorationRole, QColor(TYPE_COLORS[mem.type.value]))
            self.addItem(item)
        if hits:
            self.setCurrentRow(0)

    def memories(self) -> list[Memory]:
        return [self.item(i).data(MemoryRole) for i in range(self.count())]

    def current_memory(self) -> Memory | None:
        item = self.currentItem()
        mem: Memory | None = None if item is None else item.data(MemoryRole)
        return mem

    def _activated(self, item: QListWidgetItem) -> None:
        self.open_memory.emit(item.data(MemoryRole))

    def keyPressEvent(self, event: QKeyEvent) -> None:
        # itemActivated is platform-dependent for Enter; make it explicit.
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.currentItem() is not None:
            self._activated(self.currentItem())
            return
        super().keyPressEvent(event)
