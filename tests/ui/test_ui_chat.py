"""Chat: a streamed answer with citations that open the cited memory (scripted and real agent)."""

from __future__ import annotations

import importlib.util
import time
from collections.abc import Iterator

import pytest
from PySide6.QtCore import QUrl

from reverie.core.types import SemanticMemory
from reverie.ui.chat_view import ChatView
from reverie.ui.context import Final
from reverie.ui.recall_popup import RecallPopup

pytestmark = pytest.mark.gui


def scripted(pieces: list[str], citations: list[str], delay: float = 0.02):  # type: ignore[no-untyped-def]
    def answer(question: str) -> Iterator[str | Final]:
        for piece in pieces:
            time.sleep(delay)  # a model thinking: the GUI must keep painting meanwhile
            yield piece
        yield Final(citations)
    return answer


def test_chat_streams_an_answer_with_clickable_citations(qtbot, ctx) -> None:  # type: ignore[no-untyped-def]
    mem = SemanticMemory(name="Launch date", summary="Atlas launches on 14 March")
    ctx.store.add(mem)
    ctx.answer_stream = scripted(["Atlas ", "launches ", "on ", "14 March", "."], [mem.id, "gone-id"])
    view = ChatView(ctx)
    qtbot.addWidget(view)
    view.show()
    seen: list[str] = []
    view.transcript.textChanged.connect(lambda: seen.append(view.transcript.toPlainText()))
    with qtbot.waitSignal(view.answered, timeout=10_000):
        view.box.setText("When does Atlas launch?")
        view.send_btn.click()
        assert view.busy and view.stop_btn.isVisibleTo(view)
    turn = view.turns[-1]
    assert turn.answer == "Atlas launches on 14 March."
    assert turn.citations == [(mem.id, "Launch date")]  # ids of deleted memories are dropped
    assert any("Atlas launches" in s and "14 March" not in s for s in seen), "the answer did not stream"
    html = view.transcript.toHtml()
    assert f"memory:{mem.id}" in html
    with qtbot.waitSignal(view.open_memory_id) as clicked:
        view.transcript.anchorClicked.emit(QUrl(f"memory:{mem.id}"))
    assert clicked.args == [mem.id]
    assert not view.busy


def test_chat_shows_an_error_instead_of_hanging(qtbot, ctx) -> None:  # type: ignore[no-untyped-def]
    def broken(question: str) -> Iterator[str | Final]:
        yield "partial "
        raise RuntimeError("model crashed")

    ctx.answer_stream = broken
    view = ChatView(ctx)
    qtbot.addWidget(view)
    view.ask("anything?")
    qtbot.waitUntil(lambda: view.turns[-1].done, timeout=5000)
    assert "model crashed" in view.transcript.toPlainText()
    assert not view.busy


def test_chat_without_a_model_says_so(qtbot, ctx) -> None:  # type: ignore[no-untyped-def]
    ctx.answer_stream, ctx.chat_note = None, "The chat agent is not part of this build yet."
    view = ChatView(ctx)
    qtbot.addWidget(view)
    assert not view.box.isEnabled()
    assert "not part of this build" in view.empty.hint.text()


def test_popup_ask_streams_an_answer(qtbot, ctx) -> None:  # type: ignore[no-untyped-def]
    mem = SemanticMemory(name="Wifi", summary="Guest wifi password is on the fridge")
    ctx.store.add(mem)
    ctx.answer_stream = scripted(["On ", "the fridge."], [mem.id])
    popup = RecallPopup(ctx)
    qtbot.addWidget(popup)
    popup.popup()
    popup.box.setText("where is the wifi password")
    with qtbot.waitSignal(popup.answer_done, timeout=10_000):
        popup.ask()
    assert popup.answer_text == "On the fridge."
    assert f"memory:{mem.id}" in popup.answer.toHtml()


@pytest.mark.slow
@pytest.mark.skipif(importlib.util.find_spec("reverie.core.agents.chat") is None,
                    reason="core/agents/chat.py (the chat agent) is not in this build yet")
def test_chat_with_the_real_bundled_model(qtbot, ctx, home) -> None:  # type: ignore[no-untyped-def]
    from reverie.gui_wiring import chat_stream
    from reverie.settings import Settings

    mem = SemanticMemory(name="Dentist", summary="The dentist appointment is on Friday at 10am")
    ctx.store.add(mem)
    answer, note = chat_stream(ctx.store, Settings(), home)
    assert answer is not None, note
    ctx.answer_stream = answer
    view = ChatView(ctx)
    qtbot.addWidget(view)
    with qtbot.waitSignal(view.answered, timeout=600_000):
        view.ask("When is my dentist appointment?")
    turn = view.turns[-1]
    assert turn.answer.strip() and not turn.error
    assert mem.id in [mid for mid, _ in turn.citations]


def test_chat_events_become_text_then_final_citations() -> None:
    chat = pytest.importorskip("reverie.core.agents.chat", reason="the chat agent is not in this build yet")
    from reverie.gui_wiring import _adapt

    answer = chat.Answer("Friday at 10 [1]", citations=["m1"])
    assert _adapt(chat.ChatEvent("delta", "Friday ")) == "Friday "
    assert _adapt(chat.ChatEvent("done", answer.text, answer)) == Final(["m1"])
