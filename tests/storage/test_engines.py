"""The engine contract on both engines (transactions, errors), and what only PostgreSQL has:
placeholder rewriting, migrations applied once under a lock, a server lost while running."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import asyncpg
import pytest

from storage import (
    ConstraintViolation,
    Database,
    DatabaseUnavailable,
    StorageError,
    Store,
    open_database,
)
from storage.postgres import MIGRATIONS_DIR, rewrite
from storage.schema import find_migrations
from tests.pg import PgServer

from .conftest import NOW


async def keys(db: Database) -> list[str]:
    async with db.reading() as conn:
        return [row[0] for row in await conn.fetchall("SELECT key FROM channels ORDER BY key")]


async def test_a_transaction_rolls_back_on_error_and_joins_when_nested(db: Database) -> None:
    with pytest.raises(RuntimeError):
        async with db.transaction() as conn:
            await conn.execute("INSERT INTO channels (key) VALUES ('a/b')")
            async with db.transaction() as inner:
                assert inner is conn
                await inner.execute("INSERT INTO channels (key) VALUES (?)", ("a/c",))
            raise RuntimeError("boom")
    async with db.transaction() as conn:
        new_id = await conn.fetchval(
            "INSERT INTO channels (key) VALUES (:k) RETURNING id", {"k": "a/d"}
        )
    assert isinstance(new_id, int)
    assert await keys(db) == ["a/d"]


async def test_rows_changed_and_rows_read_look_the_same_on_both(db: Database) -> None:
    async with db.transaction() as conn:
        await conn.executemany("INSERT INTO channels (key) VALUES (?)", [("x/1",), ("x/2",)])
        changed = await conn.execute("UPDATE channels SET key = key || '!' WHERE key LIKE 'x/%'")
        nothing = await conn.execute("DELETE FROM channels WHERE key = 'none'")
    async with db.reading() as conn:
        rows = await conn.fetchall("SELECT id, key FROM channels ORDER BY id")
        first = await conn.fetchone("SELECT key FROM channels WHERE id = ?", (rows[0][0],))
        missing = await conn.fetchone("SELECT key FROM channels WHERE id = -1")
        value = await conn.fetchval("SELECT key FROM channels WHERE id = -1")
    assert (changed, nothing) == (2, 0)
    assert [row[1] for row in rows] == ["x/1!", "x/2!"]
    assert all(isinstance(row, tuple) for row in rows)
    assert (first, missing, value) == (("x/1!",), None, None)


async def test_a_refused_row_is_a_constraint_violation(db: Database) -> None:
    async with db.transaction() as conn:
        await conn.execute("INSERT INTO channels (key) VALUES ('a/b')")
    with pytest.raises(ConstraintViolation):
        async with db.transaction() as conn:
            await conn.execute("INSERT INTO channels (key) VALUES ('a/b')")
    assert await keys(db) == ["a/b"]


def test_placeholders_become_numbered_and_literals_casts_and_comments_stay() -> None:
    assert rewrite("SELECT ? , ?") == ("SELECT $1 , $2", None)
    assert rewrite("SELECT :b, :a, :b::text") == ("SELECT $1, $2, $1::text", ("b", "a"))
    sql = "SELECT '?', ':x', \"a:b\", x::bigint, ? -- is it ? :y\n"
    assert rewrite(sql) == ("SELECT '?', ':x', \"a:b\", x::bigint, $1 -- is it ? :y\n", None)
    assert rewrite("SELECT 'it''s ?', ?")[0] == "SELECT 'it''s ?', $1"
    with pytest.raises(ValueError, match="mixes"):
        rewrite("SELECT ?, :a")


async def test_processes_starting_at_once_apply_each_migration_once(pg_dsn: str) -> None:
    opened = await asyncio.gather(*(open_database(pg_dsn) for _ in range(3)))
    for db in opened:
        await db.close()
    conn = await asyncpg.connect(pg_dsn)
    try:
        versions = [r[0] for r in await conn.fetch("SELECT version FROM schema_migrations")]
    finally:
        await conn.close()
    assert sorted(versions) == list(range(1, len(find_migrations(MIGRATIONS_DIR)) + 1))


async def test_a_failed_migration_changes_nothing_and_names_the_file(
    pg_dsn: str, tmp_path: Path
) -> None:
    folder = tmp_path / "migrations"
    folder.mkdir()
    shutil.copy(MIGRATIONS_DIR / "0001_core.sql", folder)
    db = await open_database(pg_dsn, migrations_dir=folder)
    await db.close()
    (folder / "0002_broken.sql").write_text("CREATE TABLE half_done (x BIGINT);\nCREAT TABLE oops;")
    with pytest.raises(
        StorageError, match=r"migration 0002_broken\.sql failed: .*CREAT.*version 1"
    ):
        await open_database(pg_dsn, migrations_dir=folder)
    conn = await asyncpg.connect(pg_dsn)
    try:
        half_done = await conn.fetchval("SELECT to_regclass('half_done')")
        version = await conn.fetchval("SELECT max(version) FROM schema_migrations")
    finally:
        await conn.close()
    assert (half_done, version) == (None, 1)


async def test_it_refuses_a_database_newer_than_the_program(pg_dsn: str) -> None:
    await (await open_database(pg_dsn)).close()
    conn = await asyncpg.connect(pg_dsn)
    try:
        await conn.execute("INSERT INTO schema_migrations (version, name) VALUES (99, 'x')")
    finally:
        await conn.close()
    with pytest.raises(StorageError, match="schema version 99, newer than this program"):
        await open_database(pg_dsn)


async def test_a_server_lost_while_running_fails_statements_then_they_work_again(
    pg_server: PgServer, pg_dsn: str
) -> None:
    db = await open_database(pg_dsn)
    store = Store(db, now=lambda: NOW)
    try:
        await store.subscribe("telegram", 1, "mexc", None, "en")
        pg_server.stop()
        try:
            with pytest.raises(DatabaseUnavailable) as lost:
                await store.count_subscriptions()
        finally:
            pg_server.start()  # in the main thread: see tests/pg.py
        assert await store.count_subscriptions() == 1
    finally:
        await db.close()
    assert "***" not in pg_dsn and pg_server.password not in lost.value.explained
