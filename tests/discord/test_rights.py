"""A Discord channel that took the bot's right to post gets its alerts back when it gives the
right back; a server that removes the bot loses its alerts for good."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any, cast

import discord
import pytest

from bot.adapters.discord.rights import REMOVED, RightsFollower
from bot.alerts.notifier import SendError, SendErrorKind
from bot.commands.context import Core
from bot.reply import Reply
from storage.engine import DatabaseError
from storage.records import Subscription
from tests.discord.conftest import (
    ALERTS_ID,
    GENERAL_ID,
    GUILD_ID,
    MANAGER,
    Bot,
    World,
    rights_settled,
)
from tests.fakes.discord_api import FakeChannel, FakeDiscord, FakeRole

ALERTS = f"c:{ALERTS_ID}"
SEND_MESSAGES = 1 << 11
EMBED_LINKS = 1 << 14
MISSING_ACCESS, MISSING_PERMISSIONS = 50001, 50013
BACK_EN = (
    "I can post here again, so these alerts are on again:\n"
    "• Loopex — every channel\n"
    "Alerts raised while I could not post here were not delivered. "
    "Send /status for the state right now."
)


def alerts_channel(dc: FakeDiscord) -> FakeChannel:
    channel = dc.guilds[GUILD_ID].channel(ALERTS_ID)
    assert channel is not None
    return channel


async def set_bot_overwrite(bot: Bot, *, deny: int = 0) -> None:
    """A channel manager sets (or, with nothing to deny, removes) the bot's own permission
    overwrite on #alerts: Discord sends CHANNEL_UPDATE, and the bot looks at its rights."""
    channel = alerts_channel(bot.dc)
    bot_id = str(bot.dc.bot_user.id)
    channel.permission_overwrites = (
        [{"id": bot_id, "type": 1, "allow": "0", "deny": str(deny)}] if deny else []
    )
    before = bot.adapter.rights.looks
    await bot.dc.dispatch("CHANNEL_UPDATE", channel.to_payload(GUILD_ID))
    await rights_settled(bot.adapter, before)


async def refused(bot: Bot, chat_id: str = ALERTS, *, code: int = MISSING_PERMISSIONS) -> None:
    """Discord refuses an alert (403, Missing Permissions or Access): the channel's alerts
    stop, with the refusal as their reason, as the drainer stores it."""
    message = "Missing Permissions" if code == MISSING_PERMISSIONS else "Missing Access"
    bot.dc.fail_next("POST", r"^/channels/\d+/messages$", 403, code=code, message=message)
    with pytest.raises(SendError) as failed:
        await bot.adapter.notifier.send(chat_id, Reply(title="Loopex live chat is down"))
    assert failed.value.kind is SendErrorKind.PERMANENT
    assert await bot.store.deactivate_chat("discord", chat_id, failed.value.detail[:200]) >= 1


async def subscribe_alerts(bot: Bot, lang: str = "en", **options: Any) -> None:
    await bot.store.subscribe("discord", ALERTS, "loopex", options.get("channel"), lang)


async def active(bot: Bot, chat_id: str = ALERTS) -> list[tuple[str, str | None]]:
    return [(s.exchange, s.channel) for s in await bot.store.subscriptions_of("discord", chat_id)]


async def reasons(bot: Bot, chat_id: str = ALERTS) -> list[str | None]:
    rows = await bot.store.subscriptions_of("discord", chat_id, active_only=False)
    return [s.deactivated_reason for s in rows]


async def test_a_channel_that_gives_the_right_back_gets_its_alerts_back(bot: Bot) -> None:
    await subscribe_alerts(bot)
    await set_bot_overwrite(bot, deny=SEND_MESSAGES)
    await refused(bot)
    assert await active(bot) == []

    await set_bot_overwrite(bot, deny=SEND_MESSAGES | EMBED_LINKS)  # still no right
    assert await active(bot) == []
    assert bot.dc.channel_messages(ALERTS_ID) == []

    await set_bot_overwrite(bot)  # the overwrite removed: the bot may post again
    (told,) = await bot.dc.wait_for_messages(1, channel_id=ALERTS_ID)
    (embed,) = told["embeds"]
    assert embed["title"] == "🔔 Alerts are back on here"
    assert embed["description"] == BACK_EN
    assert await active(bot) == [("loopex", None)]
    await bot.adapter.notifier.send(ALERTS, Reply(title="Loopex live chat is down"))
    alert = bot.dc.channel_messages(ALERTS_ID)[-1]
    assert alert["embeds"][0]["title"] == "Loopex live chat is down"


