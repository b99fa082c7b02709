"""A stop right after a check: the stored health is as of that check, so a restart counts on
from it (the real `supportlive run`, stopped with SIGTERM and started again)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
import pytest

from bot.health import HealthState
from probes.result import ProbeResult
from storage import open_database
from storage.records import TransitionRecord
from storage.store import Store
from tests.fakes.telegram_api import FakeTelegram
from tests.support.process import (
    CHAT,
    DOWN_ALERT,
    BotProcess,
    bot_env,
    live_chat_verdict,
    subscribed_and_live,
    until,
)
from tests.support.site import SupportSite, write_catalog
from tests.telegram.conftest import TOKEN

KEY = "loopex/live_chat"


@pytest.mark.timeout(240)  # two starts and about eight checks 10 s apart
async def test_a_retests_failure_before_a_stop_counts_after_the_restart(tmp_path: Path) -> None:
    """Checks 10 s apart, a failure re-tested 5 s later: the re-test's failure changes nothing
    salient, so the periodic flush leaves its state unstored for up to 10 s. The flush at stop
    stores it: after the restart the next failure is the third in a row, down at once."""
    async with SupportSite() as site, FakeTelegram(token=TOKEN) as tg:
        env = bot_env(tmp_path, site, tg)
        write_catalog(tmp_path, site.port, interval_s=10)  # the file bot_env points at
        async with aiohttp.ClientSession() as http:
            async with BotProcess(env, tmp_path) as bot:
                base = await bot.web_base()
                await subscribed_and_live(tg, http, base)
                site.down.add("chat")
                for served in (1, 2):  # a failure, then its re-test; each taken by the bot
                    before = await _checked_at(http, base)
                    await until(f"failure {served} served", _failed(site, served))
                    await until(f"failure {served} taken", _changed(http, base, before))
                assert await bot.stop() == 0, bot.log
            at_stop = await _stored(env)
            async with BotProcess(env, tmp_path) as again:
                base = await again.web_base()
                await tg.wait_for_messages(2, chat_id=CHAT, timeout=60)  # /subscribe's, the alert
                verdict = await live_chat_verdict(http, base)
                await until("one more failed check", _failed(site, 4))
                assert await again.stop() == 0, again.log
    stored = at_stop.state
    assert (stored.health.value, stored.consecutive_failures) == ("up", 2)
    assert stored.last_at is not None and _same_ms(stored.last_at, at_stop.results[-1].at)
    assert [r.ok for r in at_stop.results[-3:]] == [True, False, False]
    after = await _stored(env)
    down = [t for t in after.transitions if t.new == "down"]
    assert len(down) == 1 and _same_ms(down[0].at, after.failures[2].at), (down, after.failures)
    assert verdict == "down"
    alerts = [m["text"] for m in tg.sent_messages(CHAT) if m["text"].startswith(DOWN_ALERT)]
    assert len(alerts) == 1, alerts


def _failed(site: SupportSite, count: int) -> Callable[[], Awaitable[bool]]:
    async def check() -> bool:
        return site.failed.get("chat", 0) >= count

    return check


async def _checked_at(http: aiohttp.ClientSession, base: str) -> str | None:
    """When the bot's latest check of the live chat that it has taken started."""
    async with http.get(f"{base}/api/v1/exchanges/loopex") as response:
        body = await response.json()
    return {c["id"]: c["checked_at"] for c in body["channels"]}["live_chat"]  # type: ignore[no-any-return]


def _changed(
    http: aiohttp.ClientSession, base: str, before: str | None
) -> Callable[[], Awaitable[bool]]:
    async def check() -> bool:
        return await _checked_at(http, base) != before

    return check


def _same_ms(a: datetime, b: datetime) -> bool:
    return abs((a - b).total_seconds()) < 0.001  # raw results are stored to the millisecond


@dataclass
class Stored:
    """What the database holds of the live chat: its state, raw results (oldest first) and
    transitions."""

    state: HealthState
    results: list[ProbeResult]
    transitions: list[TransitionRecord]

    @property
    def failures(self) -> list[ProbeResult]:
        return [r for r in self.results if not r.ok]


async def _stored(env: dict[str, str]) -> Stored:
    db = await open_database(Path(env["DATABASE_PATH"]))
    try:
        store = Store(db)
        state = HealthState.from_json((await store.load_health())[KEY].state)
        results = list(reversed(await store.recent_results(KEY, 100)))
        transitions = await store.transitions("loopex", datetime(2000, 1, 1, tzinfo=UTC))
    finally:
        await db.close()
    return Stored(state, results, [t for t in transitions if t.channel == KEY])
