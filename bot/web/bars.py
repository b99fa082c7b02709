"""Each channel's checks period by period, from the rollups (never raw results).

Two bars: the last 24 hours hour by hour (`HourlyBars`) and the last 90 days day by day
(`DailyBars`, UTC days). A bar ends with the period under way, marked partial, so a channel
that went down minutes ago shows it in its bar too. Complete periods do not change, so they
are read once per period (one rollup query per period, every channel at once) and kept until
it turns; the period under way is one more query, read again at most every `CURRENT_TTL`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from bot.clock import Clock
from bot.status import StatusStore, Summary

log = logging.getLogger(__name__)

HOURS = 24  # the hour under way and the 23 complete hours before it
DAYS = 90  # today so far and the 89 complete days before it
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
CURRENT_TTL = timedelta(seconds=30)
_EPOCH = datetime(2000, 1, 3, tzinfo=UTC)  # a midnight: periods are counted from it


class Level(StrEnum):
    """How an hour looked; the CSS colours a bar cell by it."""

    OK = "ok"  # every check succeeded
    SOME = "some"  # some checks failed
    BAD = "bad"  # more than half failed
    NONE = "none"  # no checks


@dataclass(frozen=True, slots=True)
class Hour:
    """One period (an hour, or a day on the 90-day bar) of one channel's checks; `partial`
    for the period under way."""

    start: datetime
    count: int = 0
    failures: int = 0
    partial: bool = False
    length: timedelta = HOUR

    @property
    def end(self) -> datetime:
        return self.start + self.length

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


class Bars:
    """Per channel key, the last `count` periods of `length`, oldest first, the last under way."""

    def __init__(
        self, store: StatusStore | None, clock: Clock, *, length: timedelta, count: int
    ) -> None:
        self._store = store
        self._clock = clock
        self._length = length
        self._count = count
        self._hour: datetime | None = None
        self._complete: dict[str, tuple[Hour, ...]] = {}
        self._read_at: datetime | None = None
        self._cells: dict[str, tuple[Hour, ...]] = {}
        self._lock = asyncio.Lock()

    async def last_day(self) -> Mapping[str, tuple[Hour, ...]]:
        """Every channel with data in the bar's span → its periods (the last partial)."""
        return await self.periods()

    async def periods(self) -> Mapping[str, tuple[Hour, ...]]:
        """Every channel with data in the bar's span → its periods (the last partial)."""
        now = self._clock.now()
        current = self._floor(now)
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
                log.exception("could not read rollups for the bars")
                return {}
            self._cells = self._join(current, under_way)
            self._read_at = now
            return self._cells

    def empty(self) -> tuple[Hour, ...]:
        """The bar without checks (a channel that is not probed or has no data yet)."""
        current = self._hour or self._floor(self._clock.now())
        return (*(self._cell(start) for start in self._starts(current)), self._under_way(current))

    def _floor(self, at: datetime) -> datetime:
        """The start of the period `at` falls in (UTC hours and UTC days)."""
        return at - (at - _EPOCH) % self._length

    def _cell(self, start: datetime, count: int = 0, failures: int = 0) -> Hour:
        return Hour(start, count, failures, length=self._length)

    def _under_way(self, start: datetime, count: int = 0, failures: int = 0) -> Hour:
        return Hour(start, count, failures, partial=True, length=self._length)

    def _starts(self, current: datetime) -> list[datetime]:
        """The complete periods shown, before the one under way, oldest first."""
        return [current - self._length * (self._count - 1 - i) for i in range(self._count - 1)]

    def _join(
        self, current: datetime, under_way: Mapping[str, Hour]
    ) -> dict[str, tuple[Hour, ...]]:
        """The complete hours, then the hour under way, per channel with data in either."""
        before = tuple(self._cell(start) for start in self._starts(current))
        return {
            key: (*self._complete.get(key, before), under_way.get(key, self._under_way(current)))
            for key in self._complete.keys() | under_way.keys()
        }

    async def _read_hour(self, start: datetime) -> dict[str, Hour]:
        """The period under way so far, per channel with checks in it."""
        if self._store is None:
            return {}
        summaries = await self._store.rollup_summaries(
            None, start, start + self._length, with_latency=False
        )
        return {
            key: self._under_way(start, summary.count, summary.failures)
            for key, summary in summaries.items()
        }

    async def _load(self, current: datetime) -> dict[str, tuple[Hour, ...]]:
        if self._store is None:
            return {}
        starts = self._starts(current)
        found: dict[str, list[Hour]] = {}
        for position, start in enumerate(starts):
            summaries = await self._store.rollup_summaries(
                None, start, start + self._length, with_latency=False
            )
            for key, summary in summaries.items():
                if summary.count <= 0:
                    continue
                row = found.setdefault(key, [self._cell(s) for s in starts])
                row[position] = self._cell(start, summary.count, summary.failures)
        return {key: tuple(row) for key, row in found.items()}


