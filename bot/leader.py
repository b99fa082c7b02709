"""Leadership: of the `supportlive run` processes sharing one database, exactly one leads.

The leader runs the tasks that must not run twice (the probes, the Telegram poller, the
Discord gateway, ...: see `bot/app.py`); the others, standbys, serve the web side and send
alerts, and try to take over every few seconds. What makes one process the leader is a lock
that the operating system or the database drops when the process dies:

- SQLite (`FileLock`): an exclusive `flock` on a file beside the database
  (`<DATABASE_PATH>.leader`). Processes on one machine share one file, so they also share
  one lock; a killed process's lock goes with it at once. A lock file deleted (or replaced)
  under a running leader is locked again by that leader, not by a standby (see `FileLock`).
- PostgreSQL (`AdvisoryLock`): a session-level `pg_try_advisory_lock` on a connection of its
  own (not one of the pool's, which are lent out and given back), held for the process's
  life. A killed process's connection closes, and PostgreSQL drops its lock with it.

`Election` runs under the supervisor: standing by, it tries the lock every `retry_s`;
leading, it checks every `check_s` that the lock is still held, and steps down (stops the
leader-only tasks) the moment it is not, before anything else can run them twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import importlib
import logging
import os
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any, Protocol

log = logging.getLogger(__name__)

# A standby tries the lock this often: a dead leader is replaced within about this long
# (the budget is 30 s, and a PostgreSQL session takes the server a moment to end).
RETRY_S = 3.0
# A leader checks its lock this often (PostgreSQL; a lost connection is noticed at once).
CHECK_S = 5.0
# A leader looks this often whether its lock file is still the one at its path (a `stat`).
FILE_POLL_S = 0.25
# How long one check of the PostgreSQL lock connection may take before it counts as lost.
CHECK_TIMEOUT_S = 5.0
# The PostgreSQL advisory lock's key: any fixed 64-bit number no other program of the
# database uses ("SLleader" in ASCII).
ADVISORY_KEY = 0x534C_6C65_6164_6572

Hook = Callable[[], Awaitable[None]]
Beating = Callable[[], Awaitable[bool]]


class Role(StrEnum):
    LEADER = "leader"
    STANDBY = "standby"


class Leadership(Protocol):
    """One process's hold on the lock that makes it the leader."""

    @property
    def description(self) -> str:
        """What the lock is, for the log ("lock file /data/x.sqlite3.leader")."""
        ...

    async def acquire(self) -> bool:
        """One try, without waiting: True when this process now holds the lock."""
        ...

    async def held(self) -> bool:
        """Whether the lock acquired is still this process's (False once it was lost)."""
        ...

    async def wait_lost(self, timeout: float) -> None:
        """Return when the lock may have been lost, or after `timeout` seconds."""
        ...

    async def release(self) -> None:
        """Let go of the lock (and what holds it); never raises."""
        ...


class FileLock:
    """Leadership by an exclusive `flock` on a file (SQLite: several processes, one machine).

    `flock` belongs to the open file, so the lock lasts as long as the descriptor, and the
    kernel drops it when the process dies, however it dies. The file holds the leader's pid
    for the operator.

    A lock file deleted or replaced while the leader runs would let a standby lock a new file
    at the same path: two leaders. So the leader looks every `FILE_POLL_S` whether its file is
    still the one at the path, and if not locks the one there now (`held`); and a standby
    never locks an empty file (one no leader ever wrote its pid in) while `beating` says a
    leader's heartbeat is fresh: that leader is about to lock it. Only when another process
    did lock the new file first (it held pid, or no leader beat) does the leader step down.
    """

    def __init__(self, path: Path, beating: Beating | None = None) -> None:
        self.path = path
        self._beating = beating
        self._fd: int | None = None
        self._waiting = False  # a new file is left to a beating leader (logged once)

    @property
    def description(self) -> str:
        return f"lock file {self.path}"

    async def acquire(self) -> bool:
        if self._fd is not None:
            return True
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            if os.fstat(fd).st_size == 0 and await self._leader_beats():
                os.close(fd)
                return False
            self._waiting = False
            if not _lock(fd):
                os.close(fd)
                return False
        except BaseException:
            os.close(fd)
            raise
        self._own(fd)
        return True

    async def held(self) -> bool:
        """Still ours; or, when someone deleted or replaced the file, ours again: the file now
        at the path is locked, unless another process was first."""
        if self._fd is None:
            return False
        if self._still_at_path(self._fd):
            return True
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        except OSError:
            return False
        if not _lock(fd):
            os.close(fd)
            return False
        old, self._fd = self._fd, None
        os.close(old)
        self._own(fd)
        log.warning(
            "%s was deleted or replaced: locked the file now at that path, still leading",
            self.description,
        )
        return True

    async def wait_lost(self, timeout: float) -> None:
        """Return once the lock file is no longer ours at its path, or after `timeout`."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while (left := deadline - loop.time()) > 0:
            await asyncio.sleep(min(FILE_POLL_S, left))
            fd = self._fd
            if fd is None or not self._still_at_path(fd):
                return

    async def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            with contextlib.suppress(OSError):
                os.close(fd)

    def _still_at_path(self, fd: int) -> bool:
        try:
            ours, there = os.fstat(fd), os.stat(self.path)
        except OSError:
            return False
        return (ours.st_dev, ours.st_ino) == (there.st_dev, there.st_ino)

    def _own(self, fd: int) -> None:
        self._fd = fd
        with contextlib.suppress(OSError):  # a note for the operator, and for `acquire`
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)

    async def _leader_beats(self) -> bool:
        """Whether a leader's heartbeat is fresh (said once per wait in the log)."""
        if self._beating is None or not await self._beating():
            return False
        if not self._waiting:
            self._waiting = True
            log.warning(
                "%s is new while a leader's heartbeat is fresh: it may hold the lock of a "
                "deleted file; leaving the new file to it",
                self.description,
            )
        return True


