"""Forgiving argument parsing: names or ids, any case, both languages, closest matches.

Every function here is pure: it takes the catalog and the user's words and says what they
name, or what they might have meant. Nothing here raises on user input.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from bot.catalog import Catalog, Channel, Exchange
from bot.vocab import Case, Locale

_T = TypeVar("_T")

MAX_TOKENS = 8
MAX_TOKEN_CHARS = 64
_COMMAND = re.compile(r"^[/／]?(?P<name>[^\s@/]+)(?:@\S*)?$")

# Words people type for each case, in both languages (normalized: lower case, no spaces).
# fmt: off
CASE_WORDS: dict[Case, tuple[str, ...]] = {
    Case.ACCOUNT_COMPROMISED: (
        "accountcompromised", "compromised", "login", "hacked", "hack", "stolen", "account",
        "security", "2fa", "freeze", "lock", "password", "suspicious",
        "盗号", "被盗", "登录", "异常登录", "账户安全", "账号被盗", "冻结", "安全", "密码",
    ),
    Case.WITHDRAWAL_STUCK: (
        "withdrawalstuck", "withdrawal", "withdraw", "withdrawals", "stuck", "payout",
        "提币", "提现", "出金", "提币未到账", "提币卡住",
    ),
    Case.DEPOSIT_MISSING: (
        "depositmissing", "deposit", "deposits", "missing", "notcredited",
        "充币", "充值", "入金", "充币未到账", "未到账",
    ),
    Case.ORDER_FAILED: (
        "orderfailed", "order", "orders", "trade", "trading", "failed",
        "订单", "下单", "交易", "交易失败", "下单失败",
    ),
    Case.KYC: (
        "kyc", "verification", "verify", "identity", "id", "documents",
        "实名", "认证", "实名认证", "身份认证", "身份验证",
    ),
}
# fmt: on

LANG_WORDS: dict[Locale, tuple[str, ...]] = {
    Locale.EN: ("en", "english", "eng", "英文", "英语", "enus", "engb"),
    Locale.ZH: ("zh", "中文", "chinese", "cn", "zhcn", "zhhans", "简体", "简体中文", "汉语"),
}

# Channel kinds as people say them.
_CHANNEL_WORDS: dict[str, tuple[str, ...]] = {
    "live_chat": ("chat", "livechat", "live", "在线客服", "客服", "人工"),
    "email": ("email", "mail", "e-mail", "邮箱", "邮件"),
    "ticket": ("ticket", "tickets", "request", "工单"),
    "help_center": ("help", "helpcenter", "faq", "帮助中心", "帮助"),
    "phone": ("phone", "call", "电话"),
    "status_page": ("status", "statuspage", "状态页"),
}


# How people say "nobody answered" (normalized), and a wait in minutes: 10, 10min, 10分钟, 60+.
NO_ANSWER_WORDS = (
    "none", "no", "noanswer", "nobody", "noone", "never", "noreply", "na",
    "没人回复", "无人回复", "没有回复", "没回复", "无回复", "没人", "无人", "未回复", "没有人回复",
)  # fmt: skip
_WAIT = re.compile(r"^(\d{1,5})\+?(?:m|min|mins|minute|minutes|分|分钟)?$")
_WAIT_UNITS = ("m", "min", "mins", "minute", "minutes", "分", "分钟")
MAX_WAIT_MIN = 24 * 60  # the wait_reports table refuses more (migration 0005)


@dataclass(frozen=True, slots=True)
class Wait:
    """A reported wait: whole minutes until someone answered, or None when nobody did."""

    minutes: int | None


@dataclass(frozen=True, slots=True)
class CommandLine:
    """A typed line: the command name (folded, no slash, no @bot), its words, the first word."""

    name: str
    words: tuple[str, ...]
    typed: str


def normalize(word: str) -> str:
    """Fold a word for matching: NFKC, case-folded, only letters and digits kept."""
    folded = unicodedata.normalize("NFKC", word).casefold()
    return "".join(ch for ch in folded if ch.isalnum())


def parse_line(line: str) -> CommandLine:
    """Split `/status@bot MEXC` into ('status', ('MEXC',)); a line without a slash works too."""
    words = line.replace(",", " ").replace("，", " ").split()
    if not words:
        return CommandLine("", (), "")
    match = _COMMAND.match(words[0])
    name = normalize(match["name"]) if match else ""
    rest = tuple(w[:MAX_TOKEN_CHARS] for w in words[1 : MAX_TOKENS + 1])
    return CommandLine(name, rest, words[0][:MAX_TOKEN_CHARS])


def _exchange_keys(exchange: Exchange) -> Iterable[str]:
    yield exchange.id
    yield exchange.name
    yield from exchange.aliases


def find_exchange(catalog: Catalog, word: str) -> Exchange | None:
    """The exchange a word names exactly (id, name or alias, any case), or None."""
    key = normalize(word)
    if not key:
        return None
    for exchange in catalog.exchanges:
        if any(normalize(k) == key for k in _exchange_keys(exchange)):
            return exchange
    return None


def suggest_exchanges(catalog: Catalog, word: str, limit: int = 3) -> tuple[str, ...]:
    """Names of the exchanges closest to a word (difflib), best first."""
    keys = {normalize(k): e.name for e in catalog.exchanges for k in _exchange_keys(e)}
    close = difflib.get_close_matches(normalize(word), list(keys), n=limit * 3, cutoff=0.5)
    return _unique(keys[k] for k in close)[:limit]


def find_case(word: str) -> Case | None:
    """The case a word (or a few words joined) names, in English or Chinese, or None."""
    key = normalize(word)
    for case, words in CASE_WORDS.items():
        if key == normalize(case.value) or key in words:
            return case
    return None


def suggest_cases(word: str) -> tuple[Case, ...]:
    """Cases whose words are closest to this one."""
    keys = {w: case for case, words in CASE_WORDS.items() for w in words}
    close = difflib.get_close_matches(normalize(word), list(keys), n=6, cutoff=0.6)
    return _unique(keys[k] for k in close)


def find_channel(exchange: Exchange, word: str) -> Channel | None:
    """The channel of an exchange a word names: id, `exchange/id`, name, or kind word."""
    key = normalize(word.rsplit("/", 1)[-1])
    if not key:
        return None
    for channel in exchange.channels:
        names = (channel.id, channel.kind.value, *channel.name.root.values())
        if any(normalize(n) == key for n in names):
            return channel
    for kind, words in _CHANNEL_WORDS.items():
        if key in (normalize(w) for w in words):
            match = next((c for c in exchange.channels if c.kind.value == kind), None)
            if match is not None:
                return match
    return None


def suggest_channels(exchange: Exchange, word: str) -> tuple[str, ...]:
    """Ids of the exchange's channels closest to a word."""
    ids = [c.id for c in exchange.channels]
    return tuple(difflib.get_close_matches(normalize(word), ids, n=3, cutoff=0.5))


