"""`Store`: the typed face of the database for the rest of the program.

Every method that writes runs in one transaction. To make several writes atomic (a
transition and its outbox rows), wrap them in `async with store.transaction() as conn:`;
store methods called inside join that transaction, and sibling modules use `conn`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime

from storage import outbox
from storage.chats import ChatStore
from storage.engine import Conn, Database
from storage.health import HealthStore
from storage.maintenance import MaintenanceStore
from storage.regions import RegionStore
from storage.reports import WaitReportStore
from storage.results import ResultStore
from storage.retention import RetentionStore
from storage.telegram_updates import TelegramUpdateStore


def _utc_now() -> datetime:
    return datetime.now(UTC)


class Store(
    RegionStore,
    ResultStore,
    HealthStore,
    ChatStore,
    MaintenanceStore,
    WaitReportStore,
    RetentionStore,
    TelegramUpdateStore,
):
    """Results and rollups, regions' results and sightings, health and transitions, chats,
    maintenance, wait reports, retention, claims on Telegram updates."""

    def __init__(self, db: Database, now: Callable[[], datetime] = _utc_now) -> None:
        """`now` stamps created_at/deactivated_at columns (inject the bot's clock)."""
        self._db = db
        self._now = now
        self._channel_ids: dict[str, int] = {}

    @property
    def db(self) -> Database:
        return self._db

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Conn]:
        """BEGIN ... COMMIT on one connection held by this task; re-entrant within it."""
        try:
            async with self._db.transaction() as conn:
                yield conn
        except BaseException:
            # Channel ids that writes inside it remembered may have been rolled back.
            self._channel_ids.clear()
            raise

    async def outbox_depth(self) -> dict[str, int]:
        """Outbox rows per state (pending, sending, sent, superseded, dead)."""
        async with self._db.reading() as conn:
            return await outbox.depth(conn)
