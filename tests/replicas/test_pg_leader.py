"""Leadership on PostgreSQL: a session-level advisory lock on a connection of its own."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import asyncpg

from bot.leader import ADVISORY_KEY, AdvisoryLock, Election, Role, leadership_for
from storage.postgres import MIGRATION_LOCK_KEY

APPLICATION = "supportlive leader lock"


async def kill_sessions(dsn: str) -> int:
    """End the lock's session from the server's side, as when its process dies."""
    admin = await asyncpg.connect(dsn)
    try:
        return int(
            await admin.fetchval(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE application_name = $1",
                APPLICATION,
            )
        )
    finally:
        await admin.close()


async def holders(dsn: str) -> int:
    """Sessions holding the leader's advisory lock, as the server sees them."""
    admin = await asyncpg.connect(dsn)
    try:
        return int(
            await admin.fetchval(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted "
                "AND ((classid::bigint << 32) | objid::bigint) = $1",
                ADVISORY_KEY,
            )
        )
    finally:
        await admin.close()


def test_a_database_url_takes_the_advisory_lock(tmp_path: Path) -> None:
    lock = leadership_for(tmp_path / "unused.sqlite3", "postgresql://u:p@127.0.0.1:5432/db")
    assert isinstance(lock, AdvisoryLock)
    assert "p@" not in lock.description, "the description never shows the URL"


def test_the_leader_lock_is_not_the_migrations_lock() -> None:
    """The leader holds its lock for its life: with the migrations' key, a replica starting
    next to it would wait for it for ever before migrating."""
    assert ADVISORY_KEY != MIGRATION_LOCK_KEY


async def test_only_one_session_holds_the_lock_until_it_lets_go(pg_dsn: str) -> None:
    first, second = AdvisoryLock(pg_dsn), AdvisoryLock(pg_dsn)
    try:
        assert await first.acquire()
        assert not await second.acquire()
        assert await first.held() and not await second.held()
        assert await holders(pg_dsn) == 1
        await first.release()
        assert await second.acquire()
        assert not await first.acquire()
    finally:
        await first.release()
        await second.release()


async def test_a_leader_whose_session_ends_steps_down_at_once(pg_dsn: str) -> None:
    """The server ends the session (the leader's process or machine died, or an admin): the
    leader notices without waiting for its next check, stops its tasks, and another leads."""
    events: list[str] = []

    async def elected() -> None:
        events.append("elected")

    async def deposed() -> None:
        events.append("deposed")

    leader = Election(
        AdvisoryLock(pg_dsn), on_elected=elected, on_deposed=deposed, check_s=60, retry_s=0.05
    )
    standby = Election(AdvisoryLock(pg_dsn), retry_s=0.05)
    try:
        await leader.step()
        await standby.step()
        assert (leader.role, standby.role) == (Role.LEADER, Role.STANDBY)
        assert await kill_sessions(pg_dsn) == 2  # the standby's waiting session too
        started = time.monotonic()
        await leader.pause()  # returns when the connection is lost, not after 60 s
        # Well short of the 60 s check, with room for a loaded machine.
        assert time.monotonic() - started < 30
        await leader.step()
        assert leader.role is Role.STANDBY
        assert events == ["elected", "deposed"]
        for _ in range(3):  # its broken connection fails one try; the next makes a new one
            try:
                await standby.step()
            except Exception:  # any error of the dead session (asyncpg has several kinds)
                await asyncio.sleep(0.05)
            if standby.leading:
                break
        assert standby.role is Role.LEADER
        assert await holders(pg_dsn) == 1
    finally:
        await leader.resign()
        await standby.resign()
    assert await holders(pg_dsn) == 0
