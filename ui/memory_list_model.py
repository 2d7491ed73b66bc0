"""Memories of one type, newest first, paged in from the store as the list scrolls.

fetchMore only *starts* a page load on the op runner; rows are inserted when it arrives, so the
GUI thread never waits on SQLCipher however long the list gets.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QObject, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QFont, QPalette
from PySide6.QtWidgets import QApplication

from reverie.core.store.store import MemoryStore
from reverie.core.types import Memory, MemoryType
from reverie.ui.memory_text import meta, title
from reverie.ui.op_runner import OpRunner

MemoryRole = Qt.ItemDataRole.UserRole + 1
PAGE = 200
Index = QModelIndex | QPersistentModelIndex


class MemoryListModel(QAbstractListModel):
    loaded = Signal()

    def __init__(self, runner: OpRunner, store: MemoryStore, mtype: MemoryType, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._runner, self._store, self.mtype = runner, store, mtype
        self._rows: list[Memory] = []
        self._done = False
        self._loading = False
        self._gen = 0

    def reload(self) -> None:
        self._gen += 1
        self.beginResetModel()
        self._rows, self._done, self._loading = [], False, False
        self.endResetModel()
        self.fetchMore()

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008 - Qt's signature
        return not parent.isValid() and not self._done and not self._loading

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008
        if self._loading or self._done:
            return
        self._loading = True
        gen, offset, store, mtype = self._gen, len(self._rows), self._store, self.mtype
        self._runner.op(lambda _: store.list_memories(mtype, limit=PAGE, offset=offset), self, label="list_memories") \
            .success(lambda page: self._page(gen, page)).run_in_background()

    def _page(self, gen: int, page: list[Memory]) -> None:
        if gen != self._gen:
            return
        self._loading = False
        self._done = len(page) < PAGE
        if page:
            self.beginInsertRows(QModelIndex(), len(self._rows), len(self._rows) + len(page) - 1)
            self._rows.extend(page)
            self.endInsertRows()
        self.loaded.emit()

    @property
    def is_loading(self) -> bool:
        return self._loading

    def row_of(self, mem_id: str) -> int:
        return next((i for i, m in enumerate(self._rows) if m.id == mem_id), -1)

    def replace(self, mem: Memory) -> None:
        row = self.row_of(mem.id)
        if row >= 0:
            self._rows[row] = mem
            self.dataChanged.emit(self.index(row), self.index(row))

    def remove(self, mem_id: str) -> None:
        row = self.row_of(mem_id)
        if row >= 0:
            self.beginRemoveRows(QModelIndex(), row, row)
            del self._rows[row]
            self.endRemoveRows()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        mem = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return f"{title(mem)}\n{meta(mem)}"
        if role == MemoryRole:
            return mem
        if role == Qt.ItemDataRole.FontRole and mem.invalid_at is not None:
            font = QFont()
            font.setItalic(True)  # superseded: still history, visibly not current truth
            return font
        if role == Qt.ItemDataRole.ForegroundRole and mem.invalid_at is not None:
            return QApplication.palette().brush(QPalette.ColorRole.PlaceholderText)
        return None
