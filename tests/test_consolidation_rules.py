"""Pair rules without a store: value normalisation, merge vetoes, knowledge-update relations."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from reverie.core.consolidation.dedup_rules import Verdict, judge
from reverie.core.consolidation.forgetting import retention
from reverie.core.consolidation.textnorm import extract_values, values_match
from reverie.core.consolidation.update_rules import Relation, relation
from reverie.core.types import EpisodicMemory, SemanticMemory

T0 = datetime(2025, 3, 1, 9, tzinfo=UTC)


def sem(text: str, days: float = 0) -> SemanticMemory:
    when = T0 + timedelta(days=days)
    return SemanticMemory(name=text[:80], summary=text, occurred_at=when, created_at=when)


def epi(text: str, minutes: float = 0) -> EpisodicMemory:
    return EpisodicMemory(summary=text, occurred_at=T0 + timedelta(minutes=minutes))


@pytest.mark.parametrize(("a", "b"), [
    ("March 3, 2024", "2024-03-03"), ("3 March 2024", "03/03/2024"), ("$1,200", "1200 dollars"),
    ("3pm", "15:00"), ("3:30 PM", "15:30"), ("1.2k", "1200"),
])
def test_same_value_written_differently(a: str, b: str) -> None:
    va, _ = extract_values(a)
    vb, _ = extract_values(b)
    assert va and values_match(frozenset(va), frozenset(vb)), (va, vb)


def test_different_values_and_yearless_dates() -> None:
    assert not values_match(frozenset(extract_values("$40")[0]), frozenset(extract_values("$55")[0]))
    assert values_match(frozenset(extract_values("May 3")[0]), frozenset(extract_values("3 May 2024")[0]))
    assert extract_values("I may come")[0] == set()  # the verb, not the month


@pytest.mark.parametrize(("a", "b", "cos"), [
    ("Alice Chen lives in Boston.", "Alice Chen is based in Boston.", 0.93),
    ("Paid $45 for lunch at Noodle Bar.", "Paid 45 dollars for lunch at Noodle Bar.", 0.97),
    ("Met Priya Kim at 11am to discuss the budget.", "Meeting with Priya Kim about the budget at 11am.", 0.93),
])
def test_duplicates_merge(a: str, b: str, cos: float) -> None:
    assert judge(epi(a), epi(b, 5), cos, 3 * 3600)[0] is Verdict.MERGE


@pytest.mark.parametrize(("a", "b", "cos", "why"), [
    ("Alice Chen lives in Boston.", "Bob Park lives in Boston.", 0.9, "names"),
    ("Maya Chen drives a Ford Focus.", "Diego Chen drives a Ford Focus.", 0.95, "names"),
    ("Keiko Ivanova goes to the gym 5 times a week.", "Every week Liam Ivanova goes to the gym 5 times.", 0.95,
     "names"),
    ("Paid $45 for lunch at Noodle Bar.", "Paid $62 for lunch at Noodle Bar.", 0.98, "numbers"),
    ("Meeting with Bob Li at 3pm.", "Meeting with Bob Li at 3pm cancelled.", 0.95, "cancel"),
    ("Bob Li sold his Tesla for $30,000.", "Bob Li bought his Tesla for $30,000.", 0.974, "opposite"),
    ("Alice Chen eats meat.", "Alice Chen doesn't eat meat.", 0.9, "negation"),
    ("carol dubois's rent is $750 per month", "David Dubois's rent is $750 per month.", 0.96, "lower-case"),
])
def test_hard_negatives_never_merge(a: str, b: str, cos: float, why: str) -> None:
    verdict, reason = judge(epi(a), epi(b, 5), cos, 3 * 3600)
    assert verdict is not Verdict.MERGE, (why, reason)


def test_same_words_hours_apart_are_two_events() -> None:
    verdict, _ = judge(epi("Had lunch with Bob Li."), epi("Had lunch with Bob Li.", 60 * 24), 1.0, 3 * 3600)
    assert verdict is Verdict.REJECT


@pytest.mark.parametrize(("old", "new"), [
    ("Alice Chen lives in Boston.", "Alice Chen moved to Denver."),
    ("Atlanta is where Frank Park lives.", "Frank Park now lives in Denver."),
    ("Alice Chen's phone plan costs $40 per month.", "Alice Chen's phone plan now costs $55 a month."),
    ("Quinn Kim works at Dropbox as a designer.", "Quinn Kim joined Google as a designer."),
    ("Monthly rent for Yara Larsen is $1,325.", "Yara Larsen's rent is now $1,450 per month."),
    ("Alice Chen is vegetarian.", "Alice Chen is no longer vegetarian."),
    ("I live in Boston.", "I moved to Denver."),
])
def test_contradictions_are_updates(old: str, new: str) -> None:
    assert relation(sem(old), sem(new, 30), old, new) is Relation.UPDATE


@pytest.mark.parametrize(("old", "new"), [
    ("Alice Chen lives in Boston.", "Bob Park moved to Denver."),
    ("Maya Chen drives a Ford Focus.", "Diego Chen drives a Ford Focus."),
    ("Alice Chen likes pizza.", "Alice Chen likes sushi."),
    ("At Nokia, Ivan Rossi works as a teacher.", "At Nokia, Niaj Costa works as a teacher."),
    ("Alice Chen's birthday is March 3.", "Alice Chen was born on 3 March."),
])
def test_compatible_facts_are_not_updates(old: str, new: str) -> None:
    assert relation(sem(old), sem(new, 30), old, new) is not Relation.UPDATE


def test_forgetting_curve_decays_and_recalls_slow_it() -> None:
    assert retention(0, 0, 30) == 1.0
    assert retention(30, 0, 30) == pytest.approx(0.5)
    assert retention(60, 0, 30) == pytest.approx(0.25)
    assert retention(60, 1, 30) == pytest.approx(0.5)  # one recall doubles the half-life
