"""Two processes on one SQLite file: `supportlive run` probing from region a and
`supportlive probe-node` from region b. The support site fails region a's checks alone
(by the region in the User-Agent), then everybody's."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.settings import SettingsError, load_settings
from storage import open_database
from tests.fakes.telegram_api import FakeTelegram
from tests.support.process import (
    CHAT,
    DOWN_ALERT,
    BotProcess,
    bot_env,
    get_health,
    subscribed_and_live,
    until,
)
from tests.support.site import SupportSite
from tests.telegram.conftest import TOKEN


async def live_chat(http: aiohttp.ClientSession, base: str) -> dict[str, Any]:
    async with http.get(f"{base}/api/v1/exchanges/loopex") as response:
        body = await response.json()
    return {c["id"]: c for c in body["channels"]}["live_chat"]  # type: ignore[no-any-return]


def down_alerts(tg: FakeTelegram) -> list[str]:
    return [m["text"] for m in tg.sent_messages(CHAT) if m["text"].startswith(DOWN_ALERT)]


def on(target: str | Path, env: dict[str, str]) -> dict[str, str]:
    """The processes' environment for the test's database: its SQLite file, or PostgreSQL."""
    if isinstance(target, Path):
        return {**env, "DATABASE_PATH": str(target)}
    return {**env, "DATABASE_URL": target}


@pytest.mark.timeout(240)  # two processes starting, then ~30 s of checks: slow under load
async def test_a_region_failing_alone_alerts_nobody_and_two_regions_down_alert_once(
    tmp_path: Path, database_target: str | Path
) -> None:
    """On one SQLite file and, in a second run, on PostgreSQL (DATABASE_URL)."""
    async with SupportSite() as site, FakeTelegram(token=TOKEN) as tg:
        env = on(database_target, bot_env(tmp_path, site, tg))
        node_env = {k: v for k, v in env.items() if not k.startswith("TELEGRAM")}
        node_env["PROBE_REGION"] = "b"
        async with (
            BotProcess({**env, "PROBE_REGION": "a"}, tmp_path) as bot,
            aiohttp.ClientSession() as http,
        ):
            base = await bot.web_base()  # the database is made: the node opens it as it is
            async with BotProcess(node_env, tmp_path, "bot", "probe-node") as node:
                node_base = await node.web_base()
                await subscribed_and_live(tg, http, base)
                await until("both regions on the page", _regions_report(http, base, ["a", "b"]))
                assert await get_health(http, node_base) == (200, "ok"), node.log

                # Region a alone cannot reach the live chat: no alert, the page says where.
                site.down_for["chat"] = "region a"
                await until("region a to fail alone 6 times", _a_alone(site, http, base))
                alone = await live_chat(http, base)
                async with http.get(f"{base}/exchanges/loopex") as response:
                    page = await response.text()
                alerts_alone = down_alerts(tg)

                # Region b fails too: one down alert, and no second one while it stays down.
                site.down.add("chat")
                await tg.wait_for_messages(2, chat_id=CHAT, timeout=60)  # /subscribe's reply, it
                await until("5 more failed checks", _failed(site, site.failed["chat"] + 5))
                alerts_both = down_alerts(tg)
                # The API answers from a render of at most 5 s before (bot/web/cache.py): the last
                # one read while region a failed alone, "live", may still be served right after
                # the alert (the flake seen under load). Past that, it must say down.
                await until("the API to say down", _says(http, base, "down"), timeout=30)
                both = await live_chat(http, base)
                assert await node.stop() == 0, node.log
            assert await bot.stop() == 0, bot.log
    assert alone["verdict"] == "live", alone
    assert alerts_alone == [], bot.log
    assert "Unreachable from a only" in page
    assert "Seen from b: answered" in page
    assert len(alerts_both) == 1, alerts_both
    assert both["verdict"] == "down", both
    assert {r: v["ok"] for r, v in both["regions"].items()} == {"a": False, "b": False}


def _regions_report(
    http: aiohttp.ClientSession, base: str, regions: list[str]
) -> Callable[[], Awaitable[bool]]:
    async def check() -> bool:
        return sorted((await live_chat(http, base))["regions"] or {}) == regions

    return check


def _says(http: aiohttp.ClientSession, base: str, verdict: str) -> Callable[[], Awaitable[bool]]:
    async def check() -> bool:
        return (await live_chat(http, base))["verdict"] == verdict

    return check


def _a_alone(
    site: SupportSite, http: aiohttp.ClientSession, base: str
) -> Callable[[], Awaitable[bool]]:
    async def check() -> bool:
        regions = (await live_chat(http, base))["regions"] or {}
        return (
            site.failed.get("chat", 0) >= 6
            and regions.get("a", {}).get("unreachable") is True
            and regions.get("b", {}).get("ok") is True
        )

    return check


def _failed(site: SupportSite, count: int) -> Callable[[], Awaitable[bool]]:
    async def check() -> bool:
        return site.failed.get("chat", 0) >= count

    return check


async def test_a_probe_node_writes_its_region_and_serves_only_healthz(
    tmp_path: Path, database_target: str | Path
) -> None:
    async with SupportSite() as site, FakeTelegram(token=TOKEN) as tg:
        env = on(database_target, bot_env(tmp_path, site, tg))
        env = {k: v for k, v in env.items() if "TELEGRAM" not in k}
        async with (
            BotProcess({**env, "PROBE_REGION": "eu-west"}, tmp_path, "bot", "probe-node") as node,
            aiohttp.ClientSession() as http,
        ):
            base = await node.web_base()
            deadline = time.monotonic() + 30
            while site.hits.get("chat", 0) < 3:
                assert time.monotonic() < deadline, node.log
                await asyncio.sleep(0.1)
            health = await get_health(http, base)
            async with http.get(f"{base}/") as response:
                root = response.status
            assert await node.stop() == 0, node.log
    assert health == (200, "ok")
    assert root == 404
    assert not tg.calls(), "a probe node never talks to Telegram"
    assert "probe node of region eu-west running" in node.log
    assert "PROBE_REGION is not set" not in node.log
    db = await open_database(database_target)
    try:
        async with db.reading() as conn:
            raw = list(await conn.fetchall("SELECT DISTINCT region FROM probe_results"))
            rollups = list(await conn.fetchall("SELECT count(*) FROM rollups"))
            seen = list(
                await conn.fetchall(
                    "SELECT channel, region, ok, health FROM region_sightings ORDER BY channel"
                )
            )
    finally:
        await db.close()
    assert raw == [("eu-west",)]
    assert rollups == [(0,)]
    assert seen == [
        ("loopex/help_center", "eu-west", 1, "up"),
        ("loopex/live_chat", "eu-west", 1, "up"),
    ]


async def test_a_probe_node_left_at_the_default_region_is_warned(tmp_path: Path) -> None:
    async with SupportSite() as site, FakeTelegram(token=TOKEN) as tg:
        env = {k: v for k, v in bot_env(tmp_path, site, tg).items() if "TELEGRAM" not in k}
        async with BotProcess(env, tmp_path, "bot", "probe-node") as node:
            line = await node.wait_for_line("PROBE_REGION is not set", timeout=30)
            assert await node.stop() == 0, node.log
    assert "reports as 'main'" in line


@pytest.mark.parametrize("region", ["eu-west", "a", "us2", " asia "])
def test_a_region_is_a_short_lowercase_name(region: str) -> None:
    assert load_settings(probe_region=region).probe_region == region.strip()


@pytest.mark.parametrize("region", ["EU", "eu west", "-eu", "eu-", "", "x" * 33, "eu/west"])
def test_any_other_region_stops_the_start_naming_the_setting(region: str) -> None:
    with pytest.raises(SettingsError, match=r"^PROBE_REGION: .* is not a region name: use "):
        load_settings(probe_region=region)


def test_the_default_region_is_main() -> None:
    assert load_settings().probe_region == "main"
