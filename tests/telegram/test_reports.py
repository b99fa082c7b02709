"""/report end to end on Telegram: traders report, /status shows the median, one tap works."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from bot.reports import WaitBook
from tests.telegram.conftest import ADMIN, Bot

# Distinctive ids, so finding one in the database file cannot be a coincidence.
PEOPLE = (777_000_111, 777_000_222, 777_000_333, 777_000_444)
LIVE_CHAT_LINE = "✅ Live chat — live · 180 ms · p95 180 ms"
USAGE = (
    "Usage: /report &lt;exchange&gt; &lt;channel&gt; &lt;minutes|none&gt;, e.g. "
    "/report loopex live_chat 10: the minutes until a person answered you (0–1440), "
    "or none if nobody did."
)


@pytest.fixture
async def bot(world: Callable[..., Any]) -> Bot:
    """The bot as `supportlive run` wires it: wait reports kept in its database."""
    running: Bot = await world()
    running.core.status.reports = WaitBook(running.store, running.clock)
    assert await running.adapter.wait_ready(5)
    return running


async def report(bot: Bot, user_id: int, words: str, **fields: Any) -> str:
    sent = await bot.ask(f"/report {words}", chat_id=user_id, **fields)
    return str(sent["text"])


async def test_three_people_make_status_show_the_median_and_a_fourth_says_none(bot: Bot) -> None:
    assert await report(bot, PEOPLE[0], "loopex live_chat 5") == (
        "<b>Thanks! Noted: Loopex Live chat answered you in 5 min.</b>\n"
        "People report: not enough reports yet"
    )
    await report(bot, PEOPLE[1], "loopex live chat 10 min")
    await report(bot, PEOPLE[2], "路普 在线客服 15")
    status = (await bot.ask("/status loopex"))["text"]
    assert (
        f"{LIVE_CHAT_LINE}\n   People report: answered in ~10 min (median of 3 in 24 h)\n"
        "✅ Help center" in status
    )

    assert await report(bot, PEOPLE[3], "loopex chat none") == (
        "<b>Thanks! Noted: nobody at Loopex Live chat answered you.</b>\n"
        "People report: answered in ~10 min (median of 3 in 24 h) · 1 of 4 got no answer"
    )
    status = (await bot.ask("/status loopex"))["text"]
    assert (
        "   People report: answered in ~10 min (median of 3 in 24 h) · 1 of 4 got no answer\n"
        in status
    )


async def test_a_repeated_report_replaces_the_earlier_one_and_counts_once(bot: Bot) -> None:
    await report(bot, PEOPLE[0], "loopex live_chat 50")
    again = await report(bot, PEOPLE[0], "loopex live_chat 5")
    assert "It replaces your earlier report on this channel." in again
    await report(bot, PEOPLE[1], "loopex live_chat 10")
    assert "People report" not in (await bot.ask("/status loopex"))["text"]  # two people
    await report(bot, PEOPLE[2], "loopex live_chat 15")
    assert "~10 min (median of 3 in 24 h)" in (await bot.ask("/status loopex"))["text"]


async def test_the_figures_go_after_24_hours(bot: Bot) -> None:
    for person, minutes in zip(PEOPLE, (5, 10, 15), strict=False):
        await report(bot, person, f"loopex live_chat {minutes}")
    bot.clock.advance(24 * 3600)
    status = (await bot.ask("/status loopex"))["text"]
    assert "People report" not in status
    details = (await bot.ask("/channels loopex live_chat"))["text"]
    assert "People report: not enough reports yet" in details


@pytest.mark.parametrize("wait", ["abc", "2000", "-5", "1.5", "10 apples"])
async def test_a_wait_that_is_not_0_to_1440_minutes_gets_the_usage(bot: Bot, wait: str) -> None:
    sent = await bot.ask(f"/report loopex live_chat {wait}", chat_id=PEOPLE[0])
    assert sent["text"] == f"<b>How long until Loopex Live chat answered you?</b>\n{USAGE}"
    assert await bot.store.wait_reports("loopex", bot.clock.now().replace(year=2000)) == []


async def test_an_unknown_channel_gets_the_exchanges_channel_list(bot: Bot) -> None:
    sent = await bot.ask("/report loopex phone 5", chat_id=PEOPLE[0])
    assert sent["text"] == (
        "<b>Loopex</b>\nLoopex has no channel “phone” to report on. Channels: live_chat, email."
    )
    labels = [b["text"] for row in sent["reply_markup"]["inline_keyboard"] for b in row]
    assert labels == ["Live chat", "E-mail"]


async def test_a_channel_nobody_answers_cannot_be_reported_on(bot: Bot) -> None:
    sent = await bot.ask("/report loopex help_center 5", chat_id=PEOPLE[0])
    assert (
        "Reports are only for channels a person answers. At Loopex: Live chat, E-mail."
        in (sent["text"])
    )


async def test_one_tap_from_status_to_a_stored_report(bot: Bot) -> None:
    chat = PEOPLE[0]
    status = await bot.ask("/status loopex", chat_id=chat)
    keyboard = status["reply_markup"]["inline_keyboard"]
    assert keyboard[-1] == [{"text": "⏱ Report my wait", "callback_data": "/report loopex"}]
    urgent = await bot.ask("/urgent loopex login", chat_id=chat)
    assert urgent["reply_markup"]["inline_keyboard"][-1] == keyboard[-1]

    channels = await bot.press("/report loopex", chat_id=chat)
    assert channels["text"].startswith("<b>Which Loopex channel did you wait on?</b>")
    assert [row[0]["callback_data"] for row in channels["reply_markup"]["inline_keyboard"]] == [
        "/report loopex live_chat",
        "/report loopex email",
    ]
    choices = await bot.press("/report loopex live_chat", chat_id=chat)
    assert choices["text"].startswith("<b>How long until Loopex Live chat answered you?</b>")
    assert choices["reply_markup"]["inline_keyboard"] == [
        [
            {"text": "≤ 5 min", "callback_data": "/report loopex live_chat 5"},
            {"text": "15 min", "callback_data": "/report loopex live_chat 15"},
            {"text": "30 min", "callback_data": "/report loopex live_chat 30"},
        ],
        [
            {"text": "60+ min", "callback_data": "/report loopex live_chat 60"},
            {"text": "No answer", "callback_data": "/report loopex live_chat none"},
        ],
    ]
    thanks = await bot.press("/report loopex live_chat 15", chat_id=chat)
    assert thanks["text"].startswith("<b>Thanks! Noted: Loopex Live chat answered you in 15 min.")
    (stored,) = await bot.store.wait_reports("loopex", bot.clock.now().replace(year=2000))
    assert (stored.channel, stored.wait_min) == ("live_chat", 15)
    assert stored.person == await bot.store.person_key("telegram", str(chat))


async def test_chinese_words_and_a_chinese_answer(bot: Bot) -> None:
    sent = await bot.ask("/report 路普 在线客服 没人回复", chat_id=PEOPLE[0], language_code="zh")
    assert sent["text"] == (
        "<b>谢谢！已记录：Loopex 在线客服 没有人回复您。</b>\n用户反馈：反馈数量尚不足"
    )


async def test_more_than_five_reports_an_hour_are_refused(bot: Bot) -> None:
    for minutes in range(1, 6):
        assert "Thanks!" in await report(bot, PEOPLE[0], f"loopex live_chat {minutes}")
    refused = await report(bot, PEOPLE[0], "loopex email 6")
    assert refused == (
        "<b>That makes more than 5 reports from you in an hour. Please try again later.</b>"
    )
    rows = await bot.store.wait_reports("loopex", bot.clock.now().replace(year=2000))
    assert [r.wait_min for r in rows] == [1, 2, 3, 4, 5]
    bot.clock.advance(3601)
    assert "Thanks!" in await report(bot, PEOPLE[0], "loopex email 6")


async def test_no_raw_user_id_reaches_the_database(bot: Bot, tmp_path: Path) -> None:
    for person in PEOPLE:
        await report(bot, person, "loopex live_chat 10")
    path = bot.store.db.path
    stored = b"".join(p.read_bytes() for p in (path, Path(f"{path}-wal")) if p.exists())
    assert b"live_chat" in stored
    for person in PEOPLE:
        assert str(person).encode() not in stored


async def test_an_admin_clears_a_channels_reports(
    bot: Bot, caplog: pytest.LogCaptureFixture
) -> None:
    for person in PEOPLE[:3]:
        await report(bot, person, "loopex live_chat 10")
    not_admin = await bot.ask("/reports clear loopex live_chat", chat_id=PEOPLE[0])
    assert "I don't know the command" in not_admin["text"]
    with caplog.at_level("INFO", logger="bot.reports.book"):
        cleared = await bot.ask("/reports clear loopex live_chat", chat_id=ADMIN)
    assert cleared["text"] == "<b>🧹 Cleared 3 wait report(s) of Loopex Live chat.</b>"
    assert f"wait reports of loopex/live_chat cleared by telegram:{ADMIN}: 3 deleted" in (
        caplog.messages
    )
    assert "People report" not in (await bot.ask("/status loopex"))["text"]
    usage = await bot.ask("/reports loopex live_chat", chat_id=ADMIN)
    assert usage["text"] == "<b>Usage: /reports clear &lt;exchange&gt; &lt;channel&gt;</b>"


async def test_an_anonymous_group_admin_cannot_report_as_the_group(bot: Bot) -> None:
    """Telegram names an anonymous admin's message after the group itself: counting it would
    let one account be a new "person" in every group it makes."""
    group = -1_009_876_543_210
    anonymous = {"sender_chat": {"id": group, "type": "supergroup", "title": "Traders"}}
    sent = await bot.ask(
        "/report loopex live_chat 5",
        chat_id=group,
        user_id=1087968824,  # GroupAnonymousBot, as Telegram sends it
        chat_type="supergroup",
        extra={"from": {"id": 1087968824, "is_bot": True, "first_name": "Group"}, **anonymous},
    )
    assert sent["text"] == (
        "<b>Reports count once per person: send it as yourself, not anonymously as the group, "
        "or to me in a private chat.</b>"
    )
    assert await bot.store.wait_reports("loopex", bot.clock.now().replace(year=2000)) == []
    member = await bot.ask(
        "/report loopex live_chat 5", chat_id=group, user_id=PEOPLE[0], chat_type="supergroup"
    )
    assert member["text"].startswith("<b>Thanks! Noted: Loopex Live chat answered you in 5 min.")
