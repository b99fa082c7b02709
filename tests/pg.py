"""A throw-away PostgreSQL server for the tests, from the Debian `postgresql` package.

One server per pytest session (fixture `pg_server`), in a temporary directory: `initdb`, then
the `postgres` binary itself, listening on 127.0.0.1 at a free port and on a unix socket in
that directory. Each test that asks for `pg_dsn` gets a fresh empty database (dropped after
the test) and its `postgresql://` DSN; `pg_migrated_dsn` gives one with the bot's schema
already in it, copied from a template migrated once a session. Durability is off (fsync,
full_page_writes, synchronous_commit): a crash can lose only a test's data.

PostgreSQL refuses to run as root, and tests often run as root (CI containers): the server
then runs as `nobody`, its directory chowned to it. It is started through `setpriv
--pdeathsig`, so it stops when the pytest process that started it dies, even by SIGKILL;
no server outlives its session. The kernel ties that signal to the *thread* that started the
server, hence `start()` refuses to run outside the main thread.

Where the binaries are: `$SUPPORTLIVE_PG_BIN` when set, else the newest
`/usr/lib/postgresql/*/bin`. Without them the tests that need PostgreSQL are skipped, and
`pytest -rs` says why; under CI (`CI=true`, as `.ci/run` sets) they fail instead, because CI
installs the package and a silent skip there would hide the whole PostgreSQL suite.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import pytest

MIGRATIONS_ROOT = Path(__file__).resolve().parent.parent / "storage" / "migrations"
PG_MIGRATIONS_DIR = MIGRATIONS_ROOT / "postgresql"
DEBIAN_BIN_DIRS = "/usr/lib/postgresql/*/bin"
SUPERUSER = "postgres"
# The unprivileged account the server runs as when the tests run as root.
SERVER_ACCOUNT = "nobody"
START_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 60.0
# Appended to postgresql.conf: fast and small, nothing a test would notice.
SETTINGS = """
listen_addresses = '127.0.0.1'
unix_socket_directories = '{socket_dir}'
fsync = off
synchronous_commit = off
full_page_writes = off
shared_buffers = 16MB
max_connections = 100
logging_collector = off
"""


class PgUnavailable(Exception):
    """No PostgreSQL server binaries here; the message says what was looked for."""


def find_bin_dir() -> Path:
    """The folder holding initdb and postgres, or PgUnavailable saying where we looked."""
    chosen = os.environ.get("SUPPORTLIVE_PG_BIN")
    if chosen:
        candidates = [Path(chosen)]
        where = f"SUPPORTLIVE_PG_BIN={chosen}"
    else:
        # Newest major version first: /usr/lib/postgresql/15/bin before .../13/bin.
        found = Path("/").glob(DEBIAN_BIN_DIRS.lstrip("/"))
        candidates = sorted(found, key=lambda p: _version_key(p.parent.name), reverse=True)
        where = DEBIAN_BIN_DIRS
    for folder in candidates:
        if all(os.access(folder / name, os.X_OK) for name in ("initdb", "postgres")):
            return folder
    raise PgUnavailable(
        f"PostgreSQL server binaries not found (no initdb and postgres in {where}); "
        "install Debian's postgresql package to run the PostgreSQL tests"
    )


def _version_key(name: str) -> tuple[int, ...]:
    return tuple(int(part) for part in name.split(".") if part.isdigit())


class PgServer:
    """One PostgreSQL server in its own temporary directory; `create` it, `remove` it at the end.

    `stop()` and `start()` take it away and bring it back on the same port with the same data,
    as an outage would.
    """

    def __init__(self, bin_dir: Path, root: Path, password: str) -> None:
        self.bin_dir = bin_dir
        self.root = root
        self.password = password
        self.port = 0
        self._process: subprocess.Popen[bytes] | None = None
        self._names = itertools.count(1)

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def socket_dir(self) -> Path:
        return self.root

    @property
    def log_path(self) -> Path:
        return self.root / "postgres.log"

    @property
    def pid(self) -> int | None:
        """The server's main process (the postmaster), while it runs."""
        return self._process.pid if self.running and self._process is not None else None

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def dsn(self, database: str = "postgres") -> str:
        """How a client reaches `database` over TCP on loopback, password included."""
        return f"postgresql://{SUPERUSER}:{self.password}@127.0.0.1:{self.port}/{database}"

    @classmethod
    def create(cls, bin_dir: Path) -> PgServer:
        """A new cluster in a new temporary directory, started; removed again if that fails."""
        root = Path(tempfile.mkdtemp(prefix="supportlive-pg-"))
        server = cls(bin_dir, root, password=secrets.token_hex(12))
        try:
            server._init_cluster()
            server._start_on_a_free_port()
        except BaseException:
            server.remove()
            raise
        return server

    def _init_cluster(self) -> None:
        _hand_over(self.root)
        password_file = self.root / "password"
        password_file.write_text(self.password + "\n", encoding="utf-8")
        _hand_over(password_file)
        self._run_as_server(
            [
                str(self.bin_dir / "initdb"),
                f"--pgdata={self.data_dir}",
                f"--username={SUPERUSER}",
                f"--pwfile={password_file}",
                # The unix socket stays password-free for the fixture's own psql calls; TCP,
                # which the code under test uses, asks for the password like a real server.
                "--auth-local=trust",
                "--auth-host=scram-sha-256",
                "--encoding=UTF8",
                "--locale=C",
                "--no-sync",
                "--no-instructions",
            ]
        )
        password_file.unlink()
        with (self.data_dir / "postgresql.conf").open("a", encoding="utf-8") as conf:
            conf.write(SETTINGS.format(socket_dir=self.socket_dir))

    def _start_on_a_free_port(self) -> None:
        # Another process may take the port between our probe and the server's bind: retry.
        for attempt in range(3):
            self.port = _free_port()
            try:
                self.start()
                return
            except RuntimeError:
                if attempt == 2 or "could not bind" not in self._log_tail():
                    raise

    def start(self, timeout_s: float = START_TIMEOUT_S) -> None:
        """Start the server (no-op when running) and wait until it accepts connections."""
        if self.running:
            return
        if threading.current_thread() is not threading.main_thread():
            raise RuntimeError("start the test PostgreSQL server from the main thread")
        with self.log_path.open("ab") as log:
            self._process = subprocess.Popen(
                [
                    *_as_server_account(),
                    "--pdeathsig=INT",
                    "--",
                    str(self.bin_dir / "postgres"),
                    "-D",
                    str(self.data_dir),
                    "-p",
                    str(self.port),
                ],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                env=_server_env(),
            )
        self._wait_ready(timeout_s)

    def _wait_ready(self, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if not self.running:
                raise RuntimeError(f"PostgreSQL did not start:\n{self._log_tail()}")
            ready = subprocess.run(
                [self._tool("pg_isready"), *self._socket_args(), "--quiet"], check=False
            )
            if ready.returncode == 0:
                return
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"PostgreSQL not ready after {timeout_s:.0f} s:\n{self._log_tail()}")

    def stop(self, timeout_s: float = STOP_TIMEOUT_S) -> None:
        """Stop the server (fast shutdown: open connections are cut), or kill it after a while."""
        process = self._process
        if process is None:
            return
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout_s)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self._process = None

    def remove(self) -> None:
        """Stop the server and delete its directory; never raises."""
        with contextlib.suppress(Exception):
            self.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    def create_database(self, template: str | None = None) -> str:
        """A new database's name: empty, or a copy of `template` (see `seal_template`)."""
        name = f"test_{next(self._names)}_{secrets.token_hex(3)}"
        copy_of = "" if template is None else f' TEMPLATE "{template}"'
        self.psql(f'CREATE DATABASE "{name}"{copy_of}')
        return name

    def seal_template(self, name: str, timeout_s: float = 30.0) -> None:
        """Make database `name` a template: no connection to it any more (PostgreSQL copies a
        database only while no one is connected), and none allowed from now on."""
        self.psql(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
        deadline = time.monotonic() + timeout_s
        # A closed client's server process may still be finishing: wait until it is gone.
        while self.psql(f"SELECT count(*) FROM pg_stat_activity WHERE datname = '{name}'") != "0":
            if time.monotonic() > deadline:
                raise RuntimeError(f"database {name} still has connections after {timeout_s} s")
            self.psql(
                f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'"
            )
            time.sleep(0.05)

    def drop_database(self, name: str) -> None:
        """Drop a database, cutting any connection a test left open."""
        self.psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def psql(self, sql: str, database: str = "postgres") -> str:
        """Run SQL as the superuser over the unix socket; its output unaligned, tuples only."""
        done = subprocess.run(
            [
                self._tool("psql"),
                *self._socket_args(),
                f"--username={SUPERUSER}",
                f"--dbname={database}",
                "--no-psqlrc",
                "--tuples-only",
                "--no-align",
                "--set=ON_ERROR_STOP=1",
                "--command",
                sql,
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"psql failed ({sql!r}): {done.stderr.strip()}")
        return done.stdout.strip()

    def _socket_args(self) -> list[str]:
        return [f"--host={self.socket_dir}", f"--port={self.port}"]

    def _tool(self, name: str) -> str:
        """A client program; Debian ships the clients beside the server too."""
        own = self.bin_dir / name
        return str(own) if own.exists() else name

    def _run_as_server(self, command: list[str]) -> None:
        done = subprocess.run(
            [*_as_server_account(), "--", *command],
            capture_output=True,
            text=True,
            env=_server_env(),
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"{Path(command[0]).name} failed: {done.stderr.strip()}")

    def _log_tail(self, lines: int = 20) -> str:
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return "(no server log)"
        return "\n".join(text.splitlines()[-lines:])


def _as_server_account() -> list[str]:
    """`setpriv` with the switch to the unprivileged account when we are root."""
    if os.geteuid() != 0:
        return ["setpriv"]
    account = pwd.getpwnam(SERVER_ACCOUNT)
    return [
        "setpriv",
        f"--reuid={account.pw_uid}",
        f"--regid={account.pw_gid}",
        "--clear-groups",
    ]


def _hand_over(path: Path) -> None:
    """Give a path to the server's account (when we are root and the server is not)."""
    if os.geteuid() == 0:
        account = pwd.getpwnam(SERVER_ACCOUNT)
        os.chown(path, account.pw_uid, account.pw_gid)


def _server_env() -> dict[str, str]:
    # A locale the C library surely has, and no inherited PG* variables steering the tools.
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    env.update(LC_ALL="C", LANG="C")
    return env


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


async def apply_pg_migrations(dsn: str, folder: Path = PG_MIGRATIONS_DIR) -> None:
    """Apply every PostgreSQL migration (`NNNN_name.sql`) in order, each in a transaction.

    For tests of the migration files themselves; the bot applies them with its own runner.
    """
    scripts = read_migrations(folder)
    conn = await asyncpg.connect(dsn)
    try:
        for script in scripts:
            async with conn.transaction():
                await conn.execute(script)
    finally:
        await conn.close()


def read_migrations(folder: Path) -> list[str]:
    """The SQL of a folder's `NNNN_name.sql` files, in order."""
    paths = sorted(folder.glob("[0-9][0-9][0-9][0-9]_*.sql"))
    return [path.read_text(encoding="utf-8") for path in paths]


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    """The session's PostgreSQL server; skipped (failed under CI) without the binaries."""
    try:
        bin_dir = find_bin_dir()
    except PgUnavailable as missing:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{missing} (CI installs it: see .ci/run)", pytrace=False)
        pytest.skip(str(missing))
    server = PgServer.create(bin_dir)
    try:
        yield server
    finally:
        server.remove()


@pytest.fixture
def pg_dsn(pg_server: PgServer) -> Iterator[str]:
    """A fresh empty database for this test: its DSN (`postgresql://postgres:…@127.0.0.1:…`)."""
    yield from _database_for_a_test(pg_server, template=None)


@pytest.fixture(scope="session")
def pg_migrated_template(pg_server: PgServer) -> str:
    """A database with the bot's schema (every migration applied by `open_database`) that
    `pg_migrated_dsn` copies: copying takes a tenth of a second, migrating well over one."""
    from storage import open_database  # the storage package, not needed by tests of pg.py

    async def migrate(dsn: str) -> None:
        db = await open_database(dsn)
        await db.close()

    pg_server.start()
    name = pg_server.create_database()
    asyncio.run(migrate(pg_server.dsn(name)))
    pg_server.seal_template(name)
    return name


@pytest.fixture
def pg_migrated_dsn(pg_server: PgServer, pg_migrated_template: str) -> Iterator[str]:
    """Like `pg_dsn`, but the database already has the bot's schema, as `open_database`
    leaves it."""
    yield from _database_for_a_test(pg_server, template=pg_migrated_template)


def _database_for_a_test(pg_server: PgServer, template: str | None) -> Iterator[str]:
    # A test that stopped the server and failed before starting it again must not take the
    # following tests down with it.
    pg_server.start()
    name = pg_server.create_database(template)
    try:
        yield pg_server.dsn(name)
    finally:
        pg_server.start()
        pg_server.drop_database(name)
