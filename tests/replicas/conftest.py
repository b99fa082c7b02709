"""Fixtures of the replica tests."""

from __future__ import annotations

import pytest


@pytest.fixture(params=["sqlite", "postgresql"])
def replica_database(request: pytest.FixtureRequest) -> dict[str, str]:
    """The replicas' shared database: the environment that names it (SQLite: bot_env's)."""
    if request.param == "sqlite":
        return {}
    return {"DATABASE_URL": request.getfixturevalue("pg_dsn")}
