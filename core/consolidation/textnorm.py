"""Cheap text features for pair rules: canonical values (numbers, dates, times), named entities,
content tokens and polarity words. Dates and amounts written differently ("March 3, 2024",
"2024-03-03", "$1,200", "1200 dollars") become the same canonical value, so formatting alone never
makes two facts look different, and a changed value always does.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass

MONTHS = {m.lower(): i for i, m in enumerate(calendar.month_name) if m}
MONTHS.update({m.lower(): i for i, m in enumerate(calendar.month_abbr) if m})
MONTHS["sept"] = 9
_MON = "|".join(sorted(MONTHS, key=len, reverse=True))
_ORD = r"(?:st|nd|rd|th)?"
_NUM_WORDS = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
              "ten": 10, "eleven": 11, "twelve": 12, "twenty": 20, "thirty": 30, "hundred": 100, "dozen": 12}
_SCALE = {"k": 1e3, "thousand": 1e3, "m": 1e6, "million": 1e6, "bn": 1e9, "billion": 1e9}

STOP = frozenset("""
a an the and or but if of to in on at by for from with about as into onto over under after before
is are was were be been being am do does did done has have had having will would shall should can
could may might must i me my mine we us our you your he him his she her it its they them their this
that these those there here what which who whom whose when where why how than then so too very just
also per each every all any some such own same other again once up down out off only now still
dollars dollar usd eur euros euro pounds gbp percent o'clock s t
""".split())
NEGATIONS = frozenset({"not", "no", "never", "none", "nobody", "nothing", "neither", "nor", "without",
                       "cannot", "cant", "dont", "doesnt", "didnt", "isnt", "wasnt", "arent", "werent",
                       "wont", "hasnt", "havent", "hadnt", "shouldnt", "wouldnt", "couldnt", "longer"})
# Words that flip an event or a state without a negation word: "meeting cancelled", "former employer".
FLIPS = frozenset({"cancel", "cancell", "postpon", "declin", "reject", "fail", "stopp", "quit", "former",
                   "ex", "refund", "undo", "revert", "unsubscrib", "delet", "remov"})

# Verbs and adjectives whose swap reverses a fact while the embedding barely moves ("sold his car" /
# "bought his car" score 0.97 with MiniLM). Each group: words on one side, words on the other.
_OPPOSITES_RAW = (
    ("buy bought purchase purchased", "sell sold"),
    ("start started began begin join joined hired", "left leave quit stop stopped fired end ended"),
    ("arrive arrived", "depart departed leave left"),
    ("send sent gave give lend lent", "receive received got get borrow borrowed"),
    ("win won", "lose lost"),
    ("open opened", "close closed"),
    ("increase increased raise raised", "decrease decreased cut lower lowered"),
    ("accept accepted approve approved", "reject rejected decline declined deny denied"),
    ("like liked love loved enjoy enjoyed", "hate hated dislike disliked"),
    ("enable enabled", "disable disabled"),
    ("lock locked", "unlock unlocked"),
    ("add added", "remove removed"),
    ("pass passed", "fail failed"),
    ("early", "late"),
    ("more", "less fewer"),
    ("higher", "lower"),
    ("import imported", "export exported"),
    ("upload uploaded", "download downloaded"),
)


def _opposite_groups() -> list[tuple[frozenset[str], frozenset[str]]]:
    return [(frozenset(stem(w) for w in a.split()), frozenset(stem(w) for w in b.split()))
            for a, b in _OPPOSITES_RAW]


_DATE_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b"), "ymd"),
    (re.compile(r"\b(\d{1,2})/(\d{1,2})/(\d{4}|\d{2})\b"), "mdy"),
    (re.compile(rf"\b({_MON})\.?\s+(\d{{1,2}}){_ORD}\b(?:,?\s+(\d{{4}}))?", re.I), "m_d_y"),
    (re.compile(rf"\b(\d{{1,2}}){_ORD}\s+(?:of\s+)?({_MON})\b\.?(?:,?\s+(\d{{4}}))?", re.I), "d_m_y"),
    (re.compile(rf"\b({_MON})\.?,?\s+(\d{{4}})\b", re.I), "m_y"),
]
_TIME_AMPM = re.compile(r"\b(\d{1,2})(?::(\d{2}))?\s*([ap])\.?m\.?(?![a-z])", re.I)
_TIME_24 = re.compile(r"\b([01]?\d|2[0-3]):([0-5]\d)\b")
_AMOUNT = re.compile(r"(?<![\w.\-])[$€£]?\s?(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?\s?(k|m|bn|thousand|million|billion)?\b"
                     r"\s?(%)?", re.I)
_WORD = re.compile(r"[A-Za-z][\w'’\-]*")


@dataclass(frozen=True)
class Features:
    values: frozenset[str]  # canonical "n:1200", "d:2024-03-03", "d:*-03-03", "m:2024-03", "t:15:00"
    entities: frozenset[str]  # lower-cased capitalised words (names, places, products)
    tokens: frozenset[str]  # stemmed content words
    words: frozenset[str]  # every lower-cased word, for "does the other text mention it at all"
    polarity: frozenset[str]  # "neg" and/or stems from FLIPS

    @property
    def has_negation(self) -> bool:
        return "neg" in self.polarity


def _num(value: float) -> str:
    return f"n:{value:g}" if value != int(value) else f"n:{int(value)}"


def _month(name: str) -> int | None:
    return MONTHS.get(name.lower().rstrip("."))


def _date(kind: str, groups: tuple[str | None, ...]) -> str | None:
    if kind == "ymd":
        y, m, d = (int(g or 0) for g in groups)
    elif kind == "mdy":
        m, d, y = (int(g or 0) for g in groups)
        y = y + 2000 if y < 100 else y
    elif kind in ("m_d_y", "d_m_y"):
        mon, day, year = (groups[0], groups[1], groups[2]) if kind == "m_d_y" else (groups[1], groups[0], groups[2])
        m, d, y = _month(mon or "") or 0, int(day or 0), int(year or 0)
    else:  # m_y
        m, y = _month(groups[0] or "") or 0, int(groups[1] or 0)
        return f"m:{y:04d}-{m:02d}" if m else None
    if not (1 <= m <= 12 and 1 <= d <= 31):
        return None
    return f"d:{y:04d}-{m:02d}-{d:02d}" if y else f"d:*-{m:02d}-{d:02d}"


def extract_values(text: str) -> tuple[set[str], str]:
    """Canonical values in `text`, and the text with their spans blanked out."""
    values: set[str] = set()
    spans: list[tuple[int, int]] = []

    def take(match: re.Match[str], value: str | None) -> None:
        if value is None or any(s < match.end() and match.start() < e for s, e in spans):
            return
        values.add(value)
        spans.append(match.span())

    for pattern, kind in _DATE_PATTERNS:
        for m in pattern.finditer(text):
            if kind != "ymd" and "may" in m.group(0).lower() and "May" not in m.group(0):
                continue  # the verb "may", not the month
            take(m, _date(kind, m.groups()))
    for m in _TIME_AMPM.finditer(text):
        hour = int(m.group(1)) % 12 + (12 if m.group(3).lower() == "p" else 0)
        take(m, f"t:{hour:02d}:{int(m.group(2) or 0):02d}")
    for m in _TIME_24.finditer(text):
        take(m, f"t:{int(m.group(1)):02d}:{m.group(2)}")
    for m in _AMOUNT.finditer(text):
        number = float(m.group(1).replace(",", "") + (m.group(2) or ""))
        number *= _SCALE.get((m.group(3) or "").lower(), 1.0)
        take(m, _num(number))
    blanked = list(text)
    for s, e in spans:
        blanked[s:e] = " " * (e - s)
    rest = "".join(blanked)
    for m in _WORD.finditer(rest):
        word = m.group(0).lower()
        if word in _NUM_WORDS:
            values.add(_num(_NUM_WORDS[word]))
    return values, rest


def stem(word: str) -> str:
    """A deliberately tiny stemmer: enough that lives/living/lived/live and moved/move agree."""
    for suffix, repl in (("ies", "y"), ("ing", ""), ("ed", ""), ("es", ""), ("s", ""), ("ly", "")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3 and not word.endswith("ss"):
            word = word[: len(word) - len(suffix)] + repl
            break
    return word[:-1] if word.endswith("e") and len(word) > 3 else word


def features(text: str) -> Features:
    values, rest = extract_values(text)
    entities: set[str] = set()
    tokens: set[str] = set()
    words: set[str] = set()
    polarity: set[str] = set()
    for m in _WORD.finditer(rest):
        raw = m.group(0).replace("’", "'")
        if raw.lower().endswith("'s"):
            raw = raw[:-2]
        low = raw.lower().replace("'", "").strip("-")
        if not low:
            continue
        words.add(low)
        if low in NEGATIONS or raw.lower().endswith("n't"):
            polarity.add("neg")
            continue
        if raw[0].isupper() and low not in STOP and low not in _NUM_WORDS:
            entities.add(low)
        if low in STOP or low in _NUM_WORDS:
            continue
        st = stem(low)
        if any(st.startswith(f) for f in FLIPS):
            polarity.add(st)
        tokens.add(st)
    return Features(frozenset(values), frozenset(entities), frozenset(tokens), frozenset(words),
                    frozenset(polarity))


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    if not a and not b:
        return 1.0
    return len(a & b) / len(a | b)


def values_match(a: frozenset[str], b: frozenset[str]) -> bool:
    """Equal value sets, where a date without a year matches the same day in any year."""
    if a == b:
        return True
    def resolve(src: frozenset[str], other: frozenset[str]) -> set[str]:
        out: set[str] = set()
        for v in src:
            if v.startswith("d:*-"):
                same_day = {o for o in other if o.startswith("d:") and o.endswith(v[3:])}
                out.update(same_day or {v})
            else:
                out.add(v)
        return out
    return resolve(a, b) == resolve(b, a)


def unexplained_entities(a: Features, b: Features) -> tuple[set[str], set[str]]:
    """Capitalised words of each text that the other text does not mention in any case."""
    return set(a.entities - b.words), set(b.entities - a.words)


@dataclass(frozen=True)
class NameRun:
    """A run of capitalised words ("Alice Chen", "Trader Joe"): a name, a place, a product."""

    text: str  # lower-cased, possessive 's removed
    initial: bool  # starts the sentence, so its capital may be grammar rather than a name
    words: int


_RUN = re.compile(r"[A-Z][\w'’\-]*(?:[ \t]+[A-Z][\w'’\-]*)*")


def name_runs(text: str) -> list[NameRun]:
    _, rest = extract_values(text)
    runs: list[NameRun] = []
    for m in _RUN.finditer(rest):
        words = [w.replace("’", "'").removesuffix("'s").strip("-'") for w in m.group(0).split()]
        # Capitalised function words ("The", "At", "Every") open sentences; they are not names.
        while words and words[0].lower() in STOP:
            words = words[1:]
        words = [w for w in words if w]
        if not words:
            continue
        before = rest[:m.start()].rstrip()
        initial = (not before or before[-1] in ".!?:;") and m.group(0).split()[0] == words[0].replace("'", "'")
        runs.append(NameRun(" ".join(w.lower() for w in words), bool(initial), len(words)))
    return runs


OPPOSITES = _opposite_groups()


def opposed(a: Features, b: Features) -> bool:
    """One text says the opposite action of the other ("bought" / "sold") and neither says both."""
    for left, right in OPPOSITES:
        if (a.tokens & left and b.tokens & right and not a.tokens & right and not b.tokens & left) or \
                (a.tokens & right and b.tokens & left and not a.tokens & left and not b.tokens & right):
            return True
    return False
