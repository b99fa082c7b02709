"""Each channel's checks period by period, from the rollups (never raw results).

Two bars: the last 24 hours hour by hour (`HourlyBars`) and the last 90 days day by day
(`DailyBars`, UTC days). A bar ends with the period under way, marked partial, so a channel
that went down minutes ago shows it in its bar too. A page reads the few channels it draws
(`for_channels`). Complete periods do not change, so a channel's are read once per period
(one rollup query per period for the channels asked for) and kept until it turns; the period
under way is one more query, read again at most every `CURRENT_TTL`.
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
        self._lock = asyncio.Lock()
        # Per channel asked for: its complete periods and the one under way.
        self._keys_period: datetime | None = None
        self._by_key: dict[str, tuple[Hour, ...]] = {}  # () when it has none with checks
        self._now_by_key: dict[str, tuple[datetime, Hour]] = {}  # when read, what it said

    async def for_channels(self, keys: Sequence[str]) -> Mapping[str, tuple[Hour, ...]]:
        """Each of `keys` with checks in the bar's span → its periods (the last partial).

        Reads only these channels: the complete periods once per period, the one under way
        at most every `CURRENT_TTL`. A page needs a few channels, and reading every channel
        is slow at scale (89 days of 2,000 channels: about 18 s; one exchange's: 26 ms).
        """
        now = self._clock.now()
        current = self._floor(now)
        async with self._lock:
            if self._keys_period != current:
                self._by_key, self._now_by_key, self._keys_period = {}, {}, current
            try:
                await self._read_complete(current, [k for k in keys if k not in self._by_key])
                stale = [k for k in keys if self._stale(k, now)]
                await self._read_under_way(current, now, stale)
            except Exception:
                # The bars are a detail: the page still answers, and the next one retries.
                log.exception("could not read rollups for the bars")
                return {}
        found: dict[str, tuple[Hour, ...]] = {}
        for key in keys:
            complete, under_way = self._by_key.get(key, ()), self._now_by_key[key][1]
            if complete or under_way.count > 0:
                blank = tuple(self._cell(start) for start in self._starts(current))
                found[key] = (*(complete or blank), under_way)
        return found

    def _stale(self, key: str, now: datetime) -> bool:
        read = self._now_by_key.get(key)
        return read is None or now - read[0] >= CURRENT_TTL

    async def _read_complete(self, current: datetime, keys: list[str]) -> None:
        if not keys or self._store is None:
            self._by_key.update(dict.fromkeys(keys, ()))
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
        self._by_key.update({key: tuple(rows[key]) if key in seen else () for key in keys})

    async def _read_under_way(self, current: datetime, now: datetime, keys: list[str]) -> None:
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
            self._now_by_key[key] = (now, self._under_way(current, count, failures))

    def empty(self) -> tuple[Hour, ...]:
        """The bar without checks (a channel that is not probed or has no data yet)."""
        current = self._floor(self._clock.now())
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


class HourlyBars(Bars):
    """The last 24 hours, hour by hour, the hour under way last."""

    def __init__(self, store: StatusStore | None, clock: Clock) -> None:
        super().__init__(store, clock, length=HOUR, count=HOURS)


class DailyBars(Bars):
    """The last 90 UTC days, day by day, today so far last (read with `for_channels`)."""

    def __init__(self, store: StatusStore | None, clock: Clock) -> None:
        super().__init__(store, clock, length=DAY, count=DAYS)