def find_lang(word: str) -> Locale | None:
    """The locale a word names (en, English, zh, 中文, zh-CN …), or None."""
    key = normalize(word)
    return next((loc for loc, words in LANG_WORDS.items() if key in words), None)


def find_wait(words: Sequence[str]) -> Wait | None:
    """The wait the words say: `10`, `10 min`, `10分钟`, `none`, `no answer`, `没人回复`; None
    for anything else, a number outside 0–1440 minutes included."""
    folded = [unicodedata.normalize("NFKC", w).casefold() for w in words]
    if not folded:
        return None
    if normalize("".join(folded)) in NO_ANSWER_WORDS:
        return Wait(None)
    if len(folded) == 2 and folded[1] in _WAIT_UNITS:
        folded = [folded[0] + folded[1]]
    match = _WAIT.match(folded[0]) if len(folded) == 1 else None
    if match is None or int(match.group(1)) > MAX_WAIT_MIN:
        return None
    return Wait(int(match.group(1)))


def pick_exchange(catalog: Catalog, words: Sequence[str]) -> tuple[Exchange | None, list[str]]:
    """Find the exchange among the words; return it and the words left over."""
    for i, word in enumerate(words):
        exchange = find_exchange(catalog, word)
        if exchange is not None:
            return exchange, [*words[:i], *words[i + 1 :]]
    if len(words) >= 2:  # names with a space: "Crypto com"
        exchange = find_exchange(catalog, "".join(words))
        if exchange is not None:
            return exchange, []
    return None, list(words)


def pick_case(words: Sequence[str]) -> tuple[Case | None, list[str]]:
    """Find the case among the words (one word, or all of them joined: "account compromised")."""
    joined = find_case("".join(words)) if len(words) > 1 else None
    if joined is not None:
        return joined, []
    for i, word in enumerate(words):
        case = find_case(word)
        if case is not None:
            return case, [*words[:i], *words[i + 1 :]]
    return None, list(words)


def _unique(items: Iterable[_T]) -> tuple[_T, ...]:
    return tuple(dict.fromkeys(items))
