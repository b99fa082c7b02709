"""The Discord adapter: the client's lifecycle on the shared loop, and its event hooks."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import aiohttp
import discord
import yarl
from discord import app_commands
from discord.app_commands import Choice
from discord.gateway import DiscordWebSocket
from discord.http import Route

from bot.adapters.common import (
    RECONNECT_MAX_S,
    STOP_TIMEOUT_S,
    ChatStats,
    wait_set,
)
from bot.adapters.discord.answering import DEFER_AFTER_S, Answerer
from bot.adapters.discord.choices import choices_for
from bot.adapters.discord.notifier import DiscordNotifier
from bot.adapters.discord.rights import RightsFollower, RightsStore
from bot.adapters.discord.slash import ChineseNames, slash_command
from bot.adapters.discord.sync import SYNC_FILE, sync_if_changed
from bot.clock import Clock
from bot.commands.context import Core
from bot.commands.table import ArgKind, menu_commands
from bot.render.discord_embed import ActionButton
from bot.settings import Settings
from bot.supervisor import Supervisor
from bot.vocab import Platform

log = logging.getLogger(__name__)

Interaction = discord.Interaction[Any]

MAX_RATELIMIT_WAIT_S = 30.0  # a longer 429 raises RateLimited (alerts: the drainer pauses)
TOKEN_REJECTED = "Discord rejected DISCORD_BOT_TOKEN; the Discord bot stays off"
INTENTS_REFUSED = "Discord refused the bot's intents; the Discord bot stays off"


class Refused(PermissionError):
    """Discord refused the bot for good (token, intents): off until fixed and restarted."""


class ChatsStore(RightsStore, Protocol):
    """What the adapter needs from storage (`storage.Store` has it)."""

    async def deactivate_chat(self, platform: str, chat_id: str, reason: str) -> int: ...


@dataclass
class DiscordStats(ChatStats):
    """Counters since start (for /metrics and tests)."""

    deferred: int = 0
    autocompletes: int = 0
    refused: int = 0
    syncs: int = 0


class _Client(discord.Client):
    """discord.py's client, wired to the adapter (log-in hook, buttons, deleted channels, the
    bot's own rights)."""

    def __init__(self, adapter: DiscordAdapter, **options: Any) -> None:
        super().__init__(**options)
        self.adapter = adapter

    async def setup_hook(self) -> None:
        await self.adapter._on_login()

    async def on_ready(self) -> None:
        self.adapter._on_ready()
        await self.adapter.rights.follow(self, None)  # what changed while the bot was away

    async def on_guild_channel_delete(self, channel: discord.abc.GuildChannel) -> None:
        await self.adapter._on_channel_gone(channel.id)

    # What decides the bot's own rights (`RightsFollower`). Servers arriving at connect, before
    # `on_ready`, are not looked at one by one: `on_ready` looks at every server at once.
    async def on_guild_channel_update(
        self, before: discord.abc.GuildChannel, after: discord.abc.GuildChannel
    ) -> None:
        if before.overwrites != after.overwrites:
            await self.adapter.rights.follow(self, after.guild)

    async def on_guild_role_update(self, before: discord.Role, after: discord.Role) -> None:
        if before.permissions != after.permissions:
            await self.adapter.rights.follow(self, after.guild)

    async def on_guild_role_delete(self, role: discord.Role) -> None:
        await self.adapter.rights.follow(self, role.guild)  # it may have denied the bot somewhere

    async def on_member_update(self, before: discord.Member, after: discord.Member) -> None:
        if self.user is not None and after.id == self.user.id and before.roles != after.roles:
            await self.adapter.rights.follow(self, after.guild)

    async def on_guild_available(self, guild: discord.Guild) -> None:
        if self.is_ready():  # back from an outage: what changed meanwhile
            await self.adapter.rights.follow(self, guild)

    async def on_guild_join(self, guild: discord.Guild) -> None:
        await self.adapter.rights.joined(guild)

    async def on_guild_remove(self, guild: discord.Guild) -> None:
        await self.adapter.rights.removed(guild)

    async def run_action(self, interaction: Interaction, action: str | None) -> None:
        await self.adapter.answers.button(interaction, action)


