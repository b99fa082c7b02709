"""The PostgreSQL engine (asyncpg): a pool, one pooled connection per task, migrations once.

`DATABASE_URL=postgresql://...` selects it. Several processes may share the database: each
has a pool of connections, and a task holds one connection for the whole of a transaction
(re-entrant within the task, as on SQLite). Statements are written for both engines with
`?` or `:name` placeholders; here they become `$1..$n` (the rewrite is cached per statement
text). Migrations run at start in transactions that first take a transaction-level advisory
lock, so two processes starting at once apply each migration exactly once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
import socket
from collections.abc import AsyncIterator, Iterable, Iterator, Mapping
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, Literal
from urllib.parse import unquote, urlsplit

import asyncpg

from storage.database_url import host_names
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
from storage.schema import Migration, find_migrations, migrations_dir

log = logging.getLogger(__name__)

MIGRATIONS_DIR = migrations_dir("postgresql")
# The key of the advisory lock migrations run under ("supportlive schema" as a number).
# Other advisory locks of the program must use other keys.
MIGRATION_LOCK_KEY = 0x5355_5050_5343_4D41
CONNECT_TIMEOUT_S = 10.0
ACQUIRE_TIMEOUT_S = 30.0  # waiting for a free pooled connection (or a new one) while running
STOP_ACQUIRE_TIMEOUT_S = 1.0
CLOSE_TIMEOUT_S = 10.0
# Sent when each connection starts: they hold for its whole life. No JIT: our queries
# are short, and PostgreSQL compiles one when its cost estimate passes jit_above_cost, which
# a guess can do (json_array_elements_text counts as 100 rows): compiling took 35-75 ms in
# bench/status.py, the query itself a few.
SERVER_SETTINGS = {"jit": "off"}
# Giving a connection back (or rolling back a failed transaction) waits on the server; one
# that stopped answering without closing the connection (a frozen host, a silent network)
# would hold the task for ever, past any asyncio.timeout around its statements: the
# connection is cut instead after this long.
RELEASE_TIMEOUT_S = 5.0

_VERSION_TABLE = (
    "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, "
    "name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())"
)


# -- placeholders ----------------------------------------------------------------------------

# String literals, quoted names and comments are skipped; `::` is a cast, not a name.
_TOKENS = re.compile(r"""'(?:[^']|'')*'|"(?:[^"]|"")*"|--[^\n]*|::|\?|:([A-Za-z_]\w*)""")
_REWRITTEN: dict[str, tuple[str, tuple[str, ...] | None]] = {}
_REWRITTEN_MAX = 2048


def rewrite(sql: str) -> tuple[str, tuple[str, ...] | None]:
    """`?` -> `$1, $2...`, or `:name` -> `$n` (the same name, the same n).

    Returns the PostgreSQL text and, for named placeholders, the names in `$n` order (None
    for positional ones). Mixing both kinds in one statement is refused.
    """
    cached = _REWRITTEN.get(sql)
    if cached is not None:
        return cached
    names: list[str] = []
    positional = 0

    def replace(match: re.Match[str]) -> str:
        nonlocal positional
        token = match.group(0)
        if token == "?":
            positional += 1
            return f"${positional}"
        name = match.group(1)
        if name is None:  # a literal, a quoted name, a comment or a cast: unchanged
            return token
        if name not in names:
            names.append(name)
        return f"${names.index(name) + 1}"

    text = _TOKENS.sub(replace, sql)
    if positional and names:
        raise ValueError(f"a statement mixes ? and :name placeholders: {sql}")
    result = (text, tuple(names) if names else None)
    if len(_REWRITTEN) >= _REWRITTEN_MAX:
        _REWRITTEN.clear()
    _REWRITTEN[sql] = result
    return result


def _arguments(names: tuple[str, ...] | None, params: Params) -> list[Any]:
    if names is None:
        if isinstance(params, Mapping):
            raise ValueError("named parameters given to a statement with ? placeholders")
        return list(params)
    if not isinstance(params, Mapping):
        raise ValueError("positional parameters given to a statement with :name placeholders")
    return [params[name] for name in names]


