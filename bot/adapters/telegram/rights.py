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

from telegram import (
    ChatMember,
    ChatMemberAdministrator,
    ChatMemberRestricted,
    ChatMemberUpdated,
)
from telegram.constants import ChatMemberStatus, ChatType

# In the chat (a restricted member: while `is_member`): a change between these is a change of
# rights, not a removal and return.
_IN_CHAT = frozenset(
    {ChatMemberStatus.OWNER, ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.MEMBER}
)
REMOVED = "the bot was removed from the chat"
BLOCKED = "the user blocked the bot"  # a private chat's "removal"


def removal_reason(chat_type: str) -> str:
    """Why a chat that removed the bot has no alerts any more, as stored."""
    return BLOCKED if chat_type == ChatType.PRIVATE else REMOVED


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
