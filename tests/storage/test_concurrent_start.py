"""Processes that start together on one SQLite file after an upgrade (the bot and a probe
node, replicas): each new migration is applied once, by whichever holds the write lock
first, and every process starts."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

from storage import open_database
from storage.sqlite import MIGRATIONS_DIR


async def test_processes_starting_together_after_an_upgrade_apply_each_migration_once(
    tmp_path: Path,
) -> None:
    older = tmp_path / "older"
    older.mkdir()
    for script in sorted(MIGRATIONS_DIR.glob("*.sql"))[:5]:
        shutil.copy(script, older)
    # Three openings race each time (over 0006 on, 0007 among them: re-run, it would succeed
    # and set the version back); the race is one of timing, so try often.
    for n in range(8):
        path = tmp_path / f"install{n}.sqlite3"
        await (await open_database(path, migrations_dir=older)).close()  # the old version's
        opening = (open_database(path, lock_timeout_s=30) for _ in range(3))
        opened = await asyncio.gather(*opening)
        versions, outboxes = [], []
        for db in opened:
            async with db.reading() as conn:
                versions.append(await conn.fetchval("PRAGMA user_version"))
                outboxes.append(await conn.fetchval("SELECT count(*) FROM outbox"))
            await db.close()
        assert versions == [len(list(MIGRATIONS_DIR.glob("*.sql")))] * 3
        assert outboxes == [0, 0, 0]
