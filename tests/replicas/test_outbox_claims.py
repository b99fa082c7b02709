"""Two drainers on one SQLite outbox, in two processes, as two replicas drain it: every chat
gets its alert exactly once. A claim is atomic (BEGIN IMMEDIATE), and a drainer that starts
while the other holds rows leaves them alone (claims are leased and renewed)."""

from __future__ import annotations

import asyncio
import os
import sys
from collections import Counter
from pathlib import Path

import pytest

from bot.catalog.models import catalog_from_data
from bot.clock import FakeClock
from storage import open_database, outbox
from storage.store import Store
from tests.alerts.conftest import CATALOG_DATA, START, FakeLive, down, record
from tests.fakes.telegram_api import FakeTelegram

pytestmark = pytest.mark.timeout(180)

ROOT = Path(__file__).resolve().parents[2]
SUBSCRIBERS = 400
RATE_PER_S = 100  # each worker: 400 alerts take both of them seconds, so their work overlaps
LEASE_S = 60.0


async def start_worker(db_path: Path, base_url: str) -> asyncio.subprocess.Process:
    env = {**os.environ, "PTB_TIMEDELTA": "1", "NO_PROXY": "127.0.0.1,localhost"}
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.alerts.drain_worker",
        str(db_path),
        base_url,
        str(RATE_PER_S),
        str(LEASE_S),
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
    )


async def test_two_drainer_processes_send_each_alert_exactly_once(tmp_path: Path) -> None:
    db_path = tmp_path / "outbox.sqlite3"
    clock = FakeClock(START)
    db = await open_database(db_path)
    store = Store(db, now=clock.now)
    for chat in range(1, SUBSCRIBERS + 1):
        await store.subscribe("telegram", chat, "mexc", None, "en")
    catalog = catalog_from_data(CATALOG_DATA)
    written = await record(store, catalog, FakeLive(clock), down())
    await db.close()
    assert written.rows == SUBSCRIBERS

    async with FakeTelegram(token="123:ABC") as tg:
        first = await start_worker(db_path, tg.base_url_for("first"))
        # The second starts while the first holds claimed rows, not yet sent.
        await tg.wait_for_messages(10, timeout=120)
        second = await start_worker(db_path, tg.base_url_for("second"))
        codes = await asyncio.wait_for(asyncio.gather(first.wait(), second.wait()), 150)
    assert codes == [0, 0]
    per_chat = Counter(int(m["chat_id"]) for m in tg.sent_messages())
    senders = Counter(c.caller for c in tg.calls("sendMessage") if c.ok)
    assert set(per_chat) == set(range(1, SUBSCRIBERS + 1))
    assert max(per_chat.values()) == 1, "no alert was sent twice"
    assert senders["first"] and senders["second"], f"both drained: {senders}"

    db = await open_database(db_path)
    async with db.transaction() as conn:
        assert (await outbox.depth(conn))["sent"] == SUBSCRIBERS
    await db.close()
