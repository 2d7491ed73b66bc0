"""Chat page: ask your memories; the answer streams in, and its sources are links to the memories."""

from __future__ import annotations

import html
from dataclasses import dataclass, field

from PySide6.QtCore import QUrl, Signal
from PySide6.QtWidgets import QHBoxLayout, QLineEdit, QPushButton, QStackedWidget, QTextBrowser, QVBoxLayout, QWidget

from reverie.ui.answer_op import Citation, stream_answer
from reverie.ui.context import UiContext
from reverie.ui.empty_state import EmptyState
from reverie.ui.op_runner import Op
from reverie.ui.qt_util import timer
from reverie.ui.theme import GAP, PAD, colors


@dataclass
class Turn:
    question: str
    answer: str = ""
    citations: list[Citation] = field(default_factory=list)
    error: str = ""
    done: bool = False


def citation_links(citations: list[Citation]) -> str:
    links = [f'<a href="memory:{html.escape(mid)}">[{n}] {html.escape(text)}</a>'
             for n, (mid, text) in enumerate(citations, start=1)]
    return "<br>".join(links)


class ChatView(QWidget):
    open_memory_id = Signal(str)
    answered = Signal()

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.turns: list[Turn] = []
        self._op: Op[list[Citation]] | None = None
        self.transcript = QTextBrowser(openLinks=False)
        self.transcript.anchorClicked.connect(self._link)
        self.empty = EmptyState("Ask about anything you have seen or done",
                                "“What did Maria say about the launch date?” · “How did I fix the VPN last week?”",
                                icon="chat")
        if ctx.answer_stream is None:
            self.empty.set_text("Chat is not available yet",
                                ctx.chat_note or "Choose a language model in Settings → Models, then come back.")
        self.stack = QStackedWidget()
        self.stack.addWidget(self.empty)
        self.stack.addWidget(self.transcript)
        self.box = QLineEdit(placeholderText="Ask your memories…", clearButtonEnabled=True)
        self.box.setMinimumHeight(38)
        self.send_btn = QPushButton("Ask")
        self.send_btn.setProperty("primary", True)
        self.stop_btn = QPushButton("Stop")
        self.stop_btn.setVisible(False)
        row = QHBoxLayout()
        row.setSpacing(GAP)
        row.addWidget(self.box, 1)
        row.addWidget(self.stop_btn)
        row.addWidget(self.send_btn)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(PAD, PAD, PAD, PAD)
        lay.setSpacing(GAP + 4)
        lay.addWidget(self.stack, 1)
        lay.addLayout(row)
        for w in (self.box, self.send_btn):
            w.setEnabled(ctx.answer_stream is not None)
        self.box.returnPressed.connect(self.ask)
        self.send_btn.clicked.connect(self.ask)
        self.stop_btn.clicked.connect(self.stop)
        # Re-render at most every 40 ms however fast tokens arrive.
        self._render_timer = timer(self, 40, self._render)

    @property
    def busy(self) -> bool:
        return self._op is not None

    def ask(self, question: str | None = None) -> None:
        text = (question or self.box.text()).strip()
        if not text or self.busy or self.ctx.answer_stream is None:
            return
        self.box.clear()
        turn = Turn(text)
        self.turns.append(turn)
        self.stack.setCurrentWidget(self.transcript)
        self._set_busy(True)
        self._op = stream_answer(self.ctx, self, text, lambda piece: self._piece(turn, piece),
                                 lambda cites: self._done(turn, cites), lambda exc: self._failed(turn, exc))
        self._render()

    def stop(self) -> None:
        if self._op is not None:
            self._op.cancel()
            self.turns[-1].done = True
            self.turns[-1].answer += " …(stopped)"
            self._set_busy(False)
            self._render()

    def _piece(self, turn: Turn, piece: str) -> None:
        turn.answer += piece
        if not self._render_timer.isActive():
            self._render_timer.start()

    def _done(self, turn: Turn, citations: list[Citation]) -> None:
        turn.citations, turn.done = citations, True
        self._set_busy(False)
        self._render()
        self.answered.emit()

    def _failed(self, turn: Turn, exc: BaseException) -> None:
        turn.error, turn.done = str(exc) or type(exc).__name__, True
        self._set_busy(False)
        self._render()

    def _set_busy(self, busy: bool) -> None:
        if not busy:
            self._op = None
        self.send_btn.setVisible(not busy)
        self.stop_btn.setVisible(busy)

    def _render(self) -> None:
        c = colors()
        parts = []
        for t in self.turns:
            # Qt's rich text knows tables, not rounded boxes: a one-cell table is the question's bubble.
            parts.append(f'<table width="100%" cellpadding="10" style="margin-top:12px; background:{c.alt};">'
                         f'<tr><td><b>You</b><br>{html.escape(t.question)}</td></tr></table>')
            body = html.escape(t.answer).replace("\n", "<br>") or ("<i>Thinking…</i>" if not t.done else "")
            parts.append(f'<p style="margin:12px 10px 4px 10px; color:{c.accent};"><b>Reverie</b></p>'
                         f'<p style="margin:0 10px;">{body}</p>')
            if t.error:
                error = html.escape(t.error)
                parts.append(f'<p style="color:{c.danger}; margin:0 10px;">Could not answer: {error}</p>')
            if t.citations:
                links = citation_links(t.citations)
                parts.append(f'<p style="color:{c.muted}; margin:8px 10px 0 10px;">Sources<br>{links}</p>')
        self.transcript.setHtml("".join(parts))
        bar = self.transcript.verticalScrollBar()
        bar.setValue(bar.maximum())

    def _link(self, url: QUrl) -> None:
        if url.scheme() == "memory":
            self.open_memory_id.emit(url.path())
