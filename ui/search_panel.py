"""Search page: one box over every memory (hybrid search), with type, app and date filters."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from PySide6.QtCore import QDate, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QLineEdit,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from reverie.core.retrieval.hybrid import SearchHit, SearchQuery, search
from reverie.core.types import MemoryType
from reverie.ui.context import UiContext
from reverie.ui.empty_state import EmptyState
from reverie.ui.hit_list import HitList
from reverie.ui.memory_text import TYPE_LABELS
from reverie.ui.qt_util import timer
from reverie.ui.theme import GAP, PAD, label
from reverie.ui.timeline_source import known_apps

ALL_APPS = "All apps"


class SearchPanel(QWidget):
    open_memory = Signal(object)  # Memory

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self._gen = 0
        self.box = QLineEdit(placeholderText="Search everything you have seen, read and said…", clearButtonEnabled=True)
        self.box.setMinimumHeight(38)
        self.type_filter = QComboBox()
        self.type_filter.addItem("All types", None)
        for t in MemoryType:
            self.type_filter.addItem(TYPE_LABELS[t], t)
        self.app_filter = QComboBox(editable=True)
        self.app_filter.addItem(ALL_APPS)
        self.app_filter.setMinimumWidth(160)
        self.use_from, self.use_to = QCheckBox("From"), QCheckBox("To")
        today = QDate.currentDate()
        self.date_from, self.date_to = QDateEdit(today.addDays(-7)), QDateEdit(today)
        for edit in (self.date_from, self.date_to):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("d MMM yyyy")
            edit.setEnabled(False)
        self.use_from.toggled.connect(self.date_from.setEnabled)
        self.use_to.toggled.connect(self.date_to.setEnabled)
        filters = QHBoxLayout()
        filters.setSpacing(GAP)
        for w in (self.type_filter, self.app_filter, self.use_from, self.date_from, self.use_to, self.date_to):
            filters.addWidget(w)
        filters.addStretch(1)
        self.count = label("", "muted")
        filters.addWidget(self.count)

        self.results = HitList()
        self.results.open_memory.connect(self.open_memory)
        self.empty = EmptyState("Search your memories",
                                "Try a person, a project, an error message, or “yesterday afternoon”.", icon="search")
        self.stack = QStackedWidget()
        self.stack.addWidget(self.empty)
        self.stack.addWidget(self.results)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(PAD, PAD, PAD, PAD)
        lay.setSpacing(GAP + 4)
        lay.addWidget(self.box)
        lay.addLayout(filters)
        lay.addWidget(self.stack, 1)

        self._debounce = timer(self, 250, self.run_search)
        self.box.textChanged.connect(lambda _t: self._debounce.start())
        self.box.returnPressed.connect(self.run_search)
        for sig in (self.type_filter.currentIndexChanged, self.app_filter.currentTextChanged, self.use_from.toggled,
                    self.use_to.toggled, self.date_from.dateChanged, self.date_to.dateChanged):
            sig.connect(lambda *_: self._debounce.start())

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        store = self.ctx.store
        self.ctx.runner.op(lambda _: known_apps(store), self, label="known_apps") \
            .success(self._apps).run_in_background()
        self.box.setFocus()

    def _apps(self, apps: list[str]) -> None:
        current = self.app_filter.currentText()
        self.app_filter.blockSignals(True)
        self.app_filter.clear()
        self.app_filter.addItems([ALL_APPS, *apps])
        self.app_filter.setCurrentText(current)
        self.app_filter.blockSignals(False)

    def query(self) -> SearchQuery:
        data = self.type_filter.currentData()
        mtype = MemoryType(data) if data else None  # Qt hands StrEnum items back as plain str
        app = self.app_filter.currentText().strip()
        return SearchQuery(
            text=self.box.text().strip(), limit=50, types=[mtype] if mtype else None,
            app=None if app in ("", ALL_APPS) else app,
            start=_local(_day(self.date_from)) if self.use_from.isChecked() else None,
            end=_local(_day(self.date_to) + timedelta(days=1)) if self.use_to.isChecked() else None)

    def run_search(self) -> None:
        q = self.query()
        self._gen += 1
        if not q.text:
            self.stack.setCurrentWidget(self.empty)
            self.empty.set_text("Search your memories",
                                "Try a person, a project, an error message, or “yesterday afternoon”.")
            self.count.setText("")
            return
        gen, store = self._gen, self.ctx.store
        self.ctx.runner.op(lambda _: search(store, q), self, label="search") \
            .success(lambda hits: self._show(gen, hits)).run_in_background()

    def _show(self, gen: int, hits: list[SearchHit]) -> None:
        if gen != self._gen:
            return  # typed on meanwhile; a newer search is under way
        self.results.set_hits(hits)
        self.count.setText(f"{len(hits)} result{'s' if len(hits) != 1 else ''}")
        if hits:
            self.stack.setCurrentWidget(self.results)
        else:
            self.empty.set_text("Nothing matches", "Try fewer words, or widen the filters.")
            self.stack.setCurrentWidget(self.empty)


def _day(edit: QDateEdit) -> date:
    d = edit.date()
    return date(d.year(), d.month(), d.day())


def _local(day: date) -> datetime:
    return datetime.combine(day, time.min).astimezone()
