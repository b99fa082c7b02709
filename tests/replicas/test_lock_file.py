"""SQLite's leader lock file (`<DATABASE_PATH>.leader`) deleted while two real `supportlive
run` share the database: the leader locks the new file and goes on, and at no moment do two
replicas lead (before, the standby locked the new file and both led for about 3 s, both
polling Telegram)."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import aiohttp
import pytest

from tests.fakes.telegram_api import FakeTelegram
from tests.support.process import until
from tests.support.replicas import leader_of, pollers, replicas
from tests.support.site import SupportSite
from tests.telegram.conftest import TOKEN

pytestmark = pytest.mark.timeout(300)

WATCH_S = 10.0  # the standby tries the lock every 3 s: it has three tries or more in this


async def test_a_deleted_lock_file_never_makes_two_leaders(tmp_path: Path) -> None:
    lock_file = tmp_path / "db" / "bot.sqlite3.leader"
    async with (
        SupportSite() as site,
        FakeTelegram(token=TOKEN) as tg,
        aiohttp.ClientSession() as http,
        replicas(tmp_path, site, tg, ("a", "b")) as both,
    ):
        leader = await leader_of(http, both)
        [standby] = [r for r in both if r is not leader]
        assert leader.process.process is not None
        pid = leader.process.process.pid
        assert lock_file.read_text() == f"{pid}\n"

        async def beating() -> bool:  # the standby judges by the leader's heartbeat
            return (await standby.health(http))[0] == 200

        await until("the standby to hear the leader", beating)
        lock_file.unlink()
        deleted = time.monotonic()
        seen: list[list[str]] = []
        while time.monotonic() - deleted < WATCH_S:
            seen.append([await r.role(http) for r in both])
            await asyncio.sleep(0.05)
        leaders = {tuple(roles) for roles in seen}
        assert leaders == {(("leader", "standby") if leader is both[0] else ("standby", "leader"))}
        assert lock_file.read_text() == f"{pid}\n", "the leader locked the new file"
        assert pollers(tg, since=deleted) <= {leader.name}, "the standby never polled"
    assert "locked the file now at that path, still leading" in leader.process.log
    assert "leadership lost" not in leader.process.log, leader.process.log
    assert "leadership taken" not in standby.process.log, standby.process.log
    assert "Traceback" not in leader.process.log + standby.process.log
