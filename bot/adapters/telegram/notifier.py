"""Alerts to Telegram on the adapter's bot, following a group that moved.

The drainer paces alerts on the adapter's send budget (`TelegramAdapter.pace`, shared with
replies), so a send here has had its turn already; a re-send to a moved group takes another.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

from telegram.error import ChatMigrated

from bot.adapters.telegram.sending import turn
from bot.alerts.notifier import SendError, SendErrorKind
from bot.alerts.pacing import SendKind
from bot.alerts.telegram_notifier import TelegramNotifier
from bot.reply import Reply
from bot.vocab import Platform
from storage.records import Subscription

if TYPE_CHECKING:
    from bot.adapters.telegram.adapter import TelegramAdapter

log = logging.getLogger(__name__)


class MigratingStore(Protocol):
    """What the adapter needs from storage (`storage.Store` has it)."""

    async def migrate_chat(self, platform: str, old_chat_id: str, new_chat_id: str) -> int: ...

    async def reactivate_chat(
        self, platform: str, chat_id: str, reasons: Sequence[str]
    ) -> list[Subscription]: ...

    async def retire_chat(
        self, platform: str, chat_id: str, reason: str, replacing: Sequence[str]
    ) -> int: ...


async def migrate(store: MigratingStore, old_chat_id: str, new_chat_id: str) -> None:
    """A group became a supergroup: its subscriptions move to the new id."""
    moved = await store.migrate_chat(Platform.TELEGRAM.value, old_chat_id, new_chat_id)
    log.info(
        "Telegram chat %s is now %s; %d subscription(s) moved", old_chat_id, new_chat_id, moved
    )


class FollowingNotifier:
    """Alerts through `bot.alerts.telegram_notifier.TelegramNotifier`, on the adapter's bot; a
    group that became a supergroup is followed to its new id (not deactivated)."""

    def __init__(self, adapter: TelegramAdapter) -> None:
        self._adapter = adapter

    @property
    def platform(self) -> Platform:
        return Platform.TELEGRAM

    async def send(self, chat_id: str, reply: Reply) -> None:
        """Deliver an alert; raise a classified `SendError` when Telegram did not take it."""
        bot = self._adapter.bot
        if bot is None:
            raise SendError(SendErrorKind.UNREACHABLE, "the Telegram bot is not connected yet")
        notifier = TelegramNotifier(bot)
        try:
            await notifier.send(chat_id, reply)
        except SendError as error:
            moved = error.__cause__
            if not isinstance(moved, ChatMigrated):
                raise
            await self._adapter.migrate(chat_id, str(moved.new_chat_id))
            async with turn(self._adapter.pace, SendKind.ALERT):
                await notifier.send(str(moved.new_chat_id), reply)
