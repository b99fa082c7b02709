"""Migration 0007 rebuilds the outbox for the status API alert kinds and keeps every row."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from storage import ConstraintViolation, open_database
from storage.sqlite import MIGRATIONS_DIR


async def test_the_outbox_keeps_its_rows_and_takes_the_new_kinds(tmp_path: Path) -> None:
    before = tmp_path / "before"
    before.mkdir()
    for path in sorted(MIGRATIONS_DIR.glob("*.sql")):
        if path.name < "0007":
            shutil.copy(path, before / path.name)
    db_path = tmp_path / "bot.sqlite3"
    db = await open_database(db_path, migrations_dir=before)
    async with db.transaction() as conn:
        await conn.execute(
            "INSERT INTO subscriptions (platform, chat_id, exchange, locale, created_at) "
            "VALUES ('telegram', '1', 'kucoin', 'en', 0)"
        )
        await conn.execute(
            "INSERT INTO outbox (subscription_id, platform, chat_id, exchange, kind, payload, "
            "locale, created_at, due_at) VALUES (1, 'telegram', '1', 'kucoin', 'down', '{}', "
            "'en', 0, 0)"
        )
        with pytest.raises(ConstraintViolation):
            await conn.execute(
                "INSERT INTO outbox (subscription_id, platform, chat_id, exchange, kind, "
                "payload, locale, created_at, due_at) VALUES (1, 'telegram', '1', 'kucoin', "
                "'wallet', '{}', 'en', 0, 0)"
            )
    await db.close()

    db = await open_database(db_path)
    try:
        async with db.transaction() as conn:
            await conn.execute(
                "INSERT INTO outbox (subscription_id, platform, chat_id, exchange, kind, "
                "payload, locale, created_at, due_at) VALUES (1, 'telegram', '1', 'kucoin', "
                "'wallet', '{}', 'en', 1, 1)"
            )
            rows = await conn.fetchall("SELECT id, kind FROM outbox ORDER BY id")
            indexes = await conn.fetchall(
                "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'outbox'"
            )
    finally:
        await db.close()
    assert [tuple(r) for r in rows] == [(1, "down"), (2, "wallet")]
    assert {r[0] for r in indexes} >= {"outbox_pending", "outbox_chat_open", "outbox_sending"}
