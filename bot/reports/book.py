"""`WaitBook`: takes traders' wait reports and answers with each channel's figures.

The rules live in `tally.py`; this reads and writes them through the store. A person reaches
the store only as its keyed hash (`person_key`); the raw id goes no further than here.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Protocol

from bot.catalog import Exchange
from bot.clock import Clock
from bot.reports.tally import (
    KEEP,
    WINDOW,
    WaitSummary,
    at_this_hour,
    channel_summaries,
    may_report,
    replaces,
    reportable,
)
from storage.records import WaitReport

log = logging.getLogger(__name__)

# Each exchange's 24 h figures are kept this long: `/status` is asked far more often than
# people report, and reading the window each time cost the answer its 10 ms budget. A new
# report or a clear drops them at once; only a report leaving the window shows late (≤ 1 min).
FIGURES_FOR = timedelta(minutes=1)


class ReportStore(Protocol):
    """The storage the book needs (storage/store.py `Store` has it)."""

    def transaction(self) -> AbstractAsyncContextManager[Any]: ...

    async def person_key(self, platform: str, user_id: str) -> str: ...

    async def add_wait_report(self, report: WaitReport) -> None: ...

    async def wait_reports(self, exchange: str, since: datetime) -> Sequence[WaitReport]: ...

    async def reports_by(self, person: str, since: datetime) -> Sequence[WaitReport]: ...

    async def clear_wait_reports(self, exchange: str, channel: str) -> int: ...


class Outcome(StrEnum):
    """What became of a report."""

    ADDED = "added"
    REPLACED = "replaced"  # it replaces the person's earlier report on the channel
    LIMITED = "limited"  # over 5 reports in the last hour: not stored


class WaitBook:
    """Wait reports of every exchange, read and written through one store."""

    def __init__(
        self, store: ReportStore, clock: Clock, keep_figures: timedelta = FIGURES_FOR
    ) -> None:
        """`keep_figures`: how long an exchange's 24 h figures are kept (0: read every time)."""
        self.store = store
        self.clock = clock
        self.keep_figures = keep_figures
        self._figures: dict[str, tuple[datetime, dict[str, WaitSummary]]] = {}
        # Reports and clears per exchange: figures read while one happened are not kept.
        self._changes: dict[str, int] = {}

    async def record(
        self, platform: str, user_id: str, exchange: str, channel: str, wait_min: int | None
    ) -> Outcome:
        """Take one person's report on a channel (`wait_min` None: nobody answered)."""
        now = self.clock.now()
        person = await self.store.person_key(platform, user_id)
        # One transaction: two quick reports of one person cannot both slip under the limit.
        async with self.store.transaction():
            mine = await self.store.reports_by(person, now - WINDOW)
            if not may_report(mine, now):
                return Outcome.LIMITED
            replacing = replaces(mine, (exchange, channel), now)
            await self.store.add_wait_report(WaitReport(person, exchange, channel, now, wait_min))
        self._changed(exchange)
        return Outcome.REPLACED if replacing else Outcome.ADDED

    async def summaries(self, exchange: Exchange) -> dict[str, WaitSummary]:
        """Each contact channel's figures over the last 24 h, by channel id (as of at most a
        minute ago; at once after a report or a clear)."""
        now = self.clock.now()
        kept = self._figures.get(exchange.id)
        if kept is not None and timedelta(0) <= now - kept[0] < self.keep_figures:
            return dict(kept[1])
        changes = self._changes.get(exchange.id, 0)
        rows = await self.store.wait_reports(exchange.id, now - WINDOW)
        found = channel_summaries(rows, now, _reportable_ids(exchange))
        if self._changes.get(exchange.id, 0) == changes:
            self._figures[exchange.id] = (now, dict(found))
        return found

    async def this_hour(self, exchange: Exchange) -> dict[str, WaitSummary]:
        """Each contact channel's figures for this hour of the day over the last 30 days."""
        now = self.clock.now()
        rows = await self.store.wait_reports(exchange.id, now - KEEP)
        return at_this_hour(rows, now, _reportable_ids(exchange))

    async def clear(self, exchange: str, channel: str, by: str) -> int:
        """Delete every report on a channel (an admin's decision, logged with who)."""
        deleted = await self.store.clear_wait_reports(exchange, channel)
        self._changed(exchange)
        log.info("wait reports of %s/%s cleared by %s: %d deleted", exchange, channel, by, deleted)
        return deleted

    def _changed(self, exchange: str) -> None:
        """A report or a clear on the exchange: its kept figures are out of date."""
        self._changes[exchange] = self._changes.get(exchange, 0) + 1
        self._figures.pop(exchange, None)


def _reportable_ids(exchange: Exchange) -> list[str]:
    return [c.id for c in exchange.channels if reportable(c)]
