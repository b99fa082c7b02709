"""Telegram updates claimed once: the webhook's de-duplication by `update_id`.

Telegram delivers an update again when our answer was slow or failed, and behind a load
balancer two replicas can each get one copy. Whoever inserts the (bot, update_id) row first
handles the update; everyone else sees it already claimed. The insert is portable SQL
(`ON CONFLICT DO NOTHING`), so one claim holds across processes on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from storage.engine import Database
from storage.times import to_unix

_CLAIM = (
    "INSERT INTO telegram_updates (bot_id, update_id, received_at) VALUES (?, ?, ?) "
    "ON CONFLICT (bot_id, update_id) DO NOTHING"
)
# Used by retention (storage/retention.py), a chunk at a time like every other prune.
DELETE_OLD_UPDATES = (
    "DELETE FROM telegram_updates WHERE (bot_id, update_id) IN (SELECT bot_id, update_id "
    "FROM telegram_updates WHERE received_at < ? ORDER BY received_at LIMIT ?)"
)


class TelegramUpdateStore:
    """Part of `Store`: claims on Telegram updates."""

    _db: Database
    _now: Callable[[], datetime]

    async def claim_telegram_update(self, bot_id: int, update_id: int) -> bool:
        """True when this call claimed the update (handle it); False when it was claimed
        before, here or by another process (it was handled, or is being handled: drop it)."""
        async with self._db.transaction() as conn:
            claimed = await conn.execute(_CLAIM, (bot_id, update_id, to_unix(self._now())))
        return claimed == 1
