"""Telegram: python-telegram-bot driven by hand on the process's event loop.

The adapter only translates. An update becomes a `Request` for the command core; its `Reply`
goes back as HTML (`bot/render/telegram_html.py`). It never runs probes and never touches
SQL: chat migrations go through the store's `migrate_chat`, everything else through the core.

- Lifecycle: `start()` connects (getMe), sets the command menus in English and Chinese, starts
  long polling and the update processor; it never blocks the loop (no `run_polling()`). When
  the Bot API is unreachable it keeps trying in the background, so the probes run regardless.
  `stop()` stops polling, lets the updates in hand finish, and closes connections.
- Groups: only commands, and only ours (`/status` or `/status@<our name>`); a reply goes to
  the chat the command came from, so alerts subscribed from a group go to the group.
- Per chat, commands are answered in the order they came; across chats, concurrently.
- Abuse: a per-user command limit (a polite reply once, then silence until it frees up).
- Errors: one error handler logs and answers with a short apology. Bot API trouble (5xx,
  429, timeouts) slows replies down, never stops the process.
- Sends: one overall pace for replies and alerts (Telegram's ~30 messages/s), paused by a 429.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
from collections import deque
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from datetime import timedelta
from enum import StrEnum
from typing import Any, Protocol

from telegram import (
    Bot,
    BotCommand,
    CallbackQuery,
    Chat,
    LinkPreviewOptions,
    Message,
    Update,
    User,
)
from telegram.constants import ChatMemberStatus, ChatType, ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
)
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    MessageHandler,
    filters,
)
from telegram.request import HTTPXRequest

from bot.alerts.notifier import SendError, SendErrorKind
from bot.alerts.telegram_notifier import TelegramNotifier
from bot.clock import Clock
from bot.commands.args import parse_line
from bot.commands.context import Core, Request
from bot.commands.dispatch import handle, locale_of
from bot.commands.table import COMMANDS
from bot.render.chat import notice
from bot.render.strings import strings
from bot.render.telegram_html import ACTIONS, ActionCodec, keyboard, split_html, trim_line
from bot.reply import Reply, text
from bot.settings import Settings
from bot.vocab import Locale, Platform

log = logging.getLogger(__name__)

# Read `RetryAfter.retry_after` as a timedelta (PTB 22 warns about the old float otherwise).
os.environ.setdefault("PTB_TIMEDELTA", "1")

STOP_TIMEOUT_S = 3.5  # the process gives each service 4 s to stop
RECONNECT_MAX_S = 60.0
MANAGER_CACHE_S = 60.0
ALLOWED_UPDATES = ["message", "callback_query"]
# Commands that change what a group receives: only the group's admins may run them.
MANAGING_COMMANDS = frozenset({"subscribe", "unsubscribe"})
KNOWN_COMMANDS = frozenset(c.name for c in COMMANDS)
_NO_PREVIEW = LinkPreviewOptions(is_disabled=True)
_COMMAND_TOKEN = re.compile(r"^/(?P<name>[A-Za-z0-9_]{1,32})(?:@(?P<bot>[A-Za-z0-9_]{1,64}))?$")
# The adapter's own words (everything else comes from the core's `Strings`).
SLOW_DOWN = {
    Locale.EN: "You're sending commands faster than I can answer. "
    "Please wait a few seconds, then try again.",
    Locale.ZH: "您发送命令的速度太快了，请稍等几秒再试。",
}
BUTTON_EXPIRED = {
    Locale.EN: "This button has expired. Please send the command again.",
    Locale.ZH: "这个按钮已失效，请重新发送命令。",
}

AnyApplication = Application[Any, Any, Any, Any, Any, Any]


class MigratingStore(Protocol):
    """What the adapter needs from storage (`storage.Store` has it)."""

    async def migrate_chat(self, platform: str, old_chat_id: str, new_chat_id: str) -> int: ...


# ------------------------------------------------------------------------------ pure parts


def addressed(line: str, bot_username: str, *, is_group: bool) -> str | None:
    """The command line a message holds for us, or None to ignore it.

    `/status@<us> mexc` becomes `/status mexc`; a command naming another bot is not ours. In
    groups only commands count, and one that names no bot only when it is in our table (other
    bots in the group have commands too); in a private chat any text goes to the core.
    """
    words = line.strip().split(maxsplit=1)
    if not words:
        return None
    match = _COMMAND_TOKEN.match(words[0])
    if match is None:
        return None if is_group else line.strip()
    name, bot = match["name"], match["bot"]
    if bot is not None and bot.lower() != bot_username.lower():
        return None
    if is_group and bot is None and name.lower() not in KNOWN_COMMANDS:
        return None
    rest = f" {words[1]}" if len(words) > 1 else ""
    return f"/{name}{rest}"


def is_admin(user_id: int | str, admin_user_ids: frozenset[str]) -> bool:
    """ADMIN_USER_IDS lists `telegram:<id>` or a bare id."""
    return f"telegram:{user_id}" in admin_user_ids or str(user_id) in admin_user_ids


def menu(locale: Locale) -> list[BotCommand]:
    """The command menu: every command of the table but admin ones and /start."""
    return [
        BotCommand(c.name, c.help[locale][:256])
        for c in COMMANDS
        if not c.admin and c.name != "start"
    ]


def seconds_of(value: timedelta | float) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class Admission(StrEnum):
    ALLOW = "allow"
    WARN = "warn"  # the first command over the limit: say so politely
    DROP = "drop"  # further ones: silence until the window frees up


class CommandLimit:
    """At most `count` commands per user in any `per_s` seconds (a sliding window)."""

    def __init__(self, count: int = 8, per_s: float = 10.0) -> None:
        self._count = count
        self._per_s = per_s
        self._seen: dict[str, deque[float]] = {}
        self._warned: set[str] = set()

    def admit(self, user: str, now: float) -> Admission:
        window = self._seen.setdefault(user, deque())
        while window and window[0] <= now - self._per_s:
            window.popleft()
        if len(window) < self._count:
            window.append(now)
            self._warned.discard(user)
            if len(self._seen) > 10_000:
                self._forget(now)
            return Admission.ALLOW
        if user in self._warned:
            return Admission.DROP
        self._warned.add(user)
        return Admission.WARN

    def _forget(self, now: float) -> None:
        idle = [u for u, w in self._seen.items() if not w or w[-1] <= now - self._per_s]
        for user in idle:
            del self._seen[user]
            self._warned.discard(user)


class SendPace:
    """One overall pace for everything the bot sends; a 429 pauses it for `retry_after`."""

    def __init__(self, per_s: float) -> None:
        self._gap = 1.0 / per_s if per_s > 0 else 0.0
        self._next = 0.0
        self._paused_until = 0.0

    async def turn(self) -> None:
        """Return when the next message may go out."""
        loop = asyncio.get_running_loop()
        while True:
            now = loop.time()
            if self._paused_until > now:
                await asyncio.sleep(self._paused_until - now)
                continue
            slot = max(now, self._next)
            self._next = slot + self._gap
            if slot > now:
                await asyncio.sleep(slot - now)
            if loop.time() >= self._paused_until:
                return

    def pause(self, seconds: float) -> None:
        until = asyncio.get_running_loop().time() + max(seconds, 0.0)
        self._paused_until = max(self._paused_until, until)


async def send_reply(
    bot: Bot,
    chat_id: int | str,
    reply: Reply,
    pace: SendPace,
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
        await pace.turn()
        try:
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
            await bot.send_message(
                chat_id,
                "".join(s.text for s in trim_line((text(plain),), 4096)),
                reply_markup=markup,
                link_preview_options=_NO_PREVIEW,
                message_thread_id=thread_id,
            )
            return


# ------------------------------------------------------------------------------ notifier


class FollowingNotifier:
    """Alerts through `bot.alerts.telegram_notifier.TelegramNotifier`, on the adapter's bot and
    pace; a group that became a supergroup is followed to its new id (not deactivated)."""

    def __init__(self, adapter: TelegramAdapter) -> None:
        self._adapter = adapter

    @property
    def platform(self) -> Platform:
        return Platform.TELEGRAM

    async def send(self, chat_id: str, reply: Reply) -> None:
        bot = self._adapter.bot
        if bot is None:
            raise SendError(SendErrorKind.TRANSIENT, "the Telegram bot is not connected yet")
        notifier = TelegramNotifier(bot)
        await self._adapter.pace.turn()
        try:
            await notifier.send(chat_id, reply)
        except SendError as error:
            moved = error.__cause__
            if error.retry_after is not None:
                self._adapter.pace.pause(error.retry_after)
            if not isinstance(moved, ChatMigrated):
                raise
            await self._adapter.migrate(chat_id, str(moved.new_chat_id))
            await notifier.send(str(moved.new_chat_id), reply)


# ------------------------------------------------------------------------------ adapter


@dataclass
class TelegramStats:
    """Counters since start (for /metrics and the benchmark)."""

    commands: int = 0
    replies: int = 0
    limited: int = 0
    failed_sends: int = 0
    errors: int = 0


@dataclass
class _Turn:
    lock: asyncio.Lock
    users: int = 0


class TelegramAdapter:
    """The Telegram bot: commands in, replies out, on the shared event loop."""

    def __init__(
        self,
        settings: Settings,
        core: Core,
        store: MigratingStore,
        clock: Clock,
        *,
        poll_timeout_s: int = 25,
        sends_per_s: float = 30.0,
        command_limit: tuple[int, float] = (8, 10.0),
        concurrency: int = 128,
    ) -> None:
        if settings.telegram_bot_token is None:
            raise ValueError("TELEGRAM_BOT_TOKEN is not set")
        self._settings = settings
        self._core = core
        self._store = store
        self._clock = clock
        self._poll_timeout_s = poll_timeout_s
        self._concurrency = concurrency
        self._limit = CommandLimit(*command_limit)
        self._codec = ACTIONS
        self.pace = SendPace(sends_per_s)
        self.notifier = FollowingNotifier(self)
        self.stats = TelegramStats()
        self.username = ""
        self._app: AnyApplication | None = None
        self._requests: tuple[HTTPXRequest, ...] = ()
        self._connecting: asyncio.Task[None] | None = None
        self._ready = asyncio.Event()
        self._turns: dict[int, _Turn] = {}
        self._managers: dict[tuple[int, int], tuple[float, bool]] = {}

    # -------------------------------------------------------------------- lifecycle

    @property
    def bot(self) -> Bot | None:
        """The connected bot, None before the first successful connection."""
        return self._app.bot if self._app is not None and self._ready.is_set() else None

    async def wait_ready(self, timeout: float) -> bool:
        """True once the bot is polling (within `timeout` seconds)."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._ready.wait(), timeout)
        return self._ready.is_set()

    async def start(self) -> None:
        """Connect and start polling. Network trouble never raises: the adapter keeps trying
        in the background. A token Telegram rejects leaves the bot off (logged)."""
        self._app = self._build()
        try:
            await self._connect()
        except InvalidToken:
            await self._give_up()
        except TelegramError as error:
            log.warning("Telegram Bot API unreachable (%s); retrying in the background", error)
            self._connecting = asyncio.create_task(self._keep_connecting(), name="telegram")

    async def stop(self) -> None:
        """Stop polling, finish the updates in hand, close connections (within 3.5 s)."""
        if self._connecting is not None:
            self._connecting.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._connecting
            self._connecting = None
        app, self._app = self._app, None
        self._ready.clear()
        if app is None:
            return
        try:
            async with asyncio.timeout(STOP_TIMEOUT_S):
                if app.updater is not None and app.updater.running:
                    await app.updater.stop()
                if app.running:
                    await app.stop()
                await app.shutdown()
        except TimeoutError:
            log.warning("the Telegram bot did not stop within %.1f s", STOP_TIMEOUT_S)
        except TelegramError as error:
            log.warning("stopping the Telegram bot: %s", error)
        finally:
            for request in self._requests:
                await request.shutdown()

    def _build(self) -> AnyApplication:
        token = self._settings.telegram_bot_token
        assert token is not None
        # Our own request objects, so connections close even if we never connected.
        self._requests = (
            HTTPXRequest(
                connection_pool_size=max(8, self._concurrency),
                connect_timeout=5.0,
                read_timeout=10.0,
                write_timeout=10.0,
                pool_timeout=5.0,
            ),
            HTTPXRequest(
                connection_pool_size=2, connect_timeout=5.0, read_timeout=5.0, pool_timeout=5.0
            ),
        )
        app = (
            ApplicationBuilder()
            .token(token.get_secret_value())
            .base_url(self._settings.telegram_api_base_url)
            .request(self._requests[0])
            .get_updates_request(self._requests[1])
            .concurrent_updates(self._concurrency)
            .build()
        )
        app.add_handler(MessageHandler(filters.StatusUpdate.MIGRATE, self._on_migration))
        app.add_handler(MessageHandler(filters.UpdateType.MESSAGE & filters.TEXT, self._on_text))
        app.add_handler(CallbackQueryHandler(self._on_button))
        app.add_error_handler(self._on_error)
        return app

    async def _connect(self) -> None:
        app = self._app
        assert app is not None and app.updater is not None
        await app.initialize()  # getMe
        self.username = app.bot.username
        await self._set_menus(app.bot)
        await app.updater.start_polling(
            timeout=self._poll_timeout_s,
            allowed_updates=ALLOWED_UPDATES,
            error_callback=self._on_polling_error,
        )
        await app.start()
        self._ready.set()
        log.info("Telegram bot @%s is polling for updates", self.username)

    async def _keep_connecting(self) -> None:
        delay = 1.0
        while True:
            await asyncio.sleep(delay)
            try:
                await self._connect()
            except InvalidToken:
                await self._give_up()
                return
            except TelegramError as error:
                delay = min(delay * 2, RECONNECT_MAX_S)
                log.warning(
                    "Telegram Bot API still unreachable (%s); next try in %.0f s", error, delay
                )
            else:
                return

    async def _give_up(self) -> None:
        # The exception text would carry the token: say what happened in our own words.
        log.error("Telegram rejected TELEGRAM_BOT_TOKEN; the Telegram bot stays off")
        for request in self._requests:
            await request.shutdown()

    async def _set_menus(self, bot: Bot) -> None:
        """The command menu in English (everyone) and Chinese (zh clients)."""
        try:
            await bot.set_my_commands(menu(Locale.EN))
            await bot.set_my_commands(menu(Locale.ZH), language_code=Locale.ZH.value)
        except TelegramError as error:  # a menu is a convenience, not a reason to stay off
            log.warning("setting the Telegram command menu failed: %s", error)

    def _on_polling_error(self, error: TelegramError) -> None:
        """getUpdates failed; PTB retries with growing pauses (up to 30 s)."""
        log.warning("Telegram getUpdates failed: %s", error)

    # -------------------------------------------------------------------- updates

    async def _on_text(self, update: Update, _: Any) -> None:
        """A text message: a command for us gets its reply, anything else is ignored."""
        message = update.message
        if message is None or message.text is None or message.from_user is None:
            return
        chat = message.chat
        if chat.type == ChatType.CHANNEL:
            return
        user_id = _sender(message)
        if user_id is None:
            return
        line = addressed(message.text, self.username, is_group=_is_group(chat))
        if line is None:
            return
        thread = message.message_thread_id if message.is_topic_message else None
        async with self._in_order(chat.id):
            await self._answer(chat, user_id, message.from_user, line, thread)

    async def _on_button(self, update: Update, _: Any) -> None:
        """A button press: answer the callback, then run its command as if typed."""
        query = update.callback_query
        if query is None:
            return
        message = query.message
        action = self._codec.decode(query.data or "")
        if message is None or action is None:
            await _ack(query, BUTTON_EXPIRED[Locale.from_client(query.from_user.language_code)])
            return
        chat = message.chat
        thread = (
            message.message_thread_id
            if isinstance(message, Message) and message.is_topic_message
            else None
        )
        async with self._in_order(chat.id):
            await self._answer(chat, query.from_user.id, query.from_user, action, thread, query)

    async def _on_migration(self, update: Update, _: Any) -> None:
        """A group became a supergroup: its subscriptions move to the new id."""
        message = update.message
        if message is None:
            return
        if message.migrate_to_chat_id is not None:
            old, new = message.chat.id, message.migrate_to_chat_id
        elif message.migrate_from_chat_id is not None:
            old, new = message.migrate_from_chat_id, message.chat.id
        else:
            return
        async with self._in_order(new):  # before the new chat's first commands
            await self.migrate(str(old), str(new))

    async def migrate(self, old_chat_id: str, new_chat_id: str) -> None:
        moved = await self._store.migrate_chat(Platform.TELEGRAM.value, old_chat_id, new_chat_id)
        log.info(
            "Telegram chat %s is now %s; %d subscription(s) moved", old_chat_id, new_chat_id, moved
        )

    async def _answer(
        self,
        chat: Chat,
        user_id: int,
        user: User,
        line: str,
        thread: int | None,
        query: CallbackQuery | None = None,
    ) -> None:
        self.stats.commands += 1
        request = Request(
            platform=Platform.TELEGRAM,
            chat_id=str(chat.id),
            user_id=str(user_id),
            client_locale=user.language_code,
            text=line,
            is_group=_is_group(chat),
            is_admin=is_admin(user_id, self._settings.admin_user_ids),
            can_manage=True,
        )
        admission = self._limit.admit(request.user_id, self._clock.monotonic())
        if admission is not Admission.ALLOW:
            self.stats.limited += 1
            if admission is Admission.WARN:
                words = SLOW_DOWN[await locale_of(request, self._core)]
                if query is not None:
                    await _ack(query, words)
                else:
                    await self._deliver(chat.id, notice(words), thread)
            elif query is not None:
                await _ack(query)
            return
        if query is not None:
            await _ack(query)
        if request.is_group and parse_line(line).name in MANAGING_COMMANDS:
            managed = user_id == chat.id or await self._can_manage(chat.id, user_id)
            request = replace(request, can_manage=managed)
        reply = await handle(request, self._core)
        await self._deliver(chat.id, reply, thread)

    async def _can_manage(self, chat_id: int, user_id: int) -> bool:
        """Whether the user administers the group (asked once a minute at most)."""
        now = self._clock.monotonic()
        cached = self._managers.get((chat_id, user_id))
        if cached is not None and cached[0] > now:
            return cached[1]
        bot = self.bot
        if bot is None:
            return False
        try:
            member = await bot.get_chat_member(chat_id, user_id)
        except TelegramError as error:
            log.warning("could not check the rights of a group member: %s", error)
            return False
        managed = member.status in (ChatMemberStatus.OWNER, ChatMemberStatus.ADMINISTRATOR)
        if len(self._managers) > 10_000:
            self._managers = {k: v for k, v in self._managers.items() if v[0] > now}
        self._managers[(chat_id, user_id)] = (now + MANAGER_CACHE_S, managed)
        return managed

    async def _deliver(self, chat_id: int, reply: Reply, thread: int | None) -> None:
        """Send a reply, riding out 429s, migrations and brief outages (three tries)."""
        bot = self.bot
        if bot is None:
            return
        target = chat_id
        for attempt in range(1, 4):
            try:
                await send_reply(bot, target, reply, self.pace, thread, self._codec)
            except RetryAfter as error:
                self.pace.pause(seconds_of(error.retry_after))
                log.warning("Telegram asks us to slow down: %s", error)
            except ChatMigrated as error:
                await self.migrate(str(target), str(error.new_chat_id))
                target = error.new_chat_id
            except Forbidden as error:
                log.info("chat %s takes no messages from the bot: %s", target, error)
                self.stats.failed_sends += 1
                return
            except BadRequest as error:  # before NetworkError, its base class
                log.warning("Telegram refused a reply to chat %s: %s", target, error)
                self.stats.failed_sends += 1
                return
            except NetworkError as error:
                log.warning("sending a reply failed (%s); try %d of 3", error, attempt)
                await asyncio.sleep(float(attempt))
            else:
                self.stats.replies += 1
                return
        self.stats.failed_sends += 1
        log.warning("gave up sending a reply to chat %s", target)

    async def _on_error(self, update: object, context: Any) -> None:
        """The one error handler: log it, apologise to the user (never a traceback)."""
        self.stats.errors += 1
        error = context.error
        log.error("a Telegram update failed: %r", error, exc_info=error)
        if not isinstance(update, Update) or update.effective_chat is None:
            return
        user = update.effective_user
        request = Request(
            Platform.TELEGRAM,
            str(update.effective_chat.id),
            str(user.id if user else 0),
            user.language_code if user else None,
            "",
        )
        try:
            locale = await locale_of(request, self._core)
            bot = self.bot
            if bot is not None:
                apology = notice(strings(locale).internal_error)
                await send_reply(bot, update.effective_chat.id, apology, self.pace)
        except Exception as failure:  # the error handler must not fail in turn
            log.warning("could not apologise to chat %s: %r", update.effective_chat.id, failure)

    @contextlib.asynccontextmanager
    async def _in_order(self, chat_id: int) -> AsyncIterator[None]:
        """One command at a time per chat, in arrival order."""
        turn = self._turns.get(chat_id)
        if turn is None:
            turn = self._turns[chat_id] = _Turn(asyncio.Lock())
        turn.users += 1
        try:
            async with turn.lock:
                yield
        finally:
            turn.users -= 1
            if turn.users == 0:
                del self._turns[chat_id]


def _is_group(chat: Chat) -> bool:
    return chat.type in (ChatType.GROUP, ChatType.SUPERGROUP)


def _sender(message: Message) -> int | None:
    """Who sent it: the user, or the group itself for an anonymous admin; None for bots."""
    user = message.from_user
    if user is None:
        return None
    if not user.is_bot:
        return user.id
    sender = message.sender_chat
    return sender.id if sender is not None and sender.id == message.chat.id else None


async def _ack(query: CallbackQuery, words: str | None = None) -> None:
    """Answer a button press (stops the client's spinner); failures are harmless."""
    try:
        await query.answer(words)
    except TelegramError as error:
        log.debug("answering a callback query failed: %s", error)


__all__ = [
    "Admission",
    "CommandLimit",
    "FollowingNotifier",
    "SendPace",
    "TelegramAdapter",
    "TelegramStats",
    "addressed",
    "is_admin",
    "menu",
    "send_reply",
]
