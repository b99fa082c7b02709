"""Inline buttons (every press answered) and the answer language (client, /lang, remembered)."""

from __future__ import annotations

from collections.abc import Callable
from html import escape
from typing import Any

from bot.render.en import EN
from bot.render.telegram_html import ACTIONS
from tests.telegram.conftest import Bot


def answered(bot: Bot) -> list[dict[str, Any]]:
    return [c.params for c in bot.tg.calls("answerCallbackQuery") if c.ok]


async def test_the_alerts_button_subscribes_this_chat_and_the_press_is_answered(bot: Bot) -> None:
    await bot.ask("/status loopex")
    sent = await bot.press("/subscribe loopex")
    assert sent["text"] == f"<b>{escape(EN.sub_all.format(exchange='Loopex'), quote=False)}</b>"
    assert answered(bot) == [{"callback_query_id": "cq1"}]
    [subscription] = await bot.store.subscriptions_of("telegram", "42")
    assert (subscription.exchange, subscription.channel) == ("loopex", None)


async def test_picking_a_case_from_the_urgent_menu_gives_its_route(bot: Bot) -> None:
    await bot.ask("/urgent loopex")
    sent = await bot.press("/urgent loopex kyc")
    assert sent["text"].startswith("<b>🚨 Identity verification (KYC) on Loopex</b>\n")
    assert len(answered(bot)) == 1


async def test_a_long_action_travels_as_a_short_key(bot: Bot) -> None:
    await bot.ask("/status loopex")
    data = ACTIONS.encode("/urgent loopex account_compromised " + "x" * 60)
    assert data.startswith("k:") and len(data.encode()) <= 64
    sent = await bot.press(data)
    assert sent["text"].startswith("<b>🚨 Suspicious login or hacked account on Loopex</b>")


async def test_a_forgotten_button_is_answered_with_a_hint_and_nothing_else(bot: Bot) -> None:
    await bot.ask("/status loopex")
    bot.tg.push_callback_query("k:0123456789abcdef", chat_id=42)
    [call] = await bot.tg.wait_for_calls("answerCallbackQuery")
    assert call.params["text"] == "This button has expired. Please send the command again."
    assert await bot.quiet(42, since=1)


async def test_a_chinese_client_gets_chinese(bot: Bot) -> None:
    sent = await bot.ask("/status loopex", language_code="zh-hans")
    assert sent["text"].startswith("<b>Loopex — 客服现在在线 ✅</b>\n")
    assert sent["reply_markup"]["inline_keyboard"][1][1] == {
        "text": "English",
        "callback_data": "/lang en",
    }


async def test_lang_zh_switches_to_chinese_until_lang_en(bot: Bot) -> None:
    switched = await bot.ask("/lang zh")
    assert switched["text"] == "<b>语言已设为中文。</b>"
    assert (await bot.ask("/status loopex"))["text"].startswith("<b>Loopex — 客服现在在线 ✅</b>")
    back = await bot.press("/lang en")
    assert back["text"].startswith("<b>Language set to English")
    assert (await bot.ask("/status loopex"))["text"].startswith("<b>Loopex — support is live")


async def test_the_chosen_language_is_remembered_across_a_restart(
    world: Callable[..., Any],
) -> None:
    first: Bot = await world()
    assert await first.adapter.wait_ready(5)
    await first.ask("/lang 中文")
    await first.adapter.stop()
    second: Bot = await world()
    assert await second.adapter.wait_ready(5)
    sent = await second.ask("/help")
    assert sent["text"].startswith("<b>supportlive — 客服现在在线吗？</b>")
