"""LOCOMO question answering: answers from memories vs the same model reading the whole conversation.

For each of the first `conversations` conversations of the dev split, the first `sessions`
sessions (0 = all) are ingested by the memory agents (the path of `reverie ingest-chat`); the
questions answerable from them (all, or a seeded sample stratified by category) are answered by
the chat agent from memory, then by a full-context baseline: the same model with the
conversation in its prompt, given a bigger context (`full_context_n_ctx`) so the baseline is
fair, and cut from the front (most recent part kept) when it still does not fit.

All memory answers of a conversation run before its full-context answers: the full-context
prompts then share one long prefix, which llama.cpp keeps in its KV cache, so only the first
full-context answer pays for reading the whole conversation.

Scoring (qa_score): token F1 as LOCOMO reports it; category 5 (adversarial) is abstention
accuracy. Long runs checkpoint after every ingest batch and answer (qa_state) and resume.
"""

from __future__ import annotations

import json
import logging
import resource
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack
from datetime import timedelta
from pathlib import Path
from typing import Any

from reverie.bench import qa_data, qa_score
from reverie.bench.qa_state import Checkpoint
from reverie.core.agents.chat import CHAT_APP, ChatAgent, ChatConfig, is_abstention
from reverie.core.agents.ingest import ingest_turns
from reverie.core.agents.pipeline import MemoryAgents
from reverie.core.agents.report import Report
from reverie.core.chat_import import ChatTurn
from reverie.core.protocols import LLM, ChatMessage
from reverie.core.retrieval.hybrid import SearchQuery, search
from reverie.core.store.keys import KeyOptions
from reverie.core.store.store import MemoryStore
from reverie.core.types import MemoryType
from reverie.errors import UserFacingError

log = logging.getLogger(__name__)
FULL_CONTEXT_SYSTEM = """Answer the question using only the conversation below. Answer in a few words.
If the conversation does not contain the answer, reply exactly: I don't know."""
ANSWER_TOKENS = 64
QUESTION_RESERVE = 160  # tokens kept free for the question and the chat template around it
BATCH_KEYS = ("sources", "ops", "llm_calls", "prompt_tokens", "completion_tokens", "seconds", "stored", "error")
SWEEP = (0.35, 0.40, 0.45, 0.50, 0.55, 0.60, 0.65, 0.70)
Progress = Callable[[str], None]

# re-exported: older callers and tests import these from here
f1, normalize, score = qa_score.f1, qa_score.normalize, qa_score.score


def conversation_text(turns: list[ChatTurn]) -> str:
    lines: list[str] = []
    session = None
    for t in turns:
        if t.session != session:
            session = t.session
            # "7 May 2023", not "07 May 2023": LOCOMO's gold answers write dates unpadded
            lines.append(f"-- {t.occurred_at.day} {t.occurred_at:%B %Y} --" if t.occurred_at else "--")
        lines.append(f"{t.speaker}: {t.text}")
    return "\n".join(lines)


def fit_to_context(llm: LLM, conversation: str, budget: int) -> tuple[str, int]:
    """The longest tail of whole lines within `budget` tokens (answers favour recent talk), and its size."""
    tokens = llm.count_tokens(conversation)
    if tokens <= budget:
        return conversation, tokens
    lines = conversation.split("\n")
    lo, hi = 1, len(lines)  # find the smallest start index whose tail fits
    while lo < hi:
        mid = (lo + hi) // 2
        if llm.count_tokens("\n".join(lines[mid:])) <= budget:
            hi = mid
        else:
            lo = mid + 1
    tail = "\n".join(lines[lo:])
    return tail, llm.count_tokens(tail)


def full_context_messages(conversation: str, question: str) -> list[ChatMessage]:
    return [ChatMessage("system", FULL_CONTEXT_SYSTEM), ChatMessage("user", f"{conversation}\n\nQuestion: {question}")]


def make_llm(llm_url: str | None, llm_model: str | None, n_ctx: int, threads: int | None) -> LLM:
    from reverie.models.llm_factory import make_llm as factory
    from reverie.models.model_manager import resolve_default_llm
    from reverie.paths import models_dir

    if llm_url:
        # A server needs a model name; llama_cpp.server answers to any, so default to the bundled one's.
        return factory("openai", url=llm_url, model=llm_model or "qwen2.5-coder-0.5b", n_ctx=n_ctx)
    info = resolve_default_llm(models_dir(), llm_model)
    return factory("llamacpp", model_path=info.path, n_ctx=n_ctx, threads=threads)


