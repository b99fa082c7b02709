"""Two replicas on PostgreSQL while the server goes away and comes back: every replica's
/healthz says so (503) and none leads meanwhile; once the server is back one leads again and
the next update is answered. The leader that stepped down logs nothing as if it had stopped."""

from __future__ import annotations

import contextlib
from pathlib import Path

import aiohttp
import pytest

from tests.fakes.telegram_api import FakeTelegram
from tests.pg import PgServer
from tests.support.process import CHAT, until
from tests.support.replicas import Replica, leader_of, replicas
from tests.support.site import SupportSite
from tests.telegram.conftest import TOKEN

pytestmark = pytest.mark.timeout(300)


async def health(http: aiohttp.ClientSession, replica: Replica) -> tuple[int, str]:
    """(status, role) of its /healthz; (0, "") while it does not answer."""
    with contextlib.suppress(aiohttp.ClientError, TimeoutError):
        status, body = await replica.health(http)
        return status, str(body.get("role"))
    return 0, ""


async def test_replicas_say_when_postgresql_is_gone_and_lead_again_when_it_is_back(
    tmp_path: Path, pg_server: PgServer, pg_dsn: str
) -> None:
    async with (
        SupportSite() as site,
        FakeTelegram(token=TOKEN) as tg,
        aiohttp.ClientSession() as http,
        replicas(tmp_path, site, tg, ("a", "b"), DATABASE_URL=pg_dsn) as both,
    ):
        await leader_of(http, both)

        async def all_healthy() -> bool:
            return [(await health(http, r))[0] for r in both] == [200, 200]

        await until("both replicas to be healthy", all_healthy)
        pg_server.stop()  # fast shutdown: every connection is cut

        async def all_unhealthy_and_standing_by() -> bool:
            return [await health(http, r) for r in both] == [(503, "standby")] * 2

        await until("both to say the database is gone", all_unhealthy_and_standing_by)
        pg_server.start()
        await leader_of(http, both, timeout=90)
        tg.push_message("/status loopex", chat_id=CHAT)
        [answer] = await tg.wait_for_messages(1, chat_id=CHAT, timeout=60)
        assert "Loopex" in answer["text"], answer["text"]
        await until("both replicas to be healthy again", all_healthy, timeout=90)
    for replica in both:  # the leader stepped down and went on: nothing stopped
        assert " at stop" not in replica.process.log, replica.process.log
    [stepped_down] = [r.process.log for r in both if "leadership lost" in r.process.log]
    # Its final write met the server gone (before, that was "final flush failed at stop").
    for line in stepped_down.splitlines():
        if "final flush failed" in line:
            assert "final flush failed on stepping down: " in line, line
