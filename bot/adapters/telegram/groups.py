"""Groups: which messages are commands for us, who sent them, and who manages the group.

In groups only commands count, and only ours (`/status` or `/status@<our name>`); a reply goes
to the chat the command came from, so alerts subscribed from a group go to the group.
"""

from __future__ import annotations

import logging
import re

from telegram import Bot, Chat, Message
from telegram.constants import ChatMemberStatus, ChatType
from telegram.error import TelegramError

from bot.clock import Clock
from bot.commands.table import COMMANDS

log = logging.getLogger(__name__)

MANAGER_CACHE_S = 60.0
KNOWN_COMMANDS = frozenset(name for c in COMMANDS for name in (c.name, *c.aliases))
# Telegram itself marks only ASCII commands, but our Chinese aliases (`/充提`, `/验证`) are
# typed as commands too: any word characters count, and in groups only our names.
_COMMAND_TOKEN = re.compile(r"^/(?P<name>\w{1,32})(?:@(?P<bot>[A-Za-z0-9_]{1,64}))?$")


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


def is_group(chat: Chat) -> bool:
    """A group or supergroup (not a private chat or a channel)."""
    return chat.type in (ChatType.GROUP, ChatType.SUPERGROUP)


def sender(message: Message) -> int | None:
    """Who sent it: the user, or the group itself for an anonymous admin; None for bots."""
    user = message.from_user
    if user is None:
        return None
    if not user.is_bot:
        return user.id
    chat = message.sender_chat
    return chat.id if chat is not None and chat.id == message.chat.id else None


class GroupManagers:
    """Whether a user administers a group, asked of Telegram once a minute at most."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._known: dict[tuple[int, int], tuple[float, bool]] = {}

    async def can_manage(self, bot: Bot | None, chat_id: int, user_id: int) -> bool:
        """True for the group's owner and administrators; False when Telegram cannot say."""
        now = self._clock.monotonic()
        cached = self._known.get((chat_id, user_id))
        if cached is not None and cached[0] > now:
            return cached[1]
        if bot is None:
            return False
        try:
            member = await bot.get_chat_member(chat_id, user_id)
        except TelegramError as error:
            log.warning("could not check the rights of a group member: %s", error)
            return False
        managed = member.status in (ChatMemberStatus.OWNER, ChatMemberStatus.ADMINISTRATOR)
        if len(self._known) > 10_000:
            self._known = {k: v for k, v in self._known.items() if v[0] > now}
        self._known[(chat_id, user_id)] = (now + MANAGER_CACHE_S, managed)
        return managed
