"""Hybrid retrieval through the real parts: SQLCipher + FTS5, Chroma, the bundled ONNX embedder.

One store per module holds a small corpus (screen-style memories of several types and apps, and
a chat with two sittings); the tests only read it, so the embedder and store start once.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from reverie.core.chat_import import ChatTurn
from reverie.core.retrieval.hybrid import SearchHit, SearchQuery, search
from reverie.core.store.keys import KeyOptions
from reverie.core.store.messages import add_messages
from reverie.core.store.store import MemoryStore
from reverie.core.types import EpisodicMemory, Memory, MemoryType, ResourceMemory, SemanticMemory
from tests.conftest import PASSPHRASE

NOW = datetime(2024, 3, 13, 15, 0, tzinfo=UTC)  # a Wednesday
DAY1 = datetime(2024, 3, 2, 18, 0, tzinfo=UTC)
DAY2 = datetime(2024, 3, 9, 11, 0, tzinfo=UTC)

CHAT = [  # (sitting, speaker, text)
    (DAY1, "Maya", "Hey Leo! How was the weekend?"),
    (DAY1, "Leo", "Great, we went hiking near the lake."),
    (DAY1, "Maya", "Nice. Which board game should we bring to Friday's dinner?"),
    (DAY1, "Leo", "Definitely Wingspan, everyone loved it last time."),
    (DAY1, "Maya", "Perfect, I'll pack it."),
    (DAY2, "Leo", "Morning! Did you finish the tax return?"),
    (DAY2, "Maya", "Almost, I still need the receipts from the plumber."),
    (DAY2, "Leo", "I scanned them, they are in the shared folder."),
]


def _chat(store: MemoryStore) -> dict[str, str]:
    """Import the chat the way `import-chat --raw` does; returns message text → message id."""
    turns = [ChatTurn(f"chat-1:D{i}", "chat-1", speaker, text, when, 1, f"D{i}")
             for i, (when, speaker, text) in enumerate(CHAT)]
    add_messages(store, turns)
    store.add_many([EpisodicMemory(summary=f"{t.speaker}: {t.text}", event_type="chat_message", actor=t.speaker,
                                   occurred_at=t.occurred_at, provenance=[f"msg:{t.id}"], app="chat")
                    for t in turns])
    return {t.text: t.id for t in turns}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory, embedder) -> Iterator[tuple[MemoryStore, dict[str, Memory]]]:  # type: ignore[no-untyped-def]
    home: Path = tmp_path_factory.mktemp("retrieval") / "home"
    mems: dict[str, Memory] = {
        "physician": EpisodicMemory(summary="My physician told me to cut back on espresso and sleep more",
                                    occurred_at=NOW - timedelta(days=20), app="Notes"),
        "qx7731": EpisodicMemory(summary="Filed QX-7731 after the login outage; the platform team owns it",
                                 occurred_at=NOW - timedelta(days=3), app="Jira"),
        "old_job": SemanticMemory(name="Priya's employer", summary="Priya works at Acme Robotics as an engineer",
                                  invalid_at=NOW - timedelta(days=30), app="Slack"),
        "new_job": SemanticMemory(name="Priya's employer", summary="Priya works at Globex Robotics as an engineer",
                                  app="Slack"),
        "budget_doc": ResourceMemory(title="Q3 budget spreadsheet", summary="marketing budget for the third quarter",
                                     app="LibreOffice Calc", occurred_at=NOW - timedelta(days=40)),
        "budget_chat": EpisodicMemory(summary="Discussed the marketing budget for the third quarter with Tom",
                                      app="Slack", occurred_at=NOW - timedelta(days=1, hours=2)),
        "budget_old": EpisodicMemory(summary="Reviewed the marketing budget plan with the finance team",
                                     app="Slack", occurred_at=datetime(2023, 5, 17, 10, 0, tzinfo=UTC)),
    }
    # Tickets whose ids look alike to the embedder: only the exact id tells the wanted one apart.
    for i, num in enumerate(("7713", "7137", "1377", "3771", "7317")):
        mems[f"ticket{i}"] = EpisodicMemory(summary=f"Ticket QX-{num}: waiting for review",
                                            occurred_at=NOW - timedelta(days=3), app="Jira")
    with MemoryStore.open(home, KeyOptions(passphrase=PASSPHRASE), embedder) as store:
        store.add_many(list(mems.values()))
        msg_ids = _chat(store)
        store.msg_ids = msg_ids  # type: ignore[attr-defined]
        yield store, mems


def _ids(hits: list[SearchHit]) -> list[str]:
    return [h.memory.id for h in hits]


def test_dense_finds_a_paraphrase_that_bm25_misses(corpus: tuple[MemoryStore, dict[str, Memory]]) -> None:
    store, mems = corpus
    hits = search(store, SearchQuery(text="what did the doctor say about caffeine", limit=5, now=NOW))
    assert hits[0].memory.id == mems["physician"].id
    assert "bm25" not in hits[0].ranks and hits[0].ranks.get("dense") == 1  # no shared word: dense alone


def test_exact_rare_token_wins_where_dense_cannot_tell(corpus: tuple[MemoryStore, dict[str, Memory]],
                                                       embedder) -> None:  # type: ignore[no-untyped-def]
    store, mems = corpus
    query = "ticket QX-7731"
    targets = [mems["qx7731"]] + [mems[f"ticket{i}"] for i in range(5)]
    vecs = embedder.embed([query] + [m.search_text() for m in targets])
    cos = vecs[1:] @ vecs[0]
    assert int(np.argmax(cos)) != 0  # the premise: by embedding alone another ticket looks closer
    hits = search(store, SearchQuery(text=query, limit=5, now=NOW))
    assert hits[0].memory.id == mems["qx7731"].id
    assert hits[0].ranks.get("bm25") == 1


def test_type_app_and_time_filters(corpus: tuple[MemoryStore, dict[str, Memory]]) -> None:
    store, mems = corpus
    q = "marketing budget third quarter"
    everything = _ids(search(store, SearchQuery(text=q, limit=20, now=NOW)))
    assert {mems["budget_doc"].id, mems["budget_chat"].id, mems["budget_old"].id} <= set(everything)

    only_resources = search(store, SearchQuery(text=q, types=[MemoryType.RESOURCE], limit=20, now=NOW))
    assert only_resources and {h.memory.type for h in only_resources} == {MemoryType.RESOURCE}
    assert only_resources[0].memory.id == mems["budget_doc"].id

    slack = search(store, SearchQuery(text=q, app="Slack", limit=20, now=NOW))
    assert slack and {h.memory.app for h in slack} == {"Slack"}

    recent = search(store, SearchQuery(text=q, start=NOW - timedelta(days=7), end=NOW, limit=20, now=NOW))
    assert recent and all(NOW - timedelta(days=7) <= h.memory.occurred_at < NOW  # type: ignore[operator]
                          for h in recent)
    assert recent[0].memory.id == mems["budget_chat"].id


def test_invalidated_memory_ranks_below_the_current_one(corpus: tuple[MemoryStore, dict[str, Memory]]) -> None:
    store, mems = corpus
    hits = _ids(search(store, SearchQuery(text="where does Priya work", limit=5, now=NOW)))
    assert hits.index(mems["new_job"].id) < hits.index(mems["old_job"].id)
    current = _ids(search(store, SearchQuery(text="where does Priya work", limit=5, include_invalid=False, now=NOW)))
    assert mems["new_job"].id in current and mems["old_job"].id not in current


@pytest.mark.parametrize(("text", "wanted"), [("marketing budget yesterday", "budget_chat"),
                                               ("marketing budget in May 2023", "budget_old")])
def test_time_expression_filters_by_occurred_at(corpus: tuple[MemoryStore, dict[str, Memory]], text: str,
                                                wanted: str) -> None:
    store, mems = corpus
    hits = search(store, SearchQuery(text=text, limit=10, now=NOW))
    assert _ids(hits) == [mems[wanted].id]


def test_time_expression_with_nothing_inside_falls_back_to_all_time(
        corpus: tuple[MemoryStore, dict[str, Memory]]) -> None:
    store, mems = corpus
    hits = search(store, SearchQuery(text="espresso in 2019", limit=5, now=NOW))
    assert hits and hits[0].memory.id == mems["physician"].id


def test_context_brings_the_answering_turn_and_its_provenance(
        corpus: tuple[MemoryStore, dict[str, Memory]]) -> None:
    store, _ = corpus
    msg = store.msg_ids  # type: ignore[attr-defined]
    q = "which board game for the dinner"
    bare = search(store, SearchQuery(text=q, limit=3, now=NOW))
    assert bare[0].context == "" and bare[0].provenance == [f"msg:{msg[CHAT[2][2]]}"]

    hit = search(store, SearchQuery(text=q, limit=3, expand=2, now=NOW))[0]
    assert f"msg:{msg[CHAT[2][2]]}" in hit.provenance
    assert f"msg:{msg[CHAT[3][2]]}" in hit.provenance  # the reply that names the game
    assert "Wingspan" in hit.context
    assert hit.as_dict()["text"] == hit.context


def test_context_stays_within_one_sitting_and_is_never_shown_twice(
        corpus: tuple[MemoryStore, dict[str, Memory]]) -> None:
    store, _ = corpus
    msg = store.msg_ids  # type: ignore[attr-defined]
    hits = search(store, SearchQuery(text="Maya Leo weekend hiking board game tax receipts plumber",
                                     limit=10, expand=4, now=NOW))
    chat_hits = [h for h in hits if h.memory.app == "chat"]
    shown = [p for h in chat_hits for p in h.provenance if p.startswith("msg:")]
    assert len(shown) == len(set(shown))  # overlapping spans are merged, not repeated
    first_sitting = {f"msg:{msg[text]}" for when, _, text in CHAT if when == DAY1}
    for h in chat_hits:
        msgs = {p for p in h.provenance if p.startswith("msg:")}
        assert msgs <= first_sitting or not msgs & first_sitting  # one sitting per hit
    # every merged hit is accounted for by the hit that shows it
    merged = {mid for h in chat_hits for mid in h.merged}
    assert not merged & {h.memory.id for h in hits}


def test_context_budget_caps_the_shown_text(corpus: tuple[MemoryStore, dict[str, Memory]]) -> None:
    store, _ = corpus
    q = "which board game for the dinner"
    free = search(store, SearchQuery(text=q, limit=1, expand=4, now=NOW))[0]
    capped = search(store, SearchQuery(text=q, limit=1, expand=4, context_chars=140, now=NOW))[0]
    assert free.memory.id == capped.memory.id
    assert len(free.context) > 140
    assert capped.memory.search_text() in capped.context  # the hit itself is always shown
    assert len(capped.context) <= 140 and capped.context.count("\n") >= 1
