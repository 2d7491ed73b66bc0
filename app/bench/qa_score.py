"""LOCOMO QA scoring and aggregation: token F1, abstention, per-category tables, threshold sweep.

Pure functions over result rows (dicts), so the breakdown is testable without a model.
Category numbers follow the LOCOMO release: 1 multi-hop, 2 temporal, 3 open-domain, 4 single-hop,
5 adversarial (the answer is not in the conversation: correct means abstaining).
"""

from __future__ import annotations

import re
import statistics
import string
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

from reverie.core.agents.chat import is_abstention

CATEGORIES = {1: "multi-hop", 2: "temporal", 3: "open-domain", 4: "single-hop", 5: "adversarial"}
ADVERSARIAL = 5
SYSTEMS = ("memory", "full_context")


def strip_citations(text: str) -> str:
    """The answer without its citation tags ([2]): the UI shows them as links, they are not words of it."""
    return re.sub(r"\s*\[\d+\]", "", text).strip()


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
    """F1 for answerable questions (an abstention scores 0); 1/0 abstention accuracy for category 5."""
    if category == ADVERSARIAL:
        return 1.0 if is_abstention(prediction) else 0.0
    return 0.0 if is_abstention(prediction) else f1(prediction, gold)


def mean(values: Iterable[float]) -> float:
    vals = list(values)
    return round(statistics.fmean(vals), 4) if vals else 0.0


def by_category(rows: Sequence[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Per category and system: n, mean score (F1, or accuracy for cat 5), abstention rate, tokens."""
    table: dict[str, dict[str, Any]] = {}
    for cat in sorted({int(r["category"]) for r in rows}):
        sub = [r for r in rows if int(r["category"]) == cat]
        entry: dict[str, Any] = {"name": CATEGORIES.get(cat, str(cat)), "n": len(sub)}
        for system in SYSTEMS:
            answered = [r[system] for r in sub if system in r]
            if not answered:
                continue
            entry[system] = {
                "n": len(answered),
                "score": mean(a["score"] for a in answered),
                "abstention_rate": mean(float(a["abstained"]) for a in answered),
                "tokens_per_answer": mean(a["prompt_tokens"] + a["completion_tokens"] for a in answered),
            }
        table[str(cat)] = entry
    return table


def summary(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Overall figures per system. `f1` averages answerable categories (1-4) only; cat 5 is reported
    as abstention accuracy, as mixing a 0/1 accuracy into an F1 mean hides both."""
    out: dict[str, Any] = {"questions": len(rows)}
    for system in SYSTEMS:
        answered = [(int(r["category"]), r[system]) for r in rows if system in r]
        if not answered:
            continue
        answerable = [a for c, a in answered if c != ADVERSARIAL]
        adversarial = [a for c, a in answered if c == ADVERSARIAL]
        out[system] = {
            "n": len(answered),
            "f1": mean(a["score"] for a in answerable),
            "score_all": mean(a["score"] for _, a in answered),
            "adversarial_accuracy": mean(a["score"] for a in adversarial) if adversarial else None,
            "abstention_rate_answerable": mean(float(a["abstained"]) for a in answerable),
            "prompt_tokens": mean(a["prompt_tokens"] for _, a in answered),
            "completion_tokens": mean(a["completion_tokens"] for _, a in answered),
            "tokens_per_answer": mean(a["prompt_tokens"] + a["completion_tokens"] for _, a in answered),
            "seconds_per_answer": mean(a["seconds"] for _, a in answered),
        }
    return out


def threshold_sweep(rows: Sequence[dict[str, Any]], thresholds: Sequence[float]) -> list[dict[str, Any]]:
    """What abstaining whenever retrieval's best relevance < t would do to the memory system:
    adversarial accuracy gained vs answerable F1 lost (the basis for calibrating ChatConfig.min_relevance)."""
    scored = [r for r in rows if "memory" in r and r["memory"].get("best_relevance") is not None]
    out = []
    for t in thresholds:
        answerable, adversarial = [], []
        for r in scored:
            m = r["memory"]
            abstains = m["best_relevance"] < t or m["abstained"]
            if int(r["category"]) == ADVERSARIAL:
                adversarial.append(1.0 if abstains else 0.0)
            else:
                answerable.append(0.0 if abstains else m["score"])
        out.append({"threshold": t, "f1": mean(answerable),
                    "adversarial_accuracy": mean(adversarial) if adversarial else None})
    return out
