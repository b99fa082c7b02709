"""Retention: raw results 48 h, wait reports 30 days, rollups 400 days, Telegram update claims
a day; deleted in small chunks."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta
from typing import Protocol

from storage.engine import Database
from storage.records import PruneReport
from storage.telegram_updates import DELETE_OLD_UPDATES
from storage.times import to_unix

RAW_KEEP = timedelta(hours=48)
ROLLUP_KEEP = timedelta(days=400)
REPORT_KEEP = timedelta(days=30)
# Telegram gives up redelivering an update long before a day has passed.
UPDATE_CLAIM_KEEP = timedelta(days=1)
CHUNK_ROWS = 5000

log = logging.getLogger(__name__)

# Per channel, through the (channel_id, at_ms) index: raw rows have no index on time alone.
_DELETE_RAW = (
    "DELETE FROM probe_results WHERE id IN (SELECT id FROM probe_results "
    "WHERE channel_id = ? AND at_ms < ? ORDER BY at_ms LIMIT ?)"
)
_DELETE_ROLLUPS = (
    "DELETE FROM rollups WHERE (channel_id, hour) IN "
    "(SELECT channel_id, hour FROM rollups WHERE hour < ? ORDER BY hour LIMIT ?)"
)
_DELETE_REPORTS = (
    "DELETE FROM wait_reports WHERE id IN "
    "(SELECT id FROM wait_reports WHERE at < ? ORDER BY at LIMIT ?)"
)


class RetentionStore:
    """Part of `Store`: pruning old rows."""

    _db: Database

    async def prune(self, now: datetime) -> PruneReport:
        """Delete raw results older than 48 h, wait reports older than 30 days and rollups
        whose hour started over 400 days ago, and claims on Telegram updates older than a day.
        Each chunk is its own short transaction, so
        writers are never held up long."""
        raw = await self._prune_raw(round(to_unix(now - RAW_KEEP) * 1000))
        rollups = await self._delete_chunked(_DELETE_ROLLUPS, (to_unix(now - ROLLUP_KEEP),))
        reports = await self._delete_chunked(_DELETE_REPORTS, (to_unix(now - REPORT_KEEP),))
        claims = await self._delete_chunked(DELETE_OLD_UPDATES, (to_unix(now - UPDATE_CLAIM_KEEP),))
        return PruneReport(
            raw_deleted=raw,
            rollups_deleted=rollups,
            reports_deleted=reports,
            updates_deleted=claims,
        )

    async def _prune_raw(self, cutoff_ms: int) -> int:
        async with self._db.reading() as conn:
            channel_ids = [row[0] for row in await conn.fetchall("SELECT id FROM channels")]
        total = 0
        for channel_id in channel_ids:
            total += await self._delete_chunked(_DELETE_RAW, (channel_id, cutoff_ms))
        return total

    async def _delete_chunked(self, sql: str, parameters: tuple[object, ...]) -> int:
        total = 0
        while True:
            async with self._db.transaction() as conn:
                deleted = await conn.execute(sql, (*parameters, CHUNK_ROWS))
            total += deleted
            if deleted < CHUNK_ROWS:
                return total
            await asyncio.sleep(0)  # let waiting writers in between chunks


class Prunable(Protocol):
    async def prune(self, now: datetime) -> PruneReport: ...


async def prune_and_report(store: Prunable, now: datetime) -> PruneReport:
    """One retention round (`supportlive run` repeats it hourly, under its supervisor)."""
    report = await store.prune(now)
    log.info(
        "retention: %d raw results, %d rollups, %d wait reports and %d Telegram update claims "
        "deleted",
        report.raw_deleted,
        report.rollups_deleted,
        report.reports_deleted,
        report.updates_deleted,
    )
    return report
