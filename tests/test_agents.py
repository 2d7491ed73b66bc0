"""Memory agents and chat agent against a scripted LLM and a real encrypted store."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from reverie.core.agents.batch import Batch, processed_flags
from reverie.core.agents.chat import ABSTAIN, ChatAgent, ChatConfig
from reverie.core.agents.core_memory import CoreBlocks, CoreConfig
from reverie.core.agents.pipeline import AgentConfig, MemoryAgents
from reverie.core.agents.reconcile import ReconcileConfig
from reverie.core.chat_import import ChatTurn
from reverie.core.protocols import LLMError
from reverie.core.store.messages import add_messages
from reverie.core.types import (
    CoreMemory,
    EpisodicMemory,
    MemoryType,
    ProceduralMemory,
    SemanticMemory,
    VaultEntry,
)
from tests.agent_fakes import ScriptedLLM, extraction, line_id, reconcile
from tests.conftest import scan_for

WHEN = datetime(2023, 5, 8, 13, 56, tzinfo=UTC)
PASSWORD = "Tr0ub4dor&3x"
# Every neighbour collides: these tests are about what the ops do, not about the thresholds.
ALWAYS_RECONCILE = AgentConfig(reconcile=ReconcileConfig(collide=0.0))
ONLY_MODEL = AgentConfig(cover_lines=False)  # no line fallback: counts reflect the model's items alone


def turns(*lines: str, speaker: str = "Ann", conv: str = "c1", start: int = 1) -> list[ChatTurn]:
    return [ChatTurn(f"{conv}:D1:{i}", conv, speaker, text, WHEN, 1, f"D1:{i}")
            for i, text in enumerate(lines, start=start)]


def batch_of(store: Any, *lines: str, start: int = 1) -> Batch:
    ts = turns(*lines, start=start)
    add_messages(store, ts)
    return Batch.from_turns(ts)


def by_type(store: Any, mtype: MemoryType) -> list[Any]:
    return store.list_memories(mtype, limit=100, include_archived=True)


# ---- routing -------------------------------------------------------------------------------------

def test_one_call_routes_candidates_to_their_memory_types(store: Any) -> None:
    batch = batch_of(store,
                     "I love green tea much more than coffee.",
                     "I went hiking at Mount Tamalpais yesterday with my brother.",
                     "To reset the router: unplug it; wait ten seconds; plug it back in.",
                     f"My wifi password is {PASSWORD}")
    llm = ScriptedLLM([extraction(
        ([1], "Ann loves green tea much more than coffee", "fact"),
        ([2], "Ann went hiking at Mount Tamalpais yesterday with her brother", "event"),
        ([3], "To reset the router: unplug it; wait ten seconds; plug it back in", "howto"),
        ([4], "Ann's wifi password is [secret v1]", "secret"),
    )])
    report = MemoryAgents(store, llm).process(batch)

    assert llm.calls == 1 and report.usage.calls == 1  # nothing similar stored yet: no reconciliation call
    assert report.ops["insert"] == 4 and not report.rejected and report.processed
    (sem,) = by_type(store, MemoryType.SEMANTIC)
    assert isinstance(sem, SemanticMemory) and "green tea" in sem.summary and sem.name == "Ann"
    (epi,) = by_type(store, MemoryType.EPISODIC)
    assert isinstance(epi, EpisodicMemory) and epi.actor == "Ann"
    assert "on 7 May 2023" in epi.summary and "yesterday" not in epi.summary  # resolved against the message time
    assert epi.tree_path == ["chat", "c1"]
    assert epi.provenance == ["msg:c1:D1:2"] and epi.occurred_at == WHEN - timedelta(days=1)  # the hike's day
    (proc,) = by_type(store, MemoryType.PROCEDURAL)
    assert isinstance(proc, ProceduralMemory) and len(proc.steps) == 3
    (vault,) = by_type(store, MemoryType.VAULT)
    assert isinstance(vault, VaultEntry) and "wifi password" in vault.caption and PASSWORD not in vault.caption
    assert all(processed_flags(store, batch).values())


def test_type_the_text_contradicts_is_repaired(store: Any) -> None:
    batch = batch_of(store, "I adopted a beagle called Rufus last week.")
    llm = ScriptedLLM([extraction(([1], "Ann adopted a beagle called Rufus last week", "howto"))])
    report = MemoryAgents(store, llm).process(batch)
    assert report.rerouted and "no steps" in report.rerouted[0][1]
    assert not by_type(store, MemoryType.PROCEDURAL) and len(by_type(store, MemoryType.SEMANTIC)) == 1


# ---- reconciliation ops ------------------------------------------------------------------------

def test_every_operation_kind_and_local_id_mapping(store: Any) -> None:
    nurse = store.add(SemanticMemory(name="Ann", summary="Ann works as a nurse at City Hospital",
                                     provenance=["msg:old:1"]))
    boston = store.add(SemanticMemory(name="Ann", summary="Ann lives in Boston", provenance=["msg:old:2"]))
    flat = store.add(SemanticMemory(name="Ann", summary="Ann rents a flat in Boston", provenance=["msg:old:3"]))
    car = store.add(SemanticMemory(name="Ann", summary="Ann drives a red car to work", provenance=["msg:old:4"]))
    cat = store.add(SemanticMemory(name="Ann", summary="Ann has a cat named Tom", provenance=["msg:old:5"]))
    batch = batch_of(store,
                     "I was promoted to head nurse at City Hospital.",
                     "I rent a flat in Boston, in the South End.",
                     "I sold my red car, now I cycle to work.",
                     "Tom was never my cat, he is my sister's cat.",
                     "I love jazz concerts on Fridays.",
                     "I work at City Hospital as a nurse on weekdays.")

    def ops(prompt: str) -> list[dict[str, Any]]:
        m = {key: line_id(prompt, text) for key, text in [
            ("nurse", "nurse at City Hospital"), ("boston", "lives in Boston"), ("flat", "rents a flat"),
            ("car", "red car to work"), ("cat", "cat named Tom")]}
        n = {key: line_id(prompt, text) for key, text in [
            ("head", "head nurse"), ("south", "South End"), ("bike", "cycles"), ("tom", "sister"),
            ("jazz", "jazz"), ("still", "weekdays")]}
        return [
            {"new": n["head"], "op": "update", "targets": [m["nurse"]], "text": "Ann is head nurse at City Hospital"},
            {"new": n["south"], "op": "merge", "targets": [m["boston"], m["flat"]],
             "text": "Ann rents a flat in Boston, in the South End"},
            {"new": n["bike"], "op": "invalidate", "targets": [m["car"]], "text": ""},
            {"new": n["tom"], "op": "delete", "targets": [m["cat"]], "text": ""},
            {"new": n["jazz"], "op": "insert", "targets": [], "text": ""},
            {"new": n["still"], "op": "noop", "targets": [], "text": ""},
        ]

    llm = ScriptedLLM([
        extraction(([1], "Ann was promoted to head nurse at City Hospital", "fact"),
                   ([2], "Ann rents a flat in Boston, in the South End", "fact"),
                   ([3], "Ann sold her red car and now cycles to work", "fact"),
                   ([4], "Tom is the cat of Ann's sister", "fact"),
                   ([5], "Ann loves jazz concerts on Fridays", "fact"),
                   ([6], "Ann works at City Hospital as a nurse on weekdays", "fact")),
        reconcile(ops),
    ])
    report = MemoryAgents(store, llm, ALWAYS_RECONCILE).process(batch)

    assert llm.calls == 2 and report.processed
    assert {k: report.ops[k] for k in ("update", "merge", "invalidate", "delete", "insert", "noop")} == \
        {"update": 1, "merge": 1, "invalidate": 1, "delete": 1, "insert": 1, "noop": 1}
    prompt = llm.prompts[1][1].content
    assert nurse not in prompt and "m1:" in prompt and "n1:" in prompt  # short local ids, never real ones
    updated = store.get(nurse)
    assert updated.summary == "Ann is head nurse at City Hospital" and updated.last_change == "update"
    assert set(updated.provenance) == {"msg:old:1", "msg:c1:D1:1"}
    merged_ids = {boston, flat} & {m.id for m in by_type(store, MemoryType.SEMANTIC)}
    assert len(merged_ids) == 1  # one record carries the merge, the other is gone
    kept = store.get(merged_ids.pop())
    assert set(kept.provenance) == {"msg:old:2", "msg:old:3", "msg:c1:D1:2"}  # provenance from both + source
    assert kept.last_change == "merge" and "South End" in kept.summary
    invalid = store.get(car)
    assert invalid is not None and invalid.invalid_at == WHEN  # kept as history
    assert any("cycles" in m.summary for m in by_type(store, MemoryType.SEMANTIC))
    deleted = store.get(cat)
    assert deleted.archived and deleted.last_change == "delete"
    assert any("jazz" in m.summary for m in by_type(store, MemoryType.SEMANTIC))
    assert not any("weekdays" in m.summary for m in by_type(store, MemoryType.SEMANTIC))


def test_invented_local_id_is_retried_then_skipped_with_reason(store: Any, caplog: Any) -> None:
    store.add(SemanticMemory(name="Ann", summary="Ann works as a nurse at City Hospital"))
    target = store.add(SemanticMemory(name="Ann", summary="Ann lives in Boston near the harbour"))
    batch = batch_of(store, "I moved to a flat in Boston by the harbour.", "I play tennis on Sundays at the club.")
    invented = reconcile(lambda p: [{"new": line_id(p, "moved to a flat"), "op": "update", "targets": ["m9"],
                                     "text": "Ann lives in a flat in Boston by the harbour"},
                                    {"new": line_id(p, "tennis"), "op": "insert", "targets": [], "text": ""}])
    llm = ScriptedLLM([extraction(([1], "Ann moved to a flat in Boston by the harbour", "fact"),
                                  ([2], "Ann plays tennis on Sundays at the club", "fact")),
                       invented, invented])
    with caplog.at_level(logging.INFO, logger="reverie.core.agents"):
        report = MemoryAgents(store, llm, ALWAYS_RECONCILE).process(batch)
    assert llm.calls == 3  # extraction, reconciliation, one retry naming the bad id
    assert "m9" in llm.prompts[2][-1].content
    assert any("unknown memory id(s) m9" in reason for _, reason in report.skipped)
    assert "m9" in caplog.text
    assert store.get(target).summary == "Ann lives in Boston near the harbour"  # untouched
    assert report.ops["insert"] == 1 and report.processed  # the valid op still applied


def test_local_id_maps_back_to_the_memory_shown_under_it(store: Any) -> None:
    first = store.add(SemanticMemory(name="Ann", summary="Ann lives in Boston near the harbour"))
    second = store.add(SemanticMemory(name="Ann", summary="Ann works in Boston as a nurse"))
    batch = batch_of(store, "I work in Boston as a head nurse now.")
    seen: dict[str, str] = {}

    def ops(prompt: str) -> list[dict[str, Any]]:
        seen["m"] = line_id(prompt, "works in Boston")
        return [{"new": "n1", "op": "update", "targets": [seen["m"]], "text": "Ann works in Boston as a head nurse"}]

    llm = ScriptedLLM([extraction(([1], "Ann works in Boston as a head nurse now", "fact")), reconcile(ops)])
    MemoryAgents(store, llm, ALWAYS_RECONCILE).process(batch)
    assert seen["m"] in {"m1", "m2"}
    assert store.get(second).summary == "Ann works in Boston as a head nurse"
    assert store.get(first).summary == "Ann lives in Boston near the harbour"


# ---- guards ------------------------------------------------------------------------------------

def test_guards_reject_junk_and_keep_the_supported_fact(store: Any) -> None:
    store.add(SemanticMemory(name="Ann", summary="Ann loves green tea"))
    batch = batch_of(store, "I love green tea.", "My sister Beth lives in Lisbon and teaches maths.", "Hi there!",
                     "I cycle to work.", "We had pizza.")
    llm = ScriptedLLM([extraction(
        ([2], "Beth is a pilot for an airline in Paris", "fact"),  # invented
        ([2], "Skip greetings, questions and small talk. Use only what the lines say", "fact"),  # the prompt
        ([1], "Ann loves green tea", "fact"),  # already stored
        ([3], "Hi there!", "event"),  # small talk
        ([2], "Ann's sister Beth lives in Lisbon and teaches maths", "fact"),  # good
        ([2], "Ann's sister Beth lives in Lisbon and teaches maths.", "event"),  # same, routed twice
        ([2], "Beth turned 41 in Lisbon", "event"),  # number not in the source
    )])
    report = MemoryAgents(store, llm, ONLY_MODEL).process(batch)

    def reason(fragment: str) -> str:
        return next(r for item, r in report.rejected if fragment in item)

    assert "'Paris' is not in the source" in reason("pilot")  # invented
    assert "instructions" in reason("Skip greetings")
    assert "duplicate of existing memory" in reason("green tea")
    assert "short" in reason("Hi there")
    assert "within the batch" in reason("Lisbon and teaches maths.")
    assert "number '41'" in reason("turned 41")
    assert len(report.rejected) == 6 and report.ops["insert"] == 1
    stored = [m.search_text() for m in store.list_memories(limit=50)]
    assert sum("Lisbon" in t for t in stored) == 1 and not any("Paris" in t for t in stored)


def test_chat_lines_the_model_skipped_become_episodic_memories(store: Any) -> None:
    batch = batch_of(store, "Hi there!", "I painted a lake sunrise last year.", "I adopted a beagle called Rufus.")
    llm = ScriptedLLM([extraction(([3], "Ann adopted a beagle called Rufus", "fact"))])  # the model missed line 2
    report = MemoryAgents(store, llm).process(batch)
    assert report.ops["line_fallback"] == 1 and llm.calls == 1
    (line,) = by_type(store, MemoryType.EPISODIC)
    assert line.summary == "Ann: I painted a lake sunrise in 2022." and line.provenance == ["msg:c1:D1:2"]
    assert any("Hi there" in item for item, _ in report.rejected)  # small talk stays out


def test_recalled_memory_re_extracted_is_rejected(store: Any) -> None:
    recalled = SemanticMemory(name="Ann", summary="Ann's dentist appointment is with Dr Lee at the clinic")
    batch = batch_of(store, "Reverie said your dentist appointment is with Dr Lee at the clinic.")
    llm = ScriptedLLM([extraction(([1], "Ann's dentist appointment is with Dr Lee at the clinic", "fact"))])
    report = MemoryAgents(store, llm).process(batch, recalled=[recalled])
    assert report.rejected and "re-extracts recalled memory" in report.rejected[0][1]
    assert store.count() == 0


# ---- vault -------------------------------------------------------------------------------------

def test_secret_never_reaches_a_prompt_and_is_stored_encrypted(store: Any, home: Any) -> None:
    batch = batch_of(store, f"The office wifi password is {PASSWORD} by the way.", "I like the office coffee a lot.")
    llm = ScriptedLLM([extraction(([2], "Ann likes the office coffee a lot", "fact"))])  # model ignores the secret
    MemoryAgents(store, llm).process(batch)
    (entry,) = by_type(store, MemoryType.VAULT)
    assert isinstance(entry, VaultEntry) and "wifi password" in entry.caption and PASSWORD not in entry.caption
    assert store.reveal_secret(entry.id) == PASSWORD
    assert PASSWORD not in llm.all_prompt_text() and "[secret v1]" in llm.all_prompt_text()

    add_messages(store, turns(f"The office wifi password is {PASSWORD} by the way.", conv="c2"))
    chat_llm = ScriptedLLM([lambda msgs: f"It is in your vault [{line_id(msgs[1].content, 'wifi')}]."])
    answer = ChatAgent(store, chat_llm).ask("what is the office wifi password?")
    assert entry.id in answer.citations
    assert PASSWORD not in chat_llm.all_prompt_text() and PASSWORD not in answer.text
    store.purge_free_space()
    assert not scan_for(home, PASSWORD.encode())  # not in the database, index or blobs in plaintext


# ---- core memory -------------------------------------------------------------------------------

def test_core_block_is_rewritten_by_the_model_at_90_percent(store: Any) -> None:
    old = "\n".join(["Ann is a nurse in Boston.", "Ann loves green tea.", "Ann has a sister called Beth.",
                     "Ann plays tennis on Sundays.", "Ann is learning Portuguese.", "Ann drives a blue car."])
    store.add(CoreMemory(label="human", value=old, limit=200))
    batch = batch_of(store, "I just adopted a beagle puppy named Rufus.")
    llm = ScriptedLLM([extraction(([1], "Ann adopted a beagle puppy named Rufus", "profile")),
                       "Ann is a nurse in Boston. Ann has a sister Beth. Ann adopted a beagle named Rufus."])
    report = MemoryAgents(store, llm, AgentConfig(core=CoreConfig(limit=200))).process(batch)
    assert llm.calls == 2 and report.ops["core_rewrite_llm"] == 1
    (block,) = by_type(store, MemoryType.CORE)
    assert block.value.startswith("Ann is a nurse in Boston.") and "Rufus" in block.value
    assert len(block.value) <= 120 and block.last_change == "rewrite"


def test_core_rewrite_falls_back_to_a_trim_when_the_model_fails(store: Any) -> None:
    lines = [f"Ann fact number {i} about her life in Boston." for i in range(1, 6)]
    store.add(CoreMemory(label="human", value="\n".join(lines), limit=250))
    blocks = CoreBlocks(store, ScriptedLLM(["Ann is secretly a famous astronaut on Mars " * 5]), CoreConfig(limit=250))
    outcome = blocks.add_fact("human", "Ann fact number 6 about her life in Boston.", ["msg:x"])
    assert outcome.rewritten == "trim" and "rewrite" in outcome.reason
    block = blocks.get("human")
    assert block is not None and len(block.value) <= 125 and block.value.endswith("number 6 about her life in Boston.")
    assert "astronaut" not in block.value


# ---- failures ----------------------------------------------------------------------------------

def test_malformed_output_is_retried_then_the_batch_stays_unprocessed(store: Any) -> None:
    batch = batch_of(store, "I started a pottery class on Tuesdays.")
    llm = ScriptedLLM(["{not json", '{"memories": "oops"}'])
    report = MemoryAgents(store, llm).process(batch)
    assert llm.calls == 2 and report.error and not report.processed
    assert "left unprocessed" in report.skipped[0][1]
    assert not any(processed_flags(store, batch).values()) and store.count() == 0
    # The batch is not lost: the next run processes it.
    retry = ScriptedLLM([extraction(([1], "Ann started a pottery class on Tuesdays", "fact"))])
    again = MemoryAgents(store, retry).process(batch)
    assert again.processed and all(processed_flags(store, batch).values()) and store.count() == 1


def test_semantically_broken_items_get_one_retry_then_are_skipped(store: Any) -> None:
    batch = batch_of(store, "I started a pottery class on Tuesdays.", "My pottery teacher is called Mira.")
    broken = extraction(([7], "Ann started a pottery class on Tuesdays", "fact"), ([2], "   ", "fact"))
    llm = ScriptedLLM([broken, extraction(([9], "Ann started a pottery class on Tuesdays", "fact"),
                                          ([2], "Ann's pottery teacher is called Mira", "fact"))])
    report = MemoryAgents(store, llm, ONLY_MODEL).process(batch)
    assert llm.calls == 2 and "src [7] names no line" in llm.prompts[1][-1].content
    assert any("src [9] names no line" in reason for _, reason in report.skipped)
    assert report.ops["insert"] == 1 and report.processed


def test_model_failure_in_reconciliation_keeps_the_candidates(store: Any) -> None:
    store.add(SemanticMemory(name="Ann", summary="Ann works as a nurse"))
    batch = batch_of(store, "I work as a nurse at night now.")
    llm = ScriptedLLM([extraction(([1], "Ann works as a nurse at night now", "fact")), LLMError("server down")])
    report = MemoryAgents(store, llm, ALWAYS_RECONCILE).process(batch)
    assert report.processed and report.ops["insert"] == 1
    assert any("unreconciled" in reason for _, reason in report.skipped)


def test_calls_per_batch_stay_at_most_two_in_the_common_path(store: Any) -> None:
    agents = MemoryAgents(store, ScriptedLLM([
        extraction(([1], "Ann plays the violin in a quartet", "fact")),
        extraction(([1], "Ann plays the violin in a quartet every Monday", "fact")),
        reconcile(lambda p: [{"new": "n1", "op": "update", "targets": ["m1"],
                              "text": "Ann plays the violin in a quartet every Monday"}]),
        extraction(([1], "Ann baked sourdough bread for the neighbours", "event")),
    ]))
    reports = [agents.process(batch_of(store, line, start=i)) for i, line in enumerate(
        ["I play the violin in a quartet.", "I play the violin in a quartet every Monday.",
         "I baked sourdough bread for the neighbours."], start=1)]
    calls = [r.usage.calls for r in reports]
    assert max(calls) <= 2 and sum(calls) / len(calls) <= 2
    assert reports[1].ops["update"] == 1 and calls == [1, 2, 1]


# ---- chat ------------------------------------------------------------------------------------

def test_chat_abstains_without_a_model_call_when_nothing_is_relevant(store: Any) -> None:
    store.add(SemanticMemory(name="Ann", summary="Ann loves green tea"))
    llm = ScriptedLLM()
    answer = ChatAgent(store, llm, ChatConfig(remember=False)).ask("What is the capital of Mongolia?")
    assert answer.abstained and answer.text == ABSTAIN and answer.citations == [] and llm.calls == 0


def test_chat_abstains_when_the_model_says_it_does_not_know(store: Any) -> None:
    store.add(SemanticMemory(name="Ann", summary="Ann loves green tea"))
    llm = ScriptedLLM(["I don't know [1]."])
    answer = ChatAgent(store, llm, ChatConfig(remember=False)).ask("Which tea does Ann drink in winter?")
    assert answer.abstained and answer.citations == [] and answer.text.startswith("I don't know")


def test_chat_streams_then_maps_cited_tags_to_memory_ids(store: Any) -> None:
    hike = store.add(EpisodicMemory(summary="Ann went hiking at Mount Tamalpais with her brother",
                                    occurred_at=WHEN, provenance=["msg:c1:D1:2"]))
    store.add(SemanticMemory(name="Ann", summary="Ann loves green tea"))
    store.add(CoreMemory(label="human", value="Ann is a nurse in Boston."))
    llm = ScriptedLLM([lambda m: f"She hiked Mount Tamalpais [{line_id(m[1].content, 'Tamalpais')}] [99]."])
    events = list(ChatAgent(store, llm).stream("Where did Ann go hiking?"))
    assert [e.kind for e in events[:-1]] == ["delta"] * (len(events) - 1) and events[-1].kind == "done"
    answer = events[-1].answer
    assert answer is not None and answer.citations == [hike] and not answer.abstained  # [99] is dropped
    assert "".join(e.text for e in events[:-1]).strip() == answer.text
    prompt = llm.prompts[0][1].content
    assert "<core>" in prompt and "<episodic>" in prompt and hike not in prompt  # tags, never ids
    remembered = [m for m in by_type(store, MemoryType.EPISODIC) if m.app == "reverie-chat"]
    assert {m.actor for m in remembered} == {"user", "assistant"}  # the exchange became memory
    assert not store.read_conn().execute("SELECT 1 FROM messages WHERE processed = 0").fetchall()


def test_chat_infers_citations_when_the_model_cites_nothing(store: Any) -> None:
    hike = store.add(EpisodicMemory(summary="Ann went hiking at Mount Tamalpais with her brother", occurred_at=WHEN))
    llm = ScriptedLLM(["Ann went hiking at Mount Tamalpais."])
    answer = ChatAgent(store, llm, ChatConfig(remember=False)).ask("Where did Ann go hiking?")
    assert answer.citations == [hike] and answer.inferred_citations


@pytest.mark.parametrize(("question", "words"), [("what did I do yesterday?", []),
                                                  ("Where did Ann go hiking in May 2023?", ["ann", "hiking"])])
def test_chat_topic_parses_time_without_a_model(store: Any, question: str, words: list[str]) -> None:
    topic = ChatAgent(store, ScriptedLLM()).topic(question, now=datetime(2023, 5, 9, 12, tzinfo=UTC))
    assert topic.time is not None and topic.keywords == words


# ---- pure helpers --------------------------------------------------------------------------------

def test_guard_check_on_chat_lines() -> None:
    from reverie.core.agents.guards import SourceText, check

    source = SourceText("-- 8 May 2023 --\n[1] Caroline: Hey Mel! Good to see you! How have you been?\n"
                        "[2] Caroline: I went to a LGBTQ support group yesterday.", [WHEN])
    assert "small talk" in str(check("Caroline: Hey Mel! Good to see you! How have you been?", source))
    assert check("Caroline went to a LGBTQ support group on 7 May 2023", source) is None  # a date near the batch
    assert "number '3'" in str(check("Caroline went to a LGBTQ support group on 3 June 2023", source))


def test_relative_dates_resolve_against_the_source_time() -> None:
    from reverie.core.agents.dates import absolute_dates

    assert absolute_dates("ran a race last Saturday", WHEN) == "ran a race on Saturday, 6 May 2023"
    assert absolute_dates("painted it last year", WHEN) == "painted it in 2022"
    assert absolute_dates("camping next month", WHEN) == "camping in June 2023"
    assert absolute_dates("moved 3 weeks ago", WHEN) == "moved in the week of 17 April 2023"


def test_ingest_stores_masked_messages_and_resumes(store: Any) -> None:
    from reverie.core.agents.ingest import ingest_turns

    conv = [ChatTurn("c9:D1:1", "c9", "Ann", f"My gym locker password is {PASSWORD} ok", WHEN, 1, "D1:1"),
            ChatTurn("c9:D2:1", "c9", "Ann", "I joined a choir that sings on Thursdays.", WHEN, 2, "D2:1")]
    llm = ScriptedLLM([extraction(), extraction(([1], "Ann joined a choir that sings on Thursdays", "fact"))])
    report = ingest_turns(MemoryAgents(store, llm), conv)
    assert report.batches == 2 and report.processed and llm.calls == 2
    texts = [r[0] for r in store.read_conn().execute("SELECT text FROM messages WHERE conversation = 'c9'")]
    assert PASSWORD not in " ".join(texts) and "[REDACTED:password]" in texts[0]
    (choir,) = [m for m in by_type(store, MemoryType.SEMANTIC) if "choir" in m.summary]
    assert choir.provenance == ["msg:c9:D2:1"]
    again = ingest_turns(MemoryAgents(store, ScriptedLLM()), conv)  # everything processed: no model call
    assert again.batches == 0
