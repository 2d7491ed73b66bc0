"""LOCOMO question answering: answers from memories vs the same model reading the whole conversation.

The first `sessions` sessions of one conversation are ingested by the memory agents (the same
path as `reverie ingest-chat`); questions whose evidence lies in those sessions are answered by
the chat agent from memory, then by the same model with the conversation itself in its prompt
(cut to its context, which the result records). Token-level F1 after normalisation (lowercase,
punctuation and articles removed), as LOCOMO reports it; category 5 (adversarial: the answer is
not in the conversation) counts as correct when the answer abstains. Small by default: the 0.5B
model answers at ~23 tok/s on 2 CPU cores.
"""

from __future__ import annotations

import json
import statistics
import string
import tempfile
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

from reverie.core.agents.chat import ChatAgent, ChatConfig, is_abstention
from reverie.core.agents.ingest import ingest_turns
from reverie.core.agents.pipeline import MemoryAgents
from reverie.core.chat_import import ChatTurn, iter_locomo
from reverie.core.protocols import LLM, ChatMessage
from reverie.core.store.keys import KeyOptions
from reverie.core.store.store import MemoryStore

FULL_CONTEXT_SYSTEM = """Answer the question using only the conversation below. Answer in a few words.
If the conversation does not contain the answer, reply exactly: I don't know."""
ANSWER_TOKENS = 64


def normalize(text: str) -> list[str]:
    text = text.lower()
    text = "".join(" " if ch in string.punctuation else ch for ch in text)
    return [w for w in text.split() if w not in {"a", "an", "the", "and"}]


def f1(prediction: str, gold: str) -> float:
    pred, ref = normalize(prediction), normalize(gold)
    common = sum((Counter(pred) & Counter(ref)).values())
    if not pred or not ref or common == 0:
        return 0.0
    precision, recall = common / len(pred), common / len(ref)
    return 2 * precision * recall / (precision + recall)


def score(category: int, prediction: str, gold: str) -> float:
    if category == 5:
        return 1.0 if is_abstention(prediction) else 0.0
    return 0.0 if is_abstention(prediction) else f1(prediction, gold)


def conversation_text(turns: list[ChatTurn]) -> str:
    lines: list[str] = []
    session = None
    for t in turns:
        if t.session != session:
            session = t.session
            lines.append(f"-- {t.occurred_at:%d %B %Y} --" if t.occurred_at else "--")
        lines.append(f"{t.speaker}: {t.text}")
    return "\n".join(lines)


