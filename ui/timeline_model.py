"""One day of frames and episodic events as a list model that stays smooth at 100k rows.

The day's light columns are loaded off the GUI thread in one query; the model then exposes
them to the view in chunks through canFetchMore/fetchMore, so a view never lays out more rows
than the user has scrolled to. Thumbnails are requested only when a row is painted.
"""

from __future__ import annotations

import bisect
from datetime import date, datetime
from typing import Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, Qt, Signal

from reverie.ui.thumbnails import ThumbnailCache
from reverie.ui.timeline_source import TimelineItem

ItemRole = Qt.ItemDataRole.UserRole + 1
ThumbRole = Qt.ItemDataRole.UserRole + 2
HourStartRole = Qt.ItemDataRole.UserRole + 3
CHUNK = 2000
Index = QModelIndex | QPersistentModelIndex


class TimelineModel(QAbstractListModel):
    day_loaded = Signal(object)  # the date

    def __init__(self, thumbs: ThumbnailCache | None = None) -> None:
        super().__init__()
        self._items: list[TimelineItem] = []
        self._times: list[float] = []
        self._rows_by_thumb: dict[str, int] = {}
        self._exposed = 0
        self.day: date | None = None
        self._thumbs = thumbs
        if thumbs is not None:
            thumbs.ready.connect(self._thumb_ready)

    # ---- loading ---------------------------------------------------------------------------
    def set_day(self, day: date, items: list[TimelineItem]) -> None:
        self.beginResetModel()
        self.day = day
        self._items = items
        self._times = [item.at for item in items]
        self._rows_by_thumb = {item.thumb: row for row, item in enumerate(items) if item.thumb}
        self._exposed = min(CHUNK, len(items))
        self.endResetModel()
        self.day_loaded.emit(day)

    @property
    def total(self) -> int:
        return len(self._items)

    def items(self) -> list[TimelineItem]:
        return self._items

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008 - Qt's signature
        return not parent.isValid() and self._exposed < len(self._items)

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008
        self.expose(self._exposed + CHUNK)

    def expose(self, rows: int) -> None:
        """Make at least `rows` rows visible to views (jumping to a late hour needs them)."""
        target = min(rows, len(self._items))
        if target <= self._exposed:
            return
        self.beginInsertRows(QModelIndex(), self._exposed, target - 1)
        self._exposed = target
        self.endInsertRows()

    def row_at(self, ts: float) -> int:
        """Row of the item nearest to `ts` (exposing rows up to it); -1 for an empty day."""
        if not self._items:
            return -1
        i = bisect.bisect_left(self._times, ts)
        if i == len(self._times) or (i > 0 and ts - self._times[i - 1] <= self._times[i] - ts):
            i = max(0, i - 1)
        self.expose(i + 1)
        return i

    def row_of(self, item_id: str) -> int:
        for row, item in enumerate(self._items):
            if item.id == item_id:
                self.expose(row + 1)
                return row
        return -1

    def remove_ids(self, ids: set[str]) -> None:
        """Drop purged frames/events in place, without reloading the day."""
        keep = [item for item in self._items if item.id not in ids]
        if len(keep) != len(self._items) and self.day is not None:
            self.set_day(self.day, keep)

    # ---- Qt model API ----------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self._exposed

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= self._exposed:
            return None
        row = index.row()
        item = self._items[row]
        if role == ItemRole:
            return item
        if role == Qt.ItemDataRole.DisplayRole:
            return item.title or item.app
        if role == Qt.ItemDataRole.ToolTipRole:
            when = datetime.fromtimestamp(item.at).strftime("%H:%M:%S")
            return f"{when} · {item.app}\n{item.title}" if item.app else f"{when}\n{item.title}"
        if role == ThumbRole:
            if item.thumb is None or self._thumbs is None:
                return None
            return self._thumbs.get(item.thumb)
        if role == HourStartRole:
            # Local hours, not UTC ones: zones like +05:30 start their hours off the UTC grid.
            return row == 0 or datetime.fromtimestamp(self._times[row - 1]).hour != datetime.fromtimestamp(item.at).hour
        return None

    def _thumb_ready(self, blob_id: str) -> None:
        row = self._rows_by_thumb.get(blob_id)
        if row is not None and row < self._exposed:
            idx = self.index(row)
            self.dataChanged.emit(idx, idx, [ThumbRole])