class HourlyBars(Bars):
    """The last 24 hours, hour by hour, the hour under way last."""

    def __init__(self, store: StatusStore | None, clock: Clock) -> None:
        super().__init__(store, clock, length=HOUR, count=HOURS)


class DailyBars(Bars):
    """The last 90 UTC days, day by day, today so far last; read per exchange page.

    The page needs one exchange's channels only, and reading 89 days of every channel at
    once is slow at scale (about 18 s for 2,000 channels), so `for_channels` reads the
    complete days of the channels asked for, once per UTC day, and today's so far at most
    every `CURRENT_TTL`.
    """

    def __init__(self, store: StatusStore | None, clock: Clock) -> None:
        super().__init__(store, clock, length=DAY, count=DAYS)
        self._day_loaded: datetime | None = None
        self._days: dict[str, tuple[Hour, ...]] = {}  # complete days, per channel read
        self._today: dict[str, tuple[datetime, Hour]] = {}  # when read, what it said

    async def for_channels(self, keys: Sequence[str]) -> Mapping[str, tuple[Hour, ...]]:
        """Each of `keys` with checks in the last 90 days → its 90 days (the last partial)."""
        now = self._clock.now()
        current = self._floor(now)
        async with self._lock:
            if self._day_loaded != current:
                self._days, self._today, self._day_loaded = {}, {}, current
            try:
                await self._read_days(current, [k for k in keys if k not in self._days])
                stale = [k for k in keys if self._stale(k, now)]
                await self._read_today(current, now, stale)
            except Exception:
                log.exception("could not read rollups for the 90-day bars")
                return {}
        found: dict[str, tuple[Hour, ...]] = {}
        for key in keys:
            days, today = self._days.get(key, ()), self._today[key][1]
            if days or today.count > 0:
                found[key] = (*(days or self.empty()[:-1]), today)
        return found

    def _stale(self, key: str, now: datetime) -> bool:
        read = self._today.get(key)
        return read is None or now - read[0] >= CURRENT_TTL

    async def _read_days(self, current: datetime, keys: list[str]) -> None:
        if not keys or self._store is None:
            self._days.update(dict.fromkeys(keys, ()))
            return
        starts = self._starts(current)
        rows = {key: [self._cell(s) for s in starts] for key in keys}
        seen: set[str] = set()
        for position, start in enumerate(starts):
            summaries = await self._store.rollup_summaries(
                keys, start, start + self._length, with_latency=False
            )
            for key, summary in summaries.items():
                if summary.count > 0 and key in rows:
                    rows[key][position] = self._cell(start, summary.count, summary.failures)
                    seen.add(key)
        self._days.update({key: tuple(rows[key]) if key in seen else () for key in keys})

    async def _read_today(self, current: datetime, now: datetime, keys: list[str]) -> None:
        if not keys:
            return
        summaries: Mapping[str, Summary] = {}
        if self._store is not None:
            summaries = await self._store.rollup_summaries(
                keys, current, current + self._length, with_latency=False
            )
        for key in keys:
            summary = summaries.get(key)
            count, failures = (summary.count, summary.failures) if summary else (0, 0)
            self._today[key] = (now, self._under_way(current, count, failures))
