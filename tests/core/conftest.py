"""What the monitor's tests share: a real SQLite store in the test's temporary folder."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from storage import open_database
from storage.store import Store


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    db = await open_database(tmp_path / "monitor.sqlite3")
    try:
        yield Store(db)
    finally:
        await db.close()
