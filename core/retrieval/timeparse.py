"""Turn time expressions in a query ("last Tuesday", "in May 2023", "3 days ago") into a range.

Ranges are half-open [start, end) in the timezone of `now`. The matched words are removed
from the query so they don't pollute text search.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

WEEKDAYS = {d.lower(): i for i, d in enumerate(calendar.day_name)}
MONTHS = {m.lower(): i for i, m in enumerate(calendar.month_name) if m}
MONTHS.update({m.lower(): i for i, m in enumerate(calendar.month_abbr) if m})
MONTHS.pop("may", None)
MONTHS["may"] = 5
_MONTH_RE = "|".join(sorted(MONTHS, key=len, reverse=True))
_DAY_RE = "|".join(WEEKDAYS)
_UNITS = {"day": 1, "week": 7}
_NUM_WORDS = {"one": 1, "a": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
              "eight": 8, "nine": 9, "ten": 10}


@dataclass(frozen=True)
class TimeRange:
    start: datetime
    end: datetime
    phrase: str


def _day(d: datetime) -> datetime:
    return d.replace(hour=0, minute=0, second=0, microsecond=0)


def _month_range(year: int, month: int) -> tuple[datetime, datetime, int, int]:
    ny, nm = (year + 1, 1) if month == 12 else (year, month + 1)
    return datetime(year, month, 1), datetime(ny, nm, 1), ny, nm


def _num(token: str) -> int:
    return int(token) if token.isdigit() else _NUM_WORDS[token]


def parse_time(query: str, now: datetime) -> tuple[TimeRange | None, str]:
    """Return (range or None, query without the time phrase)."""
    q = query
    tz = now.tzinfo
    today = _day(now)

    def done(start: datetime, end: datetime, m: re.Match[str]) -> tuple[TimeRange, str]:
        if tz is not None:
            start, end = start.replace(tzinfo=tz), end.replace(tzinfo=tz)
        rest = (q[: m.start()] + " " + q[m.end():]).strip()
        return TimeRange(start, end, m.group(0).strip()), re.sub(r"\s{2,}", " ", rest)

    naive_today = today.replace(tzinfo=None)
    m = re.search(r"\b(?:on |in )?(\d{4})-(\d{2})-(\d{2})\b", q)
    if m:
        d = datetime(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        return done(d, d + timedelta(days=1), m)
    m = re.search(rf"\b(?:on )?(?:the )?(\d{{1,2}})(?:st|nd|rd|th)? (?:of )?({_MONTH_RE})\.?,? (\d{{4}})\b", q, re.I)
    if m:
        d = datetime(int(m.group(3)), MONTHS[m.group(2).lower()], int(m.group(1)))
        return done(d, d + timedelta(days=1), m)
    m = re.search(rf"\b(?:on )?({_MONTH_RE})\.? (\d{{1,2}})(?:st|nd|rd|th)?,? (\d{{4}})\b", q, re.I)
    if m:
        d = datetime(int(m.group(3)), MONTHS[m.group(1).lower()], int(m.group(2)))
        return done(d, d + timedelta(days=1), m)
    m = re.search(rf"\b(?:in |during )?(?:early |late |mid[- ])?({_MONTH_RE}),? (\d{{4}})\b", q, re.I)
    if m:
        start, end, _, _ = _month_range(int(m.group(2)), MONTHS[m.group(1).lower()])
        return done(start, end, m)
    m = re.search(r"\b(?:in|during) (\d{4})\b", q, re.I)
    if m:
        y = int(m.group(1))
        return done(datetime(y, 1, 1), datetime(y + 1, 1, 1), m)
    m = re.search(r"\b(today|this morning|this afternoon|this evening|tonight)\b", q, re.I)
    if m:
        return done(naive_today, naive_today + timedelta(days=1), m)
    m = re.search(r"\b(yesterday|last night)\b", q, re.I)
    if m:
        return done(naive_today - timedelta(days=1), naive_today, m)
    m = re.search(rf"\b(last |on |this past )?({_DAY_RE})\b", q, re.I)
    if m:
        wd = WEEKDAYS[m.group(2).lower()]
        back = (naive_today.weekday() - wd) % 7
        if back == 0 and (m.group(1) or "").strip().lower() in ("last", "this past"):
            back = 7
        d = naive_today - timedelta(days=back)
        return done(d, d + timedelta(days=1), m)
    m = re.search(r"\b(\d+|one|a|two|three|four|five|six|seven|eight|nine|ten) (day|week)s? ago\b", q, re.I)
    if m:
        n = _num(m.group(1).lower()) * _UNITS[m.group(2).lower()]
        d = naive_today - timedelta(days=n)
        span = 1 if m.group(2).lower() == "day" else 7
        return done(d, d + timedelta(days=span), m)
    m = re.search(r"\b(?:in the |over the )?(?:last|past) (\d+|two|three|four|five|six|seven|ten) (day|week)s\b",
                  q, re.I)
    if m:
        n = _num(m.group(1).lower()) * _UNITS[m.group(2).lower()]
        return done(naive_today - timedelta(days=n - 1), naive_today + timedelta(days=1), m)
    m = re.search(r"\b(this|last) week\b", q, re.I)
    if m:
        monday = naive_today - timedelta(days=naive_today.weekday())
        if m.group(1).lower() == "last":
            monday -= timedelta(days=7)
        return done(monday, monday + timedelta(days=7), m)
    m = re.search(r"\b(this|last) month\b", q, re.I)
    if m:
        y, mo = naive_today.year, naive_today.month
        if m.group(1).lower() == "last":
            y, mo = (y - 1, 12) if mo == 1 else (y, mo - 1)
        start, end, _, _ = _month_range(y, mo)
        return done(start, end, m)
    m = re.search(r"\b(this|last) year\b", q, re.I)
    if m:
        y = naive_today.year - (1 if m.group(1).lower() == "last" else 0)
        return done(datetime(y, 1, 1), datetime(y + 1, 1, 1), m)
    m = re.search(rf"\b(?:in|during) ({_MONTH_RE})\b", q, re.I)
    if m:
        mo = MONTHS[m.group(1).lower()]
        y = naive_today.year if mo <= naive_today.month else naive_today.year - 1
        start, end, _, _ = _month_range(y, mo)
        return done(start, end, m)
    return None, query
