"""The Telegram adapter: its lifecycle on the shared loop, and the handlers of its updates."""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, replace
from typing import Any

from telegram import Bot, BotCommand, CallbackQuery, Chat, Message, Update
from telegram.constants import ChatType, MessageEntityType
from telegram.error import BadRequest, InvalidToken, TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ChatMemberHandler,
    MessageHandler,
    filters,
)
from telegram.request import HTTPXRequest

from bot.adapters.common import (
    STOP_TIMEOUT_S,
    ChatStats,
    apologise,
    in_locale,
    manages,
    receive,
    wait_set,
)
from bot.adapters.telegram import notifier, rights
from bot.adapters.telegram.groups import GroupManagers, addressed, is_group, sender
from bot.adapters.telegram.pacing import SLOW_DOWN, Admission, CommandLimit
from bot.adapters.telegram.sending import deliver, send_reply
from bot.adapters.telegram.turns import ChatTurns
from bot.adapters.telegram.webhook import NotAnUpdate, UpdateClaims, Webhook, bot_id_of, webhook_url
from bot.alerts.back import alerts_back
from bot.alerts.pacing import TELEGRAM_TOTAL_PER_S, SendBudget
from bot.alerts.telegram_notifier import NO_RIGHTS
from bot.clock import Clock
from bot.commands.args import parse_line
from bot.commands.context import Core, Request
from bot.commands.dispatch import handle
from bot.commands.table import menu_commands
from bot.render.chat import notice
from bot.render.telegram_html import ACTIONS
from bot.reply import Reply
from bot.settings import Settings
from bot.supervisor import Supervisor
from bot.vocab import Locale, Platform
from storage.engine import DatabaseError, StorageError

log = logging.getLogger(__name__)

# `my_chat_member`: the bot's own rights in a chat changed (bot/adapters/telegram/rights.py).
ALLOWED_UPDATES = ["message", "callback_query", "my_chat_member"]
TOKEN_REJECTED = "Telegram rejected TELEGRAM_BOT_TOKEN; the Telegram bot is off"


class TokenRejected(PermissionError):
    """Telegram said the token is wrong: the bot stays off until it is fixed and restarted."""


class WebhookRefused(ConnectionError):
    """Telegram refused to register the webhook (tried again with backoff, named in /healthz)."""


# The reconnect loop's name under the supervisor (in /healthz and /metrics).
SUPERVISED_NAME = "telegram"
# The adapter's own words (everything else comes from the core's `Strings`).
BUTTON_EXPIRED = {
    Locale.EN: "This button has expired. Please send the command again.",
    Locale.ZH: "这个按钮已失效，请重新发送命令。",
}

AnyApplication = Application[Any, Any, Any, Any, Any, Any]


def hidden_links(message: Message) -> list[str]:
    """The addresses behind a message's linked words ("claim it here"): Telegram shows the
    words and hides the address, the one a reader would tap, so `/verify` must see it."""
    return [
        entity.url
        for entity in (*message.entities, *message.caption_entities)
        if entity.type == MessageEntityType.TEXT_LINK and entity.url
    ]


def menu(locale: Locale) -> list[BotCommand]:
    """The command menu: every command of the table but admin ones and /start."""
    return [BotCommand(c.name, c.help[locale][:256]) for c in menu_commands()]


@dataclass
class TelegramStats(ChatStats):
    """Counters since start (for /metrics and the benchmark)."""

    limited: int = 0


