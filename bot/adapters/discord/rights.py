"""The bot's own right to post in a Discord channel, and the alerts that come back with it.

When Discord refuses an alert because the bot may no longer see or post in a channel (HTTP 403
with code 50001, Missing Access, or 50013, Missing Permissions), the drainer stops that
channel's subscriptions: retrying every alert against a refusal helps no one. Discord tells
the bot when what decides those rights changes: a channel's permission overwrites, a role's
permissions, the bot's own roles, the bot joining a server. After each, and at every connect
(for what changed while the bot was away), each channel whose alerts a lost right stopped is
looked at again: where the bot may now see it, post and embed (alerts are embeds), they come
back on, and the channel is told which, in the language it subscribed in.

A bot removed from a server (kicked, or the server deleted; not an outage) stops the alerts of
every channel there for good, those a lost right had stopped too: whoever adds it back chooses
its alerts afresh.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable, Sequence
from typing import Any, Protocol

import aiohttp
import discord

from bot.adapters.discord.chats import parse_chat_id
from bot.alerts.back import alerts_back
from bot.commands.context import Core
from bot.render.discord_embed import reply_to_embed
from bot.vocab import Platform
from storage.engine import DatabaseError, StorageError
from storage.records import Subscription

log = logging.getLogger(__name__)

# Discord's codes for "the bot may not see or post here", as the notifier words a refusal
# ("HTTP 403 (code 50013): Missing Permissions") and the drainer stores it.
NO_RIGHTS = ("code 50001", "code 50013")
REMOVED = "the bot was removed from the server"
_EVERY_SERVER = 0  # due: every server's channels (no server has id 0)
_PLATFORM = Platform.DISCORD.value

PostableChannel = discord.TextChannel | discord.VoiceChannel | discord.StageChannel | discord.Thread


def can_post(channel: PostableChannel) -> bool:
    """Whether the bot may see `channel`, post there and embed (an alert is an embed). In a
    thread: one it may post in, not locked (or it manages threads), and, if private, one it
    is in (or it manages threads)."""
    rights = channel.permissions_for(channel.guild.me)
    if not (rights.view_channel and rights.embed_links):
        return False
    if not isinstance(channel, discord.Thread):
        return rights.send_messages
    if not rights.manage_threads and (channel.locked or (channel.is_private() and not channel.me)):
        return False
    return rights.send_messages_in_threads


def channel_of(client: discord.Client, chat_id: str) -> PostableChannel | None:
    """The server channel (or thread) a chat id names, as the client knows it; None for a
    direct message, a channel it does not know, or one no alert can be posted in."""
    target = parse_chat_id(chat_id)
    if target is None or target[0] != "c":
        return None
    channel: Any = client.get_channel(target[1])
    if isinstance(channel, PostableChannel):
        return channel
    return None


def chat_ids_in(guild: discord.Guild) -> list[str]:
    """The chat id of every channel and thread of a server the client knows."""
    ids = [channel.id for channel in guild.channels] + [thread.id for thread in guild.threads]
    return [f"c:{number}" for number in ids]


class RightsStore(Protocol):
    """What following the bot's rights needs from storage (`storage.Store` has it)."""

    async def stopped_chats(self, platform: str, reasons: Sequence[str]) -> list[str]: ...

    async def reactivate_chat(
        self, platform: str, chat_id: str, reasons: Sequence[str]
    ) -> list[Subscription]: ...

    async def retire_chats(
        self, platform: str, chat_ids: Iterable[str], reason: str, replacing: Sequence[str]
    ) -> int: ...


class RightsFollower:
    """Turns back on the alerts a lost right stopped, where the bot may post again; retires
    those of a server that removed the bot. The client's event hooks call it."""

    def __init__(self, store: RightsStore, core: Core) -> None:
        self._store = store
        self._core = core
        self._due: set[int] = set()  # servers to look at (`_EVERY_SERVER`: all)
        self._lock = asyncio.Lock()
        self.looks = 0  # looks taken, failed ones too

    @property
    def busy(self) -> bool:
        """Whether a look is under way or due."""
        return self._lock.locked() or bool(self._due)

    async def follow(self, client: discord.Client, guild: discord.Guild | None) -> None:
        """What decides the bot's rights changed in `guild` (None: anywhere, at connect): the
        channels there whose alerts a lost right stopped get them back where the bot may post
        again, and are told which. Changes that come while a look is under way are taken by
        one more look after it, together. A database failure is logged; the next change or
        connect looks again."""
        self._due.add(guild.id if guild is not None else _EVERY_SERVER)
        if self._lock.locked():
            return  # the look under way takes this one too, right after
        async with self._lock:
            while self._due:
                due, self._due = self._due, set()
                try:
                    await self._look(client, None if _EVERY_SERVER in due else due)
                except (DatabaseError, StorageError) as error:
                    log.error("could not bring back the alerts of Discord channels: %s", error)
                except Exception:  # a bug: logged with its traceback; the gateway goes on
                    log.exception("could not follow the bot's rights in Discord")
                finally:
                    self.looks += 1

    async def _look(self, client: discord.Client, servers: set[int] | None) -> None:
        """One look at the stopped channels of these servers (None: every server)."""
        for chat_id in await self._store.stopped_chats(_PLATFORM, NO_RIGHTS):
            channel = channel_of(client, chat_id)
            if channel is None or (servers is not None and channel.guild.id not in servers):
                continue
            try:
                if not can_post(channel):
                    continue
            except Exception:  # a bug, or a thread whose parent is not known: the next one
                log.exception("could not work out the bot's rights in Discord %s", chat_id)
                continue
            back = await self._store.reactivate_chat(_PLATFORM, chat_id, NO_RIGHTS)
            if back:
                log.info(
                    "Discord channel %s lets the bot post again; %d alert(s) back on",
                    chat_id,
                    len(back),
                )
                await self._tell_back(channel, back)

    async def _tell_back(self, channel: PostableChannel, back: list[Subscription]) -> None:
        """Tell a channel which of its alerts came back, in the language it subscribed in."""
        try:
            await channel.send(embed=reply_to_embed(alerts_back(self._core.catalog, back)))
        except (discord.DiscordException, aiohttp.ClientError, OSError, TimeoutError) as error:
            # Its alerts are on again: the next one tries again, or stops them again.
            log.warning(
                "could not tell Discord channel %s its alerts are back: %s", channel.id, error
            )

    async def removed(self, guild: discord.Guild) -> None:
        """The bot was removed from a server (or the server deleted): its alerts stop for good."""
        await self._retire(guild, "was removed from")

    async def joined(self, guild: discord.Guild) -> None:
        """The bot joined a server, so it was not in it: alerts stopped there for a lost right
        (say, the bot was removed while it was off) stay off for good; whoever added it back
        subscribes afresh."""
        await self._retire(guild, "joined", stopped_only=True)

    async def _retire(self, guild: discord.Guild, what: str, *, stopped_only: bool = False) -> None:
        chat_ids = chat_ids_in(guild)
        try:
            if stopped_only:
                stopped = set(await self._store.stopped_chats(_PLATFORM, NO_RIGHTS))
                chat_ids = [chat_id for chat_id in chat_ids if chat_id in stopped]
            count = await self._store.retire_chats(_PLATFORM, chat_ids, REMOVED, NO_RIGHTS)
        except (DatabaseError, StorageError) as error:
            log.error("could not stop the alerts of Discord server %s: %s", guild.id, error)
            return
        log.info("the bot %s Discord server %s; %d alert(s) off", what, guild.id, count)
