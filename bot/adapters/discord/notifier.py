"""Alerts to Discord as embeds, every failure classified for the drainer."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import aiohttp
import discord

from bot.adapters.discord.chats import parse_chat_id
from bot.alerts.notifier import SendError, SendErrorKind
from bot.render.discord_embed import reply_to_embed, reply_to_view
from bot.reply import Reply
from bot.vocab import Platform

if TYPE_CHECKING:
    from bot.adapters.discord.adapter import DiscordAdapter


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
        if error.status >= 500:  # Discord failed, not our message: wait for it
            return SendError(SendErrorKind.UNREACHABLE, detail)
        return SendError(SendErrorKind.TRANSIENT, detail)
    if isinstance(error, aiohttp.ClientError | OSError | TimeoutError):  # refused, reset, DNS
        return SendError(SendErrorKind.UNREACHABLE, f"{type(error).__name__}: {error}")
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
        """Deliver an alert; raise a classified `SendError` when Discord did not take it."""
        target = parse_chat_id(chat_id)
        if target is None:
            raise SendError(SendErrorKind.PERMANENT, f"not a Discord chat id: {chat_id!r}")
        client = self._adapter.client
        if client is None or not self._adapter.logged_in:
            raise SendError(SendErrorKind.UNREACHABLE, "the Discord bot is not connected yet")
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
