"""What both chat adapters do alike between an update and the command core.

An adapter counts a command and turns it into a `Request` (`receive`), words its own refusals
in the user's language (`in_locale`), and apologises when an update failed (`apologise`).
The platform-specific parts (addressing, permissions, sending) stay in each adapter.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import TypeVar

from bot.commands.args import parse_line
from bot.commands.context import Core, Request
from bot.commands.dispatch import locale_of
from bot.render.chat import notice
from bot.render.strings import strings
from bot.reply import Reply
from bot.vocab import Locale, Platform

log = logging.getLogger(__name__)

STOP_TIMEOUT_S = 3.5  # the process gives each service 4 s to stop
RECONNECT_MAX_S = 60.0
# Commands that change what a group or server channel receives: only its managers may run them.
MANAGING_COMMANDS = frozenset({"subscribe", "unsubscribe"})

T = TypeVar("T")


@dataclass
class ChatStats:
    """Counters since start that every adapter keeps (for /metrics, tests and benchmarks)."""

    commands: int = 0
    replies: int = 0
    failed_sends: int = 0
    errors: int = 0


def is_admin(
    user_id: int | str, admin_user_ids: frozenset[str], *, platform: Platform = Platform.TELEGRAM
) -> bool:
    """ADMIN_USER_IDS lists `<platform>:<id>`; a bare id is a Telegram one."""
    if f"{platform.value}:{user_id}" in admin_user_ids:
        return True
    return platform is Platform.TELEGRAM and str(user_id) in admin_user_ids


def manages(line: str) -> bool:
    """Whether the command line changes what its chat receives."""
    return parse_line(line).name in MANAGING_COMMANDS


def receive(
    stats: ChatStats,
    admin_user_ids: frozenset[str],
    platform: Platform,
    *,
    chat_id: str,
    user_id: int,
    client_locale: str | None,
    line: str,
    is_group: bool,
    can_manage: bool = True,
) -> Request:
    """Count a command line received and make it a `Request` for the core."""
    stats.commands += 1
    return Request(
        platform=platform,
        chat_id=chat_id,
        user_id=str(user_id),
        client_locale=client_locale,
        text=line,
        is_group=is_group,
        is_admin=is_admin(user_id, admin_user_ids, platform=platform),
        can_manage=can_manage,
    )


async def in_locale(request: Request, core: Core, words: Mapping[Locale, T]) -> T:
    """The adapter's own words in the language the core would answer the request in."""
    return words[await locale_of(request, core)]


async def apologise(
    core: Core,
    platform: Platform,
    user: tuple[int, str | None],
    send: Callable[[Reply], Awaitable[None]],
    where: str,
) -> None:
    """Send the core's short apology to a (user id, client locale) whose update failed.

    Never raises: it runs in the error handler, which must not fail in turn.
    """
    user_id, client_locale = user
    try:
        request = Request(platform, "", str(user_id), client_locale, "")
        await send(notice(strings(await locale_of(request, core)).internal_error))
    except Exception as failure:
        log.warning("could not apologise %s: %r", where, failure)


async def wait_set(event: asyncio.Event, timeout: float) -> bool:
    """True once the event is set (within `timeout` seconds)."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(event.wait(), timeout)
    return event.is_set()
