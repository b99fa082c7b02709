"""Counting wait reports: which count, the median wait, and when there are enough to show.

Pure functions of report rows and a moment. The rules:
- a person's report on a channel replaces their earlier one on it made within the last 24 h
  (so repeating a report never counts twice);
- a channel's figures are shown once at least 3 distinct people reported in the window;
- the typical wait is the median of the answered waits, never a mean: one trader who waited
  a whole day must not drag everyone's figure;
- a person may report at most 5 times an hour, replacements and repeats included.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from bot.catalog import Channel

WINDOW = timedelta(hours=24)
MIN_PEOPLE = 3
RATE_LIMIT = 5
RATE_WINDOW = timedelta(hours=1)
KEEP = timedelta(days=30)  # storage/retention.py deletes older reports


class Report(Protocol):
    """One stored report (storage's `WaitReport`); `wait_min` None: nobody answered."""

    @property
    def person(self) -> str: ...

    @property
    def exchange(self) -> str: ...

    @property
    def channel(self) -> str: ...

    @property
    def at(self) -> datetime: ...

    @property
    def wait_min(self) -> int | None: ...


@dataclass(frozen=True, slots=True)
class WaitSummary:
    """A channel's reports in a window: how many, the median answered wait, how many got none.

    `count` is the reports that count (no-answers included; in 24 h one per person after
    replacement), `people` the distinct people behind them; `median_wait_min` is None until
    `shown` (and when nobody was answered).
    """

    count: int = 0
    answered: int = 0
    median_wait_min: int | None = None
    no_answer: int = 0
    window_h: int = 24

    people: int = 0

    @property
    def shown(self) -> bool:
        """Enough distinct people reported to show the figures."""
        return self.people >= MIN_PEOPLE


def reportable(channel: Channel) -> bool:
    """Whether traders may report waits on this channel: a contact channel, since a person
    answers it (help centers, status pages and broadcast accounts never answer anyone)."""
    return channel.contact


def median(values: Sequence[int]) -> int | None:
    """The median in whole minutes (halves round up), None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return math.ceil((ordered[middle - 1] + ordered[middle]) / 2)


def counted(reports: Iterable[Report]) -> list[Report]:
    """The reports that count: each one not replaced by a later report of the same person on
    the same channel within `WINDOW`. Oldest first."""
    ordered = sorted(reports, key=lambda r: r.at)
    latest: dict[tuple[str, str, str], datetime] = {}
    kept: list[Report] = []
    for report in reversed(ordered):
        key = (report.person, report.exchange, report.channel)
        later = latest.get(key)
        if later is None or later - report.at >= WINDOW:
            kept.append(report)
        latest[key] = report.at
    kept.reverse()
    return kept


def in_window(reports: Iterable[Report], now: datetime, window: timedelta = WINDOW) -> list[Report]:
    """Reports made in (now - window, now]."""
    return [r for r in reports if now - window < r.at <= now]


def summarize(reports: Sequence[Report], window: timedelta = WINDOW) -> WaitSummary:
    """The figures of one channel's counted reports (see `counted`, `in_window`)."""
    waits = [r.wait_min for r in reports if r.wait_min is not None]
    people = len({r.person for r in reports})
    return WaitSummary(
        count=len(reports),
        answered=len(waits),
        median_wait_min=median(waits) if people >= MIN_PEOPLE else None,
        no_answer=len(reports) - len(waits),
        window_h=round(window.total_seconds() / 3600),
        people=people,
    )


def channel_summaries(
    reports: Iterable[Report], now: datetime, channels: Iterable[str]
) -> dict[str, WaitSummary]:
    """Each channel's summary over the last 24 h (channels without reports: empty ones)."""
    recent = in_window(counted(reports), now)
    return {c: summarize([r for r in recent if r.channel == c]) for c in channels}


def at_this_hour(
    reports: Iterable[Report], now: datetime, channels: Iterable[str]
) -> dict[str, WaitSummary]:
    """Each channel's summary of the last 30 days' reports made in the current hour of the
    day (UTC), for "typical wait at this hour"; the threshold counts distinct people."""
    hour = now.hour
    month = [r for r in in_window(counted(reports), now, KEEP) if r.at.hour == hour]
    return {c: summarize([r for r in month if r.channel == c], KEEP) for c in channels}


def may_report(mine: Iterable[Report], now: datetime) -> bool:
    """Whether a person with these earlier reports may report again now (5 an hour)."""
    return len(in_window(mine, now, RATE_WINDOW)) < RATE_LIMIT


def replaces(mine: Iterable[Report], exchange_channel: tuple[str, str], now: datetime) -> bool:
    """Whether a new report on (exchange, channel) replaces one of the person's own."""
    return any((r.exchange, r.channel) == exchange_channel for r in in_window(mine, now))
