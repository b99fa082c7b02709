"""The bot's own right to post in a chat, and the alerts that come back with it.

When an alert cannot be posted because the bot lost the right to (a group admin restricted
the bot, a channel admin took its right to post), the drainer stops that chat's subscriptions:
retrying every alert against a refusal helps no one. Telegram tells the bot when its own
membership in a chat changes (a `my_chat_member` update). Once the bot, still in the chat, may
post again, those subscriptions are turned back on and the chat is told which, in the language
it subscribed in. What Telegram does not report, the bot cannot follow: a group-wide mute of
every member (the group's default permissions) lifted, or a restriction that simply expired,
sends no update; subscribing again is then one command.

A bot removed from a chat (left, kicked) stops the chat's subscriptions for good, those a lost
right had stopped too: whoever adds it back chooses its alerts afresh.
"""

from __future__ import annotations

from collections.abc import Sequence

from telegram import (
    ChatMember,
    ChatMemberAdministrator,
    ChatMemberRestricted,
    ChatMemberUpdated,
)
from telegram.constants import ChatMemberStatus, ChatType

from bot.render.chat import notice
from bot.render.strings import strings
from bot.reply import Reply
from bot.vocab import Locale

# In the chat (a restricted member: while `is_member`): a change between these is a change of
# rights, not a removal and return.
_IN_CHAT = frozenset(
    {ChatMemberStatus.OWNER, ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.MEMBER}
)
REMOVED = "the bot was removed from the chat"

_TITLE = {Locale.EN: "🔔 Alerts are back on here", Locale.ZH: "🔔 这里的提醒已恢复"}
_BACK = {
    Locale.EN: "I can post here again, so these alerts are on again:",
    Locale.ZH: "我又可以在这里发消息了，以下提醒已重新开启：",
}
_MISSED = {
    Locale.EN: "Alerts raised while I could not post here were not delivered.",
    Locale.ZH: "无法发消息期间的提醒没有送达。",
}
_NOW = {
    Locale.EN: " Send /status for the state right now.",
    Locale.ZH: "发送 /status 查看当前状态。",
}


def in_chat(member: ChatMember) -> bool:
    """Whether the member is in the chat: Telegram keeps a restricted member's record after it
    left or was removed (`is_member` false)."""
    if isinstance(member, ChatMemberRestricted):
        return member.is_member
    return member.status in _IN_CHAT


def removed(change: ChatMemberUpdated) -> bool:
    """Whether the update says the bot left the chat or was removed from it."""
    return in_chat(change.old_chat_member) and not in_chat(change.new_chat_member)


def may_post_again(change: ChatMemberUpdated) -> bool:
    """Whether the update says the bot, in the chat before and after, may post there now
    (as far as its own membership says; a group's default permissions are checked apart)."""
    return in_chat(change.old_chat_member) and can_post(change.new_chat_member, change.chat.type)


def above_defaults(member: ChatMember) -> bool:
    """Whether a group's default permissions (a mute of every member) leave this member be."""
    return member.status in (ChatMemberStatus.OWNER, ChatMemberStatus.ADMINISTRATOR)


def can_post(member: ChatMember, chat_type: str) -> bool:
    """Whether the bot, as this member of a chat of this type, may post messages there.

    In a channel only its owner or an administrator with the right to post may; in a group
    any member may, unless restricted without the right to send messages (or the group's
    default permissions forbid it: not part of a member's record)."""
    if not in_chat(member):
        return False
    if isinstance(member, ChatMemberAdministrator):
        return chat_type != ChatType.CHANNEL or bool(member.can_post_messages)
    if chat_type == ChatType.CHANNEL:
        return member.status == ChatMemberStatus.OWNER
    if isinstance(member, ChatMemberRestricted):
        return member.can_send_messages
    return True  # an owner or a plain member of a group


def alerts_back(names: Sequence[tuple[str, str | None]], lang: Locale, *, channel: bool) -> Reply:
    """What the chat is told when its subscriptions came back: which, in its language. A
    channel is not told to send a command: the bot answers none there."""
    lines = [_BACK[lang]]
    every = strings(lang).subs_all_channels  # as /subscriptions says it
    lines += [f"• {exchange} — {name or every}" for exchange, name in names]
    lines.append(_MISSED[lang] if channel else _MISSED[lang] + _NOW[lang])
    return notice(_TITLE[lang], *lines, ephemeral=False)
