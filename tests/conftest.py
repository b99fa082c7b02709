"""Fixtures for every test folder: the session's PostgreSQL server (tests/pg.py), and
`database`, one test run on each engine."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from storage import Database, open_database
from tests.pg import pg_dsn, pg_migrated_dsn, pg_migrated_template, pg_server

# `pytester` runs inner pytest sessions (tests/test_pg_server.py tests the session fixture).
pytest_plugins = ("pytester",)

__all__ = [
    "database",
    "database_target",
    "pg_dsn",
    "pg_migrated_dsn",
    "pg_migrated_template",
    "pg_server",
]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "sqlite_only(reason): the test looks at SQLite itself (its file, its plans)"
    )


@pytest.fixture(params=["sqlite", "postgresql"])
def database_target(request: pytest.FixtureRequest, tmp_path: Path) -> str | Path:
    """Where this test's data lives: a SQLite file in tmp_path, or a fresh PostgreSQL
    database on the session's server (skipped, saying why, without PostgreSQL; already
    migrated when the test opens it through `database`). A test marked `sqlite_only` runs
    on SQLite alone."""
    if request.param == "postgresql":
        only = request.node.get_closest_marker("sqlite_only")
        if only is not None:
            pytest.skip(f"SQLite only: {only.args[0]}")
        # Opened through `database`, it is migrated anyway: start from the migrated template
        # (migrating took 1.5 s a test under load, over a hundred tests).
        migrated = "database" in request.fixturenames
        dsn: str = request.getfixturevalue("pg_migrated_dsn" if migrated else "pg_dsn")
        return dsn
    return tmp_path / "data" / "test.sqlite3"


@pytest.fixture
async def database(database_target: str | Path) -> AsyncIterator[Database]:
    """The database at `database_target`, migrated, closed after the test."""
    db = await open_database(database_target)
    try:
        yield db
    finally:
        await db.close()
