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

from typing import Any

import discord

from bot.adapters.discord.chats import parse_chat_id

# Discord's codes for "the bot may not see or post here", as the notifier words a refusal
# ("HTTP 403 (code 50013): Missing Permissions") and the drainer stores it.
NO_RIGHTS = ("code 50001", "code 50013")
REMOVED = "the bot was removed from the server"

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
