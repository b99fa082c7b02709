"""What every storage module sees of the database, whichever engine holds it.

Two engines sit behind this: SQLite (`storage/sqlite.py`, the default: one file, no server)
and PostgreSQL (`storage/postgres.py`, `DATABASE_URL=postgresql://...`, for several
processes on one database). Storage code gets a `Conn` from `Database.transaction()` (writes,
atomic, re-entrant within a task) or `Database.reading()` and never imports a driver.

SQL text is written once for both: `?` positional placeholders (or `:name` with a dict),
`INSERT ... ON CONFLICT (...) DO NOTHING / DO UPDATE`, `RETURNING id` with `fetchval`, and
`json_list` for "one of these values". Where a statement truly differs, the storage module
branches on `conn.dialect` and says why. Driver errors reach callers as the `DatabaseError`
family below, so the supervisor and the commands catch one thing for both engines.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Any, Literal, Protocol

Dialect = Literal["sqlite", "postgresql"]
Params = Sequence[Any] | Mapping[str, Any]
Row = tuple[Any, ...]


class StorageError(Exception):
    """The database cannot be used at all (open, migrate, reconnect); the message says which
    database and why, in words for the operator."""


class DatabaseError(Exception):
    """A statement failed. `code` is the engine's name for it (SQLite's `SQLITE_BUSY`,
    PostgreSQL's SQLSTATE); `explained` says it for the operator, naming the database."""

    def __init__(self, message: str, *, code: str | None = None, explained: str = "") -> None:
        super().__init__(message)
        self.code = code
        self.explained = explained or message


class DatabaseUnavailable(DatabaseError):
    """Not now: locked by another process, read-only, server unreachable or connection lost."""


class DatabaseDamaged(DatabaseError):
    """The stored data is damaged (a corrupt SQLite file)."""


class DatabaseFull(DatabaseError):
    """No room left: the disk (or the server's) is full."""


class ConstraintViolation(DatabaseError):
    """A UNIQUE, CHECK, NOT NULL or FOREIGN KEY constraint refused the change."""


class Conn(Protocol):
    """One connection, held by one task for a transaction or a read (see `Database`)."""

    @property
    def dialect(self) -> Dialect: ...

    async def execute(self, sql: str, params: Params = ()) -> int:
        """Run one statement; returns how many rows it changed."""

    async def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        """Run one statement once per parameter row."""

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        """Every row of the result, as tuples."""

    async def fetchone(self, sql: str, params: Params = ()) -> Row | None:
        """The first row of the result, or None."""

    async def fetchval(self, sql: str, params: Params = ()) -> Any:
        """The first column of the first row, or None when there is no row."""


class Database(Protocol):
    """An open database; `open_database` makes one, `close` ends it."""

    @property
    def dialect(self) -> Dialect: ...

    @property
    def name(self) -> str:
        """What to call it in messages: `database file data/x.sqlite3`, `PostgreSQL db@host`."""

    def transaction(self) -> AbstractAsyncContextManager[Conn]:
        """A connection inside BEGIN ... COMMIT, for this task alone.

        An exception rolls everything back. Re-entering from the task that holds the
        transaction joins it (no new BEGIN), so `Store` methods compose: a transition and
        its outbox rows written inside one `async with db.transaction():` commit together.
        """

    def reading(self) -> AbstractAsyncContextManager[Conn]:
        """A connection for reads, for this task alone (joins a transaction it holds)."""

    async def verify(self) -> None:
        """Check the database is still the one we opened, repairing what can be repaired
        (SQLite: a deleted file is written back); StorageError when it is not usable."""

    def stop_waiting(self) -> Any:
        """From now on, fail at once instead of waiting for locks or connections (at stop);
        returns an awaitable that `close` awaits too."""

    async def close(self) -> None:
        """Close everything; never raises (a failure is said in one log line)."""


def json_list(
    dialect: Dialect, param: str = "?", sql_type: Literal["TEXT", "BIGINT"] = "TEXT"
) -> str:
    """SQL for the values of the JSON array in parameter `param`: `x IN (<this>)`.

    One statement text for any number of values, so statement caches keep working; pass
    `json.dumps(values)`. SQLite reads it with `json_each`, PostgreSQL with
    `json_array_elements_text` (cast to `sql_type`, since it yields text).
    """
    if dialect == "sqlite":
        return f"SELECT value FROM json_each({param})"
    values = f"json_array_elements_text(CAST({param} AS json)) AS value"
    if sql_type == "TEXT":
        return f"SELECT value FROM {values}"
    return f"SELECT CAST(value AS {sql_type}) FROM {values}"


