"""Slash commands from the command table (`bot/commands/table.py`), one loop.

Every user command, its arguments as string options, autocomplete for exchange, channel,
case and a reported wait (the quick choices, or the minutes typed), choices for the language,
names and descriptions in Chinese for zh-CN clients.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Coroutine, Mapping
from dataclasses import dataclass
from typing import Any

import discord
from discord import app_commands
from discord.app_commands import Choice, locale_str

from bot.adapters.discord.choices import CHOICE_LIMIT
from bot.commands.table import ArgKind, Command
from bot.vocab import Locale

Interaction = discord.Interaction[Any]
Answer = Callable[[Interaction, str], Awaitable[None]]
Complete = Callable[[ArgKind, Interaction, str], Awaitable[list[Choice[str]]]]
SlashCommand = app_commands.Command[Any, ..., None]

# Names Chinese clients see (Discord allows letters of any script, lower case, ≤ 32).
ZH_COMMAND_NAMES: Mapping[str, str] = {
    "status": "状态",
    "channels": "渠道",
    "urgent": "紧急求助",
    "verify": "验证",
    "history": "历史",
    "subscribe": "订阅",
    "unsubscribe": "取消订阅",
    "subscriptions": "我的订阅",
    "report": "反馈等待",
    "lang": "语言",
    "help": "帮助",
    "wallet": "充提",
}


@dataclass(frozen=True, slots=True)
class OptionText:
    """An option's Chinese name and its description in both languages."""

    zh_name: str
    en: str
    zh: str


OPTION_TEXT: Mapping[ArgKind, OptionText] = {
    ArgKind.EXCHANGE: OptionText("交易所", "Exchange, e.g. MEXC", "交易所，例如 MEXC"),
    ArgKind.CHANNEL: OptionText(
        "渠道", "Support channel, e.g. live chat", "客服渠道，例如在线客服"
    ),
    ArgKind.CASE: OptionText(
        "问题", "What happened, e.g. withdrawal stuck", "遇到的问题，例如提币未到账"
    ),
    ArgKind.LANG: OptionText("语言", "Answer language", "回答语言"),
    ArgKind.MINUTES: OptionText("分钟", "Minutes", "分钟数"),
    ArgKind.WAIT: OptionText(
        "等待",
        "Minutes until a person answered you, or none",
        "等了多少分钟才有人回复；无人回复选“没人回复”",
    ),
    ArgKind.TEXT: OptionText(
        "内容", "Link, e-mail, @account or phone number", "链接、邮箱、@账号或电话号码"
    ),
    ArgKind.COIN: OptionText("币种", "Coin, e.g. USDT", "币种，例如 USDT"),
    ArgKind.NETWORK: OptionText("网络", "Network, e.g. TRC20", "网络，例如 TRC20"),
}
# Free text (a pasted link) may be longer than a choice; the handler caps it again.
TEXT_LIMIT = 512
AUTOCOMPLETED = frozenset({ArgKind.EXCHANGE, ArgKind.CHANNEL, ArgKind.CASE, ArgKind.WAIT})
LANG_CHOICES = [
    Choice(name="English", value=Locale.EN.value),
    Choice(name="中文", value=Locale.ZH.value),
]


def command_line(command: Command, values: Mapping[str, str | None]) -> str:
    """The typed line a slash command stands for: `/channels mexc live_chat`.

    A channel picked without an exchange comes as `mexc/live_chat` (autocomplete): it names
    the exchange too.
    """
    given = {
        k: " ".join((v or "").split())[: TEXT_LIMIT if k == ArgKind.TEXT.value else CHOICE_LIMIT]
        for k, v in values.items()
    }
    words: list[str] = []
    channel = given.get(ArgKind.CHANNEL.value, "")
    if "/" in channel and not given.get(ArgKind.EXCHANGE.value):
        given[ArgKind.EXCHANGE.value], _, given[ArgKind.CHANNEL.value] = channel.partition("/")
    for arg in command.args:
        value = given.get(arg.kind.value, "")
        if value:
            words.append(value)
    return " ".join([f"/{command.name}", *words])


class ChineseNames(app_commands.Translator):
    """zh-CN names and descriptions, carried by each `locale_str` as its `zh` extra."""

    async def translate(
        self,
        string: locale_str,
        locale: discord.Locale,
        context: app_commands.TranslationContextTypes,
    ) -> str | None:
        """The `zh` extra for Chinese clients; None (the English text) for everyone else."""
        if locale is not discord.Locale.chinese:
            return None
        value = string.extras.get("zh")
        return value if isinstance(value, str) else None


def _text(en: str, zh: str, limit: int = CHOICE_LIMIT) -> locale_str:
    return locale_str(en[:limit], zh=zh[:limit])


def slash_command(command: Command, answer: Answer, complete: Complete) -> SlashCommand:
    """One slash command from a row of the command table; it answers its typed line."""

    async def callback(interaction: Interaction, **values: str | None) -> None:
        await answer(interaction, command_line(command, values))

    callback.__signature__ = _signature(command)  # type: ignore[attr-defined]
    kinds = [arg.kind for arg in command.args]
    if kinds:
        texts = {k.value: OPTION_TEXT[k] for k in kinds}
        app_commands.rename(**{n: _text(n, t.zh_name, 32) for n, t in texts.items()})(callback)
        app_commands.describe(**{n: _text(t.en, t.zh) for n, t in texts.items()})(callback)
    if ArgKind.LANG in kinds:
        app_commands.choices(**{ArgKind.LANG.value: LANG_CHOICES})(callback)
    slash: SlashCommand = app_commands.Command(
        name=_text(command.name, ZH_COMMAND_NAMES.get(command.name, command.name), 32),
        description=_text(command.help[Locale.EN], command.help[Locale.ZH]),
        callback=callback,
    )
    for kind in kinds:
        if kind in AUTOCOMPLETED:
            slash.autocomplete(kind.value)(_completer(kind, complete))
    return slash


def _signature(command: Command) -> inspect.Signature:
    """The callback's parameters as discord.py reads them: one string option per argument."""
    parameters = [
        inspect.Parameter(
            "interaction", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=Interaction
        )
    ]
    for arg in command.args:
        parameters.append(
            inspect.Parameter(
                arg.kind.value,
                inspect.Parameter.POSITIONAL_OR_KEYWORD,
                default=inspect.Parameter.empty if arg.required else None,
                annotation=str if arg.required else str | None,
            )
        )
    return inspect.Signature(parameters)


def _completer(
    kind: ArgKind, complete: Complete
) -> Callable[[Interaction, str], Coroutine[Any, Any, list[Choice[str]]]]:
    async def completer(interaction: Interaction, current: str) -> list[Choice[str]]:
        return await complete(kind, interaction, current)

    return completer