def rss_mb() -> float:
    """Current resident memory (Linux /proc), else the peak (other systems)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run(data: Path, limit: int = 20, llm_url: str | None = None, llm_model: str | None = None, *,
        sessions: int = 2, conversations: int = 1, categories: str = "1,2,3,4,5", seed: int = 7,
        batch_turns: int = 10, n_ctx: int = 4096, full_context_n_ctx: int = 32768, threads: int | None = None,
        full_context: bool = True, plots: Path | None = None, out: Path | None = None, resume: bool = False,
        report_only: bool = False, llm: LLM | None = None, full_context_llm: LLM | None = None, embedder: Any = None,
        progress: Progress | None = None) -> dict[str, Any]:
    say = progress or (lambda msg: log.info("%s", msg))
    items = qa_data.load_items(data)
    cats = qa_data.parse_categories(categories)
    count = len(items) if conversations <= 0 else min(conversations, len(items))
    if report_only:
        return report_from_checkpoint(out, items, cats, plots)
    if llm is None:
        llm = make_llm(llm_url, llm_model, n_ctx, threads)
    config = {"data": Path(data).name, "limit": limit, "sessions": sessions, "conversations": count,
              "categories": cats, "seed": seed, "batch_turns": batch_turns, "n_ctx": n_ctx,
              "full_context": full_context, "full_context_n_ctx": full_context_n_ctx, "model": llm.name}
    ckpt = Checkpoint.open(out, config, resume)
    if embedder is None:
        from reverie.models.embedder import OnnxEmbedder

        embedder = OnnxEmbedder()
    fc_cost: dict[str, Any] = ckpt.state.setdefault("full_context_cost", {})  # survives a resume
    fc_holder: list[LLM] = []

    def fc_llm() -> LLM:  # loaded only when a full-context answer is due; its cost is measured
        if not fc_holder:
            if full_context_llm is not None:
                fc_holder.append(full_context_llm)
            elif llm_url:
                fc_holder.append(make_llm(llm_url, llm_model, full_context_n_ctx, threads))
            else:
                before, started = rss_mb(), time.perf_counter()
                fc = make_llm(None, llm_model, full_context_n_ctx, threads)
                fc.count_tokens("load")  # forces the load (weights are mmapped, shared with the memory model)
                fc_cost.update(load_seconds=round(time.perf_counter() - started, 2),
                               rss_added_mb=round(rss_mb() - before, 1))
                fc_holder.append(fc)
        return fc_holder[0]

    with ExitStack() as stack:
        if out is not None:
            store_root = Checkpoint.sidecars(out)[1]
        else:
            store_root = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="reverie-qa-")))
        for item in items[:count]:
            conv = qa_data.conversation(item, sessions, cats, limit, seed)
            _run_conversation(conv, ckpt, llm, fc_llm if full_context else None, embedder,
                              store_root / conv.cid, batch_turns, fc_cost, say)
    return _with_plots(report(ckpt.state, items[:count], cats), plots)


def report_from_checkpoint(out: Path | None, items: list[dict[str, Any]], cats: list[int],
                           plots: Path | None) -> dict[str, Any]:
    """The results so far of a run still going (or killed), without loading any model."""
    if out is None:
        raise UserFacingError("--report-only needs --json OUT (it reads OUT.partial)")
    partial = Checkpoint.sidecars(out)[0]
    try:
        state = json.loads(partial.read_text())
    except (OSError, ValueError) as exc:
        raise UserFacingError(f"cannot read the checkpoint {partial}: {exc}") from exc
    done = [i for i in items if str(i.get("sample_id")) in state.get("conversations", {})]
    return _with_plots(report(state, done, state["config"].get("categories", cats)), plots)


def _with_plots(result: dict[str, Any], plots: Path | None) -> dict[str, Any]:
    if plots is not None:
        from reverie.bench.qa_plots import write_plots

        result["plots"] = [str(p) for p in write_plots(result, plots)]
    return result


def _run_conversation(conv: qa_data.Conversation, ckpt: Checkpoint, llm: LLM, fc_llm: Callable[[], LLM] | None,
                      embedder: Any, home: Path, batch_turns: int, fc_cost: dict[str, Any], say: Progress) -> None:
    state = ckpt.conversation(conv.cid)
    state.update(sessions=conv.sessions, turns=len(conv.turns), questions=[q.index for q in conv.questions])
    now = max(t.occurred_at for t in conv.turns if t.occurred_at) + timedelta(days=1)
    with MemoryStore.open(home, KeyOptions(passphrase="bench"), embedder) as store:
        if not state["ingest_done"]:
            def on_batch(n: int, rep: Report) -> None:
                d = rep.as_dict()
                state["batches"].append({"n": n, **{k: d[k] for k in BATCH_KEYS}, "rejected": len(d["rejected"])})
                ckpt.save()
                say(f"{conv.cid}: batch {n} done in {d['seconds']} s ({d['llm_calls']} calls)")

            ingest_turns(MemoryAgents(store, llm), conv.turns, batch_turns, on_batch)
            state["ingest_done"] = True
            state["memories_stored"] = store.count()
            state["memory_examples"] = [f"{m.type.value}: {m.search_text()[:160]}"
                                        for m in store.list_memories(limit=10)]
            ckpt.save()
        agent = ChatAgent(store, llm, ChatConfig(remember=False))
        for q in conv.questions:
            if q.key in state["memory"]:
                continue
            state["memory"][q.key] = _memory_answer(agent, q, now)
            ckpt.save()
            say(f"{conv.cid}: memory answer {_done(state['memory'], conv)}/{len(conv.questions)}")
    if fc_llm is None:
        return
    if any(q.key not in state["full_context"] for q in conv.questions):
        model = fc_llm()
        whole = conversation_text(conv.turns)
        budget = model.context_size - ANSWER_TOKENS - QUESTION_RESERVE - model.count_tokens(FULL_CONTEXT_SYSTEM)
        text, used = fit_to_context(model, whole, budget)
        total = model.count_tokens(whole)
        state["full_context_fit"] = {"n_ctx": model.context_size, "conversation_tokens": total,
                                     "context_tokens": used, "kept_fraction": round(used / max(1, total), 4),
                                     "truncated": used < total}
        for q in conv.questions:
            if q.key in state["full_context"]:
                continue
            state["full_context"][q.key] = _full_context_answer(model, text, q)
            if "first_answer_seconds" not in fc_cost:
                fc_cost["first_answer_seconds"] = state["full_context"][q.key]["seconds"]
            ckpt.save()
            say(f"{conv.cid}: full-context answer {_done(state['full_context'], conv)}/{len(conv.questions)}")


def _done(answers: dict[str, Any], conv: qa_data.Conversation) -> int:
    return sum(q.key in answers for q in conv.questions)


def _memory_answer(agent: ChatAgent, q: qa_data.Question, now: Any) -> dict[str, Any]:
    started = time.perf_counter()
    best = best_relevance(agent, q.question, now)
    answer = agent.ask(q.question, now=now)
    return {"answer": answer.text, "abstained": answer.abstained or is_abstention(answer.text),
            "score": round(qa_score.score(q.category, qa_score.strip_citations(answer.text), q.gold), 4),
            "prompt_tokens": answer.usage.prompt_tokens, "completion_tokens": answer.usage.completion_tokens,
            "seconds": round(time.perf_counter() - started, 2), "citations": len(answer.citations),
            "best_relevance": best}


def best_relevance(agent: ChatAgent, question: str, now: Any) -> float:
    """The highest relevance the agent computes for any hit (before its min_relevance cut)."""
    cfg = agent.config
    hits = search(agent.store, SearchQuery(text=question, limit=cfg.limit, expand=cfg.expand, now=now,
                                           include_invalid=True))
    hits = [h for h in hits if h.memory.app != CHAT_APP and h.memory.type is not MemoryType.CORE]
    return round(max(agent.relevance(question, hits, now), default=0.0), 4)


def _full_context_answer(llm: LLM, conversation: str, q: qa_data.Question) -> dict[str, Any]:
    started = time.perf_counter()
    reply = llm.complete(full_context_messages(conversation, q.question), max_tokens=ANSWER_TOKENS)
    text = reply.text.strip()
    return {"answer": text, "abstained": is_abstention(text),
            "score": round(qa_score.score(q.category, text, q.gold), 4),
            "prompt_tokens": reply.usage.prompt_tokens, "completion_tokens": reply.usage.completion_tokens,
            "seconds": round(time.perf_counter() - started, 2)}


def report(state: dict[str, Any], items: list[dict[str, Any]], cats: list[int]) -> dict[str, Any]:
    """The result JSON from a (complete or partial) checkpoint state."""
    rows: list[dict[str, Any]] = []
    convs: list[dict[str, Any]] = []
    ingest = {"batches": 0, "llm_calls": 0, "prompt_tokens": 0, "completion_tokens": 0, "seconds": 0.0,
              "errors": 0, "rejected": 0}
    ops: dict[str, int] = {}
    for item in items:
        cid = str(item.get("sample_id"))
        st = state["conversations"].get(cid)
        if st is None:
            continue
        for index in st.get("questions", []):
            qa = item["qa"][index]
            row: dict[str, Any] = {"conversation": cid, "index": index, "question": qa["question"],
                                   "category": int(qa["category"]),
                                   "gold": str(qa.get("answer", qa.get("adversarial_answer", "")))}
            for system in qa_score.SYSTEMS:
                if str(index) in st[system]:
                    # scored again here, so a checkpoint written by an older scorer reports consistently
                    ans = st[system][str(index)]
                    score = qa_score.score(row["category"], qa_score.strip_citations(ans["answer"]), row["gold"])
                    row[system] = {**ans, "score": round(score, 4)}
            if "memory" in row or "full_context" in row:
                rows.append(row)
        for b in st["batches"]:
            ingest["batches"] += 1
            for k in ("llm_calls", "prompt_tokens", "completion_tokens", "seconds", "rejected"):
                ingest[k] += b[k]
            ingest["errors"] += b["error"] is not None
            for op, n in b["ops"].items():
                ops[op] = ops.get(op, 0) + n
        convs.append({"conversation": cid, "sessions": st.get("sessions"), "turns": st.get("turns"),
                      "questions": len(st.get("questions", [])), "batches": len(st["batches"]),
                      "ingest_done": st["ingest_done"], "memories_stored": st.get("memories_stored"),
                      "memory_answers": sum(str(i) in st["memory"] for i in st.get("questions", [])),
                      "full_context_answers": sum(str(i) in st["full_context"] for i in st.get("questions", [])),
                      "full_context_fit": st.get("full_context_fit"), "memory_examples": st.get("memory_examples", [])})
    per = max(1, ingest["batches"])
    ingest_tokens = ingest["prompt_tokens"] + ingest["completion_tokens"]
    ingest_summary = {**ingest, "seconds": round(ingest["seconds"], 2), "ops": ops,
                      "llm_calls_per_batch": round(ingest["llm_calls"] / per, 2),
                      "tokens_per_batch": round(ingest_tokens / per, 1),
                      "seconds_per_batch": round(ingest["seconds"] / per, 2)}
    # Compare the systems on the same questions: while a run is under way the baseline lags behind.
    paired = [r for r in rows if all(s in r for s in qa_score.SYSTEMS)]
    scored = paired if paired else rows
    summ = qa_score.summary(scored)
    summ["memory_only_questions"] = len(rows) - len(scored)
    if "memory" in summ and "full_context" in summ and summ["full_context"]["tokens_per_answer"]:
        summ["memory_tokens_share_of_full_context"] = round(
            summ["memory"]["tokens_per_answer"] / summ["full_context"]["tokens_per_answer"], 4)
    if "memory" in summ and rows:  # ingest is paid once per conversation: spread over the questions asked
        summ["memory"]["ingest_tokens_per_question"] = round(ingest_tokens / len(rows), 1)
    complete = all(c["ingest_done"] and c["memory_answers"] == c["questions"]
                   and (c["full_context_answers"] in (0, c["questions"])) for c in convs) and len(convs) == len(items)
    return {"model": state["config"]["model"], "config": state["config"], "complete": complete,
            "categories": {str(c): qa_score.CATEGORIES[c] for c in cats}, "summary": summ,
            "by_category": qa_score.by_category(scored), "ingest": ingest_summary, "conversations": convs,
            "full_context_cost": state.get("full_context_cost", {}),
            "abstention_sweep": qa_score.threshold_sweep(rows, SWEEP), "rows": rows}
