"""Forgiving arguments: names or ids, any case, both languages, the bot's @name, typos."""

from __future__ import annotations

import pytest

from bot.catalog import Catalog
from bot.commands.args import (
    find_case,
    find_channel,
    find_exchange,
    find_lang,
    parse_line,
    pick_case,
    pick_exchange,
    suggest_cases,
    suggest_exchanges,
)
from bot.vocab import Case, Locale


@pytest.mark.parametrize(
    ("line", "name", "words"),
    [
        ("/status mexc", "status", ("mexc",)),
        ("/status@supportlive_bot MEXC", "status", ("MEXC",)),
        ("/STATUS   mexc  ", "status", ("mexc",)),
        ("status mexc", "status", ("mexc",)),
        ("／status　抹茶", "status", ("抹茶",)),
        ("/urgent mexc, withdrawal", "urgent", ("mexc", "withdrawal")),
        ("/urgent mexc，提币", "urgent", ("mexc", "提币")),
        ("", "", ()),
        ("/", "", ()),
        ("/@bot", "", ()),
    ],
)
def test_it_splits_a_command_line(line: str, name: str, words: tuple[str, ...]) -> None:
    parsed = parse_line(line)
    assert (parsed.name, parsed.words) == (name, words)


def test_it_bounds_the_words_it_keeps() -> None:
    parsed = parse_line("/status " + " ".join(["x" * 500] * 50))
    assert len(parsed.words) == 8
    assert all(len(word) == 64 for word in parsed.words)


@pytest.mark.parametrize(
    ("word", "exchange_id"),
    [
        ("mexc", "mexc"),
        ("MEXC", "mexc"),
        ("Mexc", "mexc"),
        ("抹茶", "mexc"),
        ("ＭＥＸＣ", "mexc"),
        ("nova", "nova"),
        ("诺瓦", "nova"),
        ("mexx", None),
        ("", None),
        ("!!!", None),
    ],
)
def test_it_finds_exchanges_by_id_name_and_alias(
    catalog: Catalog, word: str, exchange_id: str | None
) -> None:
    exchange = find_exchange(catalog, word)
    assert (exchange.id if exchange else None) == exchange_id


@pytest.mark.parametrize(
    ("word", "names"),
    [("mexx", ("MEXC",)), ("mexcc", ("MEXC",)), ("nvoa", ("Nova",)), ("zzzzzz", ())],
)
def test_it_suggests_the_closest_exchanges(
    catalog: Catalog, word: str, names: tuple[str, ...]
) -> None:
    assert suggest_exchanges(catalog, word) == names


@pytest.mark.parametrize(
    ("word", "case"),
    [
        ("login", Case.ACCOUNT_COMPROMISED),
        ("hacked", Case.ACCOUNT_COMPROMISED),
        ("account_compromised", Case.ACCOUNT_COMPROMISED),
        ("Account-Compromised", Case.ACCOUNT_COMPROMISED),
        ("盗号", Case.ACCOUNT_COMPROMISED),
        ("withdrawal", Case.WITHDRAWAL_STUCK),
        ("WITHDRAW", Case.WITHDRAWAL_STUCK),
        ("提币", Case.WITHDRAWAL_STUCK),
        ("提现", Case.WITHDRAWAL_STUCK),
        ("deposit", Case.DEPOSIT_MISSING),
        ("充值", Case.DEPOSIT_MISSING),
        ("order", Case.ORDER_FAILED),
        ("订单", Case.ORDER_FAILED),
        ("kyc", Case.KYC),
        ("KYC", Case.KYC),
        ("实名认证", Case.KYC),
        ("pizza", None),
    ],
)
def test_it_reads_case_words_in_both_languages(word: str, case: Case | None) -> None:
    assert find_case(word) is case


@pytest.mark.parametrize(
    ("words", "case", "rest"),
    [
        (["account", "compromised"], Case.ACCOUNT_COMPROMISED, []),
        (["withdrawal", "stuck"], Case.WITHDRAWAL_STUCK, []),
        (["my", "deposit"], Case.DEPOSIT_MISSING, ["my"]),
        (["pizza"], None, ["pizza"]),
        ([], None, []),
    ],
)
def test_it_picks_a_case_from_several_words(
    words: list[str], case: Case | None, rest: list[str]
) -> None:
    assert pick_case(words) == (case, rest)


def test_it_suggests_cases_for_a_misspelt_word() -> None:
    assert suggest_cases("withdrawl") == (Case.WITHDRAWAL_STUCK,)


@pytest.mark.parametrize(
    ("words", "exchange_id", "rest"),
    [
        (["mexc", "login"], "mexc", ["login"]),
        (["login", "MEXC"], "mexc", ["login"]),
        (["login"], None, ["login"]),
    ],
)
def test_it_finds_the_exchange_anywhere_among_the_words(
    catalog: Catalog, words: list[str], exchange_id: str | None, rest: list[str]
) -> None:
    exchange, left = pick_exchange(catalog, words)
    assert (exchange.id if exchange else None, left) == (exchange_id, rest)


@pytest.mark.parametrize(
    ("word", "channel_id"),
    [
        ("live_chat", "live_chat"),
        ("mexc/live_chat", "live_chat"),
        ("chat", "live_chat"),
        ("Online customer service", "live_chat"),
        ("在线客服", "live_chat"),
        ("email", "email"),
        ("邮箱", "email"),
        ("e-mail", "email"),
        ("fax", None),
    ],
)
def test_it_finds_channels_by_id_name_and_kind(
    catalog: Catalog, word: str, channel_id: str | None
) -> None:
    mexc = catalog.exchanges[0]
    channel = find_channel(mexc, word)
    assert (channel.id if channel else None) == channel_id


@pytest.mark.parametrize(
    ("word", "locale"),
    [
        ("en", Locale.EN),
        ("English", Locale.EN),
        ("zh", Locale.ZH),
        ("zh-CN", Locale.ZH),
        ("中文", Locale.ZH),
        ("cn", Locale.ZH),
        ("fr", None),
    ],
)
def test_it_reads_language_words(word: str, locale: Locale | None) -> None:
    assert find_lang(word) is locale
