"""LOCOMO conversations and question selection for `reverie bench qa`.

Sampling is deterministic (string-seeded per conversation and category) and stratified: a
limited run keeps each category's share of the questions, so a 60-question sample of a
conversation has the same mix as its 200 questions.
"""

from __future__ import annotations

import json
import random
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reverie.core.chat_import import ChatTurn, iter_locomo
from reverie.errors import UserFacingError


@dataclass(frozen=True)
class Question:
    index: int  # position in the conversation's qa list: the stable key for checkpoints
    question: str
    category: int
    gold: str

    @property
    def key(self) -> str:
        return str(self.index)


@dataclass(frozen=True)
class Conversation:
    cid: str
    turns: list[ChatTurn]
    sessions: int
    questions: list[Question]


def load_items(data: Path) -> list[dict[str, Any]]:
    try:
        items = json.loads(Path(data).read_text())
    except (OSError, ValueError) as exc:
        raise UserFacingError(f"cannot read LOCOMO data {data}: {exc}") from exc
    if not isinstance(items, list) or not all(isinstance(i, dict) and "qa" in i for i in items):
        raise UserFacingError(f"{data} is not a LOCOMO file (a list of conversations with 'qa')")
    return items


def parse_categories(text: str) -> list[int]:
    try:
        cats = sorted({int(c) for c in text.split(",") if c.strip()})
    except ValueError as exc:
        raise UserFacingError(f"--categories wants numbers 1-5 separated by commas, got {text!r}") from exc
    if not cats or not set(cats) <= {1, 2, 3, 4, 5}:
        raise UserFacingError(f"--categories wants numbers 1-5 separated by commas, got {text!r}")
    return cats


def turns_of(item: dict[str, Any]) -> tuple[str, list[ChatTurn]]:
    with tempfile.TemporaryDirectory(prefix="reverie-qa-") as tmp:
        one = Path(tmp) / "conv.json"
        one.write_text(json.dumps([item]))
        found: tuple[str, list[ChatTurn]] = next(iter_locomo(one))
        return found


def conversation(item: dict[str, Any], sessions: int, categories: Sequence[int], limit: int,
                 seed: int) -> Conversation:
    """The first `sessions` sessions (0 = all) and the questions answerable from them."""
    cid, turns = turns_of(item)
    all_sessions = sorted({t.session for t in turns})
    keep = all_sessions if sessions <= 0 else all_sessions[:sessions]
    turns = [t for t in turns if t.session in set(keep)]
    dia_ids = {t.dia_id for t in turns}
    whole = len(keep) == len(all_sessions)
    pool = []
    for index, qa in enumerate(item["qa"]):
        evidence = set(qa.get("evidence") or [])
        if int(qa.get("category", 0)) not in categories:
            continue
        if (evidence and evidence <= dia_ids) or (whole and not evidence):
            gold = str(qa.get("answer", qa.get("adversarial_answer", "")))
            pool.append(Question(index, str(qa["question"]), int(qa["category"]), gold))
    return Conversation(cid, turns, len(keep), stratified(pool, limit, f"{seed}:{cid}"))


def stratified(pool: Sequence[Question], limit: int, seed: str) -> list[Question]:
    """`limit` questions (0 = all) with each category's share kept (largest remainder, at least one
    per category when the limit allows), in the dataset's order."""
    if limit <= 0 or limit >= len(pool):
        return list(pool)
    by_cat: dict[int, list[Question]] = {}
    for q in pool:
        by_cat.setdefault(q.category, []).append(q)
    quota = {c: limit * len(qs) / len(pool) for c, qs in by_cat.items()}
    take = {c: int(v) for c, v in quota.items()}
    if limit >= len(by_cat):
        for c in take:
            take[c] = max(take[c], 1)
    order = sorted(by_cat, key=lambda c: (-(quota[c] - int(quota[c])), c))
    i = 0
    while sum(take.values()) < limit:  # hand out the remainder, largest fractional share first
        c = order[i % len(order)]
        if take[c] < len(by_cat[c]):
            take[c] += 1
        i += 1
    while sum(take.values()) > limit:  # the at-least-one rule overshot: trim the biggest
        c = max(take, key=lambda k: take[k])
        take[c] -= 1
    chosen: list[Question] = []
    for c, qs in by_cat.items():
        chosen += random.Random(f"{seed}:{c}").sample(qs, take[c])
    return sorted(chosen, key=lambda q: q.index)
