"""Slow answers, failures, Discord trouble, start and stop: the bot keeps going."""

from __future__ import annotations

import asyncio
import gc
import logging
import time

import pytest

from bot.adapters.discord import SYNC_FILE
from bot.commands.table import menu_commands
from bot.supervisor import Supervisor, TaskState
from tests.discord.conftest import GUILD_ID, TOKEN, USER_ID, World

APOLOGY = "Something went wrong on our side. Please try again in a minute."


async def test_a_slow_answer_is_deferred_then_sent(world: World) -> None:
    bot = await world.start(defer_after_s=0.1)
    bot.status.delay_s = 0.4
    seen = await bot.run("status", {"exchange": "loopex"})
    assert seen.deferred and not seen.ephemeral
    (callback,) = bot.dc.callbacks_for(seen.interaction_id)
    assert callback.type == 5 and not callback.ephemeral
    assert seen.title == "Loopex — support is live now ✅"
    (followup,) = bot.dc.followups_for(seen.interaction_id)
    assert followup.replaced_original  # "thinking…" became the answer
    assert bot.adapter.stats.deferred == 1
    bot.status.delay_s = 0.0
    quick = await bot.run("status", {"exchange": "loopex"})
    assert not quick.deferred


async def test_a_failed_command_apologises_only_to_the_user(world: World) -> None:
    bot = await world.start(defer_after_s=0.1)
    bot.status.fail = True
    seen = await bot.run("status", {"exchange": "loopex"})
    assert (seen.title, seen.ephemeral, seen.deferred) == (APOLOGY, True, False)
    bot.status.delay_s = 0.3
    late = await bot.run("status", {"exchange": "loopex"}, locale="zh-CN")
    assert late.deferred and late.ephemeral
    assert late.title == "我们这边出了点问题，请稍后再试。"
    # The public "thinking…" message was removed; the apology went to the user alone.
    assert bot.dc.original_message(late.interaction_id) is None
    bot.status.fail = False
    bot.status.delay_s = 0.0
    assert (await bot.run("status", {"exchange": "loopex"})).title.startswith("Loopex")


async def test_a_429_on_a_followup_is_waited_out(world: World) -> None:
    bot = await world.start(defer_after_s=0.05)
    bot.status.delay_s = 0.2
    rule = bot.dc.fail_next("POST", r"^/webhooks/", 429, retry_after=0.1)
    seen = await bot.run("status", {"exchange": "loopex"})
    assert seen.deferred and seen.title == "Loopex — support is live now ✅"
    assert rule.hits == 1


async def test_a_discord_server_error_slows_the_answer_down(world: World) -> None:
    bot = await world.start()
    rule = bot.dc.fail_next("POST", r"^/interactions/", 503)
    started = time.monotonic()
    seen = await bot.run("help")
    assert rule.hits == 1 and time.monotonic() - started >= 1.0  # discord.py waited, retried
    assert seen.title == "supportlive — is support live now?"


async def test_a_refused_answer_gets_an_apology_and_the_bot_goes_on(world: World) -> None:
    bot = await world.start()
    rule = bot.dc.fail_next("POST", r"^/interactions/", 400)
    seen = await bot.run("help")
    assert rule.hits == 1
    assert (seen.title, seen.ephemeral) == (APOLOGY, True)
    assert bot.adapter.stats.errors == 1
    assert (await bot.run("help")).title == "supportlive — is support live now?"


