"""A PostgreSQL server that stops answering without closing its connections (a frozen host,
a network gone quiet): a statement given up on (asyncio.timeout) gives the task back at once,
so the bot's checks fail on time and /healthz can say so; it does not wait for the server."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager

import asyncpg
import pytest

from storage.engine import Database, DatabaseError, open_database
from tests.pg import PgServer

pytestmark = pytest.mark.timeout(180)

GIVE_UP_S = 2.0
# How long giving up may take on a loaded machine; a wait on the frozen server is for ever.
BACK_WITHIN_S = 20.0


@contextmanager
def frozen(server: PgServer) -> Iterator[None]:
    """Every process of the server stopped (SIGSTOP) for the block: connections stay open,
    nothing answers."""
    process = server._process
    assert process is not None
    children = subprocess.run(
        ["ps", "-o", "pid=", "--ppid", str(process.pid)], capture_output=True, text=True
    ).stdout.split()
    pids = [process.pid, *map(int, children)]
    for pid in pids:
        os.kill(pid, signal.SIGSTOP)
    try:
        yield
    finally:
        for pid in pids:
            os.kill(pid, signal.SIGCONT)


async def given_up_on(db: Database, *, write: bool) -> float:
    """Seconds until a statement abandoned after GIVE_UP_S hands the task back."""

    async def statement() -> None:
        async with asyncio.timeout(GIVE_UP_S):
            if write:
                async with db.transaction() as conn:
                    await conn.fetchval("SELECT count(*) FROM subscriptions")
            else:
                async with db.reading() as conn:
                    await conn.fetchval("SELECT count(*) FROM subscriptions")

    started = time.monotonic()
    task = asyncio.create_task(statement())
    # Not `await task`: a task stuck on the frozen server would hang the test with it.
    done, _ = await asyncio.wait([task], timeout=BACK_WITHIN_S)
    took = time.monotonic() - started
    if task in done:
        with pytest.raises(TimeoutError):
            task.result()
    return took


@pytest.mark.parametrize("write", [False, True], ids=["reading", "transaction"])
async def test_a_statement_given_up_on_returns_although_the_server_is_frozen(
    pg_server: PgServer, pg_dsn: str, write: bool
) -> None:
    db = await open_database(pg_dsn, pool_min=1, pool_max=4)
    try:
        async with db.reading() as conn:  # a pooled connection, open and used
            assert await conn.fetchval("SELECT count(*) FROM subscriptions") == 0
        with frozen(pg_server):
            took = await given_up_on(db, write=write)
        assert took < BACK_WITHIN_S, f"the task waited {took:.0f} s on a frozen server"
        async with db.reading() as conn:  # and the pool works once the server answers
            assert await conn.fetchval("SELECT count(*) FROM subscriptions") == 0
    finally:
        await asyncio.wait_for(db.close(), 30)


async def test_a_session_the_server_ends_inside_a_transaction_is_a_database_error(
    pg_dsn: str,
) -> None:
    """The server ends the session mid-transaction (restart, admin): the caller gets the
    engine's DatabaseError family, never a driver error from cleaning up the dead connection
    (asyncpg's 'connection has been released back to the pool' escaped as InterfaceError)."""
    db = await open_database(pg_dsn, pool_min=1, pool_max=2)
    try:
        for _ in range(5):  # the cleanup race shows on some tries only
            with pytest.raises(DatabaseError):
                async with db.transaction() as conn:
                    pid = await conn.fetchval("SELECT pg_backend_pid()")
                    await _end_session(pg_dsn, pid)
                    await conn.fetchval("SELECT count(*) FROM subscriptions")
            async with db.reading() as conn:  # the pool carries on with a new connection
                assert await conn.fetchval("SELECT count(*) FROM subscriptions") == 0
    finally:
        await asyncio.wait_for(db.close(), 30)


async def _end_session(dsn: str, pid: int) -> None:
    killer = await asyncpg.connect(dsn)
    try:
        assert await killer.fetchval("SELECT pg_terminate_backend($1)", pid) is True
    finally:
        await killer.close()
