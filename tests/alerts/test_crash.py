"""A drainer killed with SIGKILL mid fan-out loses nothing once restarted (at least once)."""

from __future__ import annotations

import asyncio
import os
import sys
from collections import Counter
from pathlib import Path

from bot.catalog import Catalog
from bot.clock import FakeClock
from storage import outbox
from storage.db import open_database
from storage.store import Store
from tests.alerts.conftest import FakeLive, down, record
from tests.fakes.telegram_api import FakeTelegram

ROOT = Path(__file__).resolve().parents[2]
SUBSCRIBERS = 400


async def start_worker(db_path: Path, tg: FakeTelegram) -> asyncio.subprocess.Process:
    env = {**os.environ, "PTB_TIMEDELTA": "1", "NO_PROXY": "127.0.0.1,localhost"}
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.alerts.drain_worker",
        str(db_path),
        tg.base_url,
        "200",
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
        await tg.wait_for_messages(SUBSCRIBERS // 3, timeout=20)
        first.kill()  # SIGKILL: no cleanup, rows stay in `sending`
        await first.wait()
        at_kill = len(tg.sent_messages())
        assert at_kill < SUBSCRIBERS, "the worker finished before it was killed"

        second = await start_worker(db_path, tg)
        assert await asyncio.wait_for(second.wait(), 25) == 0

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