async def test_posting_without_embedding_brings_nothing_back(bot: Bot) -> None:
    await subscribe_alerts(bot)
    await set_bot_overwrite(bot, deny=SEND_MESSAGES | EMBED_LINKS)
    await refused(bot)

    await set_bot_overwrite(bot, deny=EMBED_LINKS)  # may post, but an alert is an embed
    assert await active(bot) == []
    assert bot.dc.channel_messages(ALERTS_ID) == []


async def test_a_role_given_the_right_back_brings_the_alerts_back(world: World) -> None:
    everyone = world.dc.guilds[GUILD_ID].roles[0]
    everyone.permissions &= ~SEND_MESSAGES
    bot = await world.start()
    await subscribe_alerts(bot, "zh", channel="help_center")
    await refused(bot)
    assert await active(bot) == []

    everyone.permissions |= SEND_MESSAGES
    role = {"guild_id": str(GUILD_ID), "role": everyone.to_payload()}
    before = bot.adapter.rights.looks
    await bot.dc.dispatch("GUILD_ROLE_UPDATE", role)
    await rights_settled(bot.adapter, before)
    (told,) = await bot.dc.wait_for_messages(1, channel_id=ALERTS_ID)
    assert told["embeds"][0]["title"] == "🔔 这里的提醒已恢复"
    assert told["embeds"][0]["description"] == (
        "我又可以在这里发消息了，以下提醒已重新开启：\n"
        "• Loopex — 帮助中心\n"
        "无法发消息期间的提醒没有送达。发送 /status 查看当前状态。"
    )
    assert await active(bot) == [("loopex", "help_center")]


async def test_rights_given_back_while_the_bot_was_away_bring_the_alerts_back(
    world: World,
) -> None:
    first = await world.start()
    await subscribe_alerts(first)
    await first.store.subscribe("discord", f"c:{GENERAL_ID}", "loopex", "live_chat", "en")
    await refused(first)
    await refused(first, f"c:{GENERAL_ID}")
    await first.adapter.stop()
    general = world.dc.guilds[GUILD_ID].channel(GENERAL_ID)
    assert general is not None
    bot_id = str(world.dc.bot_user.id)
    general.permission_overwrites = [
        {"id": bot_id, "type": 1, "allow": "0", "deny": str(SEND_MESSAGES)}
    ]

    again = await world.start()  # #alerts lets the bot post; #general still does not
    assert again.adapter.rights.looks == 1  # one look at connect, not one per server
    (told,) = again.dc.channel_messages(ALERTS_ID)
    assert told["embeds"][0]["description"] == BACK_EN
    assert await active(again) == [("loopex", None)]
    assert await active(again, f"c:{GENERAL_ID}") == []
    assert again.dc.channel_messages(GENERAL_ID) == []


async def test_a_role_given_to_the_bot_brings_the_alerts_back(world: World) -> None:
    guild = world.dc.guilds[GUILD_ID]
    guild.roles[0].permissions &= ~SEND_MESSAGES
    poster = FakeRole(GUILD_ID + 50, "Poster", SEND_MESSAGES, position=1)
    guild.roles.append(poster)
    bot = await world.start()
    await subscribe_alerts(bot)
    await refused(bot)

    member = {
        "guild_id": str(GUILD_ID),
        "user": bot.dc.bot_user.to_payload(),
        "roles": [str(poster.id)],
        "joined_at": "2024-01-01T00:00:00+00:00",
        "deaf": False,
        "mute": False,
        "flags": 0,
    }
    before = bot.adapter.rights.looks
    await bot.dc.dispatch("GUILD_MEMBER_UPDATE", member)
    await rights_settled(bot.adapter, before)
    (told,) = bot.dc.channel_messages(ALERTS_ID)
    assert told["embeds"][0]["description"] == BACK_EN
    assert await active(bot) == [("loopex", None)]


async def reasons_become(bot: Bot, chat_id: str, expected: list[str | None]) -> None:
    for _ in range(300):
        if await reasons(bot, chat_id) == expected:
            return
        await asyncio.sleep(0.01)
    assert await reasons(bot, chat_id) == expected


