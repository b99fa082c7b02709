"""PostgreSQL's migrations mirror SQLite's: the same files; the same tables with the same columns
in the same order, types (per the mapping below), nullability, defaults, primary and foreign
keys and indexes; and constraints that accept and refuse the same rows.

So a migration added to one dialect only, or a column added in one and not the other, fails
here. The SQLite side is migrated by `open_database` and read with PRAGMAs; the PostgreSQL
side is migrated on the test server by the bot's own runner and read from its catalogs.
"""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import pytest

from storage import open_database
from tests.pg import MIGRATIONS_ROOT, PG_MIGRATIONS_DIR, PgServer

# The PostgreSQL runner's own record of applied migrations (SQLite keeps PRAGMA user_version).
BOOKKEEPING = {"schema_migrations"}
# SQLite's declared type -> PostgreSQL's, as the engines' mapping has it.
TYPES = {"INTEGER": "bigint", "REAL": "double precision", "TEXT": "text", "BLOB": "bytea"}


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # PostgreSQL's word for it
    not_null: bool
    default: str | None  # as written, without PostgreSQL's casts
    identity: bool  # numbered by the database when left out


@dataclass(frozen=True)
class Index:
    name: str | None  # None: made for a UNIQUE constraint (names differ by engine)
    unique: bool
    columns: tuple[str, ...]
    partial: bool


@dataclass(frozen=True)
class Table:
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...]
    foreign_keys: frozenset[tuple[str, str, str]]  # column, table, column it refers to
    indexes: frozenset[Index]


async def sqlite_tables(path: Path) -> dict[str, Table]:
    await (await open_database(path)).close()
    with closing(sqlite3.connect(path)) as conn:
        names = [
            row[0]
            for row in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' "
                "AND name NOT LIKE 'sqlite_%' ORDER BY name"
            )
        ]
        return {name: _sqlite_table(conn, name) for name in names}


def _sqlite_table(conn: sqlite3.Connection, name: str) -> Table:
    info = conn.execute(f"PRAGMA table_info({name})").fetchall()
    key = tuple(row[1] for row in sorted((r for r in info if r[5]), key=lambda r: r[5]))
    columns = tuple(
        Column(
            name=column,
            type=TYPES[declared],
            not_null=bool(not_null) or column in key,
            default=default,
            # SQLite numbers a lone INTEGER PRIMARY KEY itself (it is the rowid).
            identity=key == (column,) and declared == "INTEGER",
        )
        for _, column, declared, not_null, default, _ in info
    )
    foreign = frozenset(
        (row[3], row[2], row[4]) for row in conn.execute(f"PRAGMA foreign_key_list({name})")
    )
    indexes = frozenset(
        Index(
            name=index if origin == "c" else None,
            unique=bool(unique),
            columns=tuple(r[2] for r in conn.execute(f"PRAGMA index_info({index})")),
            partial=bool(partial),
        )
        for _, index, unique, origin, partial in conn.execute(f"PRAGMA index_list({name})")
        if origin != "pk"
    )
    return Table(columns, key, foreign, indexes)


async def pg_tables(conn: asyncpg.Connection) -> dict[str, Table]:
    names = await conn.fetch(
        "SELECT table_name FROM information_schema.tables "
        "WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name"
    )
    return {row[0]: await _pg_table(conn, row[0]) for row in names if row[0] not in BOOKKEEPING}


