"""Admin commands through the real Telegram adapter: `/maintenance` declares and ends a window,
`/status` shows it, `/stats` counts; everyone else is told the commands do not exist. And the
alert a subscriber gets when maintenance ends on a channel that is still down."""

from __future__ import annotations

import pytest

from bot.alerts.drainer import Drainer, DrainerSettings
from bot.alerts.pacing import PacingSettings
from bot.alerts.record import transition_sink
from bot.vocab import Platform
from probes.result import ErrorKind, ProbeResult
from tests.telegram.conftest import ADMIN, Bot
from tests.telegram.test_groups import OWNER, group_roles

SUBSCRIBER = 42
STRANGER = 43


def alerting(bot: Bot) -> Drainer:
    """The bot's transitions written with their alerts, and a drainer that sends them (and
    announces maintenance on every pass)."""
    bot.monitor.on_transition = transition_sink(bot.store, bot.catalog, bot.monitor, bot.clock.now)
    return Drainer(
        bot.store,
        {Platform.TELEGRAM: bot.adapter.notifier},
        bot.catalog,
        bot.clock,
        PacingSettings.off(),
        DrainerSettings(maintenance_every_s=0.0),
        live=bot.monitor,
    )


async def test_an_admin_declares_maintenance_and_status_shows_it(bot: Bot) -> None:
    declared = await bot.ask(
        "/maintenance loopex live_chat 30 Chat <b>upgrade</b> & tests", chat_id=ADMIN
    )
    assert declared["text"] == (
        "<b>🛠 Maintenance declared for Loopex Live chat until 19:30 UTC.</b>\n"
        "Reason: Chat &lt;b&gt;upgrade&lt;/b&gt; &amp; tests\n"
        "End it early: /maintenance loopex end"
    )
    status = await bot.ask("/status loopex", chat_id=STRANGER)
    assert status["text"] == (
        "<b>Loopex — Live chat is under maintenance 🛠</b>\n"
        "Maintenance until 19:30 UTC: Chat &lt;b&gt;upgrade&lt;/b&gt; &amp; tests\n"
        "Use now: <b>E-mail</b> <code>service@loopex.example</code> · "
        "replies in 1–3 business days\n"
        "\n"
        "<b>Channels</b>\n"
        "🛠 Live chat — maintenance\n"
        "✅ Help center — open · 95 ms · p95 95 ms\n"
        "📨 E-mail — accepting · replies in 1–3 business days\n"
        "\n"
        "Official site: loopex.example. Support never asks for your password or 2FA code."
    )


async def test_an_admin_ends_maintenance_early(bot: Bot) -> None:
    await bot.ask("/maintenance loopex all 60", chat_id=ADMIN)
    assert (await bot.ask("/status loopex"))["text"].startswith(
        "<b>Loopex — Live chat is under maintenance 🛠</b>"
    )
    ended = await bot.ask("/maintenance loopex end", chat_id=ADMIN)
    assert ended["text"] == (
        "<b>✅ Maintenance of Loopex ended (1 window(s)); outage alerts are on again.</b>"
    )
    assert (await bot.ask("/status loopex"))["text"].startswith(
        "<b>Loopex — support is live now ✅</b>"
    )
    again = await bot.ask("/maintenance loopex end", chat_id=ADMIN)
    assert again["text"] == "<b>No maintenance under way for Loopex.</b>"


async def test_stats_tells_admins_what_is_watched_subscribed_and_queued(bot: Bot) -> None:
    await bot.ask("/subscribe loopex", chat_id=SUBSCRIBER)
    await bot.ask("/subscribe loopex live_chat", chat_id=STRANGER)
    await bot.ask("/maintenance loopex help_center 15", chat_id=ADMIN)
    stats = await bot.ask("/stats", chat_id=ADMIN)
    assert stats["text"] == (
        "<b>supportlive</b>\n"
        "1 exchanges · 3 channels · 2 probed, 1 of them live now\n"
        "Alerts: 2 active subscriptions · outbox 0 pending, 0 sending, 0 dead\n"
        "Maintenance under way: 1"
    )


