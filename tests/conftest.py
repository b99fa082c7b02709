"""Fixtures for every test folder: the session's PostgreSQL server (tests/pg.py)."""

from tests.pg import pg_dsn, pg_server

# `pytester` runs inner pytest sessions (tests/test_pg_server.py tests the session fixture).
pytest_plugins = ("pytester",)

__all__ = ["pg_dsn", "pg_server"]
