"""What a chat is told when the alerts a lost right stopped come back on (every platform)."""

from __future__ import annotations

from collections.abc import Sequence

from bot.catalog import Catalog
from bot.commands.handlers import subscription_names
from bot.render.chat import notice
from bot.render.strings import strings
from bot.reply import Reply
from bot.vocab import Locale
from storage.records import Subscription

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


def alerts_back(catalog: Catalog, back: Sequence[Subscription], *, commands: bool = True) -> Reply:
    """Which subscriptions came back (`back`, of one chat), in the language the chat subscribed
    in. A chat where the bot answers no command (a Telegram channel) is not told to send one
    (`commands=False`)."""
    lang = Locale.from_client(back[0].locale)
    lines = [_BACK[lang]]
    every = strings(lang).subs_all_channels  # as /subscriptions says it
    names = subscription_names(catalog, back, lang)
    lines += [f"• {exchange} — {name or every}" for exchange, name in names]
    lines.append(_MISSED[lang] + _NOW[lang] if commands else _MISSED[lang])
    return notice(_TITLE[lang], *lines, ephemeral=False)
