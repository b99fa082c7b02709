"""Replies to Telegram: HTML messages on the shared pace, riding out 429s and brief outages."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from datetime import timedelta

from telegram import Bot, LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter

from bot.adapters.common import ChatStats
from bot.alerts.pacing import SendBudget, SendKind
from bot.render.telegram_html import ACTIONS, ActionCodec, keyboard, split_html, trim_line
from bot.reply import Reply, text

log = logging.getLogger(__name__)

# Read `RetryAfter.retry_after` as a timedelta (PTB 22 warns about the old float otherwise).
os.environ.setdefault("PTB_TIMEDELTA", "1")

_NO_PREVIEW = LinkPreviewOptions(is_disabled=True)
Migrate = Callable[[str, str], Awaitable[None]]


def turn(
    pace: SendBudget | None, kind: SendKind = SendKind.REPLY
) -> AbstractAsyncContextManager[None]:
    """`async with turn(pace):` around one message: waits for its place in the budget."""
    return pace.send(kind) if pace is not None else contextlib.nullcontext()


def seconds_of(value: timedelta | float) -> float:
    """A `RetryAfter.retry_after` in seconds, whichever type PTB gives it as."""
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


async def send_reply(
    bot: Bot,
    chat_id: int | str,
    reply: Reply,
    pace: SendBudget | None,
    thread_id: int | None = None,
    codec: ActionCodec = ACTIONS,
) -> None:
    """Send a reply as one or more HTML messages (buttons under the last); raise on failure.

    Should Telegram reject our HTML (a bug of ours), the reply goes out as plain text instead.
    """
    parts = split_html(reply)
    markup = keyboard(reply, codec)
    for index, part in enumerate(parts):
        last = index == len(parts) - 1
        try:
            async with turn(pace):
                await bot.send_message(
                    chat_id,
                    part,
                    parse_mode=ParseMode.HTML,
                    reply_markup=markup if last else None,
                    link_preview_options=_NO_PREVIEW,
                    message_thread_id=thread_id,
                )
        except BadRequest as error:
            if "can't parse entities" not in str(error).lower():
                raise
            log.error("Telegram rejected our HTML (%s); sending plain text", error)
            plain = "\n".join(reply.plain_lines())
            async with turn(pace):
                await bot.send_message(
                    chat_id,
                    "".join(s.text for s in trim_line((text(plain),), 4096)),
                    reply_markup=markup,
                    link_preview_options=_NO_PREVIEW,
                    message_thread_id=thread_id,
                )
            return


async def deliver(
    bot: Bot,
    chat_id: int,
    reply: Reply,
    *,
    pace: SendBudget | None,
    codec: ActionCodec,
    thread: int | None,
    migrate: Migrate,
    stats: ChatStats,
) -> None:
    """Send a reply, riding out 429s, migrations and brief outages (three tries)."""
    target = chat_id
    for attempt in range(1, 4):
        try:
            await send_reply(bot, target, reply, pace, thread, codec)
        except RetryAfter as error:
            if pace is not None:
                pace.pause(seconds_of(error.retry_after))
            log.warning("Telegram asks us to slow down: %s", error)
        except ChatMigrated as error:
            await migrate(str(target), str(error.new_chat_id))
            target = error.new_chat_id
        except Forbidden as error:
            log.info("chat %s takes no messages from the bot: %s", target, error)
            stats.failed_sends += 1
            return
        except BadRequest as error:  # before NetworkError, its base class
            log.warning("Telegram refused a reply to chat %s: %s", target, error)
            stats.failed_sends += 1
            return
        except NetworkError as error:
            log.warning("sending a reply failed (%s); try %d of 3", error, attempt)
            await asyncio.sleep(float(attempt))
        else:
            stats.replies += 1
            return
    stats.failed_sends += 1
    log.warning("gave up sending a reply to chat %s", target)
