from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from storage import Database, Store, open_database

NOW = datetime(2026, 11, 24, 19, 30, tzinfo=UTC)


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await open_database(tmp_path / "data" / "test.sqlite3")
    try:
        yield database
    finally:
        await database.close()


@pytest.fixture
def store(db: Database) -> Store:
    return Store(db, now=lambda: NOW)
