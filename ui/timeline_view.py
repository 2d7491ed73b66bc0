"""Timeline page: a day of captured moments with hour markers; scrub, step between days, jump to a date."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from PySide6.QtCore import QDate, QModelIndex, QSize, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDateEdit,
    QHBoxLayout,
    QListView,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from reverie.ui.context import UiContext
from reverie.ui.day_scrubber import DayScrubber
from reverie.ui.empty_state import EmptyState
from reverie.ui.frame_preview import FramePreview
from reverie.ui.qt_util import timer
from reverie.ui.theme import GAP, PAD, label
from reverie.ui.thumbnails import ThumbnailCache
from reverie.ui.timeline_delegate import CELL, THUMB, TimelineDelegate
from reverie.ui.timeline_model import ItemRole, TimelineModel
from reverie.ui.timeline_source import (
    FrameDetail,
    TimelineItem,
    adjacent_day,
    day_bounds,
    frame_detail,
    latest_day,
    load_day,
    local_day,
)


class TimelineView(QWidget):
    open_memory = Signal(str)
    status = Signal(str)

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self._gen = 0
        self._nothing_yet = False
        self._preview_thumb: str | None = None
        self.thumbs = ThumbnailCache(ctx.runner, ctx.store.blobs.get, THUMB)
        self.previews = ThumbnailCache(ctx.runner, ctx.store.blobs.get, QSize(1600, 1000), capacity=8,
                                       backlog=1, in_flight=1)
        self.previews.ready.connect(self._preview_ready)
        self.model = TimelineModel(self.thumbs)

        self.prev_btn, self.next_btn, self.today_btn = QPushButton("‹ Earlier"), QPushButton("Later ›"), \
            QPushButton("Today")
        self.date_edit = QDateEdit()
        self.date_edit.setCalendarPopup(True)
        self.date_edit.setDisplayFormat("dddd d MMMM yyyy")
        self.date_edit.setMinimumWidth(210)
        self.summary = label("", "muted")
        self.summary.setWordWrap(False)
        top = QHBoxLayout()
        top.setSpacing(GAP)
        for w in (self.prev_btn, self.date_edit, self.next_btn, self.today_btn):
            top.addWidget(w)
        top.addStretch(1)
        top.addWidget(self.summary)

        self.preview = FramePreview()
        self.preview.open_memory.connect(self.open_memory)
        self.scrubber = DayScrubber()
        self.strip = QListView()
        self.strip.setModel(self.model)
        self.strip.setItemDelegate(TimelineDelegate(self.strip))
        self.strip.setFlow(QListView.Flow.LeftToRight)
        self.strip.setWrapping(False)
        self.strip.setUniformItemSizes(True)  # O(1) layout per row: 100k rows scroll like 100
        # Lay rows out in batches between events: exposing 50k rows at once (a jump to late
        # afternoon) then costs ~35 ms of GUI time instead of ~350 ms in one go.
        self.strip.setLayoutMode(QListView.LayoutMode.Batched)
        self.strip.setBatchSize(2000)
        self.strip.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.strip.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.strip.setFixedHeight(CELL.height() + 22)
        self.strip.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.strip.selectionModel().currentChanged.connect(self._current_changed)

        content = QWidget()
        col = QVBoxLayout(content)
        col.setContentsMargins(0, 0, 0, 0)
        col.setSpacing(GAP)
        col.addWidget(self.preview, 1)
        col.addWidget(self.scrubber)
        col.addWidget(self.strip)
        self.empty = EmptyState("Nothing on your timeline yet — Reverie will fill it as you work",
                                "Captured moments appear here, hour by hour.", icon="timeline")
        self.stack = QStackedWidget()
        self.stack.addWidget(content)
        self.stack.addWidget(self.empty)

        lay = QVBoxLayout(self)
        lay.setContentsMargins(PAD, PAD, PAD, PAD)
        lay.setSpacing(PAD - GAP // 2)
        lay.addLayout(top)
        lay.addWidget(self.stack, 1)

        self.prev_btn.clicked.connect(lambda: self.step_day(-1))
        self.next_btn.clicked.connect(lambda: self.step_day(1))
        self.today_btn.clicked.connect(lambda: self.show_day(date.today()))
        self.date_edit.dateChanged.connect(lambda d: self.show_day(date(d.year(), d.month(), d.day())))
        self.scrubber.scrubbed.connect(self.select_time)
        QShortcut(QKeySequence("Alt+Left"), self, lambda: self.step_day(-1))
        QShortcut(QKeySequence("Alt+Right"), self, lambda: self.step_day(1))
        self._live = timer(self, 1500, self.reload)
        self._rescroll = timer(self, 16, self._settle_scroll)
        self._scroll_tries = 0
        ctx.bridge.changed.connect(self._store_changed)

    # ---- navigation ------------------------------------------------------------------------
    def start(self) -> None:
        """Open on the most recent day with anything on it (today is often still empty)."""
        store = self.ctx.store
        self.ctx.runner.op(lambda _: latest_day(store), self, label="latest_day") \
            .success(self._start_on).run_in_background()

    def _start_on(self, day: date | None) -> None:
        self._nothing_yet = day is None
        self.show_day(day or date.today(), then=lambda: self.select_row(self.model.total - 1))

    def show_day(self, day: date, then: Callable[[], None] | None = None) -> None:
        self._gen += 1
        gen, store = self._gen, self.ctx.store
        self.date_edit.blockSignals(True)
        self.date_edit.setDate(QDate(day.year, day.month, day.day))
        self.date_edit.blockSignals(False)
        self.ctx.runner.op(lambda _: load_day(store, day), self, label="load_day") \
            .success(lambda items: self._loaded(gen, day, items, then)).run_in_background()

    def reload(self) -> None:
        if self.model.day is None:
            return
        current = self.strip.currentIndex().data(ItemRole)
        at_end = self.strip.currentIndex().row() >= self.model.total - 1
        keep = (lambda: self.select_row(self.model.total - 1)) if at_end or current is None else \
            (lambda: self.select_row(self.model.row_of(current.id)))
        self.show_day(self.model.day, then=keep)

    def step_day(self, step: int) -> None:
        day, store = self.model.day or date.today(), self.ctx.store
        self.ctx.runner.op(lambda _: adjacent_day(store, day, step), self, label="adjacent_day") \
            .success(lambda d: self.show_day(d) if d else self.status.emit(
                "Nothing captured before this day." if step < 0 else "Nothing captured after this day.")) \
            .run_in_background()

    def show_moment(self, ts: float) -> None:
        """Jump to the frame or event nearest to `ts`, loading its day first when needed."""
        day = local_day(ts)
        if self.model.day == day:
            self.select_time(ts)
        else:
            self.show_day(day, then=lambda: self.select_time(ts))

    def select_time(self, ts: float) -> None:
        self.select_row(self.model.row_at(ts))

    def select_row(self, row: int) -> None:
        if row < 0:
            return
        self.model.expose(row + 1)
        idx = self.model.index(row)
        self.strip.setCurrentIndex(idx)
        self.strip.scrollTo(idx, QAbstractItemView.ScrollHint.PositionAtCenter)
        self._scroll_tries = 0
        self._rescroll.start()  # batched layout may not have reached this row yet

    def _settle_scroll(self) -> None:
        """Re-centre the current row once the batched layout has placed it (a few event-loop turns)."""
        idx = self.strip.currentIndex()
        self._scroll_tries += 1
        if not idx.isValid() or self._scroll_tries > 60:
            return
        if self.strip.viewport().rect().intersects(self.strip.visualRect(idx)):
            return
        self.strip.scrollTo(idx, QAbstractItemView.ScrollHint.PositionAtCenter)
        self._rescroll.start()

    # ---- results ---------------------------------------------------------------------------
    def _loaded(self, gen: int, day: date, items: list[TimelineItem], then: Callable[[], None] | None) -> None:
        if gen != self._gen:
            return  # a newer day was asked for meanwhile
        self.preview.clear()
        self.model.set_day(day, items)
        start, end = day_bounds(day)
        frames = [i.at for i in items if i.kind == "frame"]
        self.scrubber.set_day(start, end, frames, [i.at for i in items if i.kind == "event"])
        apps = len({i.app for i in items if i.app})
        self.summary.setText(f"{len(frames):,} moments · {len(items) - len(frames):,} events · {apps} apps"
                             if items else "")
        if items:
            self._nothing_yet = False
        elif self._nothing_yet:
            # Only frames and episodic events make a timeline: facts added by hand live on the Memories page.
            self.empty.set_text("Nothing on your timeline yet — Reverie will fill it as you work",
                                "Captured moments and events appear here, hour by hour; other memories are on the "
                                "Memories page. Pause or forget any time from the tray.")
        else:
            when = "today" if day == date.today() else day.strftime("%A %d %B")
            self.empty.set_text(f"Nothing captured {'on ' if when != 'today' else ''}{when}",
                                "Use ‹ Earlier to step back to a day with memories, or pick a date above.")
        self.stack.setCurrentIndex(0 if items else 1)
        if then is not None:
            then()

    def _current_changed(self, current: QModelIndex, _prev: QModelIndex) -> None:
        item: TimelineItem | None = current.data(ItemRole)
        if item is None:
            return
        self.scrubber.set_cursor(item.at)
        if item.kind == "event":
            self._preview_thumb = None
            self.preview.show_event(item)
            return
        self._preview_thumb = item.thumb
        self.preview.set_pixmap(self.previews.get(item.thumb) if item.thumb else None,
                                "Decrypting…" if item.thumb else "No image kept for this moment")
        store = self.ctx.store
        self.ctx.runner.op(lambda _: frame_detail(store, item.id), self, label="frame_detail") \
            .success(lambda d: self._detail(item, d)).run_in_background()

    def _detail(self, item: TimelineItem, detail: FrameDetail | None) -> None:
        current = self.strip.currentIndex().data(ItemRole)
        if detail is not None and current is not None and current.id == item.id:  # still the selected one
            self.preview.show_frame(detail)

    def _preview_ready(self, blob_id: str) -> None:
        if blob_id == self._preview_thumb:
            self.preview.set_pixmap(self.previews.get(blob_id))

    def _store_changed(self, kind: str, ids: tuple[str, ...]) -> None:
        if kind in ("frames_deleted", "memory_deleted"):
            self.model.remove_ids(set(ids))
        elif kind in ("frame_added", "memory_added") and self.model.day == datetime.now().date():
            self._live.start()  # coalesce a burst of captures into one reload
