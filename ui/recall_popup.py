"""Quick recall: a small frameless window over everything. Type to search, Enter opens, Esc closes.

Searches are debounced (~120 ms) and run on the op runner; a generation counter drops results
of queries the user has already typed past. "Ask" streams an answer into the popup itself.
"""

from __future__ import annotations

import html

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QGuiApplication, QKeyEvent
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLineEdit, QPushButton, QTextBrowser, QVBoxLayout, QWidget

from reverie.core.retrieval.hybrid import SearchHit, SearchQuery, search
from reverie.ui.answer_op import Citation, stream_answer
from reverie.ui.chat_view import citation_links
from reverie.ui.context import UiContext
from reverie.ui.hit_list import HitList
from reverie.ui.qt_util import timer
from reverie.ui.theme import GAP, label

DEBOUNCE_MS = 120


class RecallPopup(QWidget):
    open_memory = Signal(object)  # Memory
    open_memory_id = Signal(str)
    results_shown = Signal(int)  # number of hits, for tests and benchmarks
    answer_done = Signal()

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        flags = Qt.WindowType.Tool | Qt.WindowType.FramelessWindowHint | Qt.WindowType.WindowStaysOnTopHint
        super().__init__(parent, flags)
        self.setAttribute(Qt.WidgetAttribute.WA_TranslucentBackground)
        self.ctx = ctx
        self._gen = 0
        self.answer_text = ""
        self.box = QLineEdit(placeholderText="Recall anything…")
        self.box.setMinimumHeight(40)
        font = self.box.font()
        font.setPointSizeF(font.pointSizeF() * 1.25)
        self.box.setFont(font)
        self.ask_btn = QPushButton("Ask")
        self.ask_btn.setToolTip("Answer from your memories (Ctrl+Enter)")
        self.ask_btn.setEnabled(ctx.answer_stream is not None)
        self.results = HitList()
        self.results.setMinimumHeight(240)
        self.results.open_memory.connect(self._open)
        self.answer = QTextBrowser(openLinks=False)
        self.answer.setVisible(False)
        self.answer.setMaximumHeight(200)
        self.answer.anchorClicked.connect(lambda url: self._open_id(url.path()))
        self.hint = label("↑↓ to choose · Enter to open · Ctrl+Enter to ask · Esc to close", "muted")
        card = QFrame()
        card.setObjectName("popup")
        top = QHBoxLayout()
        top.setSpacing(GAP)
        top.addWidget(self.box, 1)
        top.addWidget(self.ask_btn)
        col = QVBoxLayout(card)
        col.setContentsMargins(14, 14, 14, 10)
        col.setSpacing(GAP)
        col.addLayout(top)
        col.addWidget(self.answer)
        col.addWidget(self.results, 1)
        col.addWidget(self.hint)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(card)
        self.resize(640, 420)
        self._debounce = timer(self, DEBOUNCE_MS, self.search_now)
        self.box.textChanged.connect(lambda _t: self._debounce.start())
        self.box.installEventFilter(self)
        self.ask_btn.clicked.connect(self.ask)

    def popup(self) -> None:
        """Show centred in the upper third of the screen under the cursor, ready to type."""
        screen = QGuiApplication.screenAt(self.cursor().pos()) or QGuiApplication.primaryScreen()
        geo = screen.availableGeometry()
        self.move(geo.x() + (geo.width() - self.width()) // 2, geo.y() + geo.height() // 5)
        self.show()
        self.raise_()
        self.activateWindow()
        self.box.setFocus()
        self.box.selectAll()

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if obj is self.box and event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            key = event.key()
            if key in (Qt.Key.Key_Down, Qt.Key.Key_Up):
                row = self.results.currentRow() + (1 if key == Qt.Key.Key_Down else -1)
                self.results.setCurrentRow(max(0, min(self.results.count() - 1, row)))
                return True
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
                    self.ask()
                else:
                    self.open_selected()
                return True
        return super().eventFilter(obj, event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape:
            self.hide()
            return
        super().keyPressEvent(event)

    def search_now(self) -> None:
        text = self.box.text().strip()
        self._gen += 1
        if not text:
            self.results.clear()
            return
        gen, store = self._gen, self.ctx.store
        self.ctx.runner.op(lambda _: search(store, SearchQuery(text=text, limit=8)), self, label="recall") \
            .success(lambda hits: self._show(gen, hits)).run_in_background()

    def _show(self, gen: int, hits: list[SearchHit]) -> None:
        if gen != self._gen:
            return
        self.results.set_hits(hits)
        self.results_shown.emit(len(hits))

    def open_selected(self) -> None:
        mem = self.results.current_memory()
        if mem is not None:
            self._open(mem)

    def _open(self, mem: object) -> None:
        self.hide()
        self.open_memory.emit(mem)

    def _open_id(self, mem_id: str) -> None:
        self.hide()
        self.open_memory_id.emit(mem_id)

    def ask(self) -> None:
        question = self.box.text().strip()
        if not question or self.ctx.answer_stream is None:
            return
        self.answer_text = ""
        self.answer.setVisible(True)
        self.answer.setHtml("<i>Thinking…</i>")
        stream_answer(self.ctx, self, question, self._piece, self._answered,
                      lambda exc: self.answer.setHtml(f"Could not answer: {html.escape(str(exc))}"))

    def _piece(self, piece: str) -> None:
        self.answer_text += piece
        self.answer.setHtml(html.escape(self.answer_text).replace("\n", "<br>"))

    def _answered(self, citations: list[Citation]) -> None:
        links = f"<p>{citation_links(citations)}</p>" if citations else ""
        self.answer.setHtml(html.escape(self.answer_text).replace("\n", "<br>") + links)
        self.answer_done.emit()
