"""Claims on Telegram updates: the first claim of (bot, update_id) wins, across connections
to one file as within one; retention forgets claims after a day."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from storage import Database, Store, open_database

from .conftest import NOW

BOT = 4242


async def claims_left(store: Store) -> list[tuple[int, int]]:
    async with store.db.reading() as conn:
        rows = await conn.fetchall(
            "SELECT bot_id, update_id FROM telegram_updates ORDER BY bot_id, update_id"
        )
    return [(row[0], row[1]) for row in rows]


async def test_an_update_is_claimed_once(store: Store) -> None:
    assert await store.claim_telegram_update(BOT, 1001) is True
    assert await store.claim_telegram_update(BOT, 1001) is False
    assert await store.claim_telegram_update(BOT, 1002) is True
    # Another bot's update ids are its own (a new token on the same database).
    assert await store.claim_telegram_update(BOT + 1, 1001) is True
    assert await claims_left(store) == [(BOT, 1001), (BOT, 1002), (BOT + 1, 1001)]


async def test_a_second_process_on_the_same_database_sees_the_claim(
    db: Database, database_target: str | Path
) -> None:
    other_db = await open_database(database_target)
    try:
        first, second = Store(db, now=lambda: NOW), Store(other_db, now=lambda: NOW)
        assert await first.claim_telegram_update(BOT, 77) is True
        assert await second.claim_telegram_update(BOT, 77) is False
        assert await second.claim_telegram_update(BOT, 78) is True
        assert await first.claim_telegram_update(BOT, 78) is False
    finally:
        await other_db.close()


async def test_retention_forgets_claims_older_than_a_day(db: Database) -> None:
    for hours_ago, update_id in ((25, 1), (24, 2), (23, 3), (1, 4)):
        store = Store(db, now=lambda hours_ago=hours_ago: NOW - timedelta(hours=hours_ago))
        assert await store.claim_telegram_update(BOT, update_id)
    store = Store(db, now=lambda: NOW)

    report = await store.prune(NOW)

    assert report.updates_deleted == 1
    assert await claims_left(store) == [(BOT, 2), (BOT, 3), (BOT, 4)]
    # Forgotten, a very late redelivery would be handled again: Telegram stops long before.
    assert await store.claim_telegram_update(BOT, 1) is True
