"""Discord: discord.py slash commands on the process's event loop.

The adapter only translates. A slash command (or a button click) becomes a command line and a
`Request` for the command core; its `Reply` goes back as an embed (`bot/render/discord_embed.py`).
It never runs probes and never touches SQL.

- Lifecycle: `start()` builds the client and the command tree and logs in and connects as a
  supervised task, so it never blocks the loop. A token Discord rejects is logged (never the
  token) and leaves the Discord bot off; an unreachable Discord is retried in the background.
  `stop()` closes the gateway and HTTP connections within a few seconds. Default intents only.
- Slash commands come from the command table (`bot/commands/table.py`), one loop: every user
  command, its arguments as string options, autocomplete for exchange, channel and case,
  choices for the language, names and descriptions in Chinese for zh-CN clients. They are
  synced at log-in only when they changed: a digest of what would be sent is kept in
  `<database folder>/discord_commands.sha256`. With DISCORD_TEST_GUILD_ID they are synced to
  that guild only (instant, for testing).
- Answers: an embed; personal ones (Reply.ephemeral: errors, subscriptions, language) only to
  the user. An answer not ready within `defer_after_s` (2 s; Discord allows 3 s to
  acknowledge) is deferred ("thinking…") and sent as a followup.
- Chats (the `chat_id` of subscriptions and alerts): `c:<channel id>` for a server channel,
  `u:<user id>` for a direct message. In a server, /subscribe and /unsubscribe need the
  Manage Channels permission; others get a short refusal only they see.
- Locale: the interaction's locale (the user's client), overridden by /lang (kept per user).
- Errors: one error handler logs and answers with a short apology only the user sees.
  discord.py waits out 429s and retries 5xx itself (a 429 over 30 s raises `RateLimited`);
  nothing here stops the process.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import inspect
import json
import logging
import warnings
from collections.abc import Callable, Coroutine, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import aiohttp
import yarl

from bot.alerts.notifier import SendError, SendErrorKind
from bot.catalog import Catalog, Channel, Exchange
from bot.clock import Clock
from bot.commands.args import CASE_WORDS, find_exchange, normalize, parse_line, suggest_exchanges
from bot.commands.context import Core, Request
from bot.commands.dispatch import handle, locale_of
from bot.commands.table import COMMANDS, ArgKind, Command
from bot.render.chat import notice
from bot.render.discord_embed import ActionButton, reply_to_embed, reply_to_view
from bot.render.strings import strings
from bot.reply import Reply
from bot.settings import Settings
from bot.vocab import Case, Locale, Platform

# discord.py 2.7 imports the stdlib `audioop` (voice only), deprecated since Python 3.11.
with warnings.catch_warnings():
    warnings.filterwarnings("ignore", "'audioop' is deprecated", DeprecationWarning)
    import discord
    from discord import app_commands
    from discord.app_commands import Choice, locale_str
    from discord.gateway import DiscordWebSocket
    from discord.http import Route

log = logging.getLogger(__name__)

Interaction = discord.Interaction[Any]

STOP_TIMEOUT_S = 3.5  # the process gives each service 4 s to stop
DEFER_AFTER_S = 2.0
RECONNECT_MAX_S = 60.0
MAX_RATELIMIT_WAIT_S = 30.0  # a longer 429 raises RateLimited (alerts: the drainer pauses)
MAX_CHOICES = 25
CHOICE_LIMIT = 100
SYNC_FILE = "discord_commands.sha256"
# Commands that change what a server channel receives: Manage Channels only.
MANAGING_COMMANDS = frozenset({"subscribe", "unsubscribe"})
# Commands whose answers only the user sees (deferred that way when slow).
PERSONAL_COMMANDS = frozenset({"subscriptions", "lang"})
# Not slash commands: /start is Telegram's greeting; admin commands stay on Telegram/console.
NOT_SLASH = frozenset({"start"})
_DEFERRED = "supportlive.deferred_ephemeral"

# Names Chinese clients see (Discord allows letters of any script, lower case, ≤ 32).
ZH_COMMAND_NAMES: Mapping[str, str] = {
    "status": "状态",
    "channels": "渠道",
    "urgent": "紧急求助",
    "history": "历史",
    "subscribe": "订阅",
    "unsubscribe": "取消订阅",
    "subscriptions": "我的订阅",
    "lang": "语言",
    "help": "帮助",
}


@dataclass(frozen=True, slots=True)
class OptionText:
    zh_name: str
    en: str
    zh: str


OPTION_TEXT: Mapping[ArgKind, OptionText] = {
    ArgKind.EXCHANGE: OptionText("交易所", "Exchange, e.g. MEXC", "交易所，例如 MEXC"),
    ArgKind.CHANNEL: OptionText(
        "渠道", "Support channel, e.g. live chat", "客服渠道，例如在线客服"
    ),
    ArgKind.CASE: OptionText(
        "问题", "What happened, e.g. withdrawal stuck", "遇到的问题，例如提币未到账"
    ),
    ArgKind.LANG: OptionText("语言", "Answer language", "回答语言"),
    ArgKind.MINUTES: OptionText("分钟", "Minutes", "分钟数"),
}
AUTOCOMPLETED = frozenset({ArgKind.EXCHANGE, ArgKind.CHANNEL, ArgKind.CASE})
LANG_CHOICES = [
    Choice(name="English", value=Locale.EN.value),
    Choice(name="中文", value=Locale.ZH.value),
]

# The adapter's own words (everything else comes from the core's `Strings`).
MANAGE_ONLY = {
    Locale.EN: (
        "Only channel managers can change this channel's alerts.",
        "Ask someone with the Manage Channels permission, or send /subscribe in a direct "
        "message to me for alerts of your own.",
    ),
    Locale.ZH: (
        "只有频道管理员可以更改本频道的提醒。",
        "请让拥有“管理频道”权限的成员操作，或在与我的私信中发送 /subscribe 订阅个人提醒。",
    ),
}
CANNOT_POST = {
    Locale.EN: (
        "I can't post alerts in this channel.",
        "Give me the Send Messages and Embed Links permissions here, then try again.",
    ),
    Locale.ZH: ("我无法在本频道发送提醒。", "请在这里授予我“发送消息”和“嵌入链接”权限后再试。"),
}
BUTTON_EXPIRED = {
    Locale.EN: "This button has expired. Please use the slash command instead.",
    Locale.ZH: "这个按钮已失效，请改用斜杠命令。",
}


class DeactivatingStore(Protocol):
    """What the adapter needs from storage (`storage.Store` has it)."""

    async def deactivate_chat(self, platform: str, chat_id: str, reason: str) -> int: ...


# ------------------------------------------------------------------------------ chats


def chat_id_of(interaction: Interaction) -> str:
    """`c:<channel id>` in a server, `u:<user id>` in a direct message."""
    if interaction.guild_id is not None and interaction.channel_id is not None:
        return f"c:{interaction.channel_id}"
    return f"u:{interaction.user.id}"


def parse_chat_id(chat_id: str) -> tuple[str, int] | None:
    """("c", channel id) or ("u", user id); None when it is not a Discord chat id."""
    kind, _, number = chat_id.partition(":")
    if kind not in ("c", "u") or not number.isdigit() or len(number) > 20:
        return None
    return kind, int(number)


# ------------------------------------------------------------------------------ commands


def command_line(command: Command, values: Mapping[str, str | None]) -> str:
    """The typed line a slash command stands for: `/channels mexc live_chat`.

    A channel picked without an exchange comes as `mexc/live_chat` (autocomplete): it names
    the exchange too.
    """
    given = {k: " ".join((v or "").split())[:CHOICE_LIMIT] for k, v in values.items()}
    words: list[str] = []
    channel = given.get(ArgKind.CHANNEL.value, "")
    if "/" in channel and not given.get(ArgKind.EXCHANGE.value):
        given[ArgKind.EXCHANGE.value], _, given[ArgKind.CHANNEL.value] = channel.partition("/")
    for arg in command.args:
        value = given.get(arg.kind.value, "")
        if value:
            words.append(value)
    return " ".join([f"/{command.name}", *words])


def slash_commands() -> list[Command]:
    """The table's commands offered as slash commands."""
    return [c for c in COMMANDS if not c.admin and c.name not in NOT_SLASH]


