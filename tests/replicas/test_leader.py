"""Leadership on SQLite: a lock file only one process holds, and the election around it."""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from pathlib import Path

import pytest

from bot.leader import Election, FileLock, Role, leadership_for

HOLD_AND_WAIT = """
import fcntl, os, sys, time
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT)
fcntl.flock(fd, fcntl.LOCK_EX)
print("held", flush=True)
time.sleep(120)
"""


class Journal:
    """Hooks that note when the leader-only tasks start and stop."""

    def __init__(self, rival: FileLock | None = None) -> None:
        self.events: list[str] = []
        self.rival = rival  # tries the lock while the tasks stop: it must still be taken

    async def elected(self) -> None:
        self.events.append("elected")

    async def deposed(self) -> None:
        if self.rival is not None:
            assert not await self.rival.acquire(), "the lock was let go before the tasks stopped"
        self.events.append("deposed")


def election(lock: FileLock, journal: Journal) -> Election:
    return Election(lock, on_elected=journal.elected, on_deposed=journal.deposed, retry_s=0.01)


def test_the_lock_file_sits_beside_the_database(tmp_path: Path) -> None:
    lock = leadership_for(tmp_path / "bot.sqlite3")
    assert isinstance(lock, FileLock)
    assert lock.path == tmp_path / "bot.sqlite3.leader"


async def test_only_one_of_two_holds_the_lock_until_it_lets_go(tmp_path: Path) -> None:
    first, second = FileLock(tmp_path / "x.leader"), FileLock(tmp_path / "x.leader")
    assert await first.acquire()
    assert not await second.acquire()
    assert await first.held() and not await second.held()
    await first.release()
    assert await second.acquire()
    assert not await first.acquire()
    await second.release()


async def test_a_lock_held_by_a_killed_process_is_free_at_once(tmp_path: Path) -> None:
    path = tmp_path / "x.leader"
    holder = await asyncio.create_subprocess_exec(
        sys.executable, "-c", HOLD_AND_WAIT, str(path), stdout=asyncio.subprocess.PIPE
    )
    assert holder.stdout is not None
    try:
        assert await asyncio.wait_for(holder.stdout.readline(), 30) == b"held\n"
        lock = FileLock(path)
        assert not await lock.acquire(), "another process holds it"
        holder.kill()  # SIGKILL: no clean-up; the kernel drops the lock with the process
        await holder.wait()
        assert await lock.acquire()
        assert path.read_text().strip().isdigit(), "the leader's pid, for the operator"
        await lock.release()
    finally:
        if holder.returncode is None:
            holder.kill()
            await holder.wait()


async def beating() -> bool:
    """A leader's heartbeat is fresh (bot/following.py `leader_beats`)."""
    return True


async def silent() -> bool:
    return False


