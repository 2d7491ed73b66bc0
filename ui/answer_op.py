"""Run an answer stream on the op runner: pieces arrive on the GUI thread as they are generated."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject

from reverie.ui.context import Final, UiContext
from reverie.ui.memory_text import title
from reverie.ui.op_runner import Op, OpContext

Citation = tuple[str, str]  # (memory id, one-line title)


def stream_answer(ctx: UiContext, parent: QObject, question: str, on_piece: Callable[[str], None],
                  on_done: Callable[[list[Citation]], None],
                  on_error: Callable[[BaseException], None] | None = None) -> Op[list[Citation]]:
    answer, store = ctx.answer_stream, ctx.store
    if answer is None:
        raise RuntimeError("no answer stream configured")

    def work(op: OpContext) -> list[Citation]:
        final = Final()
        for piece in answer(question):
            if isinstance(piece, Final):
                final = piece
            elif piece:
                op.report(piece)  # raises Cancelled once the user stops the answer
        # Titles are looked up here, on the worker, so the GUI only formats links.
        mems = store.get_many(list(final.citations))
        return [(mid, title(mems[mid])) for mid in dict.fromkeys(final.citations) if mid in mems]

    op = ctx.runner.op(work, parent, label="answer").progress(on_piece).success(on_done)
    if on_error is not None:
        op.failure(on_error)
    return op.run_in_background()