async def test_a_rejected_token_is_logged_and_keeps_healthz_failing(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    settings = world.settings(discord_bot_token="not-the-right-token-123456")
    supervisor = Supervisor()
    with caplog.at_level(logging.INFO):
        bot = await world.start(settings=settings, wait=False, supervisor=supervisor)
        await world.dc.wait_until(lambda: world.dc.requests, what="a log-in attempt")
        assert not await bot.adapter.wait_ready(0.3)
        # /healthz stays 503 naming Discord: the bot must not look healthy while it is off.
        [problem] = supervisor.problems()
        await bot.adapter.stop()
    assert problem.startswith("discord is down for ")
    assert problem.endswith(
        ": Refused: Discord rejected DISCORD_BOT_TOKEN; the Discord bot stays off"
    )
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == ["Discord rejected DISCORD_BOT_TOKEN; the Discord bot stays off"]
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "not-the-right-token" not in logged and TOKEN not in logged
    assert world.dc.sync_count == 0


async def test_an_unreachable_discord_is_retried_in_the_background(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    settings = world.settings(
        discord_api_base_url="http://127.0.0.1:9/api/v10", discord_gateway_url="ws://127.0.0.1:9"
    )
    with caplog.at_level(logging.WARNING):
        bot = await world.start(settings=settings, wait=False)
        for _ in range(100):
            if any("Discord unreachable" in r.getMessage() for r in caplog.records):
                break
            await asyncio.sleep(0.02)
        started = time.monotonic()
        await bot.adapter.stop()
    assert time.monotonic() - started < 0.5
    assert any("next try in 1 s" in r.getMessage() for r in caplog.records)


async def test_healthz_names_discord_while_it_cannot_be_reached(world: World) -> None:
    supervisor = Supervisor()
    unreachable = world.settings(
        discord_api_base_url="http://127.0.0.1:9/api/v10", discord_gateway_url="ws://127.0.0.1:9"
    )
    away = await world.start(settings=unreachable, wait=False, supervisor=supervisor)
    deadline = time.monotonic() + 30
    while not supervisor.problems():
        assert time.monotonic() < deadline, "/healthz never named Discord"
        await asyncio.sleep(0.05)
    [problem] = supervisor.problems()
    await away.adapter.stop()
    assert problem.startswith("discord is down for ")
    assert problem.endswith(": ConnectionError: Discord unreachable (ClientConnectorError)")

    reachable = Supervisor()
    await world.start(supervisor=reachable)  # waits until the bot is connected
    [status] = reachable.statuses()
    assert status.state is TaskState.UP and not reachable.problems()


async def test_retries_against_an_unreachable_discord_leave_no_session_open(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    settings = world.settings(
        discord_api_base_url="http://127.0.0.1:9/api/v10", discord_gateway_url="ws://127.0.0.1:9"
    )
    with caplog.at_level(logging.WARNING):
        bot = await world.start(settings=settings, wait=False)
        deadline = time.monotonic() + 30
        while sum("Discord unreachable" in m for m in caplog.messages) < 3:
            assert time.monotonic() < deadline, caplog.messages
            await asyncio.sleep(0.05)
        gc.collect()  # a session dropped unclosed complains when it is collected
        await asyncio.sleep(0)
        await bot.adapter.stop()
    assert not [m for m in caplog.messages if "Unclosed" in m], caplog.messages


async def test_commands_sync_only_when_they_changed(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    first = await world.start()
    assert world.dc.sync_count == 1
    digest = first.settings.database_path.parent / SYNC_FILE
    assert len(digest.read_text().strip()) == 64
    started = time.monotonic()
    await first.adapter.stop()
    assert time.monotonic() - started < 5.0
    with caplog.at_level(logging.INFO):
        second = await world.start()
    assert world.dc.sync_count == 1
    assert "Discord slash commands unchanged; not syncing" in caplog.messages
    assert (await second.run("help")).title == "supportlive — is support live now?"
    await second.adapter.stop()
    third = await world.start(settings=world.settings(discord_test_guild_id=GUILD_ID))
    assert world.dc.sync_count == 2
    assert len(world.dc.guild_commands(GUILD_ID)) == len(menu_commands())
    seen = await third.run("status", {"exchange": "loopex"})
    assert seen.title == "Loopex — support is live now ✅"
    dm = await third.run("help", guild_id=None, user_id=USER_ID)
    assert dm.title == "supportlive — is support live now?"


async def test_stop_restores_the_discord_endpoints(world: World) -> None:
    import discord.gateway
    import discord.http

    before = (discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY)
    bot = await world.start()
    assert world.dc.api_base == discord.http.Route.BASE
    await bot.adapter.stop()
    assert before == (discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY)
    assert bot.adapter.client is not None and bot.adapter.client.is_closed()


async def test_a_failed_log_in_is_retried_with_a_fresh_session(world: World) -> None:
    rule = world.dc.fail_next("GET", r"^/users/@me", 400)
    bot = await world.start(wait=False)
    assert await bot.adapter.wait_ready(30), "the second log-in connected"
    assert rule.hits == 1
    assert (await bot.run("help")).title == "supportlive — is support live now?"
