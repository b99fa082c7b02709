"""Autocomplete (names and ids in both languages, 25 at most) and the answer language."""

from __future__ import annotations

from bot.adapters.discord import MAX_CHOICES, case_choices, channel_choices, exchange_choices
from bot.catalog.models import catalog_from_data
from bot.vocab import Locale
from tests.discord.conftest import GUILD_ID, USER_ID, Bot


async def test_typing_part_of_a_name_offers_that_exchange(shipped: Bot) -> None:
    choices = await shipped.complete("status", {"exchange": "mex"}, "exchange", guild_id=GUILD_ID)
    assert choices[0] == {"name": "MEXC", "value": "mexc"}


async def test_a_chinese_alias_finds_the_exchange(shipped: Bot) -> None:
    choices = await shipped.complete("status", {"exchange": "抹茶"}, "exchange", user_id=USER_ID)
    assert choices == [{"name": "MEXC (抹茶)", "value": "mexc"}]
    okx = await shipped.complete("status", {"exchange": "欧易"}, "exchange", user_id=USER_ID)
    assert [c["value"] for c in okx] == ["okx"]


async def test_nothing_typed_offers_every_exchange(shipped: Bot) -> None:
    choices = await shipped.complete("urgent", None, "exchange", guild_id=GUILD_ID)
    assert [c["value"] for c in choices] == [e.id for e in shipped.catalog.exchanges]


async def test_a_misspelt_exchange_offers_the_closest(shipped: Bot) -> None:
    choices = await shipped.complete("status", {"exchange": "bynance"}, "exchange")
    assert choices[0]["value"] == "binance"


async def test_channels_of_the_chosen_exchange_in_the_user_language(shipped: Bot) -> None:
    options = {"exchange": "mexc", "channel": "在线"}
    zh = await shipped.complete("channels", options, "channel", locale="zh-CN")
    assert zh == [{"name": "在线客服 · live_chat", "value": "live_chat"}]
    en = await shipped.complete("subscribe", {"exchange": "mexc", "channel": "live"}, "channel")
    assert en[0] == {"name": "Online customer service · live_chat", "value": "live_chat"}


async def test_channels_without_an_exchange_name_both(shipped: Bot) -> None:
    choices = await shipped.complete("channels", {"channel": "help"}, "channel")
    assert {"name": "MEXC — Help center", "value": "mexc/help_center"} in choices
    assert len(choices) <= MAX_CHOICES


async def test_cases_match_english_and_chinese_words(shipped: Bot) -> None:
    options = {"exchange": "mexc", "case": "提币"}
    zh = await shipped.complete("urgent", options, "case", locale="zh-CN")
    assert zh == [{"name": "提币未到账", "value": "withdrawal_stuck"}]
    en = await shipped.complete("urgent", {"case": "hack"}, "case")
    assert en == [{"name": "Suspicious login or hacked account", "value": "account_compromised"}]
    assert len(await shipped.complete("urgent", None, "case")) == 5


def test_never_more_than_25_choices() -> None:
    data = {
        "exchanges": [
            {
                "id": f"ex{i:02d}",
                "name": f"Exchange {i:02d}",
                "official_domains": [f"ex{i:02d}.example"],
                "channels": [
                    {
                        "id": f"chat{j:02d}",
                        "kind": "help_center",
                        "mode": "self_service",
                        "name": {"en": f"Help {j:02d}", "zh": f"帮助 {j:02d}"},
                        "url": f"https://ex{i:02d}.example/help{j}",
                        "source": f"https://ex{i:02d}.example",
                        "verified_on": "2026-11-24",
                    }
                    for j in range(3)
                ],
            }
            for i in range(40)
        ]
    }
    catalog = catalog_from_data(data)
    assert len(exchange_choices(catalog, "")) == MAX_CHOICES
    assert len(exchange_choices(catalog, "exchange")) == MAX_CHOICES
    assert len(channel_choices(catalog, None, "help", Locale.EN)) == MAX_CHOICES
    assert len(case_choices("", Locale.ZH)) == 5
    names = [c.name for c in exchange_choices(catalog, "3")]
    assert names[:2] == ["Exchange 03", "Exchange 13"]


async def test_a_chinese_client_gets_chinese_answers(bot: Bot) -> None:
    seen = await bot.run("status", {"exchange": "loopex"}, locale="zh-CN")
    assert seen.title == "Loopex — 客服现在在线 ✅"
    assert seen.description.startswith("推荐：[在线客服](http://127.0.0.1:9/chat)")
    assert seen.fields[0][0] == "各渠道"
    assert [b["label"] for b in seen.buttons] == [
        "🚨 紧急求助",
        "🔔 订阅提醒",
        "📋 详情",
        "English",
    ]


async def test_lang_overrides_the_client_language(bot: Bot) -> None:
    chosen = await bot.run("lang", {"lang": "zh"}, locale="en-US", user_id=USER_ID)
    assert chosen.ephemeral
    assert chosen.title == "语言已设为中文。"
    after = await bot.run("status", {"exchange": "loopex"}, locale="en-US", user_id=USER_ID)
    assert after.title == "Loopex — 客服现在在线 ✅"
    others = await bot.run("status", {"exchange": "loopex"}, locale="en-US")
    assert others.title == "Loopex — support is live now ✅"
    back = await bot.click(chosen, "English", user_id=USER_ID)
    assert back.title == "Language set to English."
    again = await bot.run("status", {"exchange": "loopex"}, locale="zh-CN", user_id=USER_ID)
    assert again.title == "Loopex — support is live now ✅"