async def _drop_http_session(client: _Client) -> None:
    """Close the HTTP session a failed log-in left open (each try opens a new one, and an
    unclosed one is reported with a stack when collected); the next try makes a fresh one."""
    with contextlib.suppress(Exception):
        await client.http.close()
    # Closing the session closed its connector too, which discord.py would otherwise reuse.
    client.http.connector = discord.utils.MISSING


class DiscordAdapter:
    """The Discord bot: slash commands in, embeds out, on the shared event loop."""

    def __init__(
        self,
        settings: Settings,
        core: Core,
        store: ChatsStore,
        clock: Clock,
        *,
        defer_after_s: float = DEFER_AFTER_S,
        guild_ready_timeout: float = 2.0,
        sync_state_path: Path | None = None,
        supervisor: Supervisor | None = None,
    ) -> None:
        if settings.discord_bot_token is None:
            raise ValueError("DISCORD_BOT_TOKEN is not set")
        self._settings = settings
        self._core = core
        self._store = store
        self._clock = clock
        self._guild_ready_timeout = guild_ready_timeout
        self.sync_state_path = sync_state_path or settings.database_path.parent / SYNC_FILE
        self.notifier = DiscordNotifier(self)
        self.stats = DiscordStats()
        self.answers = Answerer(core, settings.admin_user_ids, self.stats, defer_after_s)
        self.client: _Client | None = None
        self.tree: app_commands.CommandTree[_Client] | None = None
        self._task: asyncio.Task[None] | None = None
        self._ready = asyncio.Event()
        self._stopping = asyncio.Event()
        self._logged_in = False
        self._endpoints: tuple[str, yarl.URL] | None = None
        self.rights = RightsFollower(store, core)
        # Its reconnect loop is its own; /healthz names it while Discord cannot be reached.
        self._health = (supervisor or Supervisor()).reported("discord")

    @property
    def logged_in(self) -> bool:
        """Whether the client has logged in (alerts can be sent)."""
        return self._logged_in

    async def wait_ready(self, timeout: float) -> bool:
        """True once the bot is connected to the gateway (within `timeout` seconds)."""
        return await wait_set(self._ready, timeout)

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
        for command in menu_commands():
            tree.add_command(slash_command(command, self.answers.answer, self._complete))
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
                self._stay_off(TOKEN_REJECTED)
                return
            except discord.PrivilegedIntentsRequired:
                self._stay_off(INTENTS_REFUSED)
                return
            except (discord.HTTPException, aiohttp.ClientError, OSError, TimeoutError) as error:
                log.warning(
                    "Discord unreachable (%s); next try in %.0f s", type(error).__name__, delay
                )
                self._health.failed(
                    ConnectionError(f"Discord unreachable ({type(error).__name__})")
                )
            except Exception as error:
                log.exception("the Discord bot failed; next try in %.0f s", delay)
                self._health.failed(error)
            if client.is_closed():
                return
            await _drop_http_session(client)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), delay)
            delay = min(delay * 2, RECONNECT_MAX_S)

    def _stay_off(self, why: str) -> None:
        """Discord refused us for good: say so once, and keep /healthz at 503 until a fix
        and a restart (the bot must not look healthy while it is off)."""
        log.error(why)
        self._health.failed(Refused(why))

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
        client, tree = self.client, self.tree
        assert client is not None and tree is not None
        guild_id = self._settings.discord_test_guild_id
        try:
            await sync_if_changed(client, tree, guild_id, self.sync_state_path, self.stats)
        except (discord.DiscordException, aiohttp.ClientError, OSError) as error:
            log.warning("syncing Discord slash commands failed (%s); next start tries again", error)

    def _on_ready(self) -> None:
        self._ready.set()
        self._health.up()
        user = self.client.user if self.client is not None else None
        log.info("Discord bot %s is connected", user)

    async def _complete(
        self, kind: ArgKind, interaction: Interaction, current: str
    ) -> list[Choice[str]]:
        """Autocomplete for an option (counted)."""
        self.stats.autocompletes += 1
        return choices_for(kind, self._core.catalog, interaction, current)

    async def _on_tree_error(
        self, interaction: Interaction, error: app_commands.AppCommandError
    ) -> None:
        await self.answers.fail(interaction, error)

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
