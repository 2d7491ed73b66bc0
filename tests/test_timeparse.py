"""Time expressions in queries become half-open [start, end) ranges in the timezone of `now`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from reverie.core.retrieval.timeparse import parse_time

# Wednesday, 13 March 2024, mid-afternoon.
NOW = datetime(2024, 3, 13, 15, 30, tzinfo=UTC)


def day(y: int, m: int, d: int) -> datetime:
    return datetime(y, m, d, tzinfo=UTC)


@pytest.mark.parametrize(
    ("query", "start", "end", "rest"),
    [
        ("what did I do yesterday", day(2024, 3, 12), day(2024, 3, 13), "what did I do"),
        ("last night dinner", day(2024, 3, 12), day(2024, 3, 13), "dinner"),
        ("meetings today", day(2024, 3, 13), day(2024, 3, 14), "meetings"),
        ("notes from this morning", day(2024, 3, 13), day(2024, 3, 14), "notes from"),
        ("trip in May 2023", day(2023, 5, 1), day(2023, 6, 1), "trip"),
        ("budget December 2023", day(2023, 12, 1), day(2024, 1, 1), "budget"),
        ("plans for early June, 2023", day(2023, 6, 1), day(2023, 7, 1), "plans for"),
        ("call on 8 May, 2023", day(2023, 5, 8), day(2023, 5, 9), "call"),
        ("call on the 8th of May 2023", day(2023, 5, 8), day(2023, 5, 9), "call"),
        ("call on May 8th, 2023 about rent", day(2023, 5, 8), day(2023, 5, 9), "call about rent"),
        ("invoice 2023-05-08", day(2023, 5, 8), day(2023, 5, 9), "invoice"),
        ("photos in 2022", day(2022, 1, 1), day(2023, 1, 1), "photos"),
        ("standup last Tuesday", day(2024, 3, 12), day(2024, 3, 13), "standup"),
        ("standup last Wednesday", day(2024, 3, 6), day(2024, 3, 7), "standup"),
        ("standup on Wednesday", day(2024, 3, 13), day(2024, 3, 14), "standup"),
        ("standup on Friday", day(2024, 3, 8), day(2024, 3, 9), "standup"),
        ("emails 3 days ago", day(2024, 3, 10), day(2024, 3, 11), "emails"),
        ("emails two weeks ago", day(2024, 2, 28), day(2024, 3, 6), "emails"),
        ("tabs in the last 3 days", day(2024, 3, 11), day(2024, 3, 14), "tabs"),
        ("tabs over the past two weeks", day(2024, 2, 29), day(2024, 3, 14), "tabs"),
        ("reviews this week", day(2024, 3, 11), day(2024, 3, 18), "reviews"),
        ("reviews last week", day(2024, 3, 4), day(2024, 3, 11), "reviews"),
        ("spending this month", day(2024, 3, 1), day(2024, 4, 1), "spending"),
        ("spending last month", day(2024, 2, 1), day(2024, 3, 1), "spending"),
        ("taxes last year", day(2023, 1, 1), day(2024, 1, 1), "taxes"),
        ("taxes this year", day(2024, 1, 1), day(2025, 1, 1), "taxes"),
        ("holiday in May", day(2023, 5, 1), day(2023, 6, 1), "holiday"),  # a month still ahead: last year's
        ("holiday in February", day(2024, 2, 1), day(2024, 3, 1), "holiday"),
    ],
)
def test_ranges(query: str, start: datetime, end: datetime, rest: str) -> None:
    found, cleaned = parse_time(query, NOW)
    assert found is not None
    assert (found.start, found.end) == (start, end)
    assert cleaned == rest
    assert found.phrase and found.phrase.lower() in query.lower()


@pytest.mark.parametrize("query", ["where did I put the router password", "May I see the agenda",
                                   "the 2023 budget spreadsheet", "maybe tomorrow's weather"])
def test_no_time_expression(query: str) -> None:
    found, cleaned = parse_time(query, NOW)
    assert found is None
    assert cleaned == query


def test_last_month_in_january_wraps_to_december() -> None:
    found, _ = parse_time("spending last month", datetime(2024, 1, 20, tzinfo=UTC))
    assert found is not None
    assert (found.start, found.end) == (day(2023, 12, 1), day(2024, 1, 1))


def test_range_is_in_the_timezone_of_now() -> None:
    tz = timezone(timedelta(hours=2))
    found, _ = parse_time("what did I do yesterday", datetime(2024, 3, 13, 0, 30, tzinfo=tz))
    assert found is not None
    assert found.start == datetime(2024, 3, 12, tzinfo=tz)
    assert found.end - found.start == timedelta(days=1)
    assert found.start.utcoffset() == timedelta(hours=2)


def test_naive_now_gives_naive_range() -> None:
    found, _ = parse_time("today", datetime(2024, 3, 13, 9, 0))
    assert found is not None
    assert found.start == datetime(2024, 3, 13) and found.start.tzinfo is None


def test_only_first_expression_is_taken() -> None:
    found, cleaned = parse_time("yesterday and in May 2023", NOW)
    assert found is not None
    assert found.start == day(2023, 5, 1)  # explicit dates win over relative ones
    assert "yesterday" in cleaned
