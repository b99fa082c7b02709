"""Blind, end to end: when our own connection fails, nobody is told an exchange is down.

A loopback support site with a canary page; a switch drops every connection (canary and
channels together), as when the server loses its network. Real probes, real SQLite, the real
Telegram adapter against the fake Bot API, the web side on a free port.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import aiohttp
import yaml

from bot.app import Runtime, running
from bot.catalog import load_catalog
from bot.clock import SystemClock
from bot.settings import load_settings
from bot.vocab import Health
from storage import Store, open_database
from tests.fakes.telegram_api import FakeTelegram
from tests.support.site import SupportSite, loopback_catalog, write_catalog
from tests.test_cli import env_for, run_cli
from tests.test_end_to_end import CHAT, TOKEN, _ptb_timedelta, health_of, until

__all__ = ["_ptb_timedelta"]  # the fixture, used here too


def blind_health(runtime: Runtime) -> set[Health | None]:
    return {health_of(runtime, "live_chat"), health_of(runtime, "help_center")}


async def test_no_alert_while_blind_and_a_real_outage_alerts_afterwards(tmp_path: Path) -> None:
    async with SupportSite() as site, FakeTelegram(token=TOKEN) as tg:
        settings = load_settings(
            catalog_path=write_catalog(tmp_path, site.port, interval_s=1.0),
            database_path=tmp_path / "bot.sqlite3",
            allow_local_targets=True,
            canary_urls=site.url("canary"),
            telegram_bot_token=TOKEN,
            telegram_api_base_url=tg.base_url,
            web_host="127.0.0.1",
            port=0,
        )
        catalog = load_catalog(settings.catalog_path, allow_local=True)
        async with running(settings, catalog, SystemClock()) as runtime:
            base = f"http://127.0.0.1:{runtime.web_port}"
            await until("both channels up", lambda: blind_health(runtime) == {Health.UP})
            tg.push_message("/subscribe loopex", chat_id=CHAT)
            await tg.wait_for_messages(1, chat_id=CHAT, timeout=10)

            site.cut = True  # our connection fails: the canary and every channel at once
            await until("blind", lambda: runtime.monitor.blind_since() is not None)
            hits = site.hits.get("chat", 0)
            # Well past three failures in a row at a 1 s interval.
            await until("five more checks", lambda: site.hits.get("chat", 0) >= hits + 5)
            assert blind_health(runtime) == {Health.UNKNOWN}
            async with aiohttp.ClientSession() as http:
                async with http.get(f"{base}/healthz") as response:
                    healthz = (response.status, await response.text())
                async with http.get(f"{base}/api/v1/exchanges/loopex") as response:
                    api = await response.json()
                async with http.get(f"{base}/") as response:
                    page = await response.text()
            tg.push_message("/status loopex", chat_id=CHAT)
            [_, status] = await tg.wait_for_messages(2, chat_id=CHAT, timeout=10)

            site.cut = False
            await until("seeing again", lambda: runtime.monitor.blind_since() is None)
            await until("both channels up again", lambda: blind_health(runtime) == {Health.UP})
            site.drop.add("chat")  # now only the live chat fails, and the canary answers
            [*_, down] = await tg.wait_for_messages(3, chat_id=CHAT, timeout=30)
            since = runtime.clock.now() - timedelta(hours=1)
            transitions = await runtime.store.transitions("loopex", since, 50)

    assert healthz[0] == 503, healthz
    assert "blind since" in healthz[1] and "can't check from here" in healthz[1]
    assert api["blind"]["since"].endswith("Z")
    assert api["blind"]["cause"] == "connection"
    assert {c["id"]: c["verdict"] for c in api["channels"]}["live_chat"] == "unknown"
    live_chat = next(c for c in api["channels"] if c["id"] == "live_chat")
    assert live_chat["reasons"][0]["code"] == "blind"
    assert live_chat["health"] == "unknown"
    assert page.count("We can&#39;t check from here right now") == 1, "said once, at the top"
    assert "verdict-down" not in page
    status_text = status["text"]
    assert "we can't check from here right now" in status_text.splitlines()[0]
    assert "our own connection is failing" in status_text
    assert "❌" not in status_text
    # One truth: under "we can't check from here", no line says it was checked.
    assert "checked" not in status_text, status_text
    assert "❔ Live chat — unknown · tried " in status_text, status_text
    assert down["text"].startswith("<b>❌ Loopex Live chat is down</b>"), down["text"]
    assert "Server closed the connection (3 checks in a row)" in down["text"]
    sent = [m["text"] for m in tg.sent_messages(CHAT)]
    assert len(sent) == 3, f"subscribed, /status, one real outage; nothing while blind: {sent}"
    changes = sorted((t.channel, t.old, t.new) for t in transitions)
    assert changes == [
        ("loopex/help_center", "unknown", "up"),
        ("loopex/live_chat", "unknown", "up"),
        ("loopex/live_chat", "up", "down"),
    ], "the blind spell left no transition"


async def test_check_says_it_cannot_see_and_exits_3_when_every_canary_fails(
    tmp_path: Path,
) -> None:
    async with SupportSite() as site:
        site.cut = True
        env = env_for(tmp_path, write_catalog(tmp_path, site.port), CANARY_URLS=site.url("canary"))
        code, out, err = await run_cli("check", env=env, cwd=tmp_path)
    assert code == 3, err
    lines = out.splitlines()
    assert lines[0].startswith("⚠️ We can't check from here right now")
    live_chat = next(line for line in lines if " live_chat " in line)
    assert live_chat.split()[2] == "unknown"
    assert "can't check from here (server closed the connection)" in live_chat


async def test_check_blames_the_one_target_that_fails_while_the_canary_answers(
    tmp_path: Path,
) -> None:
    async with SupportSite() as site:
        site.drop.add("chat")
        env = env_for(tmp_path, write_catalog(tmp_path, site.port), CANARY_URLS=site.url("canary"))
        code, out, _ = await run_cli("check", env=env, cwd=tmp_path)
    assert code == 1
    assert "can't check" not in out
    live_chat = next(line for line in out.splitlines() if " live_chat " in line)
    assert live_chat.split()[2] == "down"


def _three_exchanges(folder: Path, port: int) -> Path:
    """The loopback catalog's exchange three times over (alpha, bravo, charlie)."""
    [loopex] = loopback_catalog(port)["exchanges"]  # type: ignore[index]
    exchanges = []
    for name in ("alpha", "bravo", "charlie"):
        data = yaml.safe_load(yaml.safe_dump(loopex).replace("loopex", name))
        data.update(name=name.title(), aliases=[], never_link=[])
        exchanges.append(data)
    path = folder / "three.yaml"
    path.write_text(yaml.safe_dump({"exchanges": exchanges}, allow_unicode=True), "utf-8")
    return path


