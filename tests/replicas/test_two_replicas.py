"""Two real `supportlive run` on one database, against the fake Bot API: one polls, each update
is answered once, each alert is sent once; after `kill -9` of the leader the other takes over
and answers the next update within 30 s, without alerting again what was already alerted.
On SQLite (one file, the lock file beside it) and on PostgreSQL (DATABASE_URL, the advisory
lock; the session's server from tests/pg.py)."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.fakes.telegram_api import FakeTelegram
from tests.support.process import CHAT, DOWN_ALERT, live_chat_verdict, until
from tests.support.replicas import leader_of, pollers, replicas
from tests.support.site import SupportSite
from tests.telegram.conftest import TOKEN

pytestmark = pytest.mark.timeout(300)

FAILOVER_BUDGET_S = 30.0


async def leader_gauge(http: aiohttp.ClientSession, base: str) -> str:
    """The value of `supportlive_leader` on a replica's /metrics."""
    async with http.get(f"{base}/metrics") as response:
        for line in (await response.text()).splitlines():
            if line.startswith("supportlive_leader "):
                return line.split()[1]
    raise AssertionError("no supportlive_leader in /metrics")


def delivered_to(tg: FakeTelegram, update: dict[str, Any]) -> list[str]:
    """Which replicas' getUpdates calls returned the update (each call once)."""
    wanted = update["update_id"]
    return [
        call.caller
        for call in tg.calls("getUpdates")
        if call.ok and any(u["update_id"] == wanted for u in call.result)
    ]


QUIET_S = 3.0  # room for a duplicate to show up, if there were one


async def test_two_replicas_answer_and_alert_once_and_the_standby_takes_over(
    tmp_path: Path, replica_database: dict[str, str]
) -> None:
    async with (
        SupportSite() as site,
        FakeTelegram(token=TOKEN) as tg,
        aiohttp.ClientSession() as http,
        replicas(tmp_path, site, tg, ("a", "b"), **replica_database) as both,
    ):
        leader = await leader_of(http, both)
        [standby] = [r for r in both if r is not leader]

        async def standing_by() -> bool:
            status, health = await standby.health(http)
            return (status, health["role"]) == (200, "standby")

        await until("the standby to be up", standing_by)
        assert await leader_gauge(http, leader.base) == "1.0"
        assert await leader_gauge(http, standby.base) == "0.0"

        subscribe = tg.push_message("/subscribe loopex", chat_id=CHAT)
        [subscribed] = await tg.wait_for_messages(1, chat_id=CHAT, timeout=60)
        assert "Loopex" in subscribed["text"]

        async def live_on_the_standby() -> bool:  # it reads what the leader stored
            return await live_chat_verdict(http, standby.base) == "live"

        await until("the standby to see the live chat live", live_on_the_standby)
        site.down.add("chat")
        [_, down] = await tg.wait_for_messages(2, chat_id=CHAT, timeout=60)
        await asyncio.sleep(QUIET_S)
        assert pollers(tg) == {leader.name}, "only the leader polls"
        assert delivered_to(tg, subscribe) == [leader.name]
        assert not [c for c in tg.calls("getUpdates") if c.status == 409], "no poll conflicts"
        assert len(tg.sent_messages(CHAT)) == 2, "one reply and one alert, each sent once"
        assert down["text"].startswith(DOWN_ALERT + "\n"), down["text"]

        leader.process.kill()  # SIGKILL: no clean-up, the lock goes with the process
        killed_at = time.monotonic()
        status = tg.push_message("/status loopex", chat_id=CHAT)
        [*_, answer] = await tg.wait_for_messages(3, chat_id=CHAT, timeout=FAILOVER_BUDGET_S)
        took = time.monotonic() - killed_at
        assert "Loopex" in answer["text"] and "down" in answer["text"], answer["text"]
        assert took < FAILOVER_BUDGET_S
        # The killed leader's long poll may still have been handed the update (a dead
        # connection; Telegram does the same): unconfirmed, it went to the new leader again.
        assert delivered_to(tg, status)[-1] == standby.name, "the new leader took the update"
        assert await standby.role(http) == "leader"
        assert await leader_gauge(http, standby.base) == "1.0"
        taken = [line for line in standby.process.err if "leadership taken" in line]
        assert len(taken) == 1, standby.process.log

        site.down.clear()
        [*_, back] = await tg.wait_for_messages(4, chat_id=CHAT, timeout=60)
        await asyncio.sleep(QUIET_S)
    assert back["text"].startswith("<b>✅ Loopex Live chat is back</b>"), back["text"]
    texts = [m["text"].splitlines()[0] for m in tg.sent_messages(CHAT)]
    assert len(texts) == 4, f"the new leader alerted nothing twice: {texts}"
