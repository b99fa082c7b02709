"""The SQLite engine: open the file (pragmas, lock check, migrations), hand out transactions.

One connection per process, run by aiosqlite in its own thread. Every write goes through
`SqliteDatabase.transaction()`, which holds the connection for one task from
`BEGIN IMMEDIATE` to `COMMIT` (or `ROLLBACK` on an exception), so statements of concurrent
tasks never land in each other's transactions.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sqlite3
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, Literal, TypeVar

import aiosqlite

from storage.engine import (
    ConstraintViolation,
    DatabaseDamaged,
    DatabaseError,
    DatabaseFull,
    DatabaseUnavailable,
    Params,
    Row,
    StorageError,
)
from storage.histogram import BUCKETS, add_encoded, encode_counts
from storage.schema import Migration, find_migrations, migrations_dir

log = logging.getLogger(__name__)

MIGRATIONS_DIR = migrations_dir("sqlite")
BUSY_TIMEOUT_MS = 5000
STOP_BUSY_TIMEOUT_MS = 100

T = TypeVar("T")


class _Connection(sqlite3.Connection):
    """A sqlite3 connection that knows the histogram aggregate the rollup reads use (a rollup
    write merges its histograms before, in the event loop's thread: storage/results.py)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # typeshed types aggregate values as int only; ours are BLOBs.
        self.create_aggregate("hist_sum", 1, _HistSum)  # type: ignore[arg-type]


class _HistSum:
    """SQL aggregate `hist_sum(histogram)`: the merge of a group's encoded histograms."""

    def __init__(self) -> None:
        self.counts = [0] * BUCKETS

    def step(self, blob: bytes | None) -> None:
        if blob:
            add_encoded(self.counts, blob)

    def finalize(self) -> bytes:
        return encode_counts(self.counts)


# -- one statement, one trip to SQLite's thread ------------------------------------------------
# These run in aiosqlite's thread. aiosqlite's public `execute` makes a cursor (one trip) that
# must then be closed (a second trip); doing the whole statement in one function halves the
# waits of the event loop's thread.


def _run(db: sqlite3.Connection, sql: str, params: Params) -> int:
    cursor = db.execute(sql, params)
    try:
        return cursor.rowcount
    finally:
        cursor.close()


def _run_many(db: sqlite3.Connection, sql: str, rows: Iterable[Params]) -> None:
    db.executemany(sql, rows).close()


def _all(db: sqlite3.Connection, sql: str, params: Params) -> list[Row]:
    cursor = db.execute(sql, params)
    try:
        return cursor.fetchall()
    finally:
        cursor.close()


def _one(db: sqlite3.Connection, sql: str, params: Params) -> Row | None:
    cursor = db.execute(sql, params)
    try:
        row: Row | None = cursor.fetchone()
        return row
    finally:
        cursor.close()


def _value(db: sqlite3.Connection, sql: str, params: Params) -> Any:
    row = _one(db, sql, params)
    return None if row is None else row[0]


class SqliteConn:
    """`storage.engine.Conn` on the aiosqlite connection; sqlite3 errors become DatabaseError."""

    dialect: Literal["sqlite"] = "sqlite"

    def __init__(
        self,
        raw: aiosqlite.Connection,
        path: Path,
        on_damage: Callable[[DatabaseDamaged], None] | None = None,
    ) -> None:
        self._raw = raw
        self._path = path
        self._on_damage = on_damage

    async def _call(self, fn: Callable[..., T], *args: Any) -> T:
        try:
            # aiosqlite's own queue to its thread (`_execute`), with our function.
            result: T = await self._raw._execute(fn, self._raw._conn, *args)  # type: ignore[no-untyped-call]
        except sqlite3.Error as exc:
            error = database_error(self._path, exc)
            if isinstance(error, DatabaseDamaged) and self._on_damage is not None:
                self._on_damage(error)
            raise error from exc
        return result

    async def execute(self, sql: str, params: Params = ()) -> int:
        return await self._call(_run, sql, params)

    async def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        await self._call(_run_many, sql, rows)

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        return await self._call(_all, sql, params)

    async def fetchone(self, sql: str, params: Params = ()) -> Row | None:
        return await self._call(_one, sql, params)

    async def fetchval(self, sql: str, params: Params = ()) -> Any:
        return await self._call(_value, sql, params)


class SqliteDatabase:
    """An open database file; make it with `open_sqlite`, end it with `close`."""

    dialect: Literal["sqlite"] = "sqlite"

    def __init__(self, raw: aiosqlite.Connection, path: Path) -> None:
        self.path = path
        # The first damaged page any statement met: a file does not mend itself, so `verify`
        # (the background database check, hence /healthz) names it until a restart.
        self._damage: DatabaseDamaged | None = None
        self._set(raw)
        self._lock = asyncio.Lock()
        self._owner: asyncio.Task[Any] | None = None
        self._identity: tuple[int, int] | None = _identity(path)
        self._stop_waiting: asyncio.Future[None] | None = None

    def _set(self, raw: aiosqlite.Connection) -> None:
        self._raw = raw
        self._conn = SqliteConn(raw, self.path, self._saw_damage)

    def _saw_damage(self, error: DatabaseDamaged) -> None:
        if self._damage is None:
            self._damage = error

    @property
    def name(self) -> str:
        return f"database file {self.path}"

    @property
    def raw(self) -> aiosqlite.Connection:
        """The aiosqlite connection itself, for SQLite-only tools (tracing statements in
        benchmarks and tests); storage code uses `transaction()` and `reading()`."""
        return self._raw

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[SqliteConn]:
        """Exclusive use of the connection inside BEGIN IMMEDIATE ... COMMIT.

        An exception rolls everything back. Re-entering from the task that holds the
        transaction joins it (no new BEGIN), so `Store` methods compose: a transition and
        its outbox rows written inside one `async with db.transaction():` commit together.
        """
        async with self._hold() as joined:
            conn = self._conn
            if joined:
                yield conn
                return
            await conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
                await conn.execute("COMMIT")
            finally:
                if self._raw.in_transaction:
                    await conn.execute("ROLLBACK")

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[SqliteConn]:
        """Exclusive use of the connection for reads, without opening a transaction."""
        async with self._hold():
            yield self._conn

    @asynccontextmanager
    async def _hold(self) -> AsyncIterator[bool]:
        task = asyncio.current_task()
        if task is not None and task is self._owner:
            yield True
            return
        async with self._lock:
            self._owner = task
            try:
                yield False
            finally:
                self._owner = None

    async def verify(self) -> None:
        """Check that `path` is still the file this connection writes; restore it if deleted.

        SQLite keeps writing to a deleted file's open inode, and all of it would be lost at
        exit. So a deleted file is written back at `path` from the open connection (SQLite's
        online backup: subscriptions, outbox, history up to now) and the connection moves to
        it. A file replaced by another one is left alone: raises StorageError saying so, as it
        does for a file a statement found damaged (a page no query of the check reads).
        """
        if self._damage is not None:
            raise StorageError(self._damage.explained)
        if self._identity is None:  # written back, but the reconnect failed: try again
            await self._reconnect()
            return
        try:
            identity = _identity(self.path)
        except FileNotFoundError:
            await self._restore()
            return
        if identity != self._identity:
            raise StorageError(
                f"database file {self.path} was replaced by another file while running; this "
                "process still writes to the file it opened (restart to use the new one)"
            )

    async def _restore(self) -> None:
        log.warning("database file %s was deleted while running; writing it back", self.path)
        restoring = self.path.with_name(self.path.name + ".restoring")
        async with self._lock:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                restoring.unlink(missing_ok=True)
                copy = await aiosqlite.connect(restoring, isolation_level=None)
                try:
                    await self._raw.backup(copy)
                finally:
                    await copy.close()
                os.replace(restoring, self.path)
            except (OSError, sqlite3.Error) as exc:
                raise StorageError(
                    f"database file {self.path} was deleted while running and could not be "
                    f"written back: {exc}"
                ) from exc
            # The old connection's -wal and -shm files still sit next to `path`: close it
            # (they go with it) before a new connection opens the restored file.
            self._identity = None
            await self._raw.close()
            await self._connect_again()
        log.warning("database file %s written back; writes go to it again", self.path)

    async def _reconnect(self) -> None:
        async with self._lock:
            await self._connect_again()

    async def _connect_again(self) -> None:
        try:
            self._set(await _connect(self.path, BUSY_TIMEOUT_MS / 1000))
        except (OSError, sqlite3.Error, StorageError) as exc:
            raise StorageError(f"database file {self.path} cannot be reopened: {exc}") from exc
        self._identity = _identity(self.path)

    def stop_waiting(self) -> asyncio.Future[None]:
        """From now on a lock held by another process fails a statement at once (at stop).

        Statements otherwise wait up to 5 s for such a lock. The change is queued on the
        connection's thread without taking the connection, so it applies right after the
        statement running now, even while a task holds a transaction. Call it as the stop
        begins; `close` awaits it.
        """
        if self._stop_waiting is None:
            self._stop_waiting = asyncio.ensure_future(self._set_busy_timeout())
        return self._stop_waiting

    async def _set_busy_timeout(self) -> None:
        await self._raw.execute(f"PRAGMA busy_timeout = {STOP_BUSY_TIMEOUT_MS}")

    async def close(self) -> None:
        """Let SQLite refresh its planner statistics, then close the file; never raises.

        At stop a full disk or a read-only file can refuse the statistics (and even the
        close): that is said in one line, and the connection is closed all the same.
        """
        async with self._lock:
            try:
                await self.stop_waiting()
                await self._raw.execute(_ANALYZE_AT_STOP)
                await self._raw.execute("PRAGMA optimize")
            except sqlite3.Error as error:  # only an optimisation; the cause is said elsewhere
                log.debug("database file %s: statistics not saved at stop: %s", self.path, error)
            try:
                await self._raw.close()
            except sqlite3.Error as error:
                log.error("database file %s: closing failed: %s", self.path, error)


# PRAGMA optimize keeps statistics for the tables whose indexes this run's queries searched:
# rollups, never channels (scanned whole when every channel's window is summed). With
# statistics for rollups alone SQLite takes channels for a million rows and reads every rollup
# into a Bloom filter before each window's sums: after the first stop, 500 channels' 30 days
# took 150 ms instead of 60 ms. Channels are a few thousand rows: analyzing them is quick.
_ANALYZE_AT_STOP = "ANALYZE channels"


def _identity(path: Path) -> tuple[int, int]:
    """What tells one file from another at the same path (device and inode)."""
    stat = os.stat(path)
    return stat.st_dev, stat.st_ino


async def _connect(path: Path, lock_timeout_s: float) -> aiosqlite.Connection:
    """A configured connection to an existing, migrated database file."""
    conn = await _open(path)
    try:
        await _configure(conn, path, lock_timeout_s)
    except BaseException:
        await conn.close()
        raise
    return conn


async def open_sqlite(
    path: Path,
    *,
    migrations_dir: Path | None = None,
    lock_timeout_s: float = 2.0,
) -> SqliteDatabase:
    """Open (or create) the database file and bring its schema up to date.

    Raises StorageError, with a message fit for the operator, when the folder cannot be
    made, the file is locked by another process or is not a database, or a migration fails
    (the failed migration changes nothing; earlier ones stay applied).
    """
    migrations = find_migrations(migrations_dir or MIGRATIONS_DIR)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StorageError(f"cannot create the folder of database file {path}: {exc}") from exc
    _check_writable(path)
    conn = await _open(path)
    try:
        await _configure(conn, path, lock_timeout_s)
        await _migrate(conn, path, migrations)
        await conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    except BaseException:
        await conn.close()
        raise
    return SqliteDatabase(conn, path)


async def _open(path: Path) -> aiosqlite.Connection:
    """A new connection to `path`, or StorageError saying why SQLite cannot open it."""
    opening = aiosqlite.connect(path, isolation_level=None, factory=_Connection)
    try:
        return await opening
    except sqlite3.Error as exc:
        # aiosqlite stops its worker thread after a failed open without waiting for it; a
        # thread still finishing once the event loop has closed prints two tracebacks.
        await asyncio.to_thread(opening._thread.join, 5.0)
        raise explain(path, exc) from exc


async def _configure(conn: aiosqlite.Connection, path: Path, lock_timeout_s: float) -> None:
    try:
        await conn.execute(f"PRAGMA busy_timeout = {round(lock_timeout_s * 1000)}")
        rows = list(await conn.execute_fetchall("PRAGMA journal_mode = WAL"))
        await conn.execute("PRAGMA synchronous = NORMAL")
        await conn.execute("PRAGMA foreign_keys = ON")
        await conn.execute(f"PRAGMA journal_size_limit = {64 * 1024 * 1024}")
        # A writer elsewhere would make every write of ours wait and then fail: say so now.
        await conn.execute("BEGIN IMMEDIATE")
        await conn.execute("ROLLBACK")
    except sqlite3.Error as exc:
        raise explain(path, exc) from exc
    mode = rows[0][0] if rows else None
    if mode != "wal":
        raise StorageError(f"database file {path} cannot use WAL (journal mode is {mode})")


async def _migrate(conn: aiosqlite.Connection, path: Path, migrations: list[Migration]) -> None:
    rows = list(await conn.execute_fetchall("PRAGMA user_version"))
    version = int(rows[0][0])
    if version > len(migrations):
        raise StorageError(
            f"database file {path} has schema version {version}, newer than this program "
            f"knows ({len(migrations)}); run a newer supportlive"
        )
    for migration in migrations[version:]:
        await _apply(conn, path, migration)


async def _apply(conn: aiosqlite.Connection, path: Path, migration: Migration) -> None:
    """Apply one migration and bump the version in ONE transaction, unless another process
    starting at the same moment (a replica, a probe node) applied it first: the version is
    read again once this connection holds the write lock (BEGIN IMMEDIATE), so no migration
    runs twice and the version never goes back."""
    statements = _statements(migration.read())
    try:
        await conn.execute("BEGIN IMMEDIATE")
        if await _schema_version(conn) >= migration.number:
            await conn.execute("ROLLBACK")
            return
        for statement in statements:
            await conn.execute(statement)
        await conn.execute(f"PRAGMA user_version = {migration.number}")
        await conn.execute("COMMIT")
    except sqlite3.Error as exc:
        if conn.in_transaction:
            await conn.execute("ROLLBACK")
        if _is_locked(exc):
            raise explain(path, exc) from exc
        raise StorageError(
            f"migration {migration.name} failed: {exc}; database file {path} is "
            f"unchanged by it (schema version {migration.number - 1})"
        ) from exc


def _statements(sql: str) -> list[str]:
    """The SQL statements of a migration file, one by one (`;` in strings, comments and
    trigger bodies does not end one); a last statement may lack its `;`."""
    found, start = [], 0
    for end, char in enumerate(sql):
        if char == ";" and sqlite3.complete_statement(sql[start : end + 1]):
            found.append(sql[start : end + 1])
            start = end + 1
    if sql[start:].strip():
        found.append(sql[start:])  # comments alone run as nothing
    return found


async def _schema_version(conn: aiosqlite.Connection) -> int:
    rows = list(await conn.execute_fetchall("PRAGMA user_version"))
    return int(rows[0][0])


def _check_writable(path: Path) -> None:
    """SQLite opens a read-only file and fails only at the first write: say so at open.

    WAL mode also writes `-wal` and `-shm` files beside the database, so the folder must be
    writable too. A folder at `path` (an empty DATABASE_PATH is one) is not a file at all.
    """
    if path.is_dir():
        raise StorageError(f"database path {path} is a folder, not a file")
    for where in (path, path.parent):
        if where.exists() and not os.access(where, os.W_OK):
            what = "file" if where == path else "folder"
            raise StorageError(f"database {what} {where} is read-only; supportlive must write it")


def _is_locked(exc: sqlite3.Error) -> bool:
    name = getattr(exc, "sqlite_errorname", "")
    return name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")) or "locked" in str(exc)


def database_error(path: Path, exc: sqlite3.Error) -> DatabaseError:
    """The DatabaseError of the family that says what a failed statement's error means."""
    name = getattr(exc, "sqlite_errorname", None) or None
    kind: type[DatabaseError] = DatabaseError
    if _is_locked(exc) or (name or "").startswith(("SQLITE_READONLY", "SQLITE_CANTOPEN")):
        kind = DatabaseUnavailable
    elif (name or "").startswith(("SQLITE_CORRUPT", "SQLITE_NOTADB")) or "malformed" in str(exc):
        kind = DatabaseDamaged
    elif (name or "").startswith("SQLITE_FULL"):
        kind = DatabaseFull
    elif isinstance(exc, sqlite3.IntegrityError):
        kind = ConstraintViolation
    return kind(str(exc), code=name, explained=str(explain(path, exc)))


def explain(path: Path, exc: sqlite3.Error) -> StorageError:
    """A StorageError naming the file and, in words, what SQLite's error means for it."""
    name = getattr(exc, "sqlite_errorname", "")
    if _is_locked(exc):
        return StorageError(
            f"database file {path} is locked by another process (is another supportlive "
            "running on it?)"
        )
    if name == "SQLITE_NOTADB" or "not a database" in str(exc):
        return StorageError(f"{path} is not a SQLite database (file is corrupt or something else)")
    if name.startswith("SQLITE_CORRUPT") or "malformed" in str(exc):
        return StorageError(
            f"database file {path} is damaged ({exc}): move it away to start with an empty "
            "one, or put back a copy"
        )
    if name.startswith("SQLITE_READONLY"):
        return StorageError(f"database file {path} is read-only ({exc}); supportlive must write it")
    if name.startswith("SQLITE_FULL"):
        return StorageError(f"database file {path}: the disk is full ({exc})")
    if name.startswith("SQLITE_CANTOPEN"):
        return StorageError(f"cannot open database file {path}: {exc}")
    return StorageError(f"database file {path}: {exc}")
