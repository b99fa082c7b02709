"""Migration 0011: the outbox's references are no longer foreign keys (the checks were most of
a large fan-out's time on PostgreSQL). Every row is kept as it was, on both engines, and the
rebuilt SQLite table keeps its checks and indexes."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from storage import ConstraintViolation, Database, open_database, outbox
from storage.engine import Dialect
from storage.schema import migrations_dir

COLUMNS = (
    "id, subscription_id, platform, chat_id, transition_id, exchange, channel, kind, payload, "
    "locale, created_at, due_at, attempts, state, claimed_at, sent_at, superseded_by, last_error"
)


def _before_0011(dialect: Dialect, folder: Path) -> Path:
    folder.mkdir()
    for path in sorted(migrations_dir(dialect).glob("*.sql")):
        if path.name < "0011":
            shutil.copy(path, folder / path.name)
    return folder


async def test_the_outbox_keeps_every_row_and_check(
    database_target: str | Path, tmp_path: Path
) -> None:
    dialect: Dialect = "sqlite" if isinstance(database_target, Path) else "postgresql"
    before = _before_0011(dialect, tmp_path / "before")
    db = await open_database(database_target, migrations_dir=before)
    async with db.transaction() as conn:
        await conn.execute(
            "INSERT INTO subscriptions (platform, chat_id, exchange, locale, created_at) "
            "VALUES ('telegram', '7', 'mexc', 'zh', 0)"
        )
        for at in (1.0, 2.0):
            await conn.execute(
                "INSERT INTO transitions (channel, exchange, at, old, new) "
                "VALUES ('mexc/live_chat', 'mexc', ?, 'up', 'down')",
                (at,),
            )
        await conn.execute(
            "INSERT INTO outbox (subscription_id, platform, chat_id, transition_id, exchange, "
            "channel, kind, payload, locale, created_at, due_at, attempts, state, claimed_at, "
            "sent_at, superseded_by, last_error) VALUES (1, 'telegram', '7', 1, 'mexc', "
            "'live_chat', 'down', '{\"a\":1}', 'zh', 1.5, 1.5, 2, 'superseded', NULL, NULL, 2, "
            "'HTTP 502')"
        )
        await conn.execute(
            "INSERT INTO outbox (subscription_id, platform, chat_id, transition_id, exchange, "
            "kind, payload, locale, created_at, due_at) "
            "VALUES (1, 'telegram', '7', 2, 'mexc', 'recovered', '{}', 'zh', 3.0, 3.5)"
        )
        written = await conn.fetchall(f"SELECT {COLUMNS} FROM outbox ORDER BY id")
    await db.close()

    db = await open_database(database_target)
    try:
        async with db.reading() as conn:
            kept = await conn.fetchall(f"SELECT {COLUMNS} FROM outbox ORDER BY id")
        with pytest.raises(ConstraintViolation):
            async with db.transaction() as conn:
                await conn.execute(
                    "INSERT INTO outbox (subscription_id, platform, chat_id, exchange, kind, "
                    "payload, locale, created_at, due_at) "
                    "VALUES (1, 'telegram', '7', 'mexc', 'bogus', '{}', 'en', 4, 4)"
                )
        async with db.transaction() as conn:
            # A row naming no subscription is taken now (it was refused before).
            await conn.execute(
                "INSERT INTO outbox (subscription_id, platform, chat_id, exchange, kind, "
                "payload, locale, created_at, due_at) "
                "VALUES (99, 'telegram', '8', 'mexc', 'down', '{}', 'en', 4, 4)"
            )
            total = await conn.fetchval("SELECT count(*) FROM outbox")
    finally:
        await db.close()
    assert kept == written
    assert total == 3


async def test_a_row_naming_no_subscription_dies_and_holds_its_chat_back_not(
    database: Database,
) -> None:
    async with database.transaction() as conn:
        await conn.execute(
            "INSERT INTO subscriptions (platform, chat_id, exchange, locale, created_at) "
            "VALUES ('telegram', '8', 'mexc', 'en', 0)"
        )
        for subscription in (99, 1):  # the first names no subscription
            await conn.execute(
                "INSERT INTO outbox (subscription_id, platform, chat_id, exchange, kind, "
                "payload, locale, created_at, due_at) "
                "VALUES (?, 'telegram', '8', 'mexc', 'down', '{}', 'en', 1, 1)",
                (subscription,),
            )
    async with database.transaction() as conn:
        first = await outbox.claim(conn, 5.0, 10, ["telegram"])
    async with database.transaction() as conn:
        second = await outbox.claim(conn, 5.0, 10, ["telegram"])
        states = await conn.fetchall("SELECT subscription_id, state, last_error FROM outbox")
    assert first == []
    assert [row.subscription_id for row in second] == [1]
    assert sorted(states) == [(1, "sending", None), (99, "dead", outbox.UNSUBSCRIBED)]
