"""The real `supportlive run` with its database faulted from outside: locked by another
connection for 15 s, or deleted. Alerts still arrive; /healthz says what is wrong meanwhile."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from pathlib import Path

import aiohttp
import pytest

from bot.app import running
from bot.catalog import load_catalog
from bot.clock import SystemClock
from bot.settings import load_settings
from bot.vocab import Health
from storage import DatabaseDamaged
from tests.fakes.telegram_api import FakeTelegram
from tests.support.process import (
    CHAT,
    DOWN_ALERT,
    BotProcess,
    bot_env,
    get_health,
    subscribed_and_live,
    until,
)
from tests.support.site import SupportSite, write_catalog
from tests.telegram.conftest import TOKEN


async def test_an_alert_recorded_while_the_database_is_locked_arrives_after_the_lock(
    tmp_path: Path,
) -> None:
    db_path = tmp_path / "db" / "bot.sqlite3"
    health_during_lock: list[tuple[int, str]] = []
    async with (
        SupportSite() as site,
        FakeTelegram(token=TOKEN) as tg,
        BotProcess(bot_env(tmp_path, site, tg), tmp_path) as bot,
        aiohttp.ClientSession() as http,
    ):
        base = await bot.web_base()
        await subscribed_and_live(tg, http, base)

        other = sqlite3.connect(db_path, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")  # another process holds the write lock
        locked_at = time.monotonic()
        site.down.add("chat")
        while time.monotonic() - locked_at < 15:
            health_during_lock.append(await get_health(http, base))
            await asyncio.sleep(0.5)
        assert len(tg.sent_messages(CHAT)) == 1, "no alert can be recorded during the lock"
        other.execute("ROLLBACK")
        other.close()

        [_, down] = await tg.wait_for_messages(2, chat_id=CHAT, timeout=60)

        async def healthy() -> bool:
            return (await get_health(http, base))[0] == 200

        await until("/healthz back to 200", healthy)
        assert await bot.stop() == 0, bot.log

    assert down["text"].startswith(DOWN_ALERT + "\n"), down["text"]
    unhealthy = [reason for status, reason in health_during_lock if status == 503]
    assert unhealthy, f"/healthz never said 503 during the lock: {health_during_lock}"
    assert any("database is locked" in reason for reason in unhealthy), unhealthy
    assert "Traceback" not in bot.log, bot.log
    assert "recovered after" in bot.log


async def test_a_stop_while_the_database_is_locked_ends_within_a_few_seconds(
    tmp_path: Path,
) -> None:
    db_path = tmp_path / "db" / "bot.sqlite3"
    async with (
        SupportSite() as site,
        FakeTelegram(token=TOKEN) as tg,
        BotProcess(bot_env(tmp_path, site, tg), tmp_path) as bot,
        aiohttp.ClientSession() as http,
    ):
        base = await bot.web_base()
        await subscribed_and_live(tg, http, base)
        other = sqlite3.connect(db_path, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")  # held until after the stop
        try:

            async def unhealthy() -> bool:
                return (await get_health(http, base))[0] == 503

            await until("tasks to wait on the lock", unhealthy)
            started = time.monotonic()
            code = await bot.stop(timeout=30)
            took = time.monotonic() - started
        finally:
            other.execute("ROLLBACK")
            other.close()
    assert code == 0, bot.log
    # Container platforms send SIGKILL 10 s after SIGTERM; a stop must end well before.
    assert took < 8, f"stopping took {took:.1f} s:\n{bot.log}"
    assert "final flush failed at stop: database is locked" in bot.log, bot.log
    assert "Traceback" not in bot.log, bot.log


@pytest.mark.parametrize("where", ["file", "folder"])
async def test_a_deleted_database_is_written_back_and_keeps_what_it_held(
    tmp_path: Path, where: str
) -> None:
    db_path = tmp_path / "db" / "bot.sqlite3"
    async with (
        SupportSite() as site,
        FakeTelegram(token=TOKEN) as tg,
        BotProcess(bot_env(tmp_path, site, tg), tmp_path) as bot,
        aiohttp.ClientSession() as http,
    ):
        base = await bot.web_base()
        await subscribed_and_live(tg, http, base)
        if where == "file":
            db_path.unlink()
        else:
            for path in db_path.parent.iterdir():
                path.unlink()
            db_path.parent.rmdir()
        await bot.wait_for_line("written back; writes go to it again", timeout=60)

        # Written after the deletion: a down alert, from the restored file's subscription.
        site.down.add("chat")
        [_, down] = await tg.wait_for_messages(2, chat_id=CHAT, timeout=60)
        assert await bot.stop() == 0, bot.log

    assert down["text"].startswith(DOWN_ALERT + "\n"), down["text"]
    with sqlite3.connect(db_path) as conn:
        [(subscriptions,)] = conn.execute("SELECT count(*) FROM subscriptions").fetchall()
        [(alerts,)] = conn.execute(
            "SELECT count(*) FROM outbox WHERE kind = 'down' AND state = 'sent'"
        ).fetchall()
    assert (subscriptions, alerts) == (1, 1), "what came before and after the deletion is kept"
    assert "was deleted while running; writing it back" in bot.log
    assert "Traceback" not in bot.log, bot.log


async def test_a_replaced_database_makes_healthz_say_so(tmp_path: Path) -> None:
    db_path = tmp_path / "db" / "bot.sqlite3"
    async with (
        SupportSite() as site,
        FakeTelegram(token=TOKEN) as tg,
        BotProcess(bot_env(tmp_path, site, tg), tmp_path) as bot,
        aiohttp.ClientSession() as http,
    ):
        base = await bot.web_base()
        await subscribed_and_live(tg, http, base)
        replacement = db_path.with_name("other.sqlite3")
        sqlite3.connect(replacement).close()
        replacement.replace(db_path)

        async def unhealthy() -> bool:
            return (await get_health(http, base))[0] == 503

        await until("/healthz to say 503", unhealthy)
        _, reason = await get_health(http, base)
        assert await bot.stop() == 0, bot.log
    assert "was replaced by another file while running" in reason, reason


async def test_a_failing_maintenance_announcer_holds_up_no_alert(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def corrupt(*args: object, **kwargs: object) -> int:
        # What a corrupt page under the maintenance tables does to every read of them.
        raise DatabaseDamaged("database disk image is malformed", code="SQLITE_CORRUPT")

    monkeypatch.setattr("bot.alerts.drainer.announce_maintenance", corrupt)
    async with SupportSite() as site, FakeTelegram(token=TOKEN) as tg:
        settings = load_settings(
            catalog_path=write_catalog(tmp_path, site.port, interval_s=1.0),
            database_path=tmp_path / "bot.sqlite3",
            allow_local_targets=True,
            telegram_bot_token=TOKEN,
            telegram_api_base_url=tg.base_url,
            web_enabled=False,
            canary_urls=(),  # no internet: the default canaries would make the bot blind
        )
        catalog = load_catalog(settings.catalog_path, allow_local=True)
        async with running(settings, catalog, SystemClock()) as runtime:
            await tg.wait_for_calls("setMyCommands", n=2, timeout=30)
            tg.push_message("/subscribe loopex", chat_id=CHAT)
            await tg.wait_for_messages(1, chat_id=CHAT, timeout=30)

            async def up() -> bool:
                state = runtime.monitor.health("loopex/live_chat")
                return state is not None and state.health is Health.UP

            await until("the live chat up", up)
            site.down.add("chat")
            [_, down] = await tg.wait_for_messages(2, chat_id=CHAT, timeout=60)
            healthy, reason = await runtime.health_check()
    assert down["text"].startswith(DOWN_ALERT + "\n")
    assert not healthy
    assert reason.startswith("maintenance announcer is down for ")
    assert reason.endswith("DatabaseDamaged: database disk image is malformed")
