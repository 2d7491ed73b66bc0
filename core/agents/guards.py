"""Junk filters for candidate memories, run before anything reaches the store.

An audit of a mem0 deployment found most stored memories were junk: restated system prompts,
invented profiles, recalled memories re-extracted as new. Small local models make this worse
(SmolLM2 emits valid JSON full of nonsense; Qwen 0.5B invents the odd relation). So a candidate
must be *supported by its source text*: most content words appear there, and every number and
every name does. Cheap lexical checks, no model call.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from reverie.core.retrieval.text_query import STOPWORDS

_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*|\d+(?:[.,:]\d+)*")
_MONTHS = {m.lower(): i for i, m in enumerate(calendar.month_name) if m}
_MONTHS.update({m.lower(): i for i, m in enumerate(calendar.month_abbr) if m})
_WEEKDAYS = {d.lower() for d in calendar.day_name}
# Words a model needs to phrase a fact about what it read; they carry no claim of their own.
_PHRASING = frozenset(
    "user person someone people speaker assistant mentioned mentions said says told talked talks discussed "
    "discusses shared shares asked asks plans planned wants wanted likes liked loves loved enjoys enjoyed "
    "prefers preferred feels felt thinks thought believes described describes expressed expresses is are was "
    "were has had have went goes attended visited started recently currently also about which who their "
    "they them his her she he it its this that there date time day week month year today yesterday "
    "screen window app opened viewed reading using used working".split()
)
# Chat fillers: a line made only of these (plus names and questions) is small talk, not a memory.
_FILLER = frozenset(
    "hey hi hello bye thanks thank wow cool great awesome amazing nice yeah yep yes ok okay sure lol haha love "
    "really totally so much good glad happy sounds sound seems soon see talk chat catch hope doing well guess "
    "fun pretty just gonna wanna kinda lot stuff anything everything something new".split()
)
_DATE_DMY = re.compile(r"\b(\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?([A-Za-z]+)\.?,?\s+(\d{4})\b")
_DATE_MDY = re.compile(r"\b([A-Za-z]+)\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})\b")
_DATE_MY = re.compile(r"\b([A-Za-z]+)\.?,?\s+(\d{4})\b")


@dataclass(frozen=True)
class GuardConfig:
    min_chars: int = 12
    min_words: int = 2
    min_support: float = 0.6  # share of content words that must occur in the source text
    max_instruction_overlap: float = 0.5  # share of words found only in the instructions
    duplicate_jaccard: float = 0.8  # within a batch and against shown / stored memories
    min_informative: int = 2  # words in statements beyond fillers and phrasing (names count, questions don't)


def stem(word: str) -> str:
    """A deliberately crude stemmer: enough to match love~loves~loved, paint~painting, class~classes.

    Applied to both sides of every comparison, so it only has to be consistent, not linguistic.
    """
    w = word.lower().replace("’", "'").removesuffix("'s")
    if len(w) > 4 and re.search(r"(?:s|x|z|ch|sh)es$", w):
        w = w[:-2]
    elif len(w) > 3 and w.endswith("s") and not w.endswith(("ss", "us", "is")):
        w = w[:-1]
    for suffix in ("ing", "ed", "ly"):
        if w.endswith(suffix) and len(w) - len(suffix) >= 3:
            w = w[: -len(suffix)]
            break
    if len(w) > 3 and w.endswith("e"):
        w = w[:-1]
    if len(w) > 3 and w[-1] == w[-2] and w[-1] not in "lsaeiou":  # runn → run, stopp → stop
        w = w[:-1]
    return w


def tokens(text: str) -> list[str]:
    return _WORD.findall(text)


def content_stems(text: str) -> set[str]:
    return {stem(t) for t in tokens(text) if (t.lower() not in STOPWORDS and len(t) > 1) or t.isdigit()}


def jaccard(a: str, b: str) -> float:
    sa, sb = content_stems(a), content_stems(b)
    return len(sa & sb) / len(sa | sb) if sa and sb else 0.0


class SourceText:
    """The words of a batch's source text, prepared once for checking many candidates."""

    def __init__(self, text: str, times: Sequence[datetime] = ()) -> None:
        self.text = text
        self.stems = {stem(t) for t in tokens(text)}
        self.lower = text.lower()
        self.numbers = {t for t in tokens(text) if t[0].isdigit()}
        self.days = _days_around(times)

    def supports_word(self, stem_: str) -> bool:
        return stem_ in self.stems or (len(stem_) >= 5 and stem_ in self.lower)