def _lock(fd: int) -> bool:
    """An exclusive `flock` without waiting: False when another process holds it."""
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


class AdvisoryLock:
    """Leadership by a session-level PostgreSQL advisory lock on a connection of its own.

    The connection asks the server for TCP keepalives, so a leader whose machine vanished
    (no FIN ever comes) loses its session, and with it the lock, within about 30 s.
    """

    def __init__(self, dsn: str, key: int = ADVISORY_KEY) -> None:
        self._dsn = dsn
        self._key = key
        self._conn: Any = None  # asyncpg.Connection (asyncpg is imported only when used)
        self._holding = False
        self._lost = asyncio.Event()

    @property
    def description(self) -> str:
        return f"PostgreSQL advisory lock {self._key}"

    async def acquire(self) -> bool:
        if self._holding:
            return True
        conn = await self._connection()
        got = bool(await conn.fetchval("SELECT pg_try_advisory_lock($1)", self._key))
        self._holding = got
        return got

    async def held(self) -> bool:
        conn = self._conn
        if not self._holding or conn is None or conn.is_closed():
            return False
        try:
            async with asyncio.timeout(CHECK_TIMEOUT_S):
                await conn.fetchval("SELECT 1")
        except Exception as error:  # the connection is gone or hangs: so may the lock be
            log.warning("the leader lock's connection failed: %s", type(error).__name__)
            return False
        return True

    async def wait_lost(self, timeout: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._lost.wait(), timeout)

    async def release(self) -> None:
        """Closing the session releases its lock (no unlock needed, and none possible on a
        broken connection)."""
        conn, self._conn, self._holding = self._conn, None, False
        if conn is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(conn.close(), CHECK_TIMEOUT_S)
            if not conn.is_closed():
                conn.terminate()

    async def _connection(self) -> Any:
        if self._conn is not None and not self._conn.is_closed():
            return self._conn
        # Imported here: an SQLite install needs no PostgreSQL driver loaded.
        asyncpg = importlib.import_module("asyncpg")
        self._lost.clear()
        self._conn = await asyncpg.connect(
            self._dsn,
            timeout=CHECK_TIMEOUT_S * 2,
            server_settings={
                "application_name": "supportlive leader lock",
                "tcp_keepalives_idle": "10",
                "tcp_keepalives_interval": "5",
                "tcp_keepalives_count": "3",
            },
        )
        self._conn.add_termination_listener(lambda _conn: self._lost.set())
        return self._conn


def leadership_for(
    database_path: Path, database_url: str | None = None, beating: Beating | None = None
) -> Leadership:
    """The lock that fits the database: an advisory lock on PostgreSQL, else a lock file
    (`beating`: whether a leader's heartbeat is fresh; see `FileLock`)."""
    if database_url:
        return AdvisoryLock(database_url)
    return FileLock(database_path.with_name(database_path.name + ".leader"), beating)


async def _nothing() -> None:
    return None


class Election:
    """This process's role, kept up to date by `step` and `pause` under the supervisor.

    `on_elected` starts the leader-only tasks and `on_deposed` stops them; both are called
    from the election's own task, one at a time, so they never overlap. When `on_elected`
    fails, the process steps down again (and tries anew later) rather than lead without them.
    Cancelled mid-way (the process stops), `resign` stops whatever had started.
    """

    def __init__(
        self,
        leadership: Leadership,
        *,
        on_elected: Hook = _nothing,
        on_deposed: Hook = _nothing,
        retry_s: float = RETRY_S,
        check_s: float = CHECK_S,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.leadership = leadership
        self.on_elected = on_elected
        self.on_deposed = on_deposed
        self._retry_s = retry_s
        self._check_s = check_s
        self._now = now
        self.role = Role.STANDBY
        self.since = now()

    @property
    def leading(self) -> bool:
        return self.role is Role.LEADER

    def describe(self) -> dict[str, str]:
        """What /healthz says of this replica: its role and since when (UTC, ISO 8601)."""
        since = self.since.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        return {"role": self.role.value, "role_since": since}

    async def step(self) -> None:
        """Standing by: one try to take the lead. Leading: step down if the lock is gone."""
        if self.leading:
            try:
                still = await self.leadership.held()
            except Exception:
                await self._step_down("its lock could not be checked")
                raise
            if not still:
                await self._step_down("its lock was lost")
            return
        try:
            taken = await self.leadership.acquire()
        except Exception:
            await self.leadership.release()  # a broken connection: the next try makes anew
            raise
        if taken:
            await self._take_lead()

    async def pause(self) -> None:
        if self.leading:
            await self.leadership.wait_lost(self._check_s)
        else:
            await asyncio.sleep(self._retry_s)

    async def resign(self) -> None:
        """At stop: stop the leader-only tasks, then let go of the lock."""
        if self.leading:
            await self._step_down("the process is stopping", quiet=True)
        await self.leadership.release()

    async def _take_lead(self) -> None:
        self._set(Role.LEADER)
        log.warning(
            "leadership taken (%s): this replica now runs the probes and the other "
            "leader-only tasks",
            self.leadership.description,
        )
        try:
            await self.on_elected()
        except Exception:
            await self._step_down("its tasks could not start")
            raise

    async def _step_down(self, why: str, *, quiet: bool = False) -> None:
        # Leader-only tasks stop first: only then may another process run them.
        self._set(Role.STANDBY)
        try:
            await self.on_deposed()
        finally:
            await self.leadership.release()
        if not quiet:
            log.warning("leadership lost (%s): %s; standing by", self.leadership.description, why)

    def _set(self, role: Role) -> None:
        self.role, self.since = role, self._now()