async def test_a_server_that_removes_the_bot_loses_its_alerts_for_good(bot: Bot) -> None:
    await subscribe_alerts(bot)
    await bot.store.subscribe("discord", f"c:{GENERAL_ID}", "loopex", None, "en")
    await refused(bot, f"c:{GENERAL_ID}")  # one stopped by a lost right, one still on
    guild = bot.dc.guilds[GUILD_ID]

    await bot.dc.leave_guild(GUILD_ID)
    await reasons_become(bot, ALERTS, [REMOVED])
    await reasons_become(bot, f"c:{GENERAL_ID}", [REMOVED])

    before = bot.adapter.rights.looks
    await bot.dc.join_guild(guild)  # added back: whoever did chooses its alerts afresh
    await set_bot_overwrite(bot, deny=EMBED_LINKS)  # a look after the join: both taken
    await set_bot_overwrite(bot)
    assert bot.adapter.rights.looks > before
    assert await active(bot) == [] and await active(bot, f"c:{GENERAL_ID}") == []
    assert bot.dc.channel_messages(ALERTS_ID) == bot.dc.channel_messages(GENERAL_ID) == []
    seen = await bot.run(
        "subscribe", {"exchange": "loopex"}, channel_id=ALERTS_ID, permissions=MANAGER
    )
    assert seen.title.startswith("🔔 Alerts on")
    assert await active(bot) == [("loopex", None)]


async def test_alerts_stopped_while_the_bot_was_out_of_a_server_stay_off_when_it_joins(
    world: World,
) -> None:
    first = await world.start()
    await subscribe_alerts(first)
    await first.adapter.stop()
    guild = world.dc.guilds.pop(GUILD_ID)  # removed while the bot was off: no event for it

    again = await world.start()
    await refused(again, code=MISSING_ACCESS)  # the next alert is refused
    assert await reasons(again) == ["HTTP 403 (code 50001): Missing Access"]

    await again.dc.join_guild(guild)  # added back
    await reasons_become(again, ALERTS, [REMOVED])
    await set_bot_overwrite(again, deny=EMBED_LINKS)  # looks at its rights afterwards
    await set_bot_overwrite(again)  # bring nothing back
    assert await active(again) == []
    assert again.dc.channel_messages(ALERTS_ID) == []


async def test_a_database_failure_is_logged_and_the_bot_goes_on(
    bot: Bot, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    await subscribe_alerts(bot)
    await set_bot_overwrite(bot, deny=SEND_MESSAGES)
    await refused(bot)

    async def locked(*_: object) -> list[str]:
        raise DatabaseError("database is locked", code="SQLITE_BUSY")

    monkeypatch.setattr(bot.store, "stopped_chats", locked)
    await set_bot_overwrite(bot)
    logged = "could not bring back the alerts of Discord channels: database is locked"
    assert logged in caplog.text
    assert await active(bot) == []
    assert bot.dc.channel_messages(ALERTS_ID) == []

    monkeypatch.undo()  # the database is back: the next change looks again
    await set_bot_overwrite(bot, deny=SEND_MESSAGES)
    await set_bot_overwrite(bot)
    (told,) = await bot.dc.wait_for_messages(1, channel_id=ALERTS_ID)
    assert told["embeds"][0]["title"] == "🔔 Alerts are back on here"
    assert await active(bot) == [("loopex", None)]


async def test_changes_during_a_look_are_taken_by_one_more_look() -> None:
    """While a look waits for the database, two more changes come: both are taken, together,
    by one look right after it (none is lost, none costs a look of its own)."""
    release = asyncio.Event()
    asked: list[int] = []

    class SlowStore:
        async def stopped_chats(self, platform: str, reasons: Sequence[str]) -> list[str]:
            asked.append(len(asked))
            if len(asked) == 1:
                await release.wait()
            return []

        async def reactivate_chat(self, *_: object) -> list[Subscription]:
            raise AssertionError("nothing was stopped")

        async def retire_chats(self, *_: object) -> int:
            raise AssertionError("nothing was removed")

    follower = RightsFollower(SlowStore(), cast(Core, None))
    client = cast(discord.Client, None)
    first = asyncio.create_task(follower.follow(client, cast(discord.Guild, discord.Object(1))))
    while not asked:
        await asyncio.sleep(0)
    await follower.follow(client, cast(discord.Guild, discord.Object(2)))  # returns at once
    await follower.follow(client, cast(discord.Guild, discord.Object(3)))
    assert follower.busy and follower.looks == 0
    release.set()
    await first
    assert follower.looks == 2 and asked == [0, 1]
    assert not follower.busy