class ChineseNames(app_commands.Translator):
    """zh-CN names and descriptions, carried by each `locale_str` as its `zh` extra."""

    async def translate(
        self,
        string: locale_str,
        locale: discord.Locale,
        context: app_commands.TranslationContextTypes,
    ) -> str | None:
        if locale is not discord.Locale.chinese:
            return None
        value = string.extras.get("zh")
        return value if isinstance(value, str) else None


def _text(en: str, zh: str, limit: int = CHOICE_LIMIT) -> locale_str:
    return locale_str(en[:limit], zh=zh[:limit])


# ------------------------------------------------------------------------------ autocomplete


def _rank(keys: Sequence[str], word: str) -> int | None:
    """0 when a key starts with the word, 1 when it contains it, None otherwise."""
    folded = [normalize(k) for k in keys]
    if any(k.startswith(word) for k in folded):
        return 0
    if any(word in k for k in folded):
        return 1
    return None


def _choice(name: str, value: str) -> Choice[str]:
    return Choice(name=name[:CHOICE_LIMIT] or value, value=value[:CHOICE_LIMIT])


def exchange_choices(catalog: Catalog, current: str) -> list[Choice[str]]:
    """Exchanges whose id, name or alias (any language) matches what is typed; 25 at most."""
    word = normalize(current)
    ranked: list[tuple[int, int, Choice[str]]] = []
    for order, exchange in enumerate(catalog.exchanges):
        rank = _rank([exchange.id, exchange.name, *exchange.aliases], word)
        if rank is None:
            continue
        by_alias = bool(word) and _rank([exchange.id, exchange.name], word) is None
        alias = next((a for a in exchange.aliases if word in normalize(a)), None)
        name = f"{exchange.name} ({alias})" if by_alias and alias else exchange.name
        ranked.append((rank, order, _choice(name, exchange.id)))
    if not ranked and word:
        names = suggest_exchanges(catalog, current, limit=5)
        by_name = {e.name: e for e in catalog.exchanges}
        return [_choice(n, by_name[n].id) for n in names if n in by_name]
    return [choice for _, _, choice in sorted(ranked, key=lambda r: r[:2])][:MAX_CHOICES]