def _rowcount(status: str) -> int:
    """Rows changed, from asyncpg's command status (`UPDATE 3`, `INSERT 0 1`); -1 if none."""
    last = status.rsplit(" ", 1)[-1]
    return int(last) if last.isdigit() else -1


# -- errors ----------------------------------------------------------------------------------

_UNAVAILABLE_STATES = ("08", "57P", "53300", "55P03", "40001", "40P01", "25006")
# The server cannot be reached, or the connection went away in the middle of a statement
# (asyncpg's InternalClientError: a pooled connection the server closed failing its next one).
_CONNECTION_LOST = (
    OSError,
    TimeoutError,
    asyncpg.exceptions.ConnectionDoesNotExistError,
    asyncpg.InternalClientError,
)


def database_error(where: str, exc: BaseException) -> DatabaseError:
    """The DatabaseError of the family that says what a driver error means."""
    state = getattr(exc, "sqlstate", None)
    kind: type[DatabaseError] = DatabaseError
    if isinstance(state, str):
        if state.startswith("23"):
            kind = ConstraintViolation
        elif state == "53100":
            kind = DatabaseFull
        elif state.startswith(("XX001", "XX002")):
            kind = DatabaseDamaged
        elif state.startswith(_UNAVAILABLE_STATES):
            kind = DatabaseUnavailable
    elif isinstance(exc, _CONNECTION_LOST):
        kind = DatabaseUnavailable
    message = str(exc) or type(exc).__name__
    code = state if isinstance(state, str) else type(exc).__name__
    return kind(message, code=code, explained=f"{where}: {message}")


# InternalClientError: a pooled connection the server closed can fail its next statement in
# asyncpg's protocol itself ("cannot switch to state 15; another operation is in progress").
_DRIVER_ERRORS = (
    asyncpg.PostgresError,
    asyncpg.InterfaceError,
    asyncpg.InternalClientError,
    OSError,
    TimeoutError,
)


@contextlib.contextmanager
def _mapped(where: str) -> Iterator[None]:
    try:
        yield
    except _DRIVER_ERRORS as exc:
        raise database_error(where, exc) from exc


# -- connections -----------------------------------------------------------------------------


class PostgresConn:
    """`storage.engine.Conn` on one pooled asyncpg connection."""

    dialect: Literal["postgresql"] = "postgresql"

    def __init__(self, raw: asyncpg.Connection, where: str) -> None:
        self._raw = raw
        self._where = where

    async def execute(self, sql: str, params: Params = ()) -> int:
        text, names = rewrite(sql)
        with _mapped(self._where):
            status = await self._raw.execute(text, *_arguments(names, params))
        return _rowcount(status)

    async def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        text, names = rewrite(sql)
        arguments = [_arguments(names, row) for row in rows]
        with _mapped(self._where):
            await self._raw.executemany(text, arguments)

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        text, names = rewrite(sql)
        with _mapped(self._where):
            records = await self._raw.fetch(text, *_arguments(names, params))
        return [tuple(record) for record in records]

    async def fetchone(self, sql: str, params: Params = ()) -> Row | None:
        text, names = rewrite(sql)
        with _mapped(self._where):
            record = await self._raw.fetchrow(text, *_arguments(names, params))
        return None if record is None else tuple(record)

    async def fetchval(self, sql: str, params: Params = ()) -> Any:
        text, names = rewrite(sql)
        with _mapped(self._where):
            return await self._raw.fetchval(text, *_arguments(names, params))


