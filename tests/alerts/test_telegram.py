"""The Telegram notifier against the fake Bot API: wire format, escaping, error classes."""

from __future__ import annotations

import asyncio
import os
from collections import Counter
from collections.abc import AsyncIterator

import pytest
from telegram import Bot

from bot.alerts.drainer import Drainer, DrainerSettings
from bot.alerts.notifier import SendError, SendErrorKind
from bot.alerts.pacing import PacingSettings
from bot.alerts.telegram_notifier import TelegramNotifier
from bot.catalog import Catalog
from bot.clock import FakeClock, SystemClock
from bot.reply import Button, Reply, bold, link, text
from bot.vocab import Platform
from storage.store import Store
from tests.alerts.conftest import FakeLive, down, record
from tests.fakes.telegram_api import FakeTelegram

os.environ.setdefault("PTB_TIMEDELTA", "1")

TOKEN = "123:ABC"
REPLY = Reply(
    title="❌ A&B <live chat> is down",
    lines=((text("Meanwhile: "), link("Help <center>", "https://www.mexc.com/support?a=1&b=2")),),
    buttons=((Button("Stop these alerts", "/unsubscribe mexc live_chat"),),),
)


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram(token=TOKEN) as fake:
        yield fake


@pytest.fixture
async def notifier(tg: FakeTelegram) -> AsyncIterator[TelegramNotifier]:
    async with Bot(TOKEN, base_url=tg.base_url) as bot:
        yield TelegramNotifier(bot)


async def test_it_sends_escaped_html_with_a_stop_button(
    tg: FakeTelegram, notifier: TelegramNotifier
) -> None:
    await notifier.send("42", REPLY)
    [sent] = tg.sent_messages(42)
    assert sent["parse_mode"] == "HTML"
    assert sent["text"] == (
        "<b>❌ A&amp;B &lt;live chat&gt; is down</b>\nMeanwhile: "
        '<a href="https://www.mexc.com/support?a=1&amp;b=2">Help &lt;center&gt;</a>'
    )
    assert sent["reply_markup"] == {
        "inline_keyboard": [
            [{"text": "Stop these alerts", "callback_data": "/unsubscribe mexc live_chat"}]
        ]
    }


@pytest.mark.parametrize(
    ("status", "description", "kind"),
    [
        (403, "Forbidden: bot was blocked by the user", SendErrorKind.PERMANENT),
        (403, "Forbidden: user is deactivated", SendErrorKind.PERMANENT),
        (400, "Bad Request: chat not found", SendErrorKind.PERMANENT),
        (429, None, SendErrorKind.RATE_LIMITED),
        (502, "Bad Gateway", SendErrorKind.UNREACHABLE),
        (500, "Internal Server Error", SendErrorKind.UNREACHABLE),
        (0, None, SendErrorKind.UNREACHABLE),  # connection dropped
        (400, "Bad Request: can't parse entities", SendErrorKind.TRANSIENT),
    ],
)
async def test_it_classifies_each_failure(
    tg: FakeTelegram,
    notifier: TelegramNotifier,
    status: int,
    description: str | None,
    kind: SendErrorKind,
) -> None:
    tg.fail_next("sendMessage", status, description, retry_after=3 if status == 429 else None)
    with pytest.raises(SendError) as caught:
        await notifier.send("42", Reply(title=str(bold("x").text)))
    assert caught.value.kind is kind
    if kind is SendErrorKind.RATE_LIMITED:
        assert caught.value.retry_after == 3.0