def _channel_keys(channel: Channel) -> list[str]:
    return [channel.id, channel.kind.value, *channel.name.root.values()]


def channel_choices(
    catalog: Catalog, exchange_word: str | None, current: str, locale: Locale
) -> list[Choice[str]]:
    """Channels of the chosen exchange (or of all, as `exchange/channel`) matching the words."""
    word = normalize(current)
    chosen = find_exchange(catalog, exchange_word) if exchange_word else None
    pool: list[tuple[Exchange, Channel]] = (
        [(chosen, c) for c in chosen.channels] if chosen else catalog.channels()
    )
    ranked: list[tuple[int, int, Choice[str]]] = []
    for order, (exchange, channel) in enumerate(pool):
        keys = _channel_keys(channel) if chosen else [*_channel_keys(channel), exchange.name]
        rank = _rank(keys, word)
        if rank is None:
            continue
        label = channel.name.get(locale)
        if chosen:
            ranked.append((rank, order, _choice(f"{label} · {channel.id}", channel.id)))
        else:
            value = f"{exchange.id}/{channel.id}"
            ranked.append((rank, order, _choice(f"{exchange.name} — {label}", value)))
    return [choice for _, _, choice in sorted(ranked, key=lambda r: r[:2])][:MAX_CHOICES]


def case_choices(current: str, locale: Locale) -> list[Choice[str]]:
    """Cases whose words (English or Chinese) match what is typed."""
    word = normalize(current)
    titles = strings(locale).case_title
    ranked: list[tuple[int, int, Choice[str]]] = []
    for order, case in enumerate(Case):
        keys = [case.value, *CASE_WORDS[case], *(strings(loc).case_title[case] for loc in Locale)]
        rank = _rank(keys, word)
        if rank is not None:
            ranked.append((rank, order, _choice(titles[case], case.value)))
    return [choice for _, _, choice in sorted(ranked, key=lambda r: r[:2])][:MAX_CHOICES]


# ------------------------------------------------------------------------------ sync digest


