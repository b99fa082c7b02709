"""Wait reports (`/report`): who waited how long on which channel, with people as keyed hashes.

A person is (platform, user id), and only `person_key` of it is ever stored: an HMAC keyed
with a secret this install made for itself (migration 0005). Without the secret, hashing
guessed ids finds nothing, so the report rows alone (an export, a copied table) name nobody.
The secret lives in the same database, though: whoever holds the whole file can hash every
candidate id (the `preferences` table lists some, and Telegram ids are few enough to try them
all), so a leaked database file does name its reporters.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from storage.engine import Database
from storage.records import WaitReport
from storage.times import from_unix, to_unix

_SECRET = "reporter_key"
_COLUMNS = "person, exchange, channel, at, wait_min"


class WaitReportStore:
    """Part of `Store`: wait reports."""

    _db: Database
    _reporter_key: bytes | None = None

    async def person_key(self, platform: str, user_id: str) -> str:
        """The keyed hash that stands for (platform, user id) in reports (32 hex digits)."""
        if self._reporter_key is None:
            async with self._db.reading() as conn:
                rows = list(
                    await conn.fetchall(
                        "SELECT value FROM install_secrets WHERE name = ?", (_SECRET,)
                    )
                )
            if not rows:
                raise LookupError("the database has no reporter key (migration 0005)")
            self._reporter_key = bytes(rows[0][0])
        message = f"{platform}\x00{user_id}".encode()
        return hmac.new(self._reporter_key, message, hashlib.sha256).hexdigest()[:32]

    async def add_wait_report(self, report: WaitReport) -> None:
        """Store one report (`wait_min` None: nobody answered)."""
        async with self._db.transaction() as conn:
            await conn.execute(
                f"INSERT INTO wait_reports ({_COLUMNS}) VALUES (?, ?, ?, ?, ?)",
                (
                    report.person,
                    report.exchange,
                    report.channel,
                    to_unix(report.at),
                    report.wait_min,
                ),
            )

    async def wait_reports(self, exchange: str, since: datetime) -> list[WaitReport]:
        """The exchange's reports made after `since`, oldest first."""
        return await self._select(
            "exchange = ? AND at > ?", (exchange, to_unix(since)), order="at, id"
        )

    async def reports_by(self, person: str, since: datetime) -> list[WaitReport]:
        """One person's reports (any exchange) made after `since`, oldest first."""
        return await self._select("person = ? AND at > ?", (person, to_unix(since)), "at, id")

    async def clear_wait_reports(self, exchange: str, channel: str) -> int:
        """Delete every report on one channel; returns how many went."""
        async with self._db.transaction() as conn:
            return await conn.execute(
                "DELETE FROM wait_reports WHERE exchange = ? AND channel = ?", (exchange, channel)
            )

    async def _select(
        self, where: str, parameters: tuple[object, ...], order: str
    ) -> list[WaitReport]:
        async with self._db.reading() as conn:
            rows = await conn.fetchall(
                f"SELECT {_COLUMNS} FROM wait_reports WHERE {where} ORDER BY {order}", parameters
            )
        return _reports(rows)


def _reports(rows: Iterable[Any]) -> list[WaitReport]:
    return [
        WaitReport(person, exchange, channel, from_unix(at), wait)
        for person, exchange, channel, at, wait in rows
    ]