async def _pg_table(conn: asyncpg.Connection, name: str) -> Table:
    info = await conn.fetch(
        "SELECT column_name, data_type, is_nullable, column_default, is_identity "
        "FROM information_schema.columns WHERE table_schema = 'public' AND table_name = $1 "
        "ORDER BY ordinal_position",
        name,
    )
    columns = tuple(
        Column(
            name=row["column_name"],
            type=row["data_type"],
            not_null=row["is_nullable"] == "NO",
            default=_without_cast(row["column_default"]),
            identity=row["is_identity"] == "YES",
        )
        for row in info
    )
    key = await conn.fetchval(
        "SELECT array_agg(a.attname ORDER BY k.n) FROM pg_index i "
        "CROSS JOIN unnest(i.indkey) WITH ORDINALITY AS k(attnum, n) "
        "JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum "
        "WHERE i.indrelid = $1::regclass AND i.indisprimary",
        name,
    )
    foreign = await conn.fetch(
        "SELECT a.attname, c.confrelid::regclass::text, r.attname FROM pg_constraint c "
        "JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1] "
        "JOIN pg_attribute r ON r.attrelid = c.confrelid AND r.attnum = c.confkey[1] "
        "WHERE c.conrelid = $1::regclass AND c.contype = 'f'",
        name,
    )
    indexes = await conn.fetch(
        "SELECT x.relname, i.indisunique, c.oid IS NOT NULL AS of_constraint, "
        "i.indpred IS NOT NULL AS partial, "
        "(SELECT array_agg(a.attname ORDER BY k.n) FROM unnest(i.indkey) "
        "   WITH ORDINALITY AS k(attnum, n) "
        "   JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum) AS columns "
        "FROM pg_index i JOIN pg_class x ON x.oid = i.indexrelid "
        "LEFT JOIN pg_constraint c ON c.conindid = i.indexrelid AND c.contype = 'u' "
        "WHERE i.indrelid = $1::regclass AND NOT i.indisprimary",
        name,
    )
    return Table(
        columns,
        tuple(key or ()),
        frozenset((row[0], row[1], row[2]) for row in foreign),
        frozenset(
            Index(
                name=None if row["of_constraint"] else row["relname"],
                unique=row["indisunique"],
                columns=tuple(row["columns"]),
                partial=row["partial"],
            )
            for row in indexes
        ),
    )


def _without_cast(default: str | None) -> str | None:
    """`'pending'::text` -> `'pending'`: PostgreSQL states the type of a default, SQLite not."""
    if default is None:
        return None
    return default.split("::", 1)[0]


@pytest.fixture
async def pg(pg_dsn: str) -> AsyncIterator[asyncpg.Connection]:
    """A database migrated by the bot's own runner (storage/postgres.py), as a start does."""
    await (await open_database(pg_dsn)).close()
    conn = await asyncpg.connect(pg_dsn)
    try:
        yield conn
    finally:
        await conn.close()


def test_every_migration_has_a_twin_in_the_other_dialect() -> None:
    sqlite = sorted(p.name for p in (MIGRATIONS_ROOT / "sqlite").glob("*.sql"))
    postgresql = sorted(p.name for p in PG_MIGRATIONS_DIR.glob("*.sql"))
    assert len(sqlite) >= 8
    assert postgresql == sqlite


async def test_both_engines_have_the_same_tables_and_columns_in_the_same_order(
    pg: asyncpg.Connection, tmp_path: Path
) -> None:
    sqlite = await sqlite_tables(tmp_path / "parity.sqlite3")
    postgresql = await pg_tables(pg)
    assert "outbox" in sqlite
    assert sorted(postgresql) == sorted(sqlite)
    for name, table in sqlite.items():
        names = [column.name for column in table.columns]
        assert [column.name for column in postgresql[name].columns] == names, name


async def test_both_engines_have_the_same_types_keys_defaults_and_indexes(
    pg: asyncpg.Connection, tmp_path: Path
) -> None:
    sqlite = await sqlite_tables(tmp_path / "parity.sqlite3")
    postgresql = await pg_tables(pg)
    assert sqlite["rollups"].foreign_keys  # the comparison below is not of empty sets
    assert any(index.partial for index in sqlite["outbox"].indexes)
    for name, table in sqlite.items():
        assert postgresql[name] == table, name


