"""Staffed hours in a time zone, across weekends, midnight and the 2026 DST changes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.catalog.models import Channel, Hours
from bot.hours import closes_at, is_staffed, next_open

NY = "America/New_York"
LONDON = "Europe/London"


def hours(tz: str, *weekly: str) -> Hours:
    """Hours parsed the way the catalog parses them."""
    channel = Channel.model_validate(
        {
            "id": "chat",
            "kind": "live_chat",
            "mode": "live",
            "name": "Chat",
            "hours": {"tz": tz, "weekly": list(weekly)},
        }
    )
    assert channel.hours is not None
    return channel.hours


def utc(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


OFFICE_NY = hours(NY, "mon-fri 09:00-18:00")


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        (utc(2026, 3, 6, 14, 0), True),  # Fri 09:00 EST
        (utc(2026, 3, 6, 13, 59), False),  # Fri 08:59 EST
        (utc(2026, 3, 6, 22, 59), True),  # Fri 17:59 EST
        (utc(2026, 3, 6, 23, 0), False),  # Fri 18:00 EST: the end is exclusive
        (utc(2026, 3, 7, 15, 0), False),  # Saturday
        (utc(2026, 3, 9, 13, 0), True),  # Mon 09:00 EDT: one UTC hour earlier than Friday
        (utc(2026, 3, 9, 12, 59), False),  # Mon 08:59 EDT
        (utc(2026, 11, 2, 13, 59), False),  # Mon 08:59 EST after fall back
        (utc(2026, 11, 2, 14, 0), True),  # Mon 09:00 EST
    ],
)
def test_it_reads_office_hours_in_new_york_wall_time_across_dst(
    at: datetime, expected: bool
) -> None:
    assert is_staffed(OFFICE_NY, at) is expected


SPRING_NIGHT_NY = hours(NY, "sun 01:00-03:00")


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        (utc(2026, 3, 8, 5, 59), False),  # 00:59 EST
        (utc(2026, 3, 8, 6, 0), True),  # 01:00 EST
        (utc(2026, 3, 8, 6, 59), True),  # 01:59 EST
        (utc(2026, 3, 8, 7, 0), False),  # 03:00 EDT: 02:xx never happened
        # Fall back: 01:00-02:00 happens twice, so the window lasts three real hours.
        (utc(2026, 11, 1, 5, 0), True),  # 01:00 EDT
        (utc(2026, 11, 1, 6, 30), True),  # 01:30 EST (second time)
        (utc(2026, 11, 1, 7, 59), True),  # 02:59 EST
        (utc(2026, 11, 1, 8, 0), False),  # 03:00 EST
    ],
)
def test_it_staffs_a_night_window_one_hour_in_spring_and_three_in_autumn(
    at: datetime, expected: bool
) -> None:
    assert is_staffed(SPRING_NIGHT_NY, at) is expected


def test_it_closes_the_night_window_when_the_clock_reads_three_in_both_seasons() -> None:
    assert next_open(SPRING_NIGHT_NY, utc(2026, 3, 8, 0, 0)) == utc(2026, 3, 8, 6, 0)
    assert closes_at(SPRING_NIGHT_NY, utc(2026, 3, 8, 6, 30)) == utc(2026, 3, 8, 7, 0)
    assert closes_at(SPRING_NIGHT_NY, utc(2026, 11, 1, 5, 0)) == utc(2026, 11, 1, 8, 0)


def test_it_opens_a_window_that_starts_in_the_skipped_hour_when_the_clock_jumps() -> None:
    gap = hours(NY, "sun 02:30-05:00")
    assert is_staffed(gap, utc(2026, 3, 8, 6, 59)) is False  # 01:59 EST
    assert next_open(gap, utc(2026, 3, 8, 5, 0)) == utc(2026, 3, 8, 7, 0)  # 03:00 EDT
    assert closes_at(gap, utc(2026, 3, 8, 7, 0)) == utc(2026, 3, 8, 9, 0)  # 05:00 EDT


def test_it_staffs_a_window_inside_the_repeated_hour_twice() -> None:
    repeated = hours(NY, "sun 01:00-01:45")
    assert closes_at(repeated, utc(2026, 11, 1, 5, 10)) == utc(2026, 11, 1, 5, 45)
    assert next_open(repeated, utc(2026, 11, 1, 5, 50)) == utc(2026, 11, 1, 6, 0)
    assert closes_at(repeated, utc(2026, 11, 1, 6, 10)) == utc(2026, 11, 1, 6, 45)


def test_it_never_staffs_a_window_that_lies_wholly_in_the_skipped_hour() -> None:
    skipped = hours(LONDON, "sun 01:00-02:00")
    assert is_staffed(skipped, utc(2026, 3, 29, 1, 0)) is False  # 02:00 BST
    # The next Sunday it happens, in summer time: 01:00 BST is 00:00 UTC.
    assert next_open(skipped, utc(2026, 3, 29, 0, 0)) == utc(2026, 4, 5, 0, 0)


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        (utc(2026, 3, 28, 18, 0), utc(2026, 3, 29, 8, 0)),  # Sunday 09:00 BST
        (utc(2026, 3, 27, 18, 0), utc(2026, 3, 28, 9, 0)),  # Saturday 09:00 GMT
        (utc(2026, 10, 24, 20, 0), utc(2026, 10, 25, 9, 0)),  # Sunday 09:00 GMT
        (utc(2026, 10, 23, 20, 0), utc(2026, 10, 24, 8, 0)),  # Saturday 09:00 BST
    ],
)
def test_it_finds_the_next_london_opening_across_the_clock_changes(
    at: datetime, expected: datetime
) -> None:
    assert next_open(hours(LONDON, "mon-sun 09:00-17:00"), at) == expected


OFFICE_SG = hours("Asia/Singapore", "mon-fri 09:00-18:00")


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        (utc(2026, 11, 27, 10, 30), utc(2026, 11, 30, 1, 0)),  # Fri 18:30 → Mon 09:00 SGT
        (utc(2026, 11, 28, 4, 0), utc(2026, 11, 30, 1, 0)),  # Saturday noon
        (utc(2026, 11, 29, 16, 59), utc(2026, 11, 30, 1, 0)),  # Mon 00:59 SGT
        (utc(2026, 11, 30, 2, 0), utc(2026, 12, 1, 1, 0)),  # open now: the next opening
    ],
)
def test_it_finds_the_next_opening_across_a_weekend(at: datetime, expected: datetime) -> None:
    opens = next_open(OFFICE_SG, at)
    assert opens == expected
    assert opens is not None and opens.tzinfo == UTC


LATE_FRIDAY = hours("UTC", "fri 22:00-02:00")


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        (utc(2026, 11, 27, 21, 59), False),  # Fri 21:59
        (utc(2026, 11, 27, 23, 0), True),  # Fri 23:00
        (utc(2026, 11, 28, 1, 59), True),  # Sat 01:59, still Friday's window
        (utc(2026, 11, 28, 2, 0), False),  # Sat 02:00
        (utc(2026, 11, 27, 1, 0), False),  # Fri 01:00 would be Thursday's window
        (utc(2026, 11, 28, 23, 0), False),  # Sat 23:00
    ],
)
def test_it_runs_a_window_past_midnight_into_the_next_day(at: datetime, expected: bool) -> None:
    assert is_staffed(LATE_FRIDAY, at) is expected


def test_it_closes_a_midnight_crossing_window_on_the_next_day() -> None:
    assert closes_at(LATE_FRIDAY, utc(2026, 11, 27, 23, 0)) == utc(2026, 11, 28, 2, 0)
    assert next_open(LATE_FRIDAY, utc(2026, 11, 28, 2, 0)) == utc(2026, 12, 4, 22, 0)


def test_it_closes_a_crossing_window_by_wall_time_on_a_dst_night() -> None:
    saturday_night = hours(NY, "sat 22:00-04:00")
    assert next_open(saturday_night, utc(2026, 3, 7, 12, 0)) == utc(2026, 3, 8, 3, 0)  # 22:00 EST
    assert closes_at(saturday_night, utc(2026, 3, 8, 3, 0)) == utc(2026, 3, 8, 8, 0)  # 04:00 EDT


LATE_OFFICE = hours("UTC", "mon-fri 09:00-24:00")


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        (utc(2026, 11, 23, 23, 59), True),  # Mon 23:59
        (utc(2026, 11, 24, 0, 0), False),  # Tue 00:00
        (utc(2026, 11, 24, 0, 30), False),  # Tue 00:30
        (utc(2026, 11, 27, 23, 59), True),  # Fri 23:59
        (utc(2026, 11, 28, 0, 0), False),  # Sat 00:00
    ],
)
def test_it_ends_a_24_00_window_at_midnight(at: datetime, expected: bool) -> None:
    assert is_staffed(LATE_OFFICE, at) is expected


def test_it_says_when_a_24_00_window_closes() -> None:
    assert closes_at(LATE_OFFICE, utc(2026, 11, 23, 20, 0)) == utc(2026, 11, 24, 0, 0)


def test_it_treats_adjacent_windows_as_one_staffed_stretch() -> None:
    split = hours("UTC", "mon-fri 09:00-12:00", "mon-fri 12:00-18:00")
    assert closes_at(split, utc(2026, 11, 23, 10, 0)) == utc(2026, 11, 23, 18, 0)
    assert next_open(split, utc(2026, 11, 23, 10, 0)) == utc(2026, 11, 24, 9, 0)


@pytest.mark.parametrize(
    "always_on",
    [Hours(always=True), hours("Asia/Shanghai", "mon-sun 00:00-24:00")],
    ids=["24/7", "every day 00:00-24:00"],
)
def test_it_never_opens_or_closes_hours_that_are_always_staffed(always_on: Hours) -> None:
    at = utc(2026, 11, 24, 19, 0)
    assert (is_staffed(always_on, at), next_open(always_on, at), closes_at(always_on, at)) == (
        True,
        None,
        None,
    )


def test_it_says_nothing_when_hours_are_not_stated() -> None:
    at = utc(2026, 11, 24, 19, 0)
    assert (is_staffed(None, at), next_open(None, at), closes_at(None, at)) == (None, None, None)


def test_it_has_no_closing_time_while_closed() -> None:
    assert closes_at(OFFICE_SG, utc(2026, 11, 28, 4, 0)) is None


def test_it_refuses_a_naive_time() -> None:
    with pytest.raises(ValueError, match="aware"):
        is_staffed(OFFICE_NY, datetime(2026, 11, 24, 19, 0))


SAMPLE_HOURS = [
    OFFICE_NY,
    SPRING_NIGHT_NY,
    LATE_FRIDAY,
    LATE_OFFICE,
    hours(NY, "sun 01:00-01:45", "sat 23:30-01:15"),
    hours(LONDON, "mon-sun 00:30-02:30"),
    hours("Australia/Lord_Howe", "mon-sun 01:45-02:15"),  # a 30-minute DST shift
]


@given(
    st.sampled_from(SAMPLE_HOURS),
    st.datetimes(datetime(2026, 1, 1), datetime(2027, 1, 1), timezones=st.just(UTC)),
)
def test_it_opens_and_closes_exactly_where_staffing_changes(h: Hours, at: datetime) -> None:
    tick = timedelta(microseconds=1)
    opens = next_open(h, at)
    assert opens is not None and opens > at
    assert is_staffed(h, opens) and not is_staffed(h, opens - tick)
    if not is_staffed(h, at):
        # Closed all the way: sample the stretch until the opening.
        step = (opens - at) / 7
        assert not any(is_staffed(h, at + step * i) for i in range(7))
    else:
        closes = closes_at(h, at)
        assert closes is not None and at < closes <= opens
        assert not is_staffed(h, closes) and is_staffed(h, closes - tick)
