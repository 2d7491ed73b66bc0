"""Does a newer fact replace an older one? Same subject, same attribute, a different value.

"Alice Chen lives in Boston" → "Alice Chen moved to Denver": the shared name is the subject, the
names and numbers that differ are the values (boston / denver), the remaining words are the
attribute, mapped onto a few relations people's facts change along (where they live, who employs
them, what something costs …). Facts that can both hold ("likes pizza" / "likes sushi") have no
differing value and pass; facts about two different people share no name and pass.
"""

from __future__ import annotations

import enum

from reverie.core.consolidation.textnorm import Features, NameRun, features, jaccard, name_runs, stem, values_match
from reverie.core.types import Memory, SemanticMemory

_RELATIONS = {
    "residence": "live lives living lived moved move moving relocated relocate resides reside based home stays",
    "employer": "works work working worked employed employer employs job joined hired company",
    "partner": "married spouse wife husband partner dating girlfriend boyfriend engaged",
    "phone": "phone mobile cell telephone",
    "email": "email e-mail",
    "address": "address street",
    "price": "costs cost price priced pays pay paid charges charge fee fees rent salary earns",
    "birthday": "birthday born",
    "age": "age aged old",
    "school": "studies study studying attends attend school university college",
    "car": "drives drive car",
}
CANON = {stem(w): key for key, words in _RELATIONS.items() for w in words.split()}
_FIRST_PERSON = frozenset({"i", "my", "me", "mine", "myself"})
# Words that announce a change rather than describe the attribute ("now lives", "went up to").
_CHANGE_WORDS = frozenset(stem(w) for w in "now currently recently new newly still today went up down switched "
                                           "changed became become longer".split())


class Relation(enum.Enum):
    UPDATE = "update"  # the newer replaces the older
    MAYBE = "maybe"  # same subject, overlapping attribute, different value: ask the LLM if there is one
    NONE = "none"


def _agent_name(mem: Memory) -> str | None:
    """The memory agents fill a semantic record's `name` with its entity; free text repeats the summary."""
    if isinstance(mem, SemanticMemory) and mem.name and not mem.summary.startswith(mem.name) \
            and 1 <= len(mem.name.split()) <= 4:
        return " ".join(mem.name.lower().removesuffix("'s").split())
    return None


def _same_name(a: str, b: str) -> bool:
    """'Sequoia' and 'Project Sequoia': one name's words inside the other's."""
    wa, wb = set(a.split()), set(b.split())
    return wa <= wb or wb <= wa


def _names_match(x: NameRun, y: NameRun, a_words: frozenset[str], b_words: frozenset[str]) -> bool:
    """Equal names, or one inside the other when the other text mentions the extra words anyway
    ('Sequoia report project' / 'Project Sequoia report'); 'Alice' / 'Alice Chen' stays unsure."""
    if x.text == y.text:
        return True
    if not _same_name(x.text, y.text):
        return False
    extra_a, extra_b = set(x.text.split()) - set(y.text.split()), set(y.text.split()) - set(x.text.split())
    return extra_a <= b_words and extra_b <= a_words


def _subject(older: Memory, newer: Memory, a_text: str, b_text: str,
             ra: list[NameRun], rb: list[NameRun]) -> str | None:
    na, nb = _agent_name(older), _agent_name(newer)
    if na is not None and nb is not None:
        return na if na == nb else None
    first_a = a_text.split()[0].lower() if a_text.split() else ""
    first_b = b_text.split()[0].lower() if b_text.split() else ""
    if first_a in _FIRST_PERSON and first_b in _FIRST_PERSON:
        return "user"
    if not ra or not rb:
        return None
    # The subject opens the sentence in at least one of them ("Alice Chen drives a Kia" / "Bob Li
    # drives a Kia" share only the car, which is not their subject).
    wa, wb = features(a_text).words, features(b_text).words
    pairs = [(x, y) for x in ra for y in rb if _names_match(x, y, wa, wb) and (x is ra[0] or y is rb[0])]
    if not pairs:
        return None
    x, y = max(pairs, key=lambda p: (min(p[0].words, p[1].words), not p[0].initial))
    subject = x.text if x.words <= y.words else y.text
    longer_a = [r for r in ra if r is not x and r.words > 1]
    longer_b = [r for r in rb if r is not y and r.words > 1]
    if len(subject.split()) == 1 and longer_a and longer_b and \
            not any(_same_name(r.text, q.text) for r in longer_a for q in longer_b):
        return None  # "At Nokia, Ivan Rossi …" / "At Nokia, Niaj Costa …": the full names differ
    return subject


def _split(f: Features, runs: list[NameRun], subject: str,
           soft_is_value: bool) -> tuple[frozenset[str], frozenset[str]]:
    """(attribute, values): names other than the subject are values; other words are the attribute.
    A lone capitalised word opening the sentence may be grammar ("Monthly rent …") or a name
    ("Atlanta is where …"); it is a value only when the other text's values are names too."""
    names = [r for r in runs if soft_is_value or not _lone_opener(r, subject)]
    values = {r.text for r in names if not _same_name(r.text, subject)}
    name_words = {w for r in names for w in r.text.split()}
    name_stems = name_words | {stem(w) for w in name_words}
    attribute = {CANON.get(t, t) for t in f.tokens if t not in name_stems and t not in _CHANGE_WORDS}
    return frozenset(attribute), frozenset(values | f.values)


def _lone_opener(run: NameRun, subject: str) -> bool:
    return run.initial and run.words == 1 and not _same_name(run.text, subject)


def _has_name_values(runs: list[NameRun], subject: str) -> bool:
    return any(not _same_name(r.text, subject) and not _lone_opener(r, subject) for r in runs)


def relation(older: Memory, newer: Memory, older_text: str, newer_text: str) -> Relation:
    ra, rb = name_runs(older_text), name_runs(newer_text)
    subject = _subject(older, newer, older_text, newer_text, ra, rb)
    if subject is None:
        return Relation.NONE
    fa, fb = features(older_text), features(newer_text)
    attr_a, values_a = _split(fa, ra, subject, _has_name_values(rb, subject))
    attr_b, values_b = _split(fb, rb, subject, _has_name_values(ra, subject))
    if not attr_a or not attr_b:
        return Relation.NONE
    overlap = jaccard(attr_a, attr_b)
    if fa.has_negation != fb.has_negation:
        # "is vegetarian" → "is no longer vegetarian": the value is the polarity itself.
        return Relation.UPDATE if overlap >= 0.8 and values_match(values_a, values_b) else Relation.NONE
    if not values_a or not values_b or values_match(values_a, values_b):
        return Relation.NONE
    if values_a & values_b and len(values_a ^ values_b) > 2:
        return Relation.NONE  # mostly different details, not one changed value
    # A word on each side the other lacks ("Vortex pilot deadline" / "Vortex report deadline") may
    # name two different things, so it needs a closer match than a word only one side adds.
    substituted = bool(attr_a - attr_b) and bool(attr_b - attr_a)
    if overlap >= (0.75 if substituted else 0.6):
        return Relation.UPDATE
    return Relation.MAYBE if overlap >= 0.3 else Relation.NONE
