"""The command table: the one list every adapter's menu, slash commands and /help come from.

Adding a command takes one handler in `handlers.py` and one row here.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum

from bot.commands import handlers, reporting
from bot.commands.context import Context
from bot.render.chat import Usage
from bot.render.strings import strings
from bot.reply import Reply
from bot.vocab import Locale, Platform

Handler = Callable[[Context], Awaitable[Reply]]


class ArgKind(StrEnum):
    """What an argument names; adapters offer autocomplete per kind."""

    EXCHANGE = "exchange"
    CHANNEL = "channel"
    CASE = "case"
    LANG = "lang"
    MINUTES = "minutes"
    REASON = "reason"
    WAIT = "wait"
    CLEAR = "clear"
    TEXT = "text"  # free text: a link, e-mail, @account or phone number
    COIN = "coin"
    NETWORK = "network"


@dataclass(frozen=True, slots=True)
class Arg:
    """One argument; a `literal` one is a word typed as is (`/reports clear ...`)."""

    kind: ArgKind
    required: bool = False
    literal: bool = False


@dataclass(frozen=True, slots=True)
class Command:
    """A chat command: its name, arguments, help per locale and handler."""

    name: str
    args: tuple[Arg, ...]
    help: dict[Locale, str]
    handler: Handler
    admin: bool = False
    aliases: tuple[str, ...] = ()  # other names that run it when typed, e.g. "验证"
    alerts: bool = False  # listed under "Alerts" in /help

    def syntax(self, locale: Locale) -> str:
        """ "/urgent [exchange] [case]" with argument names in the locale."""
        names = strings(locale).arg_name
        parts = [
            names[a.kind]
            if a.literal
            else f"<{names[a.kind]}>"
            if a.required
            else f"[{names[a.kind]}]"
            for a in self.args
        ]
        return " ".join([f"/{self.name}", *parts])


_EXCHANGE = Arg(ArgKind.EXCHANGE)
_CHANNEL = Arg(ArgKind.CHANNEL)
# Alerts for a coin's deposits/withdrawals instead of a channel (`/subscribe binance usdt trc20`):
# typed after the exchange in a text command, their own options in Discord's form.
_COIN = Arg(ArgKind.COIN)
_NETWORK = Arg(ArgKind.NETWORK)

COMMANDS: tuple[Command, ...] = (
    Command(
        "status",
        (_EXCHANGE,),
        {
            Locale.EN: "Is support live now? The best channel, and every channel's state",
            Locale.ZH: "客服现在在线吗？推荐渠道及各渠道状态",
        },
        handlers.show_status,
    ),
    Command(
        "channels",
        (_EXCHANGE, _CHANNEL),
        {
            Locale.EN: "Each channel in detail: why, latency, uptime, hours, links",
            Locale.ZH: "各渠道详情：原因、响应时间、可用率、服务时间、链接",
        },
        handlers.show_channels,
    ),
    Command(
        "urgent",
        (_EXCHANGE, Arg(ArgKind.CASE)),
        {
            Locale.EN: "What to do now: hacked account, stuck withdrawal, missing deposit, "
            "failed order, KYC",
            Locale.ZH: "紧急情况怎么办：账户被盗、提币未到账、充值未到账、订单失败、身份认证",
        },
        handlers.show_urgent,
    ),
    Command(
        "verify",
        (Arg(ArgKind.TEXT),),
        {
            Locale.EN: "Is this link, e-mail, @account or phone number really the exchange's?",
            Locale.ZH: "核实链接、邮箱、@账号或电话是否为交易所官方",
        },
        handlers.verify,
        aliases=("验证",),
    ),
    Command(
        "wallet",
        (Arg(ArgKind.EXCHANGE, True), Arg(ArgKind.COIN, True), Arg(ArgKind.NETWORK)),
        {
            Locale.EN: "Deposits and withdrawals of a coin per network, from the exchange's "
            "own API",
            Locale.ZH: "币种各网络的充值、提币状态（来自交易所官方 API）",
        },
        handlers.show_wallet,
        aliases=("充提",),
    ),
    Command(
        "history",
        (_EXCHANGE,),
        {Locale.EN: "Changes over the last 7 days", Locale.ZH: "近 7 天的状态变化"},
        handlers.show_history,
    ),
    Command(
        "subscribe",
        (_EXCHANGE, _CHANNEL, _COIN, _NETWORK),
        {
            Locale.EN: "Alerts when a channel goes down or a coin's deposits/withdrawals stop, "
            "and when back",
            Locale.ZH: "渠道中断、币种充提暂停及恢复时提醒",
        },
        handlers.subscribe,
        alerts=True,
    ),
    Command(
        "unsubscribe",
        (_EXCHANGE, _CHANNEL, _COIN, _NETWORK),
        {
            Locale.EN: "Stop alerts: all, one exchange's, channel's or coin's",
            Locale.ZH: "停止提醒：全部、某交易所、渠道或币种",
        },
        handlers.unsubscribe,
        alerts=True,
    ),
    Command(
        "subscriptions",
        (),
        {Locale.EN: "The alerts this chat gets", Locale.ZH: "本聊天订阅的提醒"},
        handlers.list_subscriptions,
        alerts=True,
    ),
    Command(
        "report",
        (Arg(ArgKind.EXCHANGE, True), Arg(ArgKind.CHANNEL, True), Arg(ArgKind.WAIT, True)),
        {
            Locale.EN: "How long support took to answer you (or none): helps the next trader",
            Locale.ZH: "反馈客服多久回复了您（或无人回复），帮助其他交易者",
        },
        reporting.report,
    ),
    Command(
        "lang",
        (Arg(ArgKind.LANG),),
        {Locale.EN: "Answer in English or Chinese", Locale.ZH: "切换中文或英文回答"},
        handlers.set_language,
    ),
    Command("help", (), {Locale.EN: "What I can do", Locale.ZH: "使用说明"}, handlers.show_help),
    Command("start", (), {Locale.EN: "Start here", Locale.ZH: "开始使用"}, handlers.start),
    Command(
        "maintenance",
        (
            Arg(ArgKind.EXCHANGE, True),
            Arg(ArgKind.CHANNEL, True),
            Arg(ArgKind.MINUTES, True),
            Arg(ArgKind.REASON),
        ),
        {
            Locale.EN: "Declare maintenance of a channel (or all) for some minutes "
            "(end it: /maintenance <exchange> end)",
            Locale.ZH: "登记渠道（或全部渠道）维护若干分钟（提前结束：/maintenance <交易所> end）",
        },
        handlers.declare_maintenance,
        admin=True,
    ),
    Command(
        "stats",
        (),
        {
            Locale.EN: "Watched and probed channels, live now, subscriptions, outbox depth",
            Locale.ZH: "关注与检测的渠道、在线数量、订阅数、发送队列",
        },
        handlers.show_stats,
        admin=True,
    ),
    Command(
        "reports",
        (
            Arg(ArgKind.CLEAR, True, literal=True),
            Arg(ArgKind.EXCHANGE, True),
            Arg(ArgKind.CHANNEL, True),
        ),
        {
            Locale.EN: "Delete every wait report on a channel (logged)",
            Locale.ZH: "删除某渠道的全部等待反馈（会记录日志）",
        },
        reporting.clear_reports,
        admin=True,
    ),
)

_BY_NAME = {name: c for c in COMMANDS for name in (c.name, *c.aliases)}


def find_command(name: str, *, admin: bool) -> Command | None:
    """The command of that name; admin commands only for admins (others: None, as unknown)."""
    command = _BY_NAME.get(name)
    if command is None or (command.admin and not admin):
        return None
    return command


def menu_commands() -> list[Command]:
    """The commands a platform menu offers: not admin ones, not Telegram's /start."""
    return [c for c in COMMANDS if not c.admin and c.name != "start"]


def usages(locale: Locale, admin: bool = False, platform: Platform | None = None) -> list[Usage]:
    """Help lines for the commands this user may run where they are.

    Discord offers only the menu's slash commands, so its help lists just those.
    """
    if platform is Platform.DISCORD:
        commands = menu_commands()
    else:
        commands = [c for c in COMMANDS if admin or not c.admin]
    return [Usage(c.syntax(locale), c.help[locale], c.admin, c.alerts) for c in commands]