class TelegramAdapter:
    """The Telegram bot: commands in, replies out, on the shared event loop."""

    def __init__(
        self,
        settings: Settings,
        core: Core,
        store: notifier.MigratingStore,
        clock: Clock,
        *,
        poll_timeout_s: int = 25,
        sends_per_s: float = TELEGRAM_TOTAL_PER_S,
        command_limit: tuple[int, float] = (8, 10.0),
        concurrency: int = 128,
        supervisor: Supervisor | None = None,
        poll: bool = True,
    ) -> None:
        """`poll` False: connect (to send alerts and replies) but take no updates by polling
        until `start_polling` (a standby replica: only the leader polls, see bot/leader.py)."""
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
        # One budget for replies and alerts (the drainer paces alerts on it); 0 means unpaced.
        self.pace = (
            SendBudget(sends_per_s, settings.telegram_rate_per_s, now=time.monotonic)
            if sends_per_s > 0
            else None
        )
        self.notifier = notifier.FollowingNotifier(self)
        self.stats = TelegramStats()
        self.username = ""
        self._app: AnyApplication | None = None
        self._requests: tuple[HTTPXRequest, ...] = ()
        self._supervisor = supervisor or Supervisor()
        self._off = False  # Telegram rejected the token: no more tries
        self._ready = asyncio.Event()
        self._poll = poll
        self._polling = asyncio.Lock()  # starting or stopping the poller, one at a time
        self._turns = ChatTurns()
        self._managers = GroupManagers(clock)
        secret = settings.telegram_webhook_secret
        # Webhook mode: Telegram delivers updates to the web side; nothing polls.
        self._webhook_url = (
            webhook_url(settings.telegram_webhook_url, secret.get_secret_value())
            if settings.telegram_webhook_url is not None and secret is not None
            else None
        )

    # -------------------------------------------------------------------- lifecycle

    @property
    def bot(self) -> Bot | None:
        """The connected bot, None before the first successful connection."""
        return self._app.bot if self._app is not None and self._ready.is_set() else None

    @property
    def uses_webhook(self) -> bool:
        """Whether updates come by webhook (TELEGRAM_WEBHOOK_URL) rather than by polling."""
        return self._webhook_url is not None

    async def wait_ready(self, timeout: float) -> bool:
        """True once the bot is connected and takes updates (its webhook registered, or
        polling if it polls: a standby's only connects)."""
        return await wait_set(self._ready, timeout)

    def webhook(self, claims: UpdateClaims) -> Webhook:
        """The web side's receiver of this bot's webhook (webhook mode only)."""
        token, secret = self._settings.telegram_bot_token, self._settings.telegram_webhook_secret
        if token is None or secret is None or not self.uses_webhook:
            raise ValueError("TELEGRAM_WEBHOOK_URL and TELEGRAM_WEBHOOK_SECRET are not set")
        return Webhook(secret.get_secret_value(), bot_id_of(token.get_secret_value()), claims, self)

    def decode_update(self, data: dict[str, Any]) -> Update | None:
        """A webhook's JSON as an Update of our bot; None while the bot is not ready."""
        bot = self.bot
        if bot is None:
            return None
        try:
            return Update.de_json(data, bot)
        except (KeyError, TypeError, ValueError, AttributeError):
            raise NotAnUpdate("its fields are not those of an update") from None

    async def take_update(self, update: Update) -> None:
        """Hand a webhook's update to the same handlers the poller feeds."""
        app = self._app
        if app is None:  # stopping: Telegram's copy is claimed, so it is dropped
            return
        await app.update_queue.put(update)

    async def start(self) -> None:
        """Connect and start polling, or register the webhook. Network trouble (and a webhook
        Telegram refuses) never raises: the adapter keeps trying in the background. A token
        Telegram rejects leaves the bot off (logged)."""
        self._app = self._build()
        try:
            await self._connect()
        except InvalidToken:
            await self._give_up()
            # Reported down for good: /healthz names the rejected token until someone fixes it.
            self._supervisor.loop(SUPERVISED_NAME, self._connect_unless_ready, _until_cancelled)
        except WebhookRefused as error:
            log.warning("%s; trying again in the background", error)
            self._supervisor.loop(SUPERVISED_NAME, self._connect_unless_ready, _until_cancelled)
        except TelegramError as error:
            log.warning("Telegram Bot API unreachable (%s); retrying in the background", error)
            # Supervised: any error is retried with backoff, and /healthz names it meanwhile.
            self._supervisor.loop(SUPERVISED_NAME, self._connect_unless_ready, _until_cancelled)

    async def stop(self) -> None:
        """Stop polling, finish the updates in hand, close connections (within 3.5 s)."""
        await self._supervisor.stop(SUPERVISED_NAME)
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
        builder = (
            ApplicationBuilder()
            .token(token.get_secret_value())
            .base_url(self._settings.telegram_api_base_url)
            .request(self._requests[0])
            .get_updates_request(self._requests[1])
            .concurrent_updates(self._concurrency)
        )
        if self.uses_webhook:
            builder = builder.updater(None)  # updates come from the web side (`take_update`)
        app = builder.build()
        app.add_handler(MessageHandler(filters.StatusUpdate.MIGRATE, self._on_migration))
        # A picture's caption counts in a private chat: scam posts forwarded to check them.
        said = filters.TEXT | (filters.CAPTION & filters.ChatType.PRIVATE)
        app.add_handler(MessageHandler(filters.UpdateType.MESSAGE & said, self._on_text))
        app.add_handler(CallbackQueryHandler(self._on_button))
        app.add_handler(ChatMemberHandler(self._on_my_rights, ChatMemberHandler.MY_CHAT_MEMBER))
        app.add_error_handler(self._on_error)
        return app

    async def _connect(self) -> None:
        app = self._app
        assert app is not None
        await app.initialize()  # getMe
        self.username = app.bot.username
        await _set_menus(app.bot)
        if self._webhook_url is not None:
            await self._register_webhook(app.bot, self._webhook_url)
        async with self._polling:
            if self._webhook_url is None and self._poll:
                await self._begin_polling(app)
            await app.start()
            self._ready.set()
        if self._webhook_url is not None:
            log.info(
                "Telegram bot @%s takes updates by webhook under %s",
                self.username,
                self._settings.telegram_webhook_url,
            )
        elif not self._poll:
            log.info("Telegram bot @%s connected; the leader polls for updates", self.username)

    async def start_polling(self) -> None:
        """Take updates with getUpdates from now on (this replica became the leader).

        Not connected yet: polling starts once connected. A failure raises (the leader's
        supervisor retries it). Nothing in webhook mode."""
        async with self._polling:
            self._poll = True
            app = self._app
            if app is not None and self._ready.is_set() and self._webhook_url is None:
                await self._begin_polling(app)

    async def stop_polling(self) -> None:
        """Take no more updates by polling (this replica stands by); sending goes on."""
        async with self._polling:
            self._poll = False
            app = self._app
            if app is not None and app.updater is not None and app.updater.running:
                await app.updater.stop()
                log.info("Telegram bot @%s stopped polling for updates", self.username)

    async def _begin_polling(self, app: AnyApplication) -> None:
        assert app.updater is not None
        if app.updater.running:
            return
        # Polling starts with deleteWebhook (PTB's bootstrap): switching back from webhook
        # mode needs nothing more.
        await app.updater.start_polling(
            timeout=self._poll_timeout_s,
            allowed_updates=ALLOWED_UPDATES,
            error_callback=self._on_polling_error,
        )
        log.info("Telegram bot @%s is polling for updates", self.username)

    async def _register_webhook(self, bot: Bot, url: str) -> None:
        """setWebhook; replicas all register the same URL and secret, which changes nothing.

        Stopping never deletes the webhook: another replica may still be serving it, and
        Telegram keeps undelivered updates for a while when none is.
        """
        secret = self._settings.telegram_webhook_secret
        assert secret is not None
        try:
            await bot.set_webhook(
                url=url,
                secret_token=secret.get_secret_value(),
                allowed_updates=ALLOWED_UPDATES,
                drop_pending_updates=False,
            )
        except BadRequest as error:
            # Telegram's words name what is wrong with the URL; they never carry the secret.
            raise WebhookRefused(f"Telegram refused the webhook: {error.message}") from None

    async def _connect_unless_ready(self) -> None:
        """One try to connect (the supervisor repeats it with backoff until it succeeds).

        Once Telegram rejected the token, no more tries reach Telegram: each only says so, so
        the bot stays reported down (/healthz 503) instead of looking healthy while off.
        """
        if self._ready.is_set():
            return
        if self._off:
            raise TokenRejected(TOKEN_REJECTED)
        try:
            await self._connect()
        except InvalidToken:
            await self._give_up()
            raise TokenRejected(TOKEN_REJECTED) from None
        except TelegramError as error:
            # Our words, not the exception's (it could carry a URL): /healthz shows this.
            reason = f"Telegram Bot API unreachable ({type(error).__name__})"
            raise ConnectionError(reason) from None

    async def _give_up(self) -> None:
        self._off = True
        # The exception text would carry the token: say what happened in our own words.
        log.error("Telegram rejected TELEGRAM_BOT_TOKEN; the Telegram bot stays off")
        for request in self._requests:
            await request.shutdown()

    def _on_polling_error(self, error: TelegramError) -> None:
        """getUpdates failed; PTB retries with growing pauses (up to 30 s)."""
        log.warning("Telegram getUpdates failed: %s", error)

    # -------------------------------------------------------------------- updates

    async def _on_text(self, update: Update, _: Any) -> None:
        """A text message (or a picture's caption in private): a command for us gets its
        reply, a link pasted in private is checked, anything else is ignored."""
        message = update.message
        if message is None or message.from_user is None:
            return
        said = message.text if message.text is not None else message.caption
        if said is None:
            return
        chat = message.chat
        if chat.type == ChatType.CHANNEL:
            return
        user_id = sender(message)
        if user_id is None:
            return
        line = addressed(said, self.username, is_group=is_group(chat))
        if line is None:
            return
        hidden = hidden_links(message)  # where a tap on the message's words would go
        if hidden and not line.startswith("/"):  # a message pasted or forwarded in private
            line = " ".join([*hidden, line])  # read first
        elif hidden and parse_line(line).name == "verify":
            command, _, rest = line.partition(" ")
            line = " ".join([command, *hidden, rest])
        thread = message.message_thread_id if message.is_topic_message else None
        async with self._turns.in_order(chat.id):
            await self._answer(chat, user_id, message.from_user.language_code, line, thread)

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
        user = query.from_user
        async with self._turns.in_order(chat.id):
            await self._answer(chat, user.id, user.language_code, action, thread, query)

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
        async with self._turns.in_order(new):  # before the new chat's first commands
            await self.migrate(str(old), str(new))

    async def _on_my_rights(self, update: Update, _: Any) -> None:
        """The bot's own membership in a chat changed (`rights`): removed, the chat's alerts
        stop; still in it and free to post again, those a lost right stopped come back, and
        the chat is told which. A database failure is logged, never apologised for in a chat
        that asked nothing (nor any other failure)."""
        change = update.my_chat_member
        if change is None:
            return
        chat = change.chat
        platform = Platform.TELEGRAM.value
        try:
            async with self._turns.in_order(chat.id):
                if rights.removed(change):
                    reason = rights.removal_reason(chat.type)
                    stopped = await self._store.retire_chat(
                        platform, str(chat.id), reason, NO_RIGHTS
                    )
                    log.info("Telegram chat %s removed the bot; %d alert(s) off", chat.id, stopped)
                elif rights.may_post_again(change) and (
                    rights.above_defaults(change.new_chat_member)
                    or await self._group_lets_members_post(chat)
                ):
                    back = await self._store.reactivate_chat(platform, str(chat.id), NO_RIGHTS)
                    if back:
                        log.info(
                            "Telegram chat %s lets the bot post again; %d alert(s) back on",
                            chat.id,
                            len(back),
                        )
                        # The bot answers no command in a channel: not told to send one there.
                        commands = chat.type != ChatType.CHANNEL
                        reply = alerts_back(self._core.catalog, back, commands=commands)
                        await self._deliver(chat.id, reply, None)
        except (DatabaseError, StorageError) as error:
            log.error("could not update the alerts of Telegram chat %s: %s", chat.id, error)
        except Exception:  # a bug: logged with its traceback, but no apology in a quiet chat
            log.exception("could not follow the bot's rights in Telegram chat %s", chat.id)

    async def _group_lets_members_post(self, chat: Chat) -> bool:
        """Whether the group's default permissions let its plain members send messages (a
        muted group mutes a bot that is no administrator); when Telegram cannot say, no."""
        bot = self.bot
        if bot is None:
            return False
        try:
            full = await bot.get_chat(chat.id)
        except TelegramError as error:
            log.warning("could not read Telegram chat %s's permissions: %s", chat.id, error)
            return False
        return full.permissions is None or bool(full.permissions.can_send_messages)

    async def migrate(self, old_chat_id: str, new_chat_id: str) -> None:
        """Move a chat's subscriptions to the id Telegram gave it."""
        await notifier.migrate(self._store, old_chat_id, new_chat_id)

    async def _answer(
        self,
        chat: Chat,
        user_id: int,
        client_locale: str | None,
        line: str,
        thread: int | None,
        query: CallbackQuery | None = None,
    ) -> None:
        """Answer one command line: over the limit politely or not at all, else by the core."""
        request = receive(
            self.stats,
            self._settings.admin_user_ids,
            Platform.TELEGRAM,
            chat_id=str(chat.id),
            user_id=user_id,
            client_locale=client_locale,
            line=line,
            is_group=is_group(chat),
        )
        if not await self._admit(request, chat.id, thread, query):
            return
        if query is not None:
            await _ack(query)
        if request.is_group and manages(line):
            managed = user_id == chat.id or await self._managers.can_manage(
                self.bot, chat.id, user_id
            )
            request = replace(request, can_manage=managed)
        reply = await handle(request, self._core)
        await self._deliver(chat.id, reply, thread)

    async def _admit(
        self, request: Request, chat_id: int, thread: int | None, query: CallbackQuery | None
    ) -> bool:
        """Whether the user is within the command limit; the first time over, say so."""
        admission = self._limit.admit(request.user_id, self._clock.monotonic())
        if admission is Admission.ALLOW:
            return True
        self.stats.limited += 1
        if admission is Admission.WARN:
            words = await in_locale(request, self._core, SLOW_DOWN)
            if query is not None:
                await _ack(query, words)
            else:
                await self._deliver(chat_id, notice(words), thread)
        elif query is not None:
            await _ack(query)
        return False

    async def _deliver(self, chat_id: int, reply: Reply, thread: int | None) -> None:
        bot = self.bot
        if bot is None:
            return
        await deliver(
            bot,
            chat_id,
            reply,
            pace=self.pace,
            codec=self._codec,
            thread=thread,
            migrate=self.migrate,
            stats=self.stats,
        )

    async def _on_error(self, update: object, context: Any) -> None:
        """The one error handler: log it, apologise to the user (never a traceback)."""
        self.stats.errors += 1
        error = context.error
        log.error("a Telegram update failed: %r", error, exc_info=error)
        if not isinstance(update, Update) or update.effective_chat is None:
            return
        chat_id = update.effective_chat.id
        user = update.effective_user
        sent_by = (user.id, user.language_code) if user else (0, None)

        async def send(apology: Reply) -> None:
            bot = self.bot
            if bot is not None:
                await send_reply(bot, chat_id, apology, self.pace)

        await apologise(self._core, Platform.TELEGRAM, sent_by, send, f"to chat {chat_id}")


async def _set_menus(bot: Bot) -> None:
    """The command menu in English (everyone) and Chinese (zh clients)."""
    try:
        await bot.set_my_commands(menu(Locale.EN))
        await bot.set_my_commands(menu(Locale.ZH), language_code=Locale.ZH.value)
    except TelegramError as error:  # a menu is a convenience, not a reason to stay off
        log.warning("setting the Telegram command menu failed: %s", error)


async def _ack(query: CallbackQuery, words: str | None = None) -> None:
    """Answer a button press (stops the client's spinner); failures are harmless."""
    try:
        await query.answer(words)
    except TelegramError as error:
        log.debug("answering a callback query failed: %s", error)


async def _until_cancelled() -> None:
    """Connected: nothing more to do (polling is PTB's own loop, with its own retries)."""
    await asyncio.Event().wait()
