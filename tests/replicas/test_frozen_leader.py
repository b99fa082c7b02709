"""A leader frozen (SIGSTOP) keeps its lock, so no standby may take over; the standby must not
go on presenting the last stored checks as current. Two real `supportlive run` on one
database (SQLite, and PostgreSQL where the advisory lock stays with the frozen process's
open session), the fake Bot API: the standby's /healthz turns 503 saying since when nothing
was checked, its page and API say the checks stopped and call no channel live; after SIGCONT
the leader checks again, the standby is back to normal by itself, and an outage that began
during the freeze is alerted once."""

from __future__ import annotations

import asyncio
import signal
import time
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.fakes.telegram_api import FakeTelegram
from tests.support.process import CHAT, DOWN_ALERT, live_chat_verdict, until
from tests.support.replicas import Replica, leader_of, pollers, replicas
from tests.support.site import SupportSite
from tests.telegram.conftest import TOKEN

pytestmark = pytest.mark.timeout(300)

QUIET_S = 3.0  # room for a duplicate alert to show up, if there were one


async def exchange_json(http: aiohttp.ClientSession, replica: Replica) -> dict[str, Any]:
    async with http.get(f"{replica.base}/api/v1/exchanges/loopex") as response:
        assert response.status == 200
        body: dict[str, Any] = await response.json()
        return body


async def page_text(http: aiohttp.ClientSession, replica: Replica, lang: str) -> str:
    async with http.get(f"{replica.base}/exchanges/loopex?lang={lang}") as response:
        assert response.status == 200
        return await response.text()


async def metric(http: aiohttp.ClientSession, replica: Replica, name: str) -> str:
    async with http.get(f"{replica.base}/metrics") as response:
        for line in (await response.text()).splitlines():
            if line.startswith(f"{name} "):
                return line.split()[1]
    raise AssertionError(f"no {name} in /metrics")


async def test_a_standby_says_the_checks_stopped_while_the_leader_is_frozen(
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
        tg.push_message("/subscribe loopex", chat_id=CHAT)
        await tg.wait_for_messages(1, chat_id=CHAT, timeout=60)

        async def live_on_the_standby() -> bool:
            healthy = (await standby.health(http))[0] == 200
            if not healthy or await live_chat_verdict(http, standby.base) != "live":
                return False
            # Every probed channel checked once and stored, so each has evidence to go stale.
            channels = (await exchange_json(http, standby))["channels"]
            codes = {r["code"] for c in channels if c["probed"] for r in c["reasons"]}
            return "no_evidence" not in codes

        await until(
            "the standby to be healthy, see the live chat live and every channel checked",
            live_on_the_standby,
        )
        assert await metric(http, standby, "supportlive_checks_stopped") == "0.0"

        assert leader.process.process is not None
        leader.process.process.send_signal(signal.SIGSTOP)
        try:

            async def said_stopped() -> bool:
                return (await standby.health(http))[0] == 503

            await until("the standby to say the checks stopped", said_stopped, timeout=90)
            status, health = await standby.health(http)
            assert (status, health["role"]) == (503, "standby")
            beat = health["leader_heartbeat"]
            # (Should the leader have frozen inside a write, the standby's own writes wait on
            # it and fail: those failures come first, then the silence.)
            silence = f"since {beat[:10]} {beat[11:19]} UTC ("
            assert f"the leader has not checked anything {silence}" in health["reason"] or (
                f"no heartbeat from the leader read {silence}" in health["reason"]
            ), health
            assert await metric(http, standby, "supportlive_checks_stopped") == "1.0"

            async def said_everywhere() -> bool:  # pages and answers are cached a moment
                body = await exchange_json(http, standby)
                return body["blind"] is not None

            await until("the API to say it", said_everywhere)
            body = await exchange_json(http, standby)
            assert body["blind"]["cause"] == "checks_stopped"
            assert body["blind"]["since"].startswith(beat[:19]), (body["blind"], beat)
            assert body["answer"]["kind"] == "unknown"
            probed = [c for c in body["channels"] if c["probed"]]
            assert probed, body["channels"]
            for channel in probed:  # the others' verdicts come from hours alone
                assert channel["verdict"] == "unknown", channel
                assert channel["reasons"][0]["code"] == "stale", channel
            page = await page_text(http, standby, "en")
            assert "We can&#39;t check right now: our checks stopped at" in page, page
            assert "Nothing below is confirmed since then" in page
            assert "我们的检测在" in await page_text(http, standby, "zh")

            site.down.add("chat")  # an outage begins while the leader is frozen
            await asyncio.sleep(QUIET_S)
            assert len(tg.sent_messages(CHAT)) == 1, "nothing alerted while frozen"
        finally:
            leader.process.process.send_signal(signal.SIGCONT)
            thawed = time.monotonic()

        [_, down] = await tg.wait_for_messages(2, chat_id=CHAT, timeout=60)
        assert down["text"].startswith(DOWN_ALERT + "\n"), down["text"]

        async def down_on_the_standby() -> bool:
            healthy = (await standby.health(http))[0] == 200
            return healthy and await live_chat_verdict(http, standby.base) == "down"

        await until("the standby to be back to normal by itself", down_on_the_standby)
        assert (await exchange_json(http, standby))["blind"] is None
        assert await metric(http, standby, "supportlive_checks_stopped") == "0.0"
        await asyncio.sleep(QUIET_S)
        assert len(tg.sent_messages(CHAT)) == 2, "the down alert was sent once"
        assert pollers(tg, since=thawed) <= {leader.name}, "only the thawed leader polls"
        assert await leader.role(http) == "leader"
    assert "leadership taken" not in standby.process.log, standby.process.log
    assert "Traceback" not in leader.process.log + standby.process.log
