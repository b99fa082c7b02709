"""Alerts to Telegram through python-telegram-bot's `Bot`, every failure classified.

PTB picks the exception from the Bot API's HTTP status: `RetryAfter` (429 with
retry_after) → rate_limited; `Forbidden` (blocked, kicked, user deactivated) and `BadRequest`
"chat not found" → permanent; `ChatMigrated` → permanent (the old id is dead; the adapter's
update handler moves subscriptions); other `BadRequest`s (our own message was refused:
retrying a bounded number of times costs little and never deactivates a reader) → transient;
`TimedOut`, `NetworkError` (5xx, refused or dropped connections, DNS) and `InvalidToken` (our
token, not the message) → unreachable: the alert waits until Telegram takes it.
"""

from __future__ import annotations

import warnings
from datetime import timedelta

from telegram import Bot, LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
)

from bot.alerts.notifier import SendError, SendErrorKind
from bot.render.telegram_html import keyboard, split_html
from bot.reply import Reply
from bot.vocab import Platform

# Telegram's words when the bot may no longer post in a chat that is still there (a group
# that restricted it or muted every member, a channel admin who took its right to post). The
# right can come back: when Telegram reports it (`my_chat_member`), the subscriptions these
# stopped are turned back on (bot/adapters/telegram/rights.py).
NO_RIGHTS = ("not enough rights", "have no rights", "need administrator rights")
_GONE = ("chat not found", "user is deactivated", "bot was kicked", *NO_RIGHTS,
         "bot is not a member")  # fmt: skip


def classify(error: TelegramError) -> SendError:
    """A PTB exception as the drainer's `SendError` (the order matters: subclasses first)."""
    detail = str(error) or type(error).__name__
    if isinstance(error, RetryAfter):
        return SendError(SendErrorKind.RATE_LIMITED, detail, retry_after=_seconds(error))
    if isinstance(error, ChatMigrated):
        return SendError(SendErrorKind.PERMANENT, f"chat migrated to {error.new_chat_id}")
    if isinstance(error, Forbidden):
        return SendError(SendErrorKind.PERMANENT, detail)
    if isinstance(error, BadRequest):
        lowered = detail.lower()
        kind = SendErrorKind.PERMANENT if any(g in lowered for g in _GONE) else None
        return SendError(kind or SendErrorKind.TRANSIENT, detail)
    if isinstance(error, InvalidToken | NetworkError):  # BadRequest is a NetworkError: above
        return SendError(SendErrorKind.UNREACHABLE, detail)
    return SendError(SendErrorKind.TRANSIENT, detail)


def _seconds(error: RetryAfter) -> float:
    # Reading retry_after warns unless PTB_TIMEDELTA is set; with it the value is a timedelta.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value: object = error.retry_after
    if isinstance(value, timedelta):
        return value.total_seconds()
    return float(value) if isinstance(value, int | float) else 1.0


def chat_ref(chat_id: str) -> int | str:
    """Numeric ids as int (PTB sends them as-is), `@channel` names as str."""
    try:
        return int(chat_id)
    except ValueError:
        return chat_id


class TelegramNotifier:
    """Sends a `Reply` as Telegram HTML, with its buttons as an inline keyboard."""

    def __init__(self, bot: Bot) -> None:
        self._bot = bot

    @property
    def platform(self) -> Platform:
        return Platform.TELEGRAM

    async def send(self, chat_id: str, reply: Reply) -> None:
        parts = split_html(reply)
        markup = keyboard(reply)
        try:
            for index, part in enumerate(parts):
                await self._bot.send_message(
                    chat_id=chat_ref(chat_id),
                    text=part,
                    parse_mode=ParseMode.HTML,
                    reply_markup=markup if index == len(parts) - 1 else None,
                    link_preview_options=LinkPreviewOptions(is_disabled=True),
                )
        except TelegramError as error:
            raise classify(error) from error
