"""Staffed hours: is a channel staffed at an instant, when it opens next, when it closes.

Wall-time semantics: a channel is staffed whenever the clock on the wall in its time zone
reads inside one of its windows. That is what a support desk means by "09:00-18:00", and
it defines the DST edge cases without special rules:
- spring forward: wall times in the skipped hour never occur, so a window 01:00-03:00 on
  that night is staffed one real hour; a window starting in the gap opens when the clock
  jumps (e.g. 02:30 → opens at 03:00);
- fall back: the repeated hour occurs twice, so a window 01:00-03:00 is staffed three real
  hours, and a window inside the repeated hour (01:00-01:45) is staffed twice.

A window with `end <= start` runs past midnight into the next day; `end` 24:00 is stored as
00:00, which makes it such a window ending exactly at midnight. `start == end` is 24 hours.
All results are aware datetimes in UTC.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.catalog.models import Hours, Window

# Weekly windows repeat every 7 days; one more day covers windows begun the day before.
_SCAN_DAYS = 9
_EPSILON = timedelta(microseconds=1)


def is_staffed(hours: Hours | None, at: datetime) -> bool | None:
    """Whether the channel is staffed at `at`; None when its hours are not stated."""
    _require_aware(at)
    if hours is None:
        return None
    if hours.always:
        return True
    local = at.astimezone(ZoneInfo(hours.tz))
    return any(_in_window(w, local.date(), local.time()) for w in hours.windows)


def next_open(hours: Hours | None, at: datetime) -> datetime | None:
    """The next instant after `at` when a closed channel opens; None if never (or 24/7)."""
    _require_aware(at)
    if hours is None or hours.always:
        return None
    for edge in _edges(hours, at):
        if is_staffed(hours, edge) and not is_staffed(hours, edge - _EPSILON):
            return edge
    return None


def closes_at(hours: Hours | None, at: datetime) -> datetime | None:
    """When the staffed time around `at` ends; None if closed now, 24/7 or never closing."""
    _require_aware(at)
    if hours is None or hours.always or not is_staffed(hours, at):
        return None
    for edge in _edges(hours, at):
        if not is_staffed(hours, edge) and is_staffed(hours, edge - _EPSILON):
            return edge
    return None


def _in_window(window: Window, day: date, clock: time) -> bool:
    """Whether wall time `clock` on `day` falls in the window (end exclusive)."""
    weekday = day.weekday()
    if window.start < window.end:
        return weekday in window.days and window.start <= clock < window.end
    # Past midnight: the evening part belongs to the start day, the morning to the day after.
    if weekday in window.days and clock >= window.start:
        return True
    return (weekday - 1) % 7 in window.days and clock < window.end


def _edges(hours: Hours, at: datetime) -> list[datetime]:
    """Instants after `at` where staffing may change, in order (UTC)."""
    zone = ZoneInfo(hours.tz)
    first = at.astimezone(zone).date() - timedelta(days=1)
    found: set[datetime] = set()
    for offset in range(_SCAN_DAYS):
        day = first + timedelta(days=offset)
        for window in hours.windows:
            if day.weekday() not in window.days:
                continue
            end_day = day if window.start < window.end else day + timedelta(days=1)
            found.update(_instants(datetime.combine(day, window.start), zone))
            found.update(_instants(datetime.combine(end_day, window.end), zone))
    return sorted(t for t in found if t > at)


def _instants(wall: datetime, zone: ZoneInfo) -> Iterator[datetime]:
    """The UTC instants at which the wall clock reads `wall`, or shows the first time after it.

    Two for a repeated (fall-back) wall time, one normally, and for a skipped (spring-forward)
    wall time the instant the clock jumps over it.
    """
    early = wall.replace(tzinfo=zone, fold=0)
    late = wall.replace(tzinfo=zone, fold=1)
    if early.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != wall:
        yield _jump(late.astimezone(UTC), early.astimezone(UTC), zone)
        return
    yield early.astimezone(UTC)
    yield late.astimezone(UTC)


def _jump(before: datetime, after: datetime, zone: ZoneInfo) -> datetime:
    """The instant in (before, after] where the zone's UTC offset changes (to the second)."""
    offset = before.astimezone(zone).utcoffset()
    low, high = before, after
    while high - low > timedelta(seconds=1):
        middle = low + (high - low) / 2
        middle = middle.replace(microsecond=0)
        if middle.astimezone(zone).utcoffset() == offset:
            low = middle
        else:
            high = middle
    return high


def _require_aware(at: datetime) -> None:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("hours need an aware datetime (with a time zone)")
