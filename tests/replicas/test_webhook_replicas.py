"""Two real `supportlive run` on one database in Telegram webhook mode: nobody polls, both
register the same webhook and take updates, a copy of one update handed to each (as a load
balancer might) is answered once, and after `kill -9` of the leader the other keeps answering.
Once on one SQLite file, once on PostgreSQL (DATABASE_URL)."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import aiohttp
import pytest

from bot.adapters.telegram.webhook import SECRET_HEADER, webhook_path
from tests.fakes.telegram_api import FakeTelegram, JsonDict
from tests.support.process import CHAT
from tests.support.replicas import Replica, leader_of, replicas
from tests.support.site import SupportSite
from tests.telegram.conftest import TOKEN

pytestmark = pytest.mark.timeout(300)

SECRET = "replicas_webhook-secret"
QUIET_S = 3.0  # room for a duplicate to show up, if there were one


async def deliver(tg: FakeTelegram, to: Replica, update: JsonDict) -> int:
    """Telegram's request for `update`, through the load balancer to one replica; a 503
    (still starting) is delivered again, as Telegram does."""
    tg.route_webhook(to.base)
    deadline = time.monotonic() + 60
    while (status := await tg.deliver(update)) == 503:
        assert time.monotonic() < deadline, "the replica never took the update"
        await asyncio.sleep(0.2)
    return status


async def test_two_replicas_take_webhook_updates_answer_each_once_and_survive_the_leader(
    tmp_path: Path, database_target: str | Path
) -> None:
    webhook = {"TELEGRAM_WEBHOOK_URL": "https://bot.example.org", "TELEGRAM_WEBHOOK_SECRET": SECRET}
    if isinstance(database_target, str):  # PostgreSQL; else the replicas' own SQLite file
        webhook["DATABASE_URL"] = database_target
    async with (
        SupportSite() as site,
        FakeTelegram(token=TOKEN) as tg,
        aiohttp.ClientSession() as http,
        replicas(tmp_path, site, tg, ("a", "b"), **webhook) as both,
    ):
        leader = await leader_of(http, both)
        [standby] = [r for r in both if r is not leader]
        await tg.wait_for_calls("setWebhook", n=2, timeout=60)

        # One update, a copy to each replica at the same moment.
        twice = tg.push_message("/status loopex", chat_id=CHAT)
        tg.clear_pending()
        statuses = await asyncio.gather(
            *(post(replica, twice) for replica in both), return_exceptions=True
        )
        await tg.wait_for_messages(1, chat_id=CHAT, timeout=60)
        # The standby answers what it is given, like the leader.
        by_standby = tg.push_message("/help", chat_id=CHAT)
        assert await deliver(tg, standby, by_standby) == 200
        await tg.wait_for_messages(2, chat_id=CHAT, timeout=60)
        await asyncio.sleep(QUIET_S)
        answered_before = len(tg.sent_messages(CHAT))

        leader.process.kill()  # SIGKILL: the load balancer sends everything to the other now
        after_kill = tg.push_message("/status loopex", chat_id=CHAT)
        assert await deliver(tg, standby, after_kill) == 200
        [*_, answer] = await tg.wait_for_messages(3, chat_id=CHAT, timeout=60)

    assert statuses == [200, 200], statuses
    assert answered_before == 2, "the copy handed to both replicas was answered once"
    assert {c.caller for c in tg.calls("setWebhook") if c.ok} == {"a", "b"}
    assert not tg.calls("getUpdates"), "nobody polls in webhook mode"
    senders = [c.caller for c in tg.calls("sendMessage") if c.ok]
    assert senders[1:] == [standby.name, standby.name], senders
    assert answer["text"].startswith("<b>Loopex — "), answer["text"]


async def post(replica: Replica, update: JsonDict) -> int:
    """One POST of the update to a replica's webhook, as Telegram makes it (503: again)."""
    headers = {"Content-Type": "application/json", SECRET_HEADER: SECRET}
    deadline = time.monotonic() + 60
    async with aiohttp.ClientSession() as http:
        while True:
            url = replica.base + webhook_path(SECRET)
            async with http.post(url, data=json.dumps(update), headers=headers) as response:
                if response.status != 503:
                    return response.status
            assert time.monotonic() < deadline, f"{replica.name} never took the update"
            await asyncio.sleep(0.2)