async def test_a_storm_of_5xx_and_429_loses_nothing_and_blocked_chats_are_dropped(
    tg: FakeTelegram, store: Store, catalog: Catalog, live: FakeLive
) -> None:
    chats = range(1, 121)
    for chat in chats:
        await store.subscribe("telegram", chat, "mexc", None, "zh" if chat % 2 else "en")
    tg.block_chat(7)
    tg.mark_chat_not_found(8)
    await record(store, catalog, live, down())
    tg.fail_ratio("sendMessage", 0.2, status=502, seed=3)
    tg.fail_next("sendMessage", 429, retry_after=1, times=2)
    async with Bot(TOKEN, base_url=tg.base_url) as bot:
        drainer = Drainer(
            store,
            {Platform.TELEGRAM: TelegramNotifier(bot)},
            catalog,
            SystemClock(),
            PacingSettings.off(),
            DrainerSettings(backoff_s=0.05, max_attempts=30, poll_s=0.02),
        )
        task = asyncio.create_task(drainer.run())
        await tg.wait_for_messages(len(chats) - 2, timeout=30)
        # A blocked chat whose first try met a 502 is retried after its backoff: the last
        # message can arrive before both permanent errors have been seen.
        async with asyncio.timeout(30):
            while drainer.stats.deactivated < 2:
                await asyncio.sleep(0.02)
        await drainer.stop()
        await task

    received = Counter(int(m["chat_id"]) for m in tg.sent_messages())
    assert set(received) == set(chats) - {7, 8}
    assert drainer.stats.rate_limited == 2
    assert drainer.stats.deactivated == 2
    assert [s.exchange for s in await store.subscriptions_of("telegram", 7)] == []
    assert [s.exchange for s in await store.subscriptions_of("telegram", 9)] == ["mexc"]
    en = tg.sent_messages(2)[0]["text"]
    zh = tg.sent_messages(3)[0]["text"]
    assert en.startswith("<b>❌ MEXC Online customer service is down</b>")
    assert zh.startswith("<b>❌ MEXC 在线客服 无法访问</b>")


async def test_a_bot_api_down_for_hours_delays_the_alert_and_loses_nothing(
    tg: FakeTelegram, store: Store, catalog: Catalog, live: FakeLive
) -> None:
    await store.subscribe("telegram", 5, "mexc", None, "en")
    await record(store, catalog, live, down())
    # Dropped connections and 5xx for far longer than the old give-up span (12 attempts).
    tg.fail_next("sendMessage", 502, times=20)
    tg.fail_next("sendMessage", 0, times=20)
    tg.fail_next("sendMessage", 503, times=20)
    clock = FakeClock(current=live.clock.now())
    async with Bot(TOKEN, base_url=tg.base_url) as bot:
        drainer = Drainer(
            store, {Platform.TELEGRAM: TelegramNotifier(bot)}, catalog, clock, PacingSettings.off()
        )
        for _ in range(61):  # five hours of passes, 300 s apart
            await drainer.run_once()
            clock.advance(300)

    [sent] = tg.sent_messages(5)
    assert sent["text"].startswith("<b>❌ MEXC Online customer service is down</b>")
    assert drainer.stats.unreachable == 60 and drainer.stats.dead == 0
    assert [s.active for s in await store.subscriptions_of("telegram", 5)] == [True]


async def test_refused_messages_still_die_and_blocked_chats_are_still_dropped(
    tg: FakeTelegram, store: Store, catalog: Catalog, live: FakeLive
) -> None:
    await store.subscribe("telegram", 5, "mexc", None, "en")
    await store.subscribe("telegram", 7, "kraken", None, "en")
    tg.block_chat(7)
    await record(store, catalog, live, down())
    tg.fail_next("sendMessage", 400, "Bad Request: can't parse entities", times=3)
    clock = FakeClock(current=live.clock.now())
    async with Bot(TOKEN, base_url=tg.base_url) as bot:
        drainer = Drainer(
            store,
            {Platform.TELEGRAM: TelegramNotifier(bot)},
            catalog,
            clock,
            PacingSettings.off(),
            DrainerSettings(max_attempts=3),
        )
        for _ in range(4):
            await drainer.run_once()
            clock.advance(300)
        assert drainer.stats.dead == 1 and drainer.stats.deactivated == 0
        await record(store, catalog, live, down("kraken/live_chat"))
        await drainer.run_once()

    assert len(tg.calls("sendMessage")) == 4
    assert tg.sent_messages() == []
    assert drainer.stats.dead == 2 and drainer.stats.deactivated == 1
    assert [s.exchange for s in await store.subscriptions_of("telegram", 7)] == []
    assert [s.active for s in await store.subscriptions_of("telegram", 5)] == [True]
