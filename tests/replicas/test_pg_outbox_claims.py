"""Two replicas claiming alerts from one PostgreSQL outbox at the same moment: each takes
rows the other has not locked, without waiting for it (FOR UPDATE SKIP LOCKED), and a chat's
later alert stays behind its first while the other replica holds that one."""

from __future__ import annotations

import asyncio

from bot.catalog.models import catalog_from_data
from bot.clock import FakeClock
from storage import open_database, outbox
from storage.store import Store
from tests.alerts.conftest import CATALOG_DATA, START, FakeLive, down, record

CHATS = 10


async def test_two_claims_at_once_take_different_rows_without_waiting(pg_dsn: str) -> None:
    clock = FakeClock(START)
    first_db, second_db = await open_database(pg_dsn), await open_database(pg_dsn)
    try:
        store = Store(first_db, now=clock.now)
        for chat in range(1, CHATS + 1):
            await store.subscribe("telegram", chat, "mexc", None, "en")
        catalog, live = catalog_from_data(CATALOG_DATA), FakeLive(clock)
        await record(store, catalog, live, down())  # one row per chat: ids 1..10
        await record(store, catalog, live, down("mexc/help_center"))  # each chat's second
        now = clock.now().timestamp()
        async with first_db.transaction() as first:
            # Claimed, not yet committed: these rows stay locked while the second claims.
            mine = await outbox.claim(first, now, CHATS // 2, ["telegram"])
            async with asyncio.timeout(10), second_db.transaction() as second:
                theirs = await outbox.claim(second, now, 100, ["telegram"])
    finally:
        await first_db.close()
        await second_db.close()
    assert len(mine) == CHATS // 2
    mine_chats = {row.chat_id for row in mine}
    theirs_chats = {row.chat_id for row in theirs}
    assert not mine_chats & theirs_chats, "a chat's second alert waits for its first"
    assert len(theirs) == CHATS - CHATS // 2, "every other chat's head, none twice"
    assert {row.kind for row in mine + theirs} == {"down"}
