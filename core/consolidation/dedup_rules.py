"""Is this near-neighbour pair the same memory? Rules first; an LLM only for the unsure middle.

Merging two different facts loses one of them, while keeping a duplicate only costs a line in a
search result, so every rule here is a veto or a narrow acceptance and anything else is UNSURE.
"""

from __future__ import annotations

import enum
from datetime import datetime

from reverie.core.consolidation.textnorm import (
    Features,
    NameRun,
    features,
    jaccard,
    name_runs,
    opposed,
    stem,
    values_match,
)
from reverie.core.types import EpisodicMemory, Memory, ProceduralMemory, SemanticMemory


class Verdict(enum.Enum):
    MERGE = "merge"
    REJECT = "reject"
    UNSURE = "unsure"


def pair_text(mem: Memory) -> str:
    """The record as one text; a semantic name that merely repeats the summary's start is dropped."""
    if isinstance(mem, SemanticMemory) and mem.summary.startswith(mem.name):
        return " ".join(p for p in (mem.summary, mem.details) if p)
    if isinstance(mem, ProceduralMemory):
        return mem.search_text()
    return mem.search_text().replace("\n", ". ")


def when(mem: Memory) -> datetime:
    return mem.occurred_at or mem.valid_from or mem.created_at


def judge(a: Memory, b: Memory, cosine: float, episodic_window_s: float,
          fa: Features | None = None, fb: Features | None = None) -> tuple[Verdict, str]:
    if a.type is not b.type:
        return Verdict.REJECT, "different types"
    if a.sensitivity is not b.sensitivity:
        return Verdict.REJECT, "different sensitivity"
    if isinstance(a, EpisodicMemory) and abs((when(a) - when(b)).total_seconds()) > episodic_window_s:
        return Verdict.REJECT, "events far apart in time"
    fa = fa or features(pair_text(a))
    fb = fb or features(pair_text(b))
    if fa.polarity != fb.polarity:
        return Verdict.REJECT, "negation or cancellation differs"
    if opposed(fa, fb):
        return Verdict.REJECT, "opposite actions"
    if fa.values and fb.values and not values_match(fa.values, fb.values):
        return Verdict.REJECT, "numbers, dates or times differ"
    runs_a, runs_b = name_runs(pair_text(a)), name_runs(pair_text(b))
    strong_a, soft_a, full_a = _names(runs_a, fb)
    strong_b, soft_b, full_b = _names(runs_b, fa)
    # An unmatched opening word that starts a longer name ("Keiko Ivanova goes …") is a first name
    # when the other text has a name of its own that this one lacks ("… Liam Ivanova goes …").
    if ((strong_a or full_a) and (strong_b or full_b) and (strong_a or strong_b)) \
            or _first_names_differ(runs_a, runs_b):
        return Verdict.REJECT, "different names"
    if bool(fa.values) != bool(fb.values):
        return Verdict.UNSURE, "one side has numbers or dates the other lacks"
    # A capitalised word opening the sentence may be a name ("Alice lives …" / "Bob lives …") or just
    # grammar ("Booked a flight …" / "Reserved a flight …"). Swapped names pull MiniLM's cosine
    # down to 0.63-0.83 on such pairs, rephrased verbs keep it above 0.88: so demand that.
    swap = bool(soft_a and soft_b)
    ta = fa.tokens - {stem(w) for w in soft_a} if swap else fa.tokens
    tb = fb.tokens - {stem(w) for w in soft_b} if swap else fb.tokens
    if len(ta) < 2 or len(tb) < 2:
        return (Verdict.MERGE, "same short text") if ta == tb and cosine >= 0.9 \
            else (Verdict.UNSURE, "too short to judge")
    j = jaccard(ta, tb)
    if pair_text(a).islower() or pair_text(b).islower():
        # Without capitals the name checks above saw nothing: only the same words may merge.
        return (Verdict.MERGE, "same words, different case") if ta == tb and cosine >= 0.85 \
            else (Verdict.UNSURE, "lower-case text: names cannot be checked")
    # Substituted content words on both sides ("milk and eggs" / "milk and bread") are how a
    # different fact looks too, so they need a near-identical embedding as well.
    substituted = bool(ta - tb) and bool(tb - ta)
    if swap:
        if cosine >= 0.88 and j >= 0.5:
            return Verdict.MERGE, f"same fact, different opening word (cos {cosine:.2f}, jaccard {j:.2f})"
        return Verdict.UNSURE, f"different opening words (cos {cosine:.2f}, jaccard {j:.2f})"
    if cosine >= 0.95 and j >= 0.35:
        return Verdict.MERGE, f"near-identical (cos {cosine:.2f}, jaccard {j:.2f})"
    if not substituted and cosine >= 0.85 and j >= 0.5:
        return Verdict.MERGE, f"one restates the other (cos {cosine:.2f}, jaccard {j:.2f})"
    if cosine >= 0.90 and j >= 0.6:
        return Verdict.MERGE, f"paraphrase (cos {cosine:.2f}, jaccard {j:.2f})"
    return Verdict.UNSURE, f"similar but not clearly the same (cos {cosine:.2f}, jaccard {j:.2f})"


def _first_names_differ(ra: list[NameRun], rb: list[NameRun]) -> bool:
    """'Maya Chen drives …' / 'Diego Chen drives …': both open with a full name, same surname."""
    if not ra or not rb or not (ra[0].initial and rb[0].initial and ra[0].words > 1 and rb[0].words > 1):
        return False
    head_a, *tail_a = ra[0].text.split()
    head_b, *tail_b = rb[0].text.split()
    return tail_a == tail_b and head_a != head_b


def _names(runs: list[NameRun], other: Features) -> tuple[set[str], set[str], bool]:
    """Names that `other` never mentions: (names, capitalised opening words that may be grammar,
    whether such an opening word starts a longer capitalised run)."""
    strong: set[str] = set()
    soft: set[str] = set()
    head_of_run = False
    for run in runs:
        words = run.text.split()
        if run.initial:  # "Watched Interstellar …": the opening capital says nothing about "Watched"
            if words[0] not in other.words:
                soft.add(words[0])
                head_of_run = len(words) > 1
            words = words[1:]
        if words and not set(words) <= other.words:
            strong.add(" ".join(words))
    return strong, soft, head_of_run