def check(text: str, source: SourceText, instructions: SourceText | None = None,
          config: GuardConfig | None = None) -> str | None:
    """None when the candidate text passes; otherwise the reason it is rejected."""
    cfg = config or GuardConfig()
    stripped = text.strip()
    words = [t for t in tokens(stripped) if t.lower() not in STOPWORDS or t.isdigit()]
    if len(stripped) < cfg.min_chars or len(words) < cfg.min_words:
        return f"too short: {stripped!r}"
    if _informative(stripped) < cfg.min_informative:
        return f"small talk or a question, not a memory: {stripped[:60]!r}"
    date_numbers = _date_numbers(stripped, source.days)
    for t in tokens(stripped):
        if t[0].isdigit() and t not in source.numbers and t not in date_numbers:
            return f"number {t!r} is not in the source"
    for name in _names(stripped):
        if not source.supports_word(stem(name)) and name.lower() not in _MONTHS and name.lower() not in _WEEKDAYS:
            return f"name {name!r} is not in the source"
    stems = {stem(w) for w in words if not w[0].isdigit()} - _PHRASING - set(_MONTHS) - _WEEKDAYS
    if not stems:
        return None
    unsupported = {s for s in stems if not source.supports_word(s)}
    if instructions is not None:
        from_instructions = {s for s in unsupported if instructions.supports_word(s)}
        if len(from_instructions) / len(stems) > cfg.max_instruction_overlap or _shares_trigram(
                stripped, instructions, source):
            return "restates the instructions, not the source"
    support = 1 - len(unsupported) / len(stems)
    if support < cfg.min_support:
        return f"unsupported by the source ({support:.0%} of content words found; missing {sorted(unsupported)[:4]})"
    return None


def is_filler(word: str) -> bool:
    return word.lower() in _FILLER


def _informative(text: str) -> int:
    """Content words in the text's statements (questions dropped), not counting names or fillers."""
    statements = [x for x in re.split(r"(?<=[.!?])\s+", text) if x.strip() and not x.strip().endswith("?")]
    words: set[str] = set()
    for statement in statements:
        for i, w in enumerate(tokens(statement)):
            # A capital mid-sentence is a name (informative); one opening a sentence says nothing.
            if (w[0].isdigit() or (len(w) > 2 and w.lower() not in STOPWORDS)) and (i > 0 or not w[0].isupper()):
                words.add(w if w[0].isdigit() else stem(w))
    return len(words - {stem(f) for f in _FILLER} - _PHRASING)


def near_duplicate(text: str, others: Iterable[tuple[str, str]], threshold: float) -> str | None:
    """The id of the first (id, text) pair whose content words overlap `text` by ≥ threshold."""
    for other_id, other in others:
        if jaccard(text, other) >= threshold:
            return other_id
    return None


def _names(text: str) -> list[str]:
    """Capitalised words that are not sentence-initial: the names a model could invent."""
    out: list[str] = []
    for sentence in re.split(r"(?<=[.!?:;])\s+", text):
        words = _WORD.findall(sentence)
        for w in words[1:]:
            if w[0].isupper() and w.lower() not in STOPWORDS and w.lower() not in _PHRASING:
                out.append(w)
    return out


def _shares_trigram(text: str, instructions: SourceText, source: SourceText) -> bool:
    """A run of three words copied from the instructions that the source does not contain."""
    words = [w.lower() for w in tokens(text)]
    for i in range(len(words) - 2):
        if all(w in STOPWORDS or source.supports_word(stem(w)) for w in words[i:i + 3]):
            continue  # every word is common English or in the source: not a quotation of the prompt
        gram = " ".join(words[i:i + 3])
        if gram in instructions.lower and gram not in source.lower:
            return True
    return False


def _days_around(times: Sequence[datetime]) -> set[date]:
    """Dates a model may legitimately write: the batch's days and the five weeks before them
    ("yesterday", "last Saturday" resolved to a date)."""
    out: set[date] = set()
    for t in times:
        d = t.date()
        out.update(d - timedelta(days=i) for i in range(36))
        out.add(d + timedelta(days=1))
    return out


def _date_numbers(text: str, days: set[date]) -> set[str]:
    """Numbers in `text` that belong to a date near the batch's own dates."""
    years = {d.year for d in days} | {d.year - 1 for d in days}
    ok: set[str] = set()
    for day, month, year in _DATE_DMY.findall(text):
        if _valid(int(year), _MONTHS.get(month.lower(), 0), int(day), days):
            ok.update({day, year})
    for month, day, year in _DATE_MDY.findall(text):
        if _valid(int(year), _MONTHS.get(month.lower(), 0), int(day), days):
            ok.update({day, year})
    for month, year in _DATE_MY.findall(text):
        if month.lower() in _MONTHS and int(year) in years:
            ok.add(year)
    ok.update(t for t in tokens(text) if t.isdigit() and len(t) == 4 and int(t) in years)
    return ok


def _valid(year: int, month: int, day: int, days: set[date]) -> bool:
    try:
        return date(year, month, day) in days
    except ValueError:
        return False