async def test_a_leader_whose_lock_file_is_deleted_locks_the_new_one_and_goes_on(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Else a standby would lock a new file at the same path: two would lead."""
    path = tmp_path / "x.leader"
    lock = FileLock(path, silent)  # the first start: no heartbeat yet
    assert await lock.acquire()
    path.unlink()
    standby = FileLock(path, beating)  # the leader's beats
    with caplog.at_level(logging.WARNING, logger="bot.leader"):
        assert not await standby.acquire(), "a new file is left to the leader that beats"
        assert await lock.held()
    assert path.read_text() == f"{os.getpid()}\n", "the new file names the leader"
    assert not await standby.acquire(), "the leader holds the new file"
    assert not await FileLock(path, silent).acquire()
    assert [r.getMessage() for r in caplog.records] == [
        f"lock file {path} is new while a leader's heartbeat is fresh: it may hold the lock "
        "of a deleted file; leaving the new file to it",
        f"lock file {path} was deleted or replaced: locked the file now at that path, "
        "still leading",
    ]
    await lock.release()
    assert await standby.acquire(), "its pid is in the file: not new, taken at once"
    await standby.release()


async def test_a_standby_locks_a_new_lock_file_once_no_leader_beats(tmp_path: Path) -> None:
    """A first start (no heartbeat stored), or a leader gone silent."""
    path = tmp_path / "x.leader"
    assert not await FileLock(path, beating).acquire()
    lock = FileLock(path, silent)
    assert await lock.acquire()
    await lock.release()


async def test_a_leader_whose_deleted_lock_file_another_locked_first_steps_down(
    tmp_path: Path,
) -> None:
    path = tmp_path / "x.leader"
    lock = FileLock(path)
    assert await lock.acquire()
    path.unlink()
    other = FileLock(path, silent)  # no heartbeat fresh: it takes the new file
    assert await other.acquire()
    assert not await lock.held()
    await lock.release()
    await other.release()


async def test_a_leader_sees_its_lock_file_gone_within_a_poll(tmp_path: Path) -> None:
    path = tmp_path / "x.leader"
    lock = FileLock(path)
    assert await lock.acquire()
    loop = asyncio.get_running_loop()
    started = loop.time()
    waiting = asyncio.create_task(lock.wait_lost(60))
    await asyncio.sleep(0.1)
    path.unlink()
    await asyncio.wait_for(waiting, 30)
    assert loop.time() - started < 30, "it did not wait out the whole check period"
    await lock.release()


async def test_the_first_replica_leads_and_the_second_stands_by(tmp_path: Path) -> None:
    path = tmp_path / "x.leader"
    a_journal, b_journal = Journal(), Journal()
    a, b = election(FileLock(path), a_journal), election(FileLock(path), b_journal)
    await a.step()
    await b.step()
    await a.step()  # still the leader: its tasks are not started twice
    assert (a.role, b.role) == (Role.LEADER, Role.STANDBY)
    assert (a_journal.events, b_journal.events) == (["elected"], [])
    assert a.describe()["role"] == "leader" and b.describe()["role"] == "standby"
    assert a.describe()["role_since"].endswith("Z")
    await a.resign()
    await b.resign()


async def test_a_standby_takes_over_once_the_leader_has_stopped_its_tasks(tmp_path: Path) -> None:
    path = tmp_path / "x.leader"
    a_journal, b_journal = Journal(rival=FileLock(path)), Journal()
    a, b = election(FileLock(path), a_journal), election(FileLock(path), b_journal)
    await a.step()
    await b.step()
    await a.resign()  # its rival checks, while the tasks stop, that the lock is still taken
    await b.step()
    assert (a.role, b.role) == (Role.STANDBY, Role.LEADER)
    assert a_journal.events == ["elected", "deposed"]
    assert b_journal.events == ["elected"]
    await b.resign()


async def test_a_leader_that_lost_its_lock_steps_down_and_says_so(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    journal = Journal()
    path = tmp_path / "x.leader"
    leader = election(FileLock(path), journal)
    other = FileLock(path)
    with caplog.at_level(logging.WARNING, logger="bot.leader"):
        await leader.step()
        path.unlink()
        assert await other.acquire()  # a new file, locked by another process first
        await leader.step()
    assert leader.role is Role.STANDBY
    assert journal.events == ["elected", "deposed"]
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == 2, lines
    assert lines[0].startswith("leadership taken (lock file ")
    assert lines[1].startswith("leadership lost (lock file ")
    assert lines[1].endswith("its lock was lost; standing by")
    await other.release()
    await leader.step()  # the lock is free: it leads again
    assert leader.role is Role.LEADER
    await leader.resign()


async def test_a_leader_whose_tasks_cannot_start_lets_another_lead(tmp_path: Path) -> None:
    path = tmp_path / "x.leader"

    async def broken() -> None:
        raise OSError("disk full")

    journal = Journal()
    failing = Election(FileLock(path), on_elected=broken, on_deposed=journal.deposed)
    with pytest.raises(OSError):
        await failing.step()
    assert failing.role is Role.STANDBY and journal.events == ["deposed"]
    other = FileLock(path)
    assert await other.acquire(), "the lock was let go"
    await other.release()