@pytest.mark.parametrize(
    "line", ["/stats", "/maintenance loopex live_chat 30 upgrade", "/maintenance loopex end"]
)
async def test_admin_commands_get_the_ordinary_unknown_command_answer(bot: Bot, line: str) -> None:
    sent = await bot.ask(line, chat_id=STRANGER)
    name = line.split()[0]
    assert sent["text"].startswith(
        f"<b>I don't know the command “{name}”.</b>\n\n<b>Commands</b>\n/status [exchange]"
    )
    assert "\n/maintenance " not in sent["text"] and "\n/stats" not in sent["text"]
    assert await bot.store.active_maintenance(bot.clock.now()) == []


async def test_ending_maintenance_on_a_channel_still_down_alerts_its_subscribers(
    bot: Bot,
) -> None:
    """Subscribe, maintenance, the live chat fails inside it (no alert), the admin ends the
    window: the subscriber reads that maintenance is over and that the chat is still down."""
    monitor, clock = bot.monitor, bot.clock
    drainer = alerting(bot)
    await bot.ask("/subscribe loopex", chat_id=SUBSCRIBER)
    await bot.ask("/lang zh", chat_id=STRANGER)
    await bot.ask("/subscribe loopex live_chat", chat_id=STRANGER)
    await bot.ask("/maintenance loopex live_chat 60 客服系统升级", chat_id=ADMIN)
    await drainer.run_once()

    clock.advance(300)
    for _ in range(3):
        monitor.on_result(
            ProbeResult(
                "loopex/live_chat", clock.now(), False, None, ErrorKind.HTTP_STATUS, "HTTP 503"
            )
        )
        monitor.on_result(ProbeResult("loopex/help_center", clock.now(), True, 90.0))
    await monitor.flush()
    await drainer.run_once()
    before = len(bot.tg.sent_messages(SUBSCRIBER))

    clock.advance(600)
    await bot.ask("/maintenance loopex end", chat_id=ADMIN)
    await drainer.run_once()
    await drainer.run_once()

    english = [m["text"] for m in bot.tg.sent_messages(SUBSCRIBER)]
    chinese = [m["text"] for m in bot.tg.sent_messages(STRANGER)]
    assert english[before - 1 :] == [
        "<b>🛠 Loopex Live chat: maintenance started</b>\n"
        "Planned until 20:00 UTC.\n客服系统升级\nNo outage alerts for it meanwhile.",
        "<b>✅ Loopex Live chat: maintenance is over</b>\nOutage alerts are on again.",
        "<b>❌ Loopex Live chat is still down after maintenance</b>\n"
        "HTTP 503 (3 checks in a row) · since 19:05 UTC.\n"
        "Meanwhile: E-mail service@loopex.example · replies in 1–3 business days",
    ]
    assert chinese[-1] == (
        "<b>❌ 维护已结束，Loopex 在线客服 仍无法访问</b>\n"
        "网页返回错误（HTTP 503） · 自 北京时间 03:05 起。\n"
        "可先使用：邮箱 service@loopex.example · 回复时间：1–3个工作日"
    )


async def test_alerts_follow_the_language_a_user_chose_after_subscribing(bot: Bot) -> None:
    """A Chinese reader with an English phone subscribes (English, from the client), then asks
    for Chinese with /lang zh: the alerts come in Chinese too; a group's stay as they were."""
    monitor, clock = bot.monitor, bot.clock
    drainer = alerting(bot)
    group_roles(bot.tg)
    group = -100777
    in_group = {"chat_id": group, "user_id": OWNER, "chat_type": "supergroup"}
    await bot.ask("/subscribe loopex", chat_id=SUBSCRIBER)
    await bot.ask("/lang zh", chat_id=SUBSCRIBER)
    await bot.ask("/subscribe loopex", **in_group)
    await bot.ask("/lang zh", **in_group)
    sent = {chat: len(bot.tg.sent_messages(chat)) for chat in (SUBSCRIBER, group)}

    clock.advance(60)
    for _ in range(3):
        monitor.on_result(
            ProbeResult(
                "loopex/live_chat", clock.now(), False, None, ErrorKind.HTTP_STATUS, "HTTP 503"
            )
        )
    await monitor.flush()
    await drainer.run_once()

    [alert] = bot.tg.sent_messages(SUBSCRIBER)[sent[SUBSCRIBER] :]
    assert alert["text"].startswith("<b>❌ Loopex 在线客服 无法访问</b>")
    [group_alert] = bot.tg.sent_messages(group)[sent[group] :]
    assert group_alert["text"].startswith("<b>❌ Loopex Live chat is down</b>")