# Rows per statement in `insert_rows`: 1,024 rows of up to 31 columns stay below the bound
# parameters either engine takes (SQLite 32,766, PostgreSQL 32,767). Each statement takes the
# GIL back once (see `insert_rows`): a flush of a few thousand results, a few times. A power of
# two, so the rows left over go in halves of it (`insert_values`).
ROWS_PER_STATEMENT = 1024


async def insert_rows(
    conn: Conn, head: str, rows: Sequence[Row], tail: str = "", *, group: str | None = None
) -> None:
    """Run `head VALUES (?, ...), (?, ...) tail` for all rows, up to 1,024 rows a statement.
    `group` replaces the `(?, ...)` of a row (SQL around its placeholders, one per value).

    Why not `executemany` row by row: SQLite runs in its own thread, and `executemany` takes
    the GIL back for every row, each time making the event loop's thread wait for a thread
    switch; in the probe benchmark (bench/probe_pipeline.py) those waits cost the loop more
    than SQLite's own work. Here a batch of 5,000 rows takes the GIL back a few times.
    PostgreSQL likewise gets a few statements instead of five thousand.
    """
    if rows:
        await insert_values(conn, head, _flat(rows), len(rows[0]), tail, group=group)


async def insert_values(
    conn: Conn,
    head: str,
    values: Sequence[object],
    width: int,
    tail: str = "",
    *,
    group: str | None = None,
) -> None:
    """`insert_rows` of the rows laid end to end in `values`, `width` values each: for a
    writer that builds many rows, one flat list costs less than a tuple per row.

    Whole statements of `ROWS_PER_STATEMENT` rows first, then the rest in powers of two (512
    rows, 256, ... 1): every statement's text is then one of eleven, which each engine's driver
    prepares once and keeps. A statement of exactly the rows left over was a new text for
    nearly every batch, prepared afresh each time: on SQLite ~0.3 us a row of the batch."""
    if not values:
        return
    row_group = group if group is not None else "(" + ", ".join("?" * width) + ")"

    def statement(count: int) -> str:
        return f"{head} VALUES {', '.join([row_group] * count)} {tail}"

    whole, rest = divmod(len(values) // width, ROWS_PER_STATEMENT)
    step = ROWS_PER_STATEMENT * width
    if whole:
        await conn.executemany(
            statement(ROWS_PER_STATEMENT),
            [values[i : i + step] for i in range(0, whole * step, step)],
        )
    start, count = whole * step, ROWS_PER_STATEMENT
    while rest:
        count //= 2
        if rest >= count:
            await conn.execute(statement(count), values[start : start + count * width])
            start += count * width
            rest -= count


def _flat(rows: Sequence[Row]) -> list[object]:
    return [value for row in rows for value in row]


def is_url(target: str | Path) -> bool:
    """Whether `target` names a PostgreSQL server (`postgresql://` or `postgres://`)."""
    return isinstance(target, str) and target.startswith(("postgresql://", "postgres://"))


async def open_database(
    target: str | Path,
    *,
    migrations_dir: Path | None = None,
    lock_timeout_s: float = 2.0,
    pool_min: int = 1,
    pool_max: int = 10,
) -> Database:
    """Open the database and bring its schema up to date, applying migrations once, under a
    lock. A `postgresql://` URL opens PostgreSQL (a pool of `pool_min`..`pool_max`
    connections); anything else is the path of a SQLite file (created with its folder).

    Raises StorageError, with a message fit for the operator, when it cannot be used.
    """
    if is_url(target):
        from storage import postgres  # asyncpg is loaded only when PostgreSQL is used

        return await postgres.open_postgres(
            str(target), migrations_dir=migrations_dir, pool_min=pool_min, pool_max=pool_max
        )
    from storage import sqlite

    return await sqlite.open_sqlite(
        Path(target), migrations_dir=migrations_dir, lock_timeout_s=lock_timeout_s
    )
