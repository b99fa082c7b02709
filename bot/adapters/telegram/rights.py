"""The bot's own right to post in a chat, and the alerts that come back with it.

When an alert cannot be posted because the bot lost the right to (a group muted its members,
a channel admin took the bot's right to post), the drainer stops that chat's subscriptions:
retrying every alert against a refusal helps no one. Telegram tells the bot when its rights
change (a `my_chat_member` update); once it may post again, those subscriptions are turned back
on and the chat is told, in the language it subscribed in. Subscriptions stopped because the
bot was removed or blocked stay off: that was someone's choice, and subscribing again is one
command.
"""

from __future__ import annotations

from telegram import ChatMember, ChatMemberAdministrator, ChatMemberRestricted
from telegram.constants import ChatMemberStatus, ChatType

from bot.render.chat import notice
from bot.reply import Reply
from bot.vocab import Locale
from storage.records import Subscription

ALERTS_BACK = {
    Locale.EN: (
        "🔔 Alerts are back on here",
        "I can post in this chat again, so its {n} alert subscription(s) are on again. "
        "Alerts from while I could not post were not delivered: send /status for the state "
        "right now.",
    ),
    Locale.ZH: (
        "🔔 本群的提醒已恢复",
        "我又可以在这里发消息了，{n} 项提醒订阅已重新开启。无法发消息期间的提醒没有送达，"
        "发送 /status 查看当前状态。",
    ),
}


def can_post(member: ChatMember, chat_type: str) -> bool:
    """Whether the bot, as this member of a chat of this type, may post messages there.

    In a channel only an administrator with the right to post may; in a group any member
    may, unless restricted without the right to send messages."""
    if isinstance(member, ChatMemberAdministrator):
        return chat_type != ChatType.CHANNEL or bool(member.can_post_messages)
    if chat_type == ChatType.CHANNEL:
        return member.status == ChatMemberStatus.OWNER
    if isinstance(member, ChatMemberRestricted):
        return member.is_member and member.can_send_messages
    return member.status in (ChatMemberStatus.MEMBER, ChatMemberStatus.OWNER)


def alerts_back(subscriptions: list[Subscription]) -> Reply:
    """What the chat is told when its subscriptions came back (in the first one's language)."""
    title, line = ALERTS_BACK[Locale.from_client(subscriptions[0].locale)]
    return notice(title, line.format(n=len(subscriptions)), ephemeral=False)