def command_digest(app_id: int | None, guild_id: int | None, payload: Sequence[Any]) -> str:
    """What a sync would send, to whom, as one SHA-256 (stable across runs)."""
    blob = json.dumps(
        {"application": app_id, "guild": guild_id, "commands": list(payload)},
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(blob.encode()).hexdigest()


def _read_digest(path: Path) -> str | None:
    try:
        return path.read_text(encoding="ascii").strip() or None
    except (OSError, UnicodeDecodeError):
        return None


def _write_digest(path: Path, digest: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".tmp")
    partial.write_text(digest + "\n", encoding="ascii")
    partial.replace(path)


# ------------------------------------------------------------------------------ notifier


def classify(error: BaseException) -> SendError:
    """A failed Discord send as the drainer's `SendError`."""
    if isinstance(error, discord.RateLimited):
        return SendError(SendErrorKind.RATE_LIMITED, str(error), retry_after=error.retry_after)
    if isinstance(error, discord.Forbidden | discord.NotFound):
        detail = f"HTTP {error.status} (code {error.code}): {error.text}"
        return SendError(SendErrorKind.PERMANENT, detail)
    if isinstance(error, discord.HTTPException):
        detail = f"HTTP {error.status} (code {error.code}): {error.text}"
        if error.status == 429:  # no `Via`: Cloudflare's limit, not Discord's; wait longer
            retry_after = _retry_after(error.response) or 60.0
            return SendError(SendErrorKind.RATE_LIMITED, detail, retry_after=retry_after)
        return SendError(SendErrorKind.TRANSIENT, detail)
    return SendError(SendErrorKind.TRANSIENT, f"{type(error).__name__}: {error}")


def _retry_after(response: Any) -> float | None:
    headers = getattr(response, "headers", None) or {}
    try:
        return float(headers.get("Retry-After", ""))
    except ValueError:
        return None


class DiscordNotifier:
    """Alerts as embeds: `c:<id>` to a server channel, `u:<id>` to a user's direct messages."""

    def __init__(self, adapter: DiscordAdapter) -> None:
        self._adapter = adapter

    @property
    def platform(self) -> Platform:
        return Platform.DISCORD

    async def send(self, chat_id: str, reply: Reply) -> None:
        target = parse_chat_id(chat_id)
        if target is None:
            raise SendError(SendErrorKind.PERMANENT, f"not a Discord chat id: {chat_id!r}")
        client = self._adapter.client
        if client is None or not self._adapter.logged_in:
            raise SendError(SendErrorKind.TRANSIENT, "the Discord bot is not connected yet")
        kind, number = target
        embed = reply_to_embed(reply)
        view = reply_to_view(reply)
        try:
            if kind == "u":
                channel: discord.abc.Messageable = await client.create_dm(discord.Object(number))
            else:
                channel = client.get_partial_messageable(number)
            if view is None:
                await channel.send(embed=embed)
            else:
                await channel.send(embed=embed, view=view)
        except (discord.DiscordException, aiohttp.ClientError, OSError, TimeoutError) as error:
            self._adapter.stats.failed_sends += 1
            raise classify(error) from error


# ------------------------------------------------------------------------------ adapter


@dataclass
class DiscordStats:
    """Counters since start (for /metrics and tests)."""

    commands: int = 0
    replies: int = 0
    deferred: int = 0
    autocompletes: int = 0
    refused: int = 0
    errors: int = 0
    failed_sends: int = 0
    syncs: int = 0


class _Client(discord.Client):
    """discord.py's client, wired to the adapter (log-in hook, buttons, deleted channels)."""

    def __init__(self, adapter: DiscordAdapter, **options: Any) -> None:
        super().__init__(**options)
        self.adapter = adapter

    async def setup_hook(self) -> None:
        await self.adapter._on_login()

    async def on_ready(self) -> None:
        self.adapter._on_ready()

    async def on_guild_channel_delete(self, channel: discord.abc.GuildChannel) -> None:
        await self.adapter._on_channel_gone(channel.id)

    async def run_action(self, interaction: Interaction, action: str | None) -> None:
        await self.adapter._on_button(interaction, action)


class DiscordAdapter:
    """The Discord bot: slash commands in, embeds out, on the shared event loop."""

    def __init__(
        self,
        settings: Settings,
        core: Core,
        store: DeactivatingStore,
        clock: Clock,
        *,
        defer_after_s: float = DEFER_AFTER_S,
        guild_ready_timeout: float = 2.0,
        sync_state_path: Path | None = None,
    ) -> None:
        if settings.discord_bot_token is None:
            raise ValueError("DISCORD_BOT_TOKEN is not set")
        self._settings = settings
        self._core = core
        self._store = store
        self._clock = clock
        self._defer_after_s = defer_after_s
        self._guild_ready_timeout = guild_ready_timeout
        self.sync_state_path = sync_state_path or settings.database_path.parent / SYNC_FILE
        self.notifier = DiscordNotifier(self)
        self.stats = DiscordStats()
        self.client: _Client | None = None
        self.tree: app_commands.CommandTree[_Client] | None = None
        self._task: asyncio.Task[None] | None = None
        self._ready = asyncio.Event()
        self._stopping = asyncio.Event()
        self._logged_in = False
        self._endpoints: tuple[str, yarl.URL] | None = None

    # -------------------------------------------------------------------- lifecycle

    @property
    def logged_in(self) -> bool:
        return self._logged_in

    async def wait_ready(self, timeout: float) -> bool:
        """True once the bot is connected to the gateway (within `timeout` seconds)."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._ready.wait(), timeout)
        return self._ready.is_set()

    async def start(self) -> None:
        """Build the client and its commands; log in and connect in a background task."""
        token = self._settings.discord_bot_token
        assert token is not None
        self._stopping.clear()
        self._point_at_settings()
        # The bot has no voice: skip discord.py's start-up warnings about voice libraries.
        discord.VoiceClient.warn_nacl = discord.VoiceClient.warn_dave = False
        client = _Client(
            self,
            intents=discord.Intents.default(),
            guild_ready_timeout=self._guild_ready_timeout,
            max_ratelimit_timeout=MAX_RATELIMIT_WAIT_S,
        )
        tree: app_commands.CommandTree[_Client] = app_commands.CommandTree(client)
        for command in slash_commands():
            tree.add_command(self._slash_command(command))
        tree.error(self._on_tree_error)
        await tree.set_translator(ChineseNames())
        client.add_dynamic_items(ActionButton)
        self.client, self.tree = client, tree
        self._task = asyncio.create_task(
            self._run(client, token.get_secret_value()), name="discord"
        )

    async def stop(self) -> None:
        """Close the gateway and HTTP connections (within 3.5 s)."""
        client, task = self.client, self._task
        self._task = None
        self._stopping.set()
        self._ready.clear()
        self._logged_in = False
        try:
            if client is not None:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(client.close(), STOP_TIMEOUT_S)
            if task is not None:
                try:
                    await asyncio.wait_for(asyncio.shield(task), STOP_TIMEOUT_S / 2)
                except TimeoutError:
                    task.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await task
                    log.warning("the Discord bot did not stop within %.1f s", STOP_TIMEOUT_S)
        finally:
            self._restore_endpoints()

    async def _run(self, client: _Client, token: str) -> None:
        """Log in and stay connected; retry while Discord is unreachable, stop on a bad token."""
        delay = 1.0
        while not client.is_closed():
            try:
                await client.start(token)
                return
            except discord.LoginFailure:
                # The exception could carry request details: say what happened in our words.
                log.error("Discord rejected DISCORD_BOT_TOKEN; the Discord bot stays off")
                return
            except discord.PrivilegedIntentsRequired:
                log.error("Discord refused the bot's intents; the Discord bot stays off")
                return
            except (discord.HTTPException, aiohttp.ClientError, OSError, TimeoutError) as error:
                log.warning(
                    "Discord unreachable (%s); next try in %.0f s", type(error).__name__, delay
                )
            except Exception:
                log.exception("the Discord bot failed; next try in %.0f s", delay)
            if client.is_closed():
                return
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), delay)
            delay = min(delay * 2, RECONNECT_MAX_S)

    def _point_at_settings(self) -> None:
        """DISCORD_API_BASE_URL and DISCORD_GATEWAY_URL (class-wide in discord.py)."""
        self._endpoints = (Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY)
        Route.BASE = self._settings.discord_api_base_url.rstrip("/")
        if self._settings.discord_gateway_url:
            DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(self._settings.discord_gateway_url)

    def _restore_endpoints(self) -> None:
        if self._endpoints is not None:
            Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY = self._endpoints
            self._endpoints = None

    async def _on_login(self) -> None:
        """Logged in (before the gateway): sync the slash commands if they changed."""
        self._logged_in = True
        try:
            await self._sync_if_changed()
        except (discord.DiscordException, aiohttp.ClientError, OSError) as error:
            log.warning("syncing Discord slash commands failed (%s); next start tries again", error)

    def _on_ready(self) -> None:
        self._ready.set()
        user = self.client.user if self.client is not None else None
        log.info("Discord bot %s is connected", user)

    async def _sync_if_changed(self) -> None:
        client, tree = self.client, self.tree
        assert client is not None and tree is not None and tree.translator is not None
        guild_id = self._settings.discord_test_guild_id
        guild = discord.Object(guild_id) if guild_id else None
        if guild is not None:
            tree.copy_global_to(guild=guild)
        commands = tree.get_commands(guild=guild)
        payload = [await c.get_translated_payload(tree, tree.translator) for c in commands]
        digest = command_digest(client.application_id, guild_id, payload)
        if await asyncio.to_thread(_read_digest, self.sync_state_path) == digest:
            log.info("Discord slash commands unchanged; not syncing")
            return
        synced = await tree.sync(guild=guild)
        self.stats.syncs += 1
        await asyncio.to_thread(_write_digest, self.sync_state_path, digest)
        where = f"to guild {guild_id}" if guild_id else "globally"
        log.info("synced %d Discord slash commands %s", len(synced), where)

    # -------------------------------------------------------------------- slash commands

    def _slash_command(self, command: Command) -> app_commands.Command[Any, ..., None]:
        """One slash command from a row of the command table."""

        async def callback(interaction: Interaction, **values: str | None) -> None:
            personal = command.name in PERSONAL_COMMANDS
            await self._answer(interaction, command_line(command, values), personal=personal)

        parameters = [
            inspect.Parameter(
                "interaction", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=Interaction
            )
        ]
        for arg in command.args:
            parameters.append(
                inspect.Parameter(
                    arg.kind.value,
                    inspect.Parameter.POSITIONAL_OR_KEYWORD,
                    default=inspect.Parameter.empty if arg.required else None,
                    annotation=str if arg.required else str | None,
                )
            )
        callback.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
        kinds = [arg.kind for arg in command.args]
        if kinds:
            texts = {k.value: OPTION_TEXT[k] for k in kinds}
            app_commands.rename(**{n: _text(n, t.zh_name, 32) for n, t in texts.items()})(callback)
            app_commands.describe(**{n: _text(t.en, t.zh) for n, t in texts.items()})(callback)
        if ArgKind.LANG in kinds:
            app_commands.choices(**{ArgKind.LANG.value: LANG_CHOICES})(callback)
        slash: app_commands.Command[Any, ..., None] = app_commands.Command(
            name=_text(command.name, ZH_COMMAND_NAMES.get(command.name, command.name), 32),
            description=_text(command.help[Locale.EN], command.help[Locale.ZH]),
            callback=callback,
        )
        for kind in kinds:
            if kind in AUTOCOMPLETED:
                slash.autocomplete(kind.value)(self._completer(kind))
        return slash

    def _completer(
        self, kind: ArgKind
    ) -> Callable[[Interaction, str], Coroutine[Any, Any, list[Choice[str]]]]:
        async def complete(interaction: Interaction, current: str) -> list[Choice[str]]:
            self.stats.autocompletes += 1
            catalog = self._core.catalog
            locale = Locale.from_client(str(interaction.locale))
            if kind is ArgKind.EXCHANGE:
                return exchange_choices(catalog, current)
            if kind is ArgKind.CHANNEL:
                chosen = getattr(interaction.namespace, ArgKind.EXCHANGE.value, None)
                exchange = chosen if isinstance(chosen, str) else None
                return channel_choices(catalog, exchange, current, locale)
            return case_choices(current, locale)

        return complete

    # -------------------------------------------------------------------- answering

    def _request(self, interaction: Interaction, line: str) -> Request:
        in_guild = interaction.guild_id is not None
        user_id = interaction.user.id
        admins = self._settings.admin_user_ids
        return Request(
            platform=Platform.DISCORD,
            chat_id=chat_id_of(interaction),
            user_id=str(user_id),
            client_locale=str(interaction.locale),
            text=line,
            is_group=in_guild,
            is_admin=f"discord:{user_id}" in admins,
            can_manage=not in_guild or interaction.permissions.manage_channels,
        )

    async def _answer(self, interaction: Interaction, line: str, *, personal: bool) -> None:
        """Answer one command line: refuse, or run it (deferring when slow), then respond."""
        self.stats.commands += 1
        request = self._request(interaction, line)
        refusal = await self._refusal(interaction, request)
        if refusal is not None:
            self.stats.refused += 1
            await self._respond(interaction, refusal)
            return
        task = asyncio.create_task(handle(request, self._core), name="discord-answer")
        try:
            done, _ = await asyncio.wait({task}, timeout=self._defer_after_s)
            if not done:
                await interaction.response.defer(ephemeral=personal, thinking=True)
                interaction.extras[_DEFERRED] = personal
                self.stats.deferred += 1
            reply = await task
        finally:
            if not task.done():
                task.cancel()
        await self._respond(interaction, reply)

    async def _refusal(self, interaction: Interaction, request: Request) -> Reply | None:
        """A server channel's alerts change only by channel managers, where the bot can post."""
        if not request.is_group or parse_line(request.text).name not in MANAGING_COMMANDS:
            return None
        if not request.can_manage:
            locale = await locale_of(request, self._core)
            return notice(*MANAGE_ONLY[locale])
        rights = interaction.app_permissions
        if parse_line(request.text).name == "subscribe" and not (
            rights.send_messages and rights.embed_links
        ):
            locale = await locale_of(request, self._core)
            return notice(*CANNOT_POST[locale])
        return None

    async def _respond(self, interaction: Interaction, reply: Reply) -> None:
        """The reply as an embed: the response, or a followup after a deferral."""
        embed = reply_to_embed(reply)
        view = reply_to_view(reply) or discord.utils.MISSING
        if not interaction.response.is_done():
            await interaction.response.send_message(
                embed=embed, view=view, ephemeral=reply.ephemeral
            )
        else:
            deferred = interaction.extras.get(_DEFERRED)
            if deferred is not None and deferred != reply.ephemeral:
                # The "thinking…" message has the wrong visibility: replace it by a followup.
                interaction.extras[_DEFERRED] = None
                await interaction.delete_original_response()
            await interaction.followup.send(
                embed=embed, view=view, ephemeral=reply.ephemeral, wait=True
            )
        self.stats.replies += 1

    async def _on_button(self, interaction: Interaction, action: str | None) -> None:
        """A button click: run its command line as if typed."""
        try:
            if action is None:
                locale = Locale.from_client(str(interaction.locale))
                await self._respond(interaction, notice(BUTTON_EXPIRED[locale]))
                return
            personal = parse_line(action).name in PERSONAL_COMMANDS
            await self._answer(interaction, action, personal=personal)
        except Exception as error:
            await self._on_error(interaction, error)

    async def _on_tree_error(
        self, interaction: Interaction, error: app_commands.AppCommandError
    ) -> None:
        await self._on_error(interaction, error)

    async def _on_error(self, interaction: Interaction, error: BaseException) -> None:
        """The one error handler: log it, apologise to the user only (never a traceback)."""
        self.stats.errors += 1
        cause = error.original if isinstance(error, app_commands.CommandInvokeError) else error
        log.error("a Discord interaction failed: %r", cause, exc_info=cause)
        if interaction.type is discord.InteractionType.autocomplete:
            return
        try:
            locale = await locale_of(self._request(interaction, ""), self._core)
            await self._respond(interaction, notice(strings(locale).internal_error))
        except Exception as failure:  # the error handler must not fail in turn
            log.warning("could not apologise for a failed Discord interaction: %r", failure)

    async def _on_channel_gone(self, channel_id: int) -> None:
        """A server channel was deleted: its alerts stop."""
        chat_id = f"c:{channel_id}"
        try:
            stopped = await self._store.deactivate_chat(
                Platform.DISCORD.value, chat_id, "channel deleted"
            )
        except Exception:
            log.exception("could not stop the alerts of deleted Discord channel %s", channel_id)
            return
        if stopped:
            log.info("Discord channel %s was deleted; %d subscription(s) stopped", chat_id, stopped)


__all__ = [
    "DiscordAdapter",
    "DiscordNotifier",
    "DiscordStats",
    "case_choices",
    "channel_choices",
    "chat_id_of",
    "classify",
    "command_digest",
    "command_line",
    "exchange_choices",
    "parse_chat_id",
    "slash_commands",
]