class PostgresDatabase:
    """A pool of connections to one PostgreSQL database; make it with `open_postgres`."""

    dialect: Literal["postgresql"] = "postgresql"

    def __init__(self, pool: asyncpg.Pool, name: str) -> None:
        self._pool = pool
        self._name = name
        self._held: dict[asyncio.Task[Any], PostgresConn] = {}
        self._acquire_timeout_s = ACQUIRE_TIMEOUT_S
        self._closed = False

    @property
    def name(self) -> str:
        return self._name

    @property
    def pool(self) -> asyncpg.Pool:
        """The asyncpg pool itself, for PostgreSQL-only work (advisory locks)."""
        return self._pool

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[PostgresConn]:
        """A pooled connection inside BEGIN ... COMMIT, for this task; see `Database`."""
        async with self._hold() as (conn, joined):
            if joined:
                yield conn
                return
            transaction = conn._raw.transaction()
            with _mapped(self._name):
                await transaction.start()
            try:
                yield conn
            except BaseException:
                try:
                    async with asyncio.timeout(RELEASE_TIMEOUT_S):
                        await transaction.rollback()
                except (TimeoutError, *_DRIVER_ERRORS):  # a cut connection rolls back
                    # A connection the server closed may already be detached from the pool:
                    # then there is nothing left to cut.
                    with contextlib.suppress(asyncpg.InterfaceError):
                        conn._raw.terminate()
                raise
            with _mapped(self._name):
                await transaction.commit()

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[PostgresConn]:
        """A pooled connection for reads, for this task (each statement on its own)."""
        async with self._hold() as (conn, _):
            yield conn

    @asynccontextmanager
    async def _hold(self) -> AsyncIterator[tuple[PostgresConn, bool]]:
        task = asyncio.current_task()
        held = self._held.get(task) if task is not None else None
        if held is not None:
            yield held, True
            return
        # asyncio.timeout, not acquire(timeout=...): that one runs each wait in a new task.
        with _mapped(self._name):
            async with asyncio.timeout(self._acquire_timeout_s):
                raw = await self._pool.acquire()
        try:
            conn = PostgresConn(raw, self._name)
            if task is not None:
                self._held[task] = conn
            try:
                yield conn, False
            finally:
                if task is not None:
                    self._held.pop(task, None)
        finally:
            await self._release(raw)

    async def _release(self, raw: asyncpg.Connection) -> None:
        try:
            await self._pool.release(raw, timeout=RELEASE_TIMEOUT_S)  # else: cut, replaced
        except Exception as error:  # the pool replaces a broken connection; say it once
            log.debug("%s: a connection was not returned cleanly: %s", self._name, error)

    async def verify(self) -> None:
        """Nothing to check beyond what queries do: the server keeps its own files."""

    def stop_waiting(self) -> asyncio.Future[None]:
        """From now on waiting for a pooled connection gives up after 1 s (at stop)."""
        self._acquire_timeout_s = STOP_ACQUIRE_TIMEOUT_S
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        done.set_result(None)
        return done

    async def close(self) -> None:
        """Close the pool, waiting up to 10 s for connections in use; never raises."""
        if self._closed:
            return
        self._closed = True
        try:
            await asyncio.wait_for(self._pool.close(), CLOSE_TIMEOUT_S)
        except (TimeoutError, *_DRIVER_ERRORS) as error:
            log.error("%s: closing failed (%s); dropping its connections", self._name, error)
            self._pool.terminate()


# -- opening ---------------------------------------------------------------------------------


