"""The whole bot in one process, as a subscriber lives it: subscribe on Telegram, the live
chat goes down, the alert arrives; it comes back, the recovery arrives with the outage's
duration. Real probes against a loopback support site, real SQLite (and PostgreSQL), the
real Telegram adapter against the fake Bot API; nothing is faked inside the bot."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.app import Runtime, running
from bot.catalog import load_catalog
from bot.clock import SystemClock
from bot.settings import load_settings
from bot.vocab import Health
from tests.discord.conftest import ALERTS_ID, APP_ID, GUILD_ID, MANAGER, USER_ID, make_guild
from tests.fakes.discord_api import FakeDiscord
from tests.fakes.telegram_api import FakeTelegram
from tests.support.site import SupportSite, write_catalog

# Every wait below is on a condition; the timeouts are generous because a loaded 2-core
# machine can hold the bot's checks and sends back for many seconds (a pass takes a few).
WAIT_S = 45
pytestmark = pytest.mark.timeout(180)

TOKEN = "987654321:AAHendToEndTokenForTestsOnly_xyzabc"
CHAT = 42
DISCORD_TOKEN = "fake-discord-token-end-to-end-0123456789"


@pytest.fixture(autouse=True)
def _ptb_timedelta(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "1")


async def until(what: str, check: Any, timeout: float = WAIT_S) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.05)


def live_chat_health(runtime: Runtime) -> Health | None:
    return health_of(runtime, "live_chat")


def health_of(runtime: Runtime, channel: str) -> Health | None:
    state = runtime.monitor.health(f"loopex/{channel}")
    return state.health if state else None


async def test_a_subscriber_hears_about_the_outage_and_the_recovery(
    tmp_path: Path, database_target: str | Path
) -> None:
    """On SQLite and, in a second run, on PostgreSQL (DATABASE_URL)."""
    where = (
        {"database_url": database_target}
        if isinstance(database_target, str)
        else {"database_path": database_target}
    )
    async with SupportSite() as site, FakeTelegram(token=TOKEN) as tg:
        settings = load_settings(
            catalog_path=write_catalog(tmp_path, site.port, interval_s=1.0),
            **where,
            allow_local_targets=True,
            canary_urls=(),  # no canary: the rule for three exchanges never fires on one
            telegram_bot_token=TOKEN,
            telegram_api_base_url=tg.base_url,
            web_enabled=False,
        )
        catalog = load_catalog(settings.catalog_path, allow_local=True)
        async with running(settings, catalog, SystemClock()) as runtime:
            await until("live chat up", lambda: live_chat_health(runtime) is Health.UP)
            tg.push_message("/subscribe loopex", chat_id=CHAT)
            [subscribed] = await tg.wait_for_messages(1, chat_id=CHAT, timeout=WAIT_S)
            assert "Loopex" in subscribed["text"]

            site.down.add("chat")
            [_, down] = await tg.wait_for_messages(2, chat_id=CHAT, timeout=WAIT_S)
            site.down.clear()
            [*_, back] = await tg.wait_for_messages(3, chat_id=CHAT, timeout=WAIT_S)

    assert down["parse_mode"] == "HTML"
    first, reason, meanwhile = down["text"].splitlines()
    assert first == "<b>❌ Loopex Live chat is down</b>"
    assert reason.startswith("HTTP 503 (3 checks in a row) · since ")
    assert meanwhile == "Meanwhile: E-mail service@loopex.example · replies in 1–3 business days"
    assert back["text"].startswith("<b>✅ Loopex Live chat is back</b>"), back["text"]
    assert "down for" in back["text"]
    assert len(tg.sent_messages(CHAT)) == 3, "one alert each way, nothing more"


async def test_the_web_side_serves_what_the_probes_saw(tmp_path: Path) -> None:
    async with SupportSite() as site:
        settings = load_settings(
            catalog_path=write_catalog(tmp_path, site.port, interval_s=1.0),
            database_path=tmp_path / "bot.sqlite3",
            allow_local_targets=True,
            canary_urls=(),  # no canary: the rule for three exchanges never fires on one
            web_host="127.0.0.1",
            port=0,
        )
        catalog = load_catalog(settings.catalog_path, allow_local=True)
        async with running(settings, catalog, SystemClock()) as runtime:
            await until(
                "both probed channels up",
                lambda: (
                    {health_of(runtime, "live_chat"), health_of(runtime, "help_center")}
                    == {Health.UP}
                ),
            )
            base = f"http://127.0.0.1:{runtime.web_port}"
            async with aiohttp.ClientSession() as http:
                async with http.get(f"{base}/healthz") as response:
                    assert response.status == 200, await response.text()
                async with http.get(f"{base}/api/v1/exchanges/loopex") as response:
                    exchange = await response.json()
                async with http.get(f"{base}/metrics") as response:
                    metrics = await response.text()
                async with http.get(f"{base}/?lang=zh") as response:
                    page = await response.text()
    verdicts = {c["id"]: c["verdict"] for c in exchange["channels"]}
    assert verdicts == {"live_chat": "live", "help_center": "live", "email": "live"}
    assert 'probe_results_total{kind="http",result="ok"}' in metrics
    for task in ("alerts", "maintenance announcer", "monitor", "retention", "database"):
        assert f'task_up{{task="{task}"}} 1.0' in metrics
    assert "probe_results_dropped_total 0.0" in metrics
    assert "在线客服" in page


async def test_a_discord_channel_hears_about_the_outage_and_the_recovery(tmp_path: Path) -> None:
    async with (
        SupportSite() as site,
        FakeDiscord(token=DISCORD_TOKEN, app_id=APP_ID, guilds=[make_guild()]) as dc,
    ):
        settings = load_settings(
            catalog_path=write_catalog(tmp_path, site.port, interval_s=1.0),
            database_path=tmp_path / "bot.sqlite3",
            allow_local_targets=True,
            canary_urls=(),  # no canary: the rule for three exchanges never fires on one
            discord_bot_token=DISCORD_TOKEN,
            discord_api_base_url=dc.api_base,
            discord_gateway_url=dc.gateway_url,
            web_enabled=False,
        )
        catalog = load_catalog(settings.catalog_path, allow_local=True)
        async with running(settings, catalog, SystemClock()) as runtime:
            await until("live chat up", lambda: live_chat_health(runtime) is Health.UP)
            await until("logged in to Discord", lambda: bool(dc.identifies))
            iid = await dc.dispatch_interaction(
                "subscribe",
                {"exchange": "loopex"},
                guild_id=GUILD_ID,
                channel_id=ALERTS_ID,
                user_id=USER_ID,
                permissions=MANAGER,
            )
            await dc.wait_for_callback(iid, timeout=WAIT_S)
            site.down.add("chat")
            [down] = await dc.wait_for_messages(1, channel_id=ALERTS_ID, timeout=WAIT_S)
            site.down.clear()
            [_, back] = await dc.wait_for_messages(2, channel_id=ALERTS_ID, timeout=WAIT_S)
    [down_embed], [back_embed] = down["embeds"], back["embeds"]
    assert down_embed["title"] == "❌ Loopex Live chat is down"
    assert "HTTP 503 (3 checks in a row)" in down_embed["description"]
    assert back_embed["title"] == "✅ Loopex Live chat is back"
