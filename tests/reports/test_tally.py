"""The counting rules of wait reports, as pure functions of rows and a moment."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.reports.tally import (
    WaitSummary,
    at_this_hour,
    channel_summaries,
    counted,
    may_report,
    median,
    replaces,
)
from storage.records import WaitReport

NOW = datetime(2026, 11, 24, 19, 0, tzinfo=UTC)
MIN = timedelta(minutes=1)
HOUR = timedelta(hours=1)


def report(
    person: str, wait: int | None, ago: timedelta = MIN, channel: str = "live_chat"
) -> WaitReport:
    return WaitReport(person, "mexc", channel, NOW - ago, wait)


def day(*reports: WaitReport) -> WaitSummary:
    return channel_summaries(reports, NOW, ["live_chat"])["live_chat"]


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([], None),
        ([7], 7),
        ([5, 10, 15], 10),
        ([15, 5, 10], 10),
        ([5, 10, 15, 20], 13),  # 12.5: halves round up
        ([5, 10, 15, 16], 13),
        ([1, 2, 3, 1440], 3),  # one day-long wait does not drag the figure (a mean: 361)
    ],
)
def test_the_median_is_the_middle_answered_wait(values: list[int], expected: int | None) -> None:
    assert median(values) == expected


def test_three_people_show_the_median_of_their_answered_waits() -> None:
    summary = day(report("a", 5), report("b", 10), report("c", 15))
    assert summary == WaitSummary(count=3, answered=3, median_wait_min=10, no_answer=0, people=3)
    assert summary.shown


def test_a_fourth_who_got_no_answer_is_counted_but_not_in_the_median() -> None:
    summary = day(report("a", 5), report("b", 10), report("c", 15), report("d", None))
    assert (summary.count, summary.answered, summary.no_answer) == (4, 3, 1)
    assert summary.median_wait_min == 10


def test_two_people_are_not_enough_to_show_anything() -> None:
    summary = day(report("a", 5), report("b", 10))
    assert not summary.shown
    assert summary.median_wait_min is None
    assert summary.count == 2


def test_one_person_repeating_a_report_does_not_make_three_people() -> None:
    summary = day(report("a", 5, 3 * MIN), report("a", 5, 2 * MIN), report("b", 10))
    assert (summary.count, summary.people, summary.shown) == (2, 2, False)


def test_a_new_report_replaces_the_same_persons_earlier_one_on_that_channel() -> None:
    summary = day(report("a", 60, 5 * HOUR), report("a", 5, HOUR), report("b", 10), report("c", 15))
    assert (summary.count, summary.median_wait_min) == (3, 10)
    # The replaced report is gone, the replacing one stays.
    assert [r.wait_min for r in counted([report("a", 60, 5 * HOUR), report("a", 5)])] == [5]


def test_reports_on_other_channels_and_exchanges_are_not_replaced() -> None:
    other_exchange = WaitReport("a", "okx", "live_chat", NOW - MIN, 30)
    rows = [report("a", 5, 2 * MIN), report("a", None, MIN, channel="email"), other_exchange]
    assert counted(rows) == rows


def test_a_report_older_than_a_day_is_not_replaced_but_falls_out_of_the_window() -> None:
    older = report("a", 60, 24 * HOUR + MIN)
    newer = report("a", 5, MIN)
    assert counted([older, newer]) == [older, newer]
    assert day(older, newer, report("b", 10), report("c", 15)).median_wait_min == 10


def test_the_window_holds_reports_of_the_last_24_hours_exactly() -> None:
    edge = report("a", 100, 24 * HOUR)  # made exactly 24 h ago: out
    inside = report("b", 100, 24 * HOUR - timedelta(seconds=1))
    summary = day(edge, inside, report("c", 5), report("d", 5))
    assert (summary.count, summary.people) == (3, 3)
    future = WaitReport("e", "mexc", "live_chat", NOW + MIN, 1)
    assert day(future).count == 0


def test_nobody_answered_anyone_shows_no_median_but_the_count() -> None:
    summary = day(report("a", None), report("b", None), report("c", None))
    assert summary.shown
    assert (summary.median_wait_min, summary.no_answer, summary.count) == (None, 3, 3)


def test_every_channel_asked_for_gets_a_summary() -> None:
    found = channel_summaries([report("a", 5)], NOW, ["live_chat", "email"])
    assert found["email"] == WaitSummary()
    assert found["live_chat"].count == 1


def test_five_reports_an_hour_are_allowed_and_a_sixth_is_not() -> None:
    mine = [report("a", 5, m * MIN, channel=f"c{m}") for m in range(1, 5)]
    assert may_report(mine, NOW)
    mine.append(report("a", 5, 30 * MIN))
    assert not may_report(mine, NOW)


def test_the_rate_limit_counts_repeats_and_forgets_after_an_hour() -> None:
    repeats = [report("a", 5, m * MIN) for m in range(1, 6)]
    assert not may_report(repeats, NOW)
    assert may_report(repeats, NOW + 55 * MIN)  # the oldest was 5 min ago: 60 min later, gone
    assert not may_report(repeats, NOW + 55 * MIN - timedelta(seconds=1))


def test_it_tells_whether_a_report_replaces_one_of_the_persons_own() -> None:
    mine = [report("a", 5, 2 * HOUR)]
    assert replaces(mine, ("mexc", "live_chat"), NOW)
    assert not replaces(mine, ("mexc", "email"), NOW)
    assert not replaces(mine, ("okx", "live_chat"), NOW)
    assert not replaces(mine, ("mexc", "live_chat"), NOW + 23 * HOUR)


def test_the_typical_wait_at_this_hour_takes_this_hour_of_each_day_over_30_days() -> None:
    days = timedelta(days=1)
    rows = [
        report("a", 10, 1 * days - 10 * MIN),  # yesterday 19:10
        report("b", 20, 2 * days - 20 * MIN),  # 19:20 two days ago
        report("c", 30, 29 * days - 30 * MIN),
        report("d", 99, 31 * days - 30 * MIN),  # too old
        report("e", 99, 1 * days + 30 * MIN),  # 18:30: another hour
    ]
    at_19 = NOW + 30 * MIN
    summary = at_this_hour(rows, at_19, ["live_chat"])["live_chat"]
    assert (summary.count, summary.median_wait_min, summary.window_h) == (3, 20, 720)
