"""A large fan-out, then claims: every row once, oldest first, one unfinished row per chat at
a time — on both engines; on PostgreSQL the fan-out leaves the outbox's statistics fresh, so
the drainer's claims get a good plan at once (storage/outbox.py: `fan_out`)."""

from __future__ import annotations

from storage import Database, outbox

from .conftest import NOW

NOW_S = NOW.timestamp()
CHATS = 250  # above outbox.ANALYZE_AFTER_ROWS with one subscription per chat
SECOND_SUBSCRIPTION_EVERY = 5  # chats 0, 5, 10... follow the exchange twice


async def subscribe(db: Database) -> list[tuple[str, str]]:
    """Each chat follows mexc once; every fifth chat twice (whole exchange, and live_chat)."""
    rows = [(str(1000 + n), "*") for n in range(CHATS)]
    rows += [(str(1000 + n), "live_chat") for n in range(0, CHATS, SECOND_SUBSCRIPTION_EVERY)]
    async with db.transaction() as conn:
        await conn.executemany(
            "INSERT INTO subscriptions (platform, chat_id, exchange, channel, locale, "
            "created_at) VALUES ('telegram', ?, 'mexc', ?, 'en', ?)",
            [(chat, channel, NOW_S) for chat, channel in rows],
        )
    return rows


async def fan_out_down(db: Database) -> int:
    async with db.transaction() as conn:
        return await outbox.fan_out(
            conn,
            exchange="mexc",
            channel="live_chat",
            kind="down",
            payload={"channel": "mexc/live_chat"},
            due_at=NOW_S,
        )


async def claim_all(db: Database, limit: int) -> list[list[outbox.OutboxRow]]:
    """Claim batches of `limit` until nothing is left, marking each batch sent."""
    batches = []
    while True:
        async with db.transaction() as conn:
            batch = await outbox.claim(conn, NOW_S, limit, ["telegram"])
            if not batch:
                return batches
            await outbox.mark_sent(conn, [row.id for row in batch], NOW_S)
        batches.append(batch)


async def test_a_large_fan_out_is_claimed_once_oldest_first_one_per_chat(db: Database) -> None:
    subscriptions = await subscribe(db)
    assert await fan_out_down(db) == len(subscriptions)

    batches = await claim_all(db, limit=100)

    claimed = [row for batch in batches for row in batch]
    assert len(claimed) == len(subscriptions)
    assert len({row.id for row in claimed}) == len(claimed)
    assert sorted((row.chat_id, row.subscribed) for row in claimed) == sorted(subscriptions)
    for batch in batches:
        assert [row.id for row in batch] == sorted(row.id for row in batch)
        chats = [row.chat_id for row in batch]
        assert len(chats) == len(set(chats)), "two rows of one chat claimed together"
    # A chat's second row comes only after its first was settled: in a later batch. The last
    # chats' second rows wait one batch more than the rest (4 batches, not 3).
    batch_of = {
        (row.chat_id, row.subscribed): n for n, batch in enumerate(batches) for row in batch
    }
    for chat in (str(1000 + n) for n in range(0, CHATS, SECOND_SUBSCRIPTION_EVERY)):
        assert batch_of[chat, "*"] < batch_of[chat, "live_chat"]
    assert [len(batch) for batch in batches] == [100, 100, 90, 10]


async def test_on_postgresql_a_large_fan_out_leaves_fresh_statistics(db: Database) -> None:
    if db.dialect != "postgresql":
        return  # SQLite plans without table statistics here (no ANALYZE is ever run)
    subscriptions = await subscribe(db)
    async with db.reading() as conn:
        before = await conn.fetchval("SELECT reltuples FROM pg_class WHERE relname = 'outbox'")

    await fan_out_down(db)

    async with db.reading() as conn:
        after = await conn.fetchval("SELECT reltuples FROM pg_class WHERE relname = 'outbox'")
        # The small sample was this transaction's: the pooled connection (the only one this
        # test opened) is back to the server's default.
        target = await conn.fetchval("SHOW default_statistics_target")
    assert before <= 0  # never analyzed (-1) or empty
    assert after == len(subscriptions)
    assert target == "100"
