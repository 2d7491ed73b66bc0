"""Resolve relative time words in a memory ("yesterday", "last Saturday") against its source time.

A memory read months later must still say when things happened; "yesterday" stored verbatim
would be wrong forever. Small models botch date arithmetic, so this is done here, not asked of
the model.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from datetime import datetime, timedelta

_WEEKDAYS = {d.lower(): i for i, d in enumerate(calendar.day_name)}
_NUMBERS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6}


def _d(t: datetime) -> str:
    return f"{t.day} {t:%B %Y}"


def _prev_month(t: datetime) -> datetime:
    return t.replace(day=1) - timedelta(days=1)


def absolute_dates(text: str, when: datetime) -> str:
    """`text` with relative day/week/month/year expressions replaced by dates relative to `when`."""
    def weekday(m: re.Match[str]) -> str:
        wd = _WEEKDAYS[m.group(2).lower()]
        back = (when.weekday() - wd) % 7 or 7
        day = when - timedelta(days=back)
        return f"on {day:%A}, {_d(day)}"

    def ago(m: re.Match[str]) -> str:
        n = int(m.group(1)) if m.group(1).isdigit() else _NUMBERS[m.group(1).lower()]
        unit = m.group(2).lower()
        if unit == "day":
            return f"on {_d(when - timedelta(days=n))}"
        if unit == "week":
            return f"in the week of {_d(when - timedelta(weeks=n))}"
        if unit == "month":
            t = when
            for _ in range(n):
                t = _prev_month(t)
            return f"in {t:%B %Y}"
        return f"in {when.year - n}"

    rules: list[tuple[str, Callable[[re.Match[str]], str]]] = [
        (r"\b(?:the day before yesterday)\b", lambda m: f"on {_d(when - timedelta(days=2))}"),
        (r"\b(?:yesterday|last night)\b", lambda m: f"on {_d(when - timedelta(days=1))}"),
        (r"\b(?:today|this morning|this afternoon|this evening|tonight)\b", lambda m: f"on {_d(when)}"),
        (r"\btomorrow\b", lambda m: f"on {_d(when + timedelta(days=1))}"),
        (r"\b(last|this past) (monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b", weekday),
        (r"\blast weekend\b", lambda m: f"the weekend before {_d(when)}"),
        (r"\blast week\b", lambda m: f"the week before {_d(when)}"),
        (r"\bnext week\b", lambda m: f"the week after {_d(when)}"),
        (r"\blast month\b", lambda m: f"in {_prev_month(when):%B %Y}"),
        (r"\bnext month\b", lambda m: f"in {(when.replace(day=28) + timedelta(days=4)):%B %Y}"),
        (r"\blast year\b", lambda m: f"in {when.year - 1}"),
        (r"\bthis year\b", lambda m: f"in {when.year}"),
        (r"\bnext year\b", lambda m: f"in {when.year + 1}"),
        (r"\b(\d+|an?|one|two|three|four|five|six) (day|week|month|year)s? ago\b", ago),
    ]
    for pattern, repl in rules:
        text = re.sub(pattern, repl, text, flags=re.IGNORECASE)
    return text


def event_day(text: str, when: datetime) -> datetime | None:
    """The day a relative phrase in `text` points to ("yesterday" → when - 1 day), if it names one.

    An episodic memory happened then, not when it was mentioned: its time moves there.
    """
    low = text.lower()
    if "the day before yesterday" in low:
        return when - timedelta(days=2)
    if re.search(r"\b(?:yesterday|last night)\b", low):
        return when - timedelta(days=1)
    m = re.search(r"\b(?:last|this past) (monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b", low)
    if m:
        return when - timedelta(days=(when.weekday() - _WEEKDAYS[m.group(1)]) % 7 or 7)
    m = re.search(r"\b(\d+|an?|one|two|three|four|five|six) days? ago\b", low)
    if m:
        return when - timedelta(days=int(m.group(1)) if m.group(1).isdigit() else _NUMBERS[m.group(1)])
    return None
