"""Declared maintenance windows of an exchange or one of its channels."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from storage.db import Database
from storage.records import ALL_CHANNELS, MaintenanceWindow
from storage.times import from_unix, to_unix


class MaintenanceStore:
    """Part of `Store`: maintenance windows."""

    _db: Database
    _now: Callable[[], datetime]

    async def add_maintenance(
        self,
        exchange: str,
        channel: str | None,
        starts_at: datetime,
        ends_at: datetime | None,
        reason: str,
        created_by: str,
    ) -> int:
        """Declare a window (channel None: the whole exchange; ends_at None: until ended)."""
        if ends_at is not None and ends_at <= starts_at:
            raise ValueError("a maintenance window must end after it starts")
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "INSERT INTO maintenance "
                "(exchange, channel, starts_at, ends_at, reason, created_by, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    exchange,
                    channel or ALL_CHANNELS,
                    to_unix(starts_at),
                    None if ends_at is None else to_unix(ends_at),
                    reason,
                    created_by,
                    to_unix(self._now()),
                ),
            )
            new_id = cursor.lastrowid
            await cursor.close()
        if new_id is None:
            raise AssertionError("INSERT gave no row id")
        return new_id

    async def active_maintenance(self, now: datetime) -> list[MaintenanceWindow]:
        """Windows with starts_at <= now < ends_at (or open-ended), earliest start first."""
        moment = to_unix(now)
        async with self._db.reading() as conn:
            rows = await conn.execute_fetchall(
                "SELECT id, exchange, channel, starts_at, ends_at, reason, created_by "
                "FROM maintenance WHERE starts_at <= ? AND (ends_at IS NULL OR ends_at > ?) "
                "ORDER BY starts_at, id",
                (moment, moment),
            )
        return [
            MaintenanceWindow(
                id=id_,
                exchange=exchange,
                channel=None if channel == ALL_CHANNELS else channel,
                starts_at=from_unix(starts_at),
                ends_at=None if ends_at is None else from_unix(ends_at),
                reason=reason,
                created_by=created_by,
            )
            for id_, exchange, channel, starts_at, ends_at, reason, created_by in rows
        ]

    async def end_maintenance(self, window_id: int, now: datetime) -> bool:
        """End a window now (if it would end later); False if it had already ended or is
        unknown."""
        moment = to_unix(now)
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE maintenance SET ends_at = ? "
                "WHERE id = ? AND (ends_at IS NULL OR ends_at > ?)",
                (moment, window_id, moment),
            )
            changed = cursor.rowcount
            await cursor.close()
        return changed > 0
