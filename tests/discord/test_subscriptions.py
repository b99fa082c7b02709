"""Alerts from Discord: who may subscribe where, and the notifier that delivers them."""

from __future__ import annotations

import asyncio

import pytest

from bot.alerts.notifier import SendError, SendErrorKind
from bot.reply import Button, Reply, text
from tests.discord.conftest import ALERTS_ID, GUILD_ID, MANAGER, USER_ID, Bot
from tests.fakes.discord_api import CANNOT_DM_USER, UNKNOWN_CHANNEL

ALERT = Reply(
    title="❌ Loopex live chat is down",
    lines=((text("timeout after 10 s (3 checks in a row)"),),),
    buttons=((Button("Stop these alerts", "/unsubscribe loopex live_chat"),),),
    tone="bad",
)


async def subscribed(bot: Bot, chat_id: str) -> list[tuple[str, str | None]]:
    return [(s.exchange, s.channel) for s in await bot.store.subscriptions_of("discord", chat_id)]


async def test_only_channel_managers_subscribe_a_server_channel(bot: Bot) -> None:
    refused = await bot.run("subscribe", {"exchange": "loopex"}, channel_id=ALERTS_ID)
    assert refused.ephemeral
    assert refused.title == "Only channel managers can change this channel's alerts."
    assert "Manage Channels" in refused.description
    assert await subscribed(bot, f"c:{ALERTS_ID}") == []
    also = await bot.run("unsubscribe", None, channel_id=ALERTS_ID)
    assert also.ephemeral and also.title == refused.title


async def test_a_manager_subscribes_the_channel_and_alerts_arrive_there(bot: Bot) -> None:
    seen = await bot.run(
        "subscribe", {"exchange": "loopex"}, channel_id=ALERTS_ID, permissions=MANAGER
    )
    assert not seen.ephemeral
    assert seen.title.startswith("🔔 Alerts on: you'll hear here when any Loopex channel goes down")
    assert await subscribed(bot, f"c:{ALERTS_ID}") == [("loopex", None)]
    listed = await bot.run("subscriptions", channel_id=ALERTS_ID)
    assert listed.ephemeral and listed.description == "• Loopex — every channel"

    await bot.adapter.notifier.send(f"c:{ALERTS_ID}", ALERT)
    (message,) = await bot.dc.wait_for_messages(1, channel_id=ALERTS_ID)
    (embed,) = message["embeds"]
    assert embed["title"] == "❌ Loopex live chat is down"
    assert embed["color"] == 0xE74C3C
    button = message["components"][0]["components"][0]
    assert button["custom_id"] == "sl:/unsubscribe loopex live_chat"

    stopped = await bot.run("unsubscribe", None, channel_id=ALERTS_ID, permissions=MANAGER)
    assert stopped.title == "🔕 Alerts off: 1 stopped."
    assert await subscribed(bot, f"c:{ALERTS_ID}") == []


async def test_in_a_direct_message_alerts_go_to_the_user(bot: Bot) -> None:
    options = {"exchange": "loopex", "channel": "live_chat"}
    seen = await bot.run("subscribe", options, guild_id=None, user_id=USER_ID, permissions=0)
    assert seen.title.startswith("🔔 Alerts on: you'll hear here when Loopex Live chat goes down")
    assert await subscribed(bot, f"u:{USER_ID}") == [("loopex", "live_chat")]
    await bot.adapter.notifier.send(f"u:{USER_ID}", ALERT)
    (message,) = bot.dc.dm_messages(USER_ID)
    assert message["embeds"][0]["title"] == "❌ Loopex live chat is down"


async def test_no_subscription_where_the_bot_cannot_post(bot: Bot) -> None:
    seen = await bot.run("subscribe", None, permissions=MANAGER, app_permissions=1 << 10)
    assert seen.ephemeral
    assert seen.title == "I can't post alerts in this channel."


async def test_a_deleted_channel_stops_its_alerts(bot: Bot) -> None:
    await bot.run("subscribe", {"exchange": "loopex"}, channel_id=ALERTS_ID, permissions=MANAGER)
    channel = bot.dc.guilds[GUILD_ID].channel(ALERTS_ID)
    assert channel is not None
    await bot.dc.dispatch("CHANNEL_DELETE", channel.to_payload(GUILD_ID))
    for _ in range(200):
        if not await subscribed(bot, f"c:{ALERTS_ID}"):
            break
        await asyncio.sleep(0.01)
    assert await subscribed(bot, f"c:{ALERTS_ID}") == []


async def test_the_notifier_classifies_failures(bot: Bot) -> None:
    notifier = bot.adapter.notifier
    bot.dc.block_dms(USER_ID)
    with pytest.raises(SendError) as blocked:
        await notifier.send(f"u:{USER_ID}", ALERT)
    assert blocked.value.kind is SendErrorKind.PERMANENT
    assert str(CANNOT_DM_USER) in blocked.value.detail

    bot.dc.fail_next("POST", r"^/channels/\d+/messages$", 404)
    with pytest.raises(SendError) as gone:
        await notifier.send(f"c:{ALERTS_ID}", ALERT)
    assert gone.value.kind is SendErrorKind.PERMANENT
    assert str(UNKNOWN_CHANNEL) in gone.value.detail

    bot.dc.fail_next("POST", r"^/channels/\d+/messages$", 503)
    with pytest.raises(SendError) as busy:
        await notifier.send(f"c:{ALERTS_ID}", ALERT)
    assert busy.value.kind is SendErrorKind.UNREACHABLE  # Discord failed: the alert waits

    bot.dc.fail_next("POST", r"^/channels/\d+/messages$", 400)
    with pytest.raises(SendError) as refused:
        await notifier.send(f"c:{ALERTS_ID}", ALERT)
    assert refused.value.kind is SendErrorKind.TRANSIENT  # our message: bounded attempts

    bot.dc.fail_next("POST", r"^/channels/\d+/messages$", 429, retry_after=45.0)
    with pytest.raises(SendError) as limited:
        await notifier.send(f"c:{ALERTS_ID}", ALERT)
    assert limited.value.kind is SendErrorKind.RATE_LIMITED
    assert limited.value.retry_after == pytest.approx(45.0)

    with pytest.raises(SendError) as nonsense:
        await notifier.send("telegram-42", ALERT)
    assert nonsense.value.kind is SendErrorKind.PERMANENT

    bot.dc.fail_next("POST", r"^/channels/\d+/messages$", 429, retry_after=0.05)
    await notifier.send(f"c:{ALERTS_ID}", ALERT)  # a short 429 is waited out
    assert len(bot.dc.channel_messages(ALERTS_ID)) == 1


async def test_coin_alerts_from_the_coin_and_network_options(shipped: Bot) -> None:
    options = {"exchange": "kucoin", "coin": "usdt", "network": "trc20"}
    seen = await shipped.run("subscribe", options, guild_id=None, user_id=USER_ID, permissions=0)
    assert not seen.ephemeral
    assert seen.title == (
        "✅ Alerts here when KuCoin's API says USDT on tron deposits and withdrawals are "
        "suspended or reopened."
    )
    [(exchange, key)] = await subscribed(shipped, f"u:{USER_ID}")
    assert (exchange, key) == ("kucoin", "wallet:USDT:tron")
    stopped = await shipped.run(
        "unsubscribe", options, guild_id=None, user_id=USER_ID, permissions=0
    )
    assert stopped.title == "🔕 Alerts off: 1 stopped."
    assert await subscribed(shipped, f"u:{USER_ID}") == []
