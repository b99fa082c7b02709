"""SIGKILL loses no alert: not a drainer killed mid fan-out (at least once), not the real
`supportlive run` killed inside the transaction recording a transition (exactly once)."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import sys
from collections import Counter
from pathlib import Path

import aiohttp

from bot.catalog import Catalog
from bot.clock import FakeClock
from storage import open_database, outbox
from storage.store import Store
from tests.alerts.conftest import FakeLive, down, record
from tests.fakes.telegram_api import FakeTelegram
from tests.support.paused_run import MARK
from tests.support.process import CHAT, DOWN_ALERT, BotProcess, bot_env, subscribed_and_live
from tests.support.site import SupportSite
from tests.telegram.conftest import TOKEN

ROOT = Path(__file__).resolve().parents[2]
SUBSCRIBERS = 400
# Slow enough that a third of the sends leaves seconds to kill the worker before it is done.
RATE_PER_S = 100


async def start_worker(db_path: Path, tg: FakeTelegram) -> asyncio.subprocess.Process:
    env = {**os.environ, "PTB_TIMEDELTA": "1", "NO_PROXY": "127.0.0.1,localhost"}
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.alerts.drain_worker",
        str(db_path),
        tg.base_url,
        str(RATE_PER_S),
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
    )


async def test_a_drainer_killed_mid_fan_out_delivers_to_everyone_after_restart(
    tmp_path: Path, catalog: Catalog, clock: FakeClock
) -> None:
    db_path = tmp_path / "crash.sqlite3"
    db = await open_database(db_path)
    store = Store(db, now=clock.now)
    for chat in range(1, SUBSCRIBERS + 1):
        await store.subscribe("telegram", chat, "mexc", None, "zh" if chat % 3 == 0 else "en")
    written = await record(store, catalog, FakeLive(clock), down())
    await db.close()
    assert written.rows == SUBSCRIBERS

    async with FakeTelegram(token="123:ABC") as tg:
        first = await start_worker(db_path, tg)
        # Generous: on a loaded machine the worker can take many seconds to import and start.
        await tg.wait_for_messages(SUBSCRIBERS // 3, timeout=120)
        first.kill()  # SIGKILL: no cleanup, rows stay in `sending`
        await first.wait()
        at_kill = len(tg.sent_messages())
        assert at_kill < SUBSCRIBERS, "the worker finished before it was killed"

        second = await start_worker(db_path, tg)
        assert await asyncio.wait_for(second.wait(), 120) == 0

    per_chat = Counter(int(m["chat_id"]) for m in tg.sent_messages())
    duplicates = sum(n - 1 for n in per_chat.values())
    print(
        f"\nSIGKILL after {at_kill} of {SUBSCRIBERS} sends; after restart every chat got it; "
        f"duplicates: {duplicates}"
    )
    assert set(per_chat) == set(range(1, SUBSCRIBERS + 1))
    assert duplicates <= 100  # at most the rows in flight (max_in_flight=100) at the kill
    texts = {int(m["chat_id"]): m["text"] for m in tg.sent_messages()}
    assert texts[1].startswith("<b>❌ MEXC Online customer service is down</b>\n")
    assert texts[3].startswith("<b>❌ MEXC 在线客服 无法访问</b>\n")

    db = await open_database(db_path)
    async with db.transaction() as conn:
        assert (await outbox.depth(conn))["sent"] == SUBSCRIBERS
    await db.close()


async def test_supportlive_killed_while_recording_a_transition_alerts_once_after_restart(
    tmp_path: Path,
) -> None:
    db_path = tmp_path / "db" / "bot.sqlite3"
    async with (
        SupportSite() as site,
        FakeTelegram(token=TOKEN) as tg,
        aiohttp.ClientSession() as http,
    ):
        env = bot_env(tmp_path, site, tg)
        async with BotProcess(env, tmp_path, "tests.support.paused_run") as first:
            await subscribed_and_live(tg, http, await first.web_base())
            site.down.add("chat")
            await first.wait_for_line(MARK, stdout=True, timeout=60)
            first.kill()  # inside the transaction: the transition and its rows roll back
            await first.wait(30)
        assert len(tg.sent_messages(CHAT)) == 1, "nothing was sent before the kill"

        async with BotProcess(env, tmp_path) as second:
            [_, down] = await tg.wait_for_messages(2, chat_id=CHAT, timeout=60)
            await second.wait_for_line("supportlive running", timeout=30)
            await asyncio.sleep(3)  # room for a duplicate to show up, if there were one
            assert await second.stop() == 0, second.log

    assert down["text"].startswith(DOWN_ALERT + "\n"), down["text"]
    assert len(tg.sent_messages(CHAT)) == 2, "the down alert arrived exactly once"
    with sqlite3.connect(db_path) as conn:
        rows = conn.execute("SELECT state FROM outbox WHERE kind = 'down'").fetchall()
        downs = conn.execute("SELECT count(*) FROM transitions WHERE new = 'down'").fetchall()
    assert (rows, downs) == ([("sent",)], [(1,)])