def full_context_answer(llm: LLM, conversation: str, question: str) -> tuple[str, int, bool]:
    """Answer with the conversation in the prompt, cut from the front to fit the context."""
    budget = llm.context_size - ANSWER_TOKENS - llm.count_tokens(FULL_CONTEXT_SYSTEM + question) - 96
    truncated = False
    while llm.count_tokens(conversation) > budget:
        truncated = True
        conversation = conversation[len(conversation) // 10:]  # drop the oldest tenth; answers favour recent talk
    messages = [ChatMessage("system", FULL_CONTEXT_SYSTEM),
                ChatMessage("user", f"{conversation}\n\nQuestion: {question}")]
    reply = llm.complete(messages, max_tokens=ANSWER_TOKENS)
    return reply.text.strip(), reply.usage.prompt_tokens, truncated


def make_llm(llm_url: str | None, llm_model: str | None, n_ctx: int, threads: int | None) -> LLM:
    from reverie.models.llm_factory import make_llm as factory
    from reverie.models.model_manager import resolve_default_llm
    from reverie.paths import models_dir

    if llm_url:
        return factory("openai", url=llm_url, model=llm_model, n_ctx=n_ctx)
    info = resolve_default_llm(models_dir(), llm_model)
    return factory("llamacpp", model_path=info.path, n_ctx=n_ctx, threads=threads)


def run(data: Path, limit: int = 20, llm_url: str | None = None, llm_model: str | None = None, *,
        sessions: int = 2, conversation: int = 0, batch_turns: int = 10, n_ctx: int = 4096, threads: int | None = None,
        llm: LLM | None = None, embedder: Any = None) -> dict[str, Any]:
    if llm is None:
        llm = make_llm(llm_url, llm_model, n_ctx, threads)
    if embedder is None:
        from reverie.models.embedder import OnnxEmbedder

        embedder = OnnxEmbedder()
    items = json.loads(Path(data).read_text())
    item = items[conversation]
    with tempfile.TemporaryDirectory(prefix="reverie-qa-") as tmp:
        one = Path(tmp) / "conv.json"
        one.write_text(json.dumps([item]))
        _cid, turns = next(iter_locomo(one))
        keep = sorted({t.session for t in turns})[:sessions]
        turns = [t for t in turns if t.session in keep]
        dia_ids = {t.dia_id for t in turns}
        questions = [q for q in item["qa"] if q.get("evidence") and set(q["evidence"]) <= dia_ids][:limit]
        conversation_str = conversation_text(turns)
        with MemoryStore.open(Path(tmp) / "home", KeyOptions(passphrase="bench"), embedder) as store:
            ingest = ingest_turns(MemoryAgents(store, llm), turns, batch_turns)
            stored = store.count()
            examples = [f"{m.type.value}: {m.search_text()[:160]}" for m in store.list_memories(limit=10)]
            agent = ChatAgent(store, llm, ChatConfig(remember=False))
            now = max(t.occurred_at for t in turns if t.occurred_at) + timedelta(days=1)
            rows = [_ask(agent, llm, conversation_str, q, now) for q in questions]
    by_cat: dict[str, dict[str, Any]] = {}
    for cat in sorted({r["category"] for r in rows}):
        sub = [r for r in rows if r["category"] == cat]
        by_cat[str(cat)] = {"n": len(sub), "f1": _mean(r["f1"] for r in sub),
                            "full_context_f1": _mean(r["full_context_f1"] for r in sub)}
    report = ingest.as_dict()
    return {
        "model": llm.name, "conversation": item.get("sample_id"), "sessions": len(keep), "questions": len(rows),
        "f1": _mean(r["f1"] for r in rows), "full_context_f1": _mean(r["full_context_f1"] for r in rows),
        "prompt_tokens": _mean(r["prompt_tokens"] for r in rows),
        "full_context_prompt_tokens": _mean(r["full_context_prompt_tokens"] for r in rows),
        "full_context_truncated": any(r["truncated"] for r in rows),
        "conversation_tokens": llm.count_tokens(conversation_str),
        "answer_seconds": _mean(r["seconds"] for r in rows),
        "full_context_answer_seconds": _mean(r["full_context_seconds"] for r in rows),
        "llm_calls_per_batch": report["llm_calls_per_batch"], "seconds_per_batch": report["seconds_per_batch"],
        "tokens_per_batch": report["tokens_per_batch"], "batches": report["batches"],
        "ingest_ops": report["ops"], "memories_stored": stored, "rejected_by_guards": len(report["rejected"]),
        "abstained": sum(r["abstained"] for r in rows), "rerouted": len(report["rerouted"]),
        "memory_examples": examples, "rejected_examples": report["rejected"][:10],
        "by_category": by_cat, "rows": rows,
    }


def _ask(agent: ChatAgent, llm: LLM, conversation: str, qa: dict[str, Any], now: Any) -> dict[str, Any]:
    category = int(qa.get("category", 0))
    gold = str(qa.get("answer", qa.get("adversarial_answer", "")))
    started = time.perf_counter()
    answer = agent.ask(str(qa["question"]), now=now)
    seconds = time.perf_counter() - started
    started = time.perf_counter()
    fc_text, fc_tokens, truncated = full_context_answer(llm, conversation, str(qa["question"]))
    return {
        "question": qa["question"], "category": category, "gold": gold,
        "answer": answer.text, "citations": len(answer.citations), "abstained": answer.abstained,
        "f1": round(score(category, answer.text, gold), 4), "prompt_tokens": answer.usage.prompt_tokens,
        "seconds": round(seconds, 2),
        "full_context_answer": fc_text, "full_context_f1": round(score(category, fc_text, gold), 4),
        "full_context_prompt_tokens": fc_tokens, "truncated": truncated,
        "full_context_seconds": round(time.perf_counter() - started, 2),
    }


def _mean(values: Any) -> float:
    vals = list(values)
    return round(statistics.fmean(vals), 4) if vals else 0.0

