"""The real `supportlive run` on PostgreSQL while the server goes away for 10 s and comes back:
/healthz says 503 meanwhile, the log stays short (no traceback floods), and the bot carries on:
an alert recorded before the outage and one recorded after it are each delivered once."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import aiohttp
import asyncpg
import pytest

from tests.fakes.telegram_api import FakeTelegram
from tests.pg import PgServer
from tests.support.process import (
    CHAT,
    DOWN_ALERT,
    BotProcess,
    bot_env,
    get_health,
    subscribed_and_live,
    until,
)
from tests.support.site import SupportSite
from tests.telegram.conftest import TOKEN

OUTAGE_S = 10
# Log lines the whole outage may cost: a few per task that notices, not one per retry.
MAX_OUTAGE_LOG_LINES = 30


async def sent_alerts(dsn: str) -> list[tuple[str, str]]:
    conn = await asyncpg.connect(dsn)
    try:
        rows = await conn.fetch("SELECT kind, state FROM outbox ORDER BY id")
    finally:
        await conn.close()
    return [(row["kind"], row["state"]) for row in rows]


@pytest.mark.timeout(240)
async def test_postgresql_going_away_for_10_s_gives_503_and_the_bot_carries_on(
    tmp_path: Path, pg_server: PgServer, pg_dsn: str
) -> None:
    health_during: list[tuple[int, str]] = []
    async with (
        SupportSite() as site,
        FakeTelegram(token=TOKEN) as tg,
        BotProcess({**bot_env(tmp_path, site, tg), "DATABASE_URL": pg_dsn}, tmp_path) as bot,
        aiohttp.ClientSession() as http,
    ):
        base = await bot.web_base()
        await subscribed_and_live(tg, http, base)
        # Before the outage: the live chat goes down; its alert is recorded and sent.
        site.down.add("chat")
        [_, down] = await tg.wait_for_messages(2, chat_id=CHAT, timeout=60)

        lines_before = len(bot.err)
        pg_server.stop()
        stopped = time.monotonic()
        site.down.discard("chat")  # it recovers while the database is away
        while time.monotonic() - stopped < OUTAGE_S:
            health_during.append(await get_health(http, base))
            await asyncio.sleep(0.5)
        pg_server.start()
        outage_log = bot.err[lines_before:]

        # After: the recovery is recorded once the database is back, and sent.
        [_, _, back] = await tg.wait_for_messages(3, chat_id=CHAT, timeout=90)

        async def healthy() -> bool:
            return (await get_health(http, base))[0] == 200

        await until("/healthz back to 200", healthy, timeout=90)
        # Long enough for a second copy of either alert to arrive, were one to be sent.
        await asyncio.sleep(3)
        messages = [m["text"] for m in tg.sent_messages(CHAT)]
        assert await bot.stop() == 0, bot.log

    assert down["text"].startswith(DOWN_ALERT + "\n"), down["text"]
    assert "back" in back["text"].lower(), back["text"]
    assert len(messages) == 3, messages  # the subscription's reply, then each alert once
    assert [kind for kind, _ in await sent_alerts(pg_dsn)] == ["down", "recovered"]
    unhealthy = [reason for status, reason in health_during if status == 503]
    assert len(unhealthy) >= len(health_during) // 2, health_during
    assert all(status in (200, 503) for status, _ in health_during), health_during
    assert "Traceback" not in bot.log, bot.log
    assert len(outage_log) <= MAX_OUTAGE_LOG_LINES, "".join(outage_log)
