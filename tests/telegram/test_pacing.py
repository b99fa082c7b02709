"""One pace for Telegram: replies and alerts share one budget, and Telegram never sees more than
30 messages (25 alerts) in any second, even when a restart leaves a fan-out half sent."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from bot.alerts.drainer import Drainer
from bot.alerts.pacing import PacingSettings
from bot.alerts.record import record_transition
from bot.clock import SystemClock
from bot.vocab import Platform
from storage import outbox
from tests.alerts.conftest import down
from tests.fakes.telegram_api import most_in_a_second
from tests.telegram.conftest import Bot

SUBSCRIBERS = range(5_001, 5_061)  # 60 private chats subscribed to Loopex
ASKING = range(7_001, 7_061)  # 60 other users sending /help at the same time


async def test_replies_and_alerts_interleaved_after_a_restart_stay_within_the_limits(
    bot: Bot,
) -> None:
    bot.tg.enforce_limits(per_chat_per_s=1, global_per_s=30, group_per_min=20)
    for chat in SUBSCRIBERS:
        await bot.store.subscribe("telegram", chat, "loopex", None, "en")
    at = datetime.now(UTC)
    await record_transition(bot.store, bot.catalog, down("loopex/live_chat", at=at), bot.monitor)
    async with bot.store.transaction() as conn:  # a previous process claimed half, then died
        await outbox.claim(conn, at.timestamp(), 30, ["telegram"])

    drainer = Drainer(
        bot.store,
        {Platform.TELEGRAM: bot.adapter.notifier},
        bot.catalog,
        SystemClock(),
        PacingSettings(),
        live=bot.monitor,
        budgets={Platform.TELEGRAM: bot.adapter.pace} if bot.adapter.pace else None,
    )
    assert await drainer.start() == 30  # the restart takes the half-sent rows back
    draining = asyncio.create_task(drainer.run())
    try:
        for user in ASKING:
            bot.tg.push_message("/help", chat_id=user, user_id=user)
        sent = await bot.tg.wait_for_calls("sendMessage", 120, timeout=60)
    finally:
        await drainer.stop()
        await draining

    assert bot.tg.too_many_count == 0
    assert all(call.ok for call in sent)
    chats = [call.params["chat_id"] for call in sent]
    assert sorted(int(c) for c in chats) == [*SUBSCRIBERS, *ASKING]
    assert most_in_a_second([call.at for call in sent]) <= 30
    alerts = [call.at for call in sent if int(call.params["chat_id"]) in SUBSCRIBERS]
    assert most_in_a_second(alerts) <= 25
