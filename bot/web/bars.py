"""The last 24 hours of each channel, hour by hour, from the rollups (never raw results).

The bars end with the hour under way, marked partial, so a channel that went down minutes
ago shows it in its bar too. Complete hours do not change, so they are read once per hour
(one rollup query per hour, every channel at once) and kept until the hour turns; the hour
under way is one more query, read again at most every `CURRENT_TTL`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from bot.clock import Clock
from bot.status import StatusStore

log = logging.getLogger(__name__)

HOURS = 24  # the hour under way and the 23 complete hours before it
HOUR = timedelta(hours=1)
CURRENT_TTL = timedelta(seconds=30)


class Level(StrEnum):
    """How an hour looked; the CSS colours a bar cell by it."""

    OK = "ok"  # every check succeeded
    SOME = "some"  # some checks failed
    BAD = "bad"  # more than half failed
    NONE = "none"  # no checks


@dataclass(frozen=True, slots=True)
class Hour:
    """One hour of one channel's checks; `partial` for the hour under way."""

    start: datetime
    count: int = 0
    failures: int = 0
    partial: bool = False

    @property
    def share(self) -> float | None:
        """Share of successful checks, None without checks."""
        return None if self.count <= 0 else (self.count - self.failures) / self.count

    @property
    def level(self) -> Level:
        if self.count <= 0:
            return Level.NONE
        if self.failures == 0:
            return Level.OK
        return Level.BAD if self.failures * 2 > self.count else Level.SOME


class HourlyBars:
    """Per channel key, the last `HOURS` hours, oldest first, the last one under way."""

    def __init__(self, store: StatusStore | None, clock: Clock) -> None:
        self._store = store
        self._clock = clock
        self._hour: datetime | None = None
        self._complete: dict[str, tuple[Hour, ...]] = {}
        self._read_at: datetime | None = None
        self._cells: dict[str, tuple[Hour, ...]] = {}
        self._lock = asyncio.Lock()

    async def last_day(self) -> Mapping[str, tuple[Hour, ...]]:
        """Every channel with data in the last 24 hours → its 24 hours (the last partial)."""
        now = self._clock.now()
        current = now.replace(minute=0, second=0, microsecond=0)
        async with self._lock:
            read_at = self._read_at
            if self._hour == current and read_at and now - read_at < CURRENT_TTL:
                return self._cells
            try:
                if current != self._hour:
                    self._complete = await self._load(current)
                    self._hour = current
                under_way = await self._read_hour(current)
            except Exception:
                # The bars are a detail: the page still answers, and the next one retries.
                log.exception("could not read hourly rollups for the 24 h bars")
                return {}
            self._cells = self._join(current, under_way)
            self._read_at = now
            return self._cells

    def empty(self) -> tuple[Hour, ...]:
        """24 hours without checks (a channel that is not probed or has no data yet)."""
        current = self._hour or self._clock.now().replace(minute=0, second=0, microsecond=0)
        return (*(Hour(start) for start in _starts(current)), Hour(current, partial=True))

    def _join(
        self, current: datetime, under_way: Mapping[str, Hour]
    ) -> dict[str, tuple[Hour, ...]]:
        """The complete hours, then the hour under way, per channel with data in either."""
        before = tuple(Hour(start) for start in _starts(current))
        return {
            key: (*self._complete.get(key, before), under_way.get(key, Hour(current, partial=True)))
            for key in self._complete.keys() | under_way.keys()
        }

    async def _read_hour(self, start: datetime) -> dict[str, Hour]:
        """The hour under way so far, per channel with checks in it."""
        if self._store is None:
            return {}
        summaries = await self._store.rollup_summaries(
            None, start, start + HOUR, with_latency=False
        )
        return {
            key: Hour(start, summary.count, summary.failures, partial=True)
            for key, summary in summaries.items()
        }

    async def _load(self, current: datetime) -> dict[str, tuple[Hour, ...]]:
        if self._store is None:
            return {}
        starts = _starts(current)
        found: dict[str, list[Hour]] = {}
        for position, start in enumerate(starts):
            summaries = await self._store.rollup_summaries(
                None, start, start + HOUR, with_latency=False
            )
            for key, summary in summaries.items():
                row = found.setdefault(key, [Hour(s) for s in starts])
                row[position] = Hour(start, summary.count, summary.failures)
        return {key: tuple(row) for key, row in found.items()}


def _starts(current: datetime) -> list[datetime]:
    """The complete hours shown: the `HOURS - 1` before the hour under way, oldest first."""
    return [current - HOUR * (HOURS - 1 - i) for i in range(HOURS - 1)]
