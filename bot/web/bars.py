"""The last 24 hours of each channel, hour by hour, from the rollups (never raw results).

Complete hours do not change, so the whole set is read once per hour (one rollup query per
hour, every channel at once) and kept until the hour turns.
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

HOURS = 24
HOUR = timedelta(hours=1)


class Level(StrEnum):
    """How an hour looked; the CSS colours a bar cell by it."""

    OK = "ok"  # every check succeeded
    SOME = "some"  # some checks failed
    BAD = "bad"  # more than half failed
    NONE = "none"  # no checks


@dataclass(frozen=True, slots=True)
class Hour:
    """One hour of one channel's checks."""

    start: datetime
    count: int = 0
    failures: int = 0

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
    """Per channel key, the last `HOURS` complete hours, oldest first."""

    def __init__(self, store: StatusStore | None, clock: Clock) -> None:
        self._store = store
        self._clock = clock
        self._hour: datetime | None = None
        self._cells: dict[str, tuple[Hour, ...]] = {}
        self._lock = asyncio.Lock()

    async def last_day(self) -> Mapping[str, tuple[Hour, ...]]:
        """Every channel with data in the last 24 complete hours → its 24 hours."""
        current = self._clock.now().replace(minute=0, second=0, microsecond=0)
        async with self._lock:
            if current != self._hour:
                try:
                    self._cells = await self._load(current)
                except Exception:
                    # The bars are a detail: the page still answers, and the next one retries.
                    log.exception("could not read hourly rollups for the 24 h bars")
                    return {}
                self._hour = current
            return self._cells

    def empty(self) -> tuple[Hour, ...]:
        """24 hours without checks (a channel that is not probed or has no data yet)."""
        current = self._hour or self._clock.now().replace(minute=0, second=0, microsecond=0)
        return tuple(Hour(start) for start in _starts(current))

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
    return [current - HOUR * (HOURS - i) for i in range(HOURS)]
