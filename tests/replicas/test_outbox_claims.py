"""Two drainers on one SQLite outbox, in two processes, as two replicas drain it: every chat
gets its alert exactly once. A claim is atomic (BEGIN IMMEDIATE), and a drainer that starts
while the other holds rows leaves them alone (claims are leased and renewed).

Each drainer sends to its own fake Bot API, so the test knows who sent what. The first one's
sends are held once it has sent a few, until the second has sent one: the second must claim
rows while the first holds its own (however long the second process takes to start on a
loaded machine), and the first may not finish the outbox alone before the second arrives.
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from bot.catalog.models import catalog_from_data
from bot.clock import FakeClock
from storage import open_database, outbox
from storage.store import Store
from tests.alerts.conftest import CATALOG_DATA, START, FakeLive, down, record
from tests.fakes.telegram_api import FakeTelegram, JsonDict

pytestmark = pytest.mark.timeout(180)

ROOT = Path(__file__).resolve().parents[2]
SUBSCRIBERS = 400
RATE_PER_S = 100
HEAD_START = 10  # the first's sends that go through before the second has sent one
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

    async with (
        FakeTelegram(token="123:ABC") as first_api,
        FakeTelegram(token="123:ABC") as second_api,
    ):
        send = first_api.method_handler("sendMessage")

        async def send_once_the_second_has(params: JsonDict) -> Any:
            if len(first_api.sent_messages()) >= HEAD_START:
                await second_api.wait_for_messages(1, timeout=150)
            return await send(params)

        first_api.register_method("sendMessage", send_once_the_second_has)
        first = await start_worker(db_path, first_api.base_url)
        # The second starts while the first holds claimed rows, not yet sent.
        await first_api.wait_for_messages(HEAD_START, timeout=120)
        second = await start_worker(db_path, second_api.base_url)
        codes = await asyncio.wait_for(asyncio.gather(first.wait(), second.wait()), 160)
        sent = first_api.sent_messages() + second_api.sent_messages()
        by_second = len(second_api.sent_messages())
    assert codes == [0, 0]
    per_chat = Counter(int(m["chat_id"]) for m in sent)
    assert set(per_chat) == set(range(1, SUBSCRIBERS + 1)), "every chat got its alert"
    assert max(per_chat.values()) == 1, "no alert was sent twice"
    assert HEAD_START <= len(sent) - by_second < SUBSCRIBERS, "the first drained part"
    assert by_second > 0, "the second claimed rows the first did not hold"

    db = await open_database(db_path)
    async with db.transaction() as conn:
        assert (await outbox.depth(conn))["sent"] == SUBSCRIBERS
    await db.close()