# Rows both engines must take or refuse alike: (statement, taken?). Run in order, each alone.
CONSTRAINTS: list[tuple[str, bool]] = [
    ("INSERT INTO channels (key) VALUES ('mexc/live_chat')", True),
    ("INSERT INTO channels (key) VALUES ('mexc/live_chat')", False),
    ("INSERT INTO channels (key) VALUES (NULL)", False),
    ("INSERT INTO rollups VALUES (99, 0, 1, 0, 0, 1.5, '')", False),
    (
        "INSERT INTO subscriptions (platform, chat_id, exchange, locale, created_at) "
        "VALUES ('telegram', '-100', 'mexc', 'en', 1.0)",
        True,
    ),
    (
        "INSERT INTO subscriptions (platform, chat_id, exchange, locale, created_at) "
        "VALUES ('telegram', '-100', 'mexc', 'zh', 2.0)",
        False,
    ),
    (
        "INSERT INTO transitions (channel, exchange, at, old, new) "
        "VALUES ('mexc/live_chat', 'mexc', 1.0, 'up', 'down')",
        True,
    ),
    *[
        (
            "INSERT INTO outbox (subscription_id, platform, chat_id, transition_id, exchange, "
            f"kind, payload, locale, created_at, due_at, state) VALUES ({sub}, 'telegram', "
            f"'-100', 1, 'mexc', '{kind}', '{{}}', 'en', 1.0, 1.0, '{state}')",
            taken,
        )
        for sub, kind, state, taken in [
            (1, "down", "pending", True),
            (1, "wallet", "sent", True),
            (1, "api_maintenance", "dead", True),
            (1, "bogus", "pending", False),
            (1, "down", "bogus", False),
            # No foreign key since 0011: the references hold by how rows are written.
            (99, "down", "pending", True),
        ]
    ],
    *[
        (
            "INSERT INTO wait_reports (person, exchange, channel, at, wait_min) "
            f"VALUES ('p', 'mexc', 'live_chat', 1.0, {wait})",
            taken,
        )
        for wait, taken in [
            ("0", True),
            ("1440", True),
            ("NULL", True),
            ("1441", False),
            ("-1", False),
        ]
    ],
    ("INSERT INTO sight (id, blind_since, updated_at) VALUES (2, NULL, 1.0)", False),
    ("INSERT INTO sight (id, blind_since, updated_at) VALUES (1, NULL, 1.0)", True),
    (
        "INSERT INTO maintenance (exchange, starts_at, created_at, source) "
        "VALUES ('mexc', 1.0, 1.0, 'catalog:a')",
        True,
    ),
    (
        "INSERT INTO maintenance (exchange, starts_at, created_at, source) "
        "VALUES ('mexc', 1.0, 1.0, 'catalog:a')",
        False,
    ),
    ("INSERT INTO maintenance (exchange, starts_at, created_at) VALUES ('mexc', 1.0, 1.0)", True),
    ("INSERT INTO maintenance (exchange, starts_at, created_at) VALUES ('mexc', 1.0, 1.0)", True),
    ("INSERT INTO maintenance_alerts VALUES (1, 'started', 1.0)", True),
    ("INSERT INTO maintenance_alerts VALUES (1, 'middle', 1.0)", False),
    ("INSERT INTO held_down VALUES ('mexc/live_chat', 'mexc', 99, 1.0, '{}')", False),
    ("INSERT INTO install_secrets VALUES ('reporter_key', 'x')", False),
]


async def test_both_engines_take_and_refuse_the_same_rows(
    pg: asyncpg.Connection, tmp_path: Path
) -> None:
    path = tmp_path / "constraints.sqlite3"
    await (await open_database(path)).close()
    with closing(sqlite3.connect(path, isolation_level=None)) as lite:
        lite.execute("PRAGMA foreign_keys = ON")
        for statement, taken in CONSTRAINTS:
            try:
                lite.execute(statement)
                sqlite_took = True
            except sqlite3.IntegrityError:
                sqlite_took = False
            try:
                async with pg.transaction():
                    await pg.execute(statement)
                pg_took = True
            except asyncpg.IntegrityConstraintViolationError:
                pg_took = False
            assert (sqlite_took, pg_took) == (taken, taken), statement


async def test_each_install_gets_its_own_32_byte_reporter_key(
    pg: asyncpg.Connection, pg_server: PgServer
) -> None:
    other = pg_server.create_database()
    try:
        await (await open_database(pg_server.dsn(other))).close()
        conn = await asyncpg.connect(pg_server.dsn(other))
        try:
            theirs = await conn.fetchval("SELECT value FROM install_secrets")
        finally:
            await conn.close()
    finally:
        pg_server.drop_database(other)
    ours = await pg.fetchval("SELECT value FROM install_secrets WHERE name = 'reporter_key'")
    assert len(ours) == len(theirs) == 32
    assert ours != theirs
