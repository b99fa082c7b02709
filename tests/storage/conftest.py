from __future__ import annotations

from datetime import UTC, datetime

import pytest

from storage import Database, Store

NOW = datetime(2026, 11, 24, 19, 30, tzinfo=UTC)


@pytest.fixture
def db(database: Database) -> Database:
    """The test's database: each storage test runs on SQLite and on PostgreSQL."""
    return database


@pytest.fixture
def store(db: Database) -> Store:
    return Store(db, now=lambda: NOW)