async def test_check_without_canaries_names_the_rule_that_found_it_blind(tmp_path: Path) -> None:
    async with SupportSite() as site:
        site.cut = True  # every channel of all three exchanges fails to connect
        env = env_for(tmp_path, _three_exchanges(tmp_path, site.port), CANARY_URLS="")
        code, out, err = await run_cli("check", env=env, cwd=tmp_path)
    assert code == 3, err
    first = out.splitlines()[0]
    assert first.startswith("⚠️ We can't check from here right now: ")
    assert "canary" not in first, "there are none: CANARY_URLS is empty"
    assert "3 or more exchanges" in first


async def test_a_bot_stopped_while_blind_leaves_no_blind_state_for_ask(tmp_path: Path) -> None:
    # `supportlive ask` reads the stored blind state as "right now": after a stop, nothing is
    # checking any more, so an hour later it would still say "our own connection is failing".
    async with SupportSite() as site:
        settings = load_settings(
            catalog_path=write_catalog(tmp_path, site.port, interval_s=1.0),
            database_path=tmp_path / "bot.sqlite3",
            allow_local_targets=True,
            canary_urls=site.url("canary"),
            web_enabled=False,
        )
        catalog = load_catalog(settings.catalog_path, allow_local=True)
        async with running(settings, catalog, SystemClock()) as runtime:
            site.cut = True
            await until("blind", lambda: runtime.monitor.blind_since() is not None)
            await _until_stored_blind(runtime)
        db = await open_database(settings.database_path)
        try:
            assert await Store(db).load_sight() is None
        finally:
            await db.close()


async def _until_stored_blind(runtime: Runtime, timeout_s: float = 30.0) -> None:
    """Wait until a flush has written the blind state (the monitor flushes every second)."""
    async with asyncio.timeout(timeout_s):
        while await runtime.store.load_sight() is None:
            await asyncio.sleep(0.1)
