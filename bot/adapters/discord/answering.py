"""Answering interactions: a command line through the core, a refusal, or an apology.

Answers are embeds; personal ones (Reply.ephemeral: errors, subscriptions, language) only to
the user. An answer not ready within `defer_after_s` (2 s; Discord allows 3 s to acknowledge)
is deferred ("thinking…") and sent as a followup. In a server, /subscribe and /unsubscribe
need the Manage Channels permission; others get a short refusal only they see.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands

from bot.adapters.common import apologise, in_locale, manages, receive
from bot.adapters.discord.chats import chat_id_of
from bot.commands.args import parse_line
from bot.commands.context import Core, Request
from bot.commands.dispatch import handle
from bot.render.chat import notice
from bot.render.discord_embed import reply_to_embed, reply_to_view
from bot.reply import Reply
from bot.vocab import Locale, Platform

if TYPE_CHECKING:
    from bot.adapters.discord.adapter import DiscordStats

log = logging.getLogger(__name__)

Interaction = discord.Interaction[Any]

DEFER_AFTER_S = 2.0
# Commands whose answers only the user sees (deferred that way when slow).
PERSONAL_COMMANDS = frozenset({"subscriptions", "lang"})
_DEFERRED = "supportlive.deferred_ephemeral"

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


class Answerer:
    """Answers slash commands and button clicks through the command core."""

    def __init__(
        self, core: Core, admin_user_ids: frozenset[str], stats: DiscordStats, defer_after_s: float
    ) -> None:
        self._core = core
        self._admins = admin_user_ids
        self._stats = stats
        self._defer_after_s = defer_after_s

    async def answer(self, interaction: Interaction, line: str) -> None:
        """Answer one command line: refuse, or run it (deferring when slow), then respond."""
        in_guild = interaction.guild_id is not None
        request = receive(
            self._stats,
            self._admins,
            Platform.DISCORD,
            chat_id=chat_id_of(interaction),
            user_id=interaction.user.id,
            client_locale=str(interaction.locale),
            line=line,
            is_group=in_guild,
            can_manage=not in_guild or interaction.permissions.manage_channels,
        )
        refusal = await self._refusal(interaction, request)
        if refusal is not None:
            self._stats.refused += 1
            await self.respond(interaction, refusal)
            return
        personal = parse_line(line).name in PERSONAL_COMMANDS
        await self.respond(interaction, await self._run(interaction, request, personal))

    async def _run(self, interaction: Interaction, request: Request, personal: bool) -> Reply:
        """The core's reply; when it is slow, defer ("thinking…", visible as it will be)."""
        task = asyncio.create_task(handle(request, self._core), name="discord-answer")
        try:
            done, _ = await asyncio.wait({task}, timeout=self._defer_after_s)
            if not done:
                await interaction.response.defer(ephemeral=personal, thinking=True)
                interaction.extras[_DEFERRED] = personal
                self._stats.deferred += 1
            return await task
        finally:
            if not task.done():
                task.cancel()

    async def _refusal(self, interaction: Interaction, request: Request) -> Reply | None:
        """A server channel's alerts change only by channel managers, where the bot can post."""
        if not request.is_group or not manages(request.text):
            return None
        if not request.can_manage:
            return notice(*await in_locale(request, self._core, MANAGE_ONLY))
        rights = interaction.app_permissions
        if parse_line(request.text).name == "subscribe" and not (
            rights.send_messages and rights.embed_links
        ):
            return notice(*await in_locale(request, self._core, CANNOT_POST))
        return None

    async def respond(self, interaction: Interaction, reply: Reply) -> None:
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
        self._stats.replies += 1

    async def button(self, interaction: Interaction, action: str | None) -> None:
        """A button click: run its command line as if typed."""
        try:
            if action is None:
                locale = Locale.from_client(str(interaction.locale))
                await self.respond(interaction, notice(BUTTON_EXPIRED[locale]))
                return
            await self.answer(interaction, action)
        except Exception as error:
            await self.fail(interaction, error)

    async def fail(self, interaction: Interaction, error: BaseException) -> None:
        """The one error handler: log it, apologise to the user only (never a traceback)."""
        self._stats.errors += 1
        cause = error.original if isinstance(error, app_commands.CommandInvokeError) else error
        log.error("a Discord interaction failed: %r", cause, exc_info=cause)
        if interaction.type is discord.InteractionType.autocomplete:
            return
        user = (interaction.user.id, str(interaction.locale))
        send = functools.partial(self.respond, interaction)
        await apologise(
            self._core, Platform.DISCORD, user, send, "for a failed Discord interaction"
        )
