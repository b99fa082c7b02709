"""Processes that start together on one SQLite file (the bot and a probe node, replicas):
each migration is applied once, by whichever holds the write lock first."""

from __future__ import annotations

import asyncio
from pathlib import Path

from storage import open_database


async def test_openings_at_the_same_moment_apply_each_migration_once_and_all_succeed(
    tmp_path: Path,
) -> None:
    # Three openings of a new file race each time; the race is one of timing, so try often.
    for n in range(8):
        path = tmp_path / f"new{n}.sqlite3"
        opened = await asyncio.gather(*(open_database(path) for _ in range(3)))
        versions, tables = [], []
        for db in opened:
            async with db.reading() as conn:
                versions.append(await conn.fetchval("PRAGMA user_version"))
                tables.append(await conn.fetchval("SELECT count(*) FROM sqlite_master"))
            await db.close()
        assert len(set(versions)) == 1 and versions[0] >= 10
        assert len(set(tables)) == 1