def describe(url: str) -> str:
    """`PostgreSQL database db at host:5432`: what to call it in messages (no user, no
    password)."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return "PostgreSQL (DATABASE_URL)"
    hosts = parts.netloc.rpartition("@")[2] or "localhost"
    if ":" not in hosts and "," not in hosts:
        hosts += ":5432"
    database = unquote(parts.path.lstrip("/")) or unquote(parts.username or "") or "postgres"
    return f"PostgreSQL database {database} at {hosts}"


async def open_postgres(
    url: str,
    *,
    migrations_dir: Path | None = None,
    pool_min: int = 1,
    pool_max: int = 10,
) -> PostgresDatabase:
    """Connect a pool to the server and bring the schema up to date.

    Raises StorageError, with a message fit for the operator (never the password), when the
    URL is malformed, the server cannot be reached or refuses the login, or a migration fails
    (the failed migration changes nothing; earlier ones stay applied).
    """
    migrations = find_migrations(migrations_dir or MIGRATIONS_DIR)
    name = describe(url)
    pool = await _connect(url, name, pool_min, pool_max)
    try:
        async with pool.acquire() as raw:
            await _migrate(raw, name, migrations)
    except BaseException:
        pool.terminate()
        raise
    return PostgresDatabase(pool, name)


async def _connect(url: str, name: str, pool_min: int, pool_max: int) -> asyncpg.Pool:
    with _opening(url, name):
        pool = await asyncpg.create_pool(
            url,
            min_size=pool_min,
            max_size=pool_max,
            timeout=CONNECT_TIMEOUT_S,
            reset=_keep_session,
            server_settings=SERVER_SETTINGS,
        )
    if pool is None:  # only when awaited outside a loop; keeps the type checker honest
        raise StorageError(f"{name}: no connection pool")
    return pool


async def _keep_session(conn: asyncpg.Connection) -> None:
    """What a connection goes back to the pool with. asyncpg has rolled back a transaction
    left open already; storage code changes no session state (no SET, LISTEN or session-level
    advisory lock on pooled connections), so asyncpg's reset query, a round trip on every
    release (about half of a one-statement read), is left out."""


async def check_reachable(url: str) -> None:
    """Connect once and log in (nothing is written); StorageError saying why not."""
    name = describe(url)
    with _opening(url, name):
        conn = await asyncpg.connect(url, timeout=CONNECT_TIMEOUT_S)
        await conn.close(timeout=CLOSE_TIMEOUT_S)


@contextlib.contextmanager
def _opening(url: str, name: str) -> Iterator[None]:
    """Connection failures at start as StorageError, in words for the operator."""
    try:
        yield
    except (ValueError, asyncpg.ClientConfigurationError) as exc:
        raise StorageError(f"DATABASE_URL is malformed: {_without_url(exc, url)}") from exc
    except asyncpg.InvalidAuthorizationSpecificationError as exc:
        raise StorageError(f"{name} refused the login: {exc}") from exc
    except asyncpg.InvalidCatalogNameError as exc:
        raise StorageError(f"{name}: the database does not exist ({exc})") from exc
    except TimeoutError as exc:
        raise StorageError(
            f"{name} did not answer within {CONNECT_TIMEOUT_S:.0f} s; is the server up?"
        ) from exc
    except socket.gaierror as exc:  # its errno is a resolver code: os.strerror cannot say it
        hosts = ", ".join(host_names(url)) or "localhost"
        raise StorageError(f"cannot resolve the database host {hosts} ({exc.strerror})") from exc
    except OSError as exc:
        reason = os.strerror(exc.errno) if exc.errno else str(exc)  # "Connection refused"
        raise StorageError(f"cannot reach {name}: {reason}") from exc
    except (asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
        raise StorageError(f"{name} cannot be used: {exc}") from exc


def _without_url(exc: BaseException, url: str) -> str:
    """The error's words without the URL itself (it may hold a password)."""
    return str(exc).replace(url, "DATABASE_URL") or type(exc).__name__


async def _migrate(raw: asyncpg.Connection, name: str, migrations: list[Migration]) -> None:
    """Apply the missing migrations, each in its own transaction under the advisory lock.

    The lock serialises processes starting at once: the second one waits, then reads the
    version the first one left and has nothing (or less) to do.
    """
    while True:
        try:
            async with raw.transaction():
                await raw.execute("SELECT pg_advisory_xact_lock($1)", MIGRATION_LOCK_KEY)
                await raw.execute(_VERSION_TABLE)
                version = int(
                    await raw.fetchval("SELECT coalesce(max(version), 0) FROM schema_migrations")
                )
                if version > len(migrations):
                    raise StorageError(
                        f"{name} has schema version {version}, newer than this program "
                        f"knows ({len(migrations)}); run a newer supportlive"
                    )
                if version == len(migrations):
                    return
                migration = migrations[version]
                await _apply(raw, name, migration)
        except (asyncpg.PostgresError, asyncpg.InterfaceError, OSError) as exc:
            raise StorageError(f"{name}: cannot bring the schema up to date: {exc}") from exc


async def _apply(raw: asyncpg.Connection, name: str, migration: Migration) -> None:
    sql = migration.read()
    try:
        # Without arguments asyncpg sends the text as one simple query: many statements,
        # function bodies and all, inside the transaction the caller holds.
        async with raw.transaction():  # a savepoint: the error below names the migration
            await raw.execute(sql)
    except asyncpg.PostgresError as exc:
        raise StorageError(
            f"migration {migration.name} failed: {exc}; {name} is unchanged by it "
            f"(schema version {migration.number - 1})"
        ) from exc
    await raw.execute(
        "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)",
        migration.number,
        migration.name,
    )
