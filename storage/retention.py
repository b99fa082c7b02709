"""Retention: raw results 48 h, wait reports 30 days, rollups 400 days, Telegram update claims
a day, finished outbox rows 7 days; deleted in small chunks."""

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
# Outbox rows that are finished (sent, superseded, dead), by when they were written. Nothing in
# the bot reads a row once it is settled: the drainer, the per-chat order check and reclaiming
# after a restart look at pending and sending rows only, a recovery's "was down" reads the
# rows its own transaction just superseded, and what makes each alert once lives elsewhere
# (transitions, held_down, maintenance_alerts, upstream_incidents; status API alerts compare
# one reading with the one before). The week is for people: /stats and the outbox_depth metric
# count the last week's dead rows, and an operator asked on Monday about Friday's missed alert
# still finds its row (who, when, last_error).
OUTBOX_KEEP = timedelta(days=7)
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
# Through the partial index outbox_finished (migration 0012): the same state list. A pending or
# sending row is never deleted, whatever its age. The newest row stays even when finished and
# old: SQLite gives a new row the largest id plus one, and would hand a deleted row's id out
# again (PostgreSQL's identity never does); with it kept, an id names one alert for ever.
_DELETE_OUTBOX = (
    "DELETE FROM outbox WHERE id IN (SELECT id FROM outbox "
    "WHERE state IN ('sent', 'superseded', 'dead') AND created_at < ? "
    "AND id < (SELECT max(id) FROM outbox) ORDER BY created_at LIMIT ?)"
)


class RetentionStore:
    """Part of `Store`: pruning old rows."""

    _db: Database

    async def prune(self, now: datetime) -> PruneReport:
        """Delete raw results older than 48 h, wait reports older than 30 days and rollups
        whose hour started over 400 days ago, claims on Telegram updates older than a day, and
        outbox rows finished (sent, superseded, dead) and written over 7 days ago; pending and
        sending rows stay. Each chunk is its own short transaction, so writers are never held
        up long."""
        raw = await self._prune_raw(round(to_unix(now - RAW_KEEP) * 1000))
        rollups = await self._delete_chunked(_DELETE_ROLLUPS, (to_unix(now - ROLLUP_KEEP),))
        reports = await self._delete_chunked(_DELETE_REPORTS, (to_unix(now - REPORT_KEEP),))
        claims = await self._delete_chunked(DELETE_OLD_UPDATES, (to_unix(now - UPDATE_CLAIM_KEEP),))
        alerts = await self._delete_chunked(_DELETE_OUTBOX, (to_unix(now - OUTBOX_KEEP),))
        return PruneReport(
            raw_deleted=raw,
            rollups_deleted=rollups,
            reports_deleted=reports,
            updates_deleted=claims,
            outbox_deleted=alerts,
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
        "retention: %d raw results, %d rollups, %d wait reports, %d Telegram update claims and "
        "%d finished outbox rows deleted",
        report.raw_deleted,
        report.rollups_deleted,
        report.reports_deleted,
        report.updates_deleted,
        report.outbox_deleted,
    )
    return report
