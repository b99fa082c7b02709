"""`supportlive ask`: chat answers in the terminal, from the bot's database or one probe round."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
import yaml

from bot.ask import answer, ask
from bot.catalog import Catalog, load_catalog
from bot.clock import FakeClock
from bot.health import HealthState
from bot.settings import Settings, load_settings
from bot.vocab import Health
from probes.result import ProbeResult
from storage import open_database
from storage.records import HealthRow
from storage.store import Store
from tests.answers.conftest import CATALOG
from tests.support.process import ROOT
from tests.support.site import SupportSite, loopback_catalog
from tests.test_cli import env_for


def _settings(tmp_path: Path) -> Settings:
    return load_settings(catalog_path=CATALOG, database_path=tmp_path / "bot.sqlite3")


async def _write_bot_state(path: Path, clock: FakeClock) -> None:
    """What a running bot leaves behind: results, health states, a transition."""
    db = await open_database(path)
    store = Store(db, clock.now)
    now = clock.now()
    results = [
        ProbeResult("mexc/live_chat", now - timedelta(minutes=m), True, 200.0 + m)
        for m in range(1, 6)
    ]
    await store.write_results(results)
    state = HealthState(
        "mexc/live_chat", Health.UP, now - timedelta(hours=3), last_at=now - timedelta(minutes=1),
        last_ok=True, last_latency_ms=201.0,
    )  # fmt: skip
    await store.save_health([HealthRow("mexc/live_chat", state.to_json(), now)])
    await db.close()


def test_it_answers_from_the_running_bots_database(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings, clock = _settings(tmp_path), FakeClock()
    asyncio.run(_write_bot_state(settings.database_path, clock))
    assert ask(settings, "/status mexc", "zh", clock) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "MEXC — 客服现在在线 ✅"
    assert lines[2] == "  网页响应 201 毫秒 · 1 分钟前检测 · 服务时间：官方未说明"
    # The results of 18:55–18:59 make a complete hour of rollups by 19:00.
    assert lines[5] == "✅ 在线客服 — 在线 · 201 毫秒 · p95 205 毫秒 · 7 天可用率 100%"


async def test_without_a_database_it_probes_the_named_exchange_once(tmp_path: Path) -> None:
    async with SupportSite() as site:
        site.down.add("chat")
        settings = _loopex_settings(tmp_path, site.port)
        said = await answer(settings, _loopex(settings), "/status loopex", None, FakeClock())
    assert said.startswith("Loopex — Live chat is not answering ❌\n"), said
    assert "Not answering now: HTTP 503." in said
    assert (site.hits.get("chat"), site.hits.get("help")) == (1, 1)
    assert not settings.database_path.exists()


async def test_a_command_about_no_exchange_waits_on_nothing(tmp_path: Path) -> None:
    """/help, /verify or /status without a name once probed every channel of the catalog."""
    async with SupportSite() as site:
        settings = _loopex_settings(tmp_path, site.port, exchanges=2)
        catalog = _loopex(settings)
        for line in ("/help", "/verify loopex-support.example", "/status"):
            await answer(settings, catalog, line, "en", FakeClock())
    assert site.hits == {}


async def test_with_the_bots_database_it_probes_nothing(tmp_path: Path) -> None:
    async with SupportSite() as site:
        settings = _loopex_settings(tmp_path, site.port)
        db = await open_database(settings.database_path)
        await db.close()
        said = await answer(settings, _loopex(settings), "/status loopex", "en", FakeClock())
    assert said.startswith("Loopex — not checked yet"), said
    assert site.hits == {}


async def test_a_channel_that_does_not_answer_in_time_is_unknown_never_down(
    tmp_path: Path,
) -> None:
    """Its probe may wait 60 s: `ask` waits NETWORK_WAIT_S, and says it could not tell."""
    async with SupportSite() as site:
        site.hang.add("chat")
        settings = _loopex_settings(tmp_path, site.port, timeout_s=60)
        started = time.monotonic()
        said = await answer(settings, _loopex(settings), "/channels loopex", "en", FakeClock())
        took = time.monotonic() - started
    assert took < 30, took
    assert "Live chat — unknown\n" in said, said
    assert "Why: we can't check from here right now" in said, said
    assert "down" not in said.lower(), said
    assert "Help center — open" in said, said


def test_a_name_lookup_that_never_ends_does_not_hold_the_answer_or_the_exit(
    tmp_path: Path,
) -> None:
    """Behind a DNS server that never answers, each lookup blocks a thread: `ask` once
    waited for them at exit, a minute after its answer."""
    data = loopback_catalog(1, interval_s=30)
    for channel in data["exchanges"][0]["channels"]:  # type: ignore[index]
        if "probe" in channel:
            channel["url"] = channel["probe"]["url"] = "https://www.loopex.example/support"
            channel["probe"]["timeout_s"] = 60
    catalog = tmp_path / "catalog.yaml"
    catalog.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    env = env_for(tmp_path, catalog, PYTHONPATH=str(ROOT))
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "tests.support.no_names", "--hang", "ask", "/status loopex"],
        env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    took = time.monotonic() - started
    assert done.returncode == 0, done.stderr
    assert took < 30, took
    assert "Live chat — unknown" in done.stdout, done.stdout
    assert "not answering" not in done.stdout, done.stdout


def _loopex_settings(
    tmp_path: Path, port: int, *, timeout_s: float = 2, exchanges: int = 1
) -> Settings:
    """Loopex probing the site on `port` (and, with `exchanges=2`, a second exchange)."""
    data = loopback_catalog(port, interval_s=30)
    for channel in data["exchanges"][0]["channels"]:  # type: ignore[index]
        if "probe" in channel:
            channel["probe"]["timeout_s"] = timeout_s
    text = yaml.safe_dump(data, allow_unicode=True)
    if exchanges == 2:  # the same again as Loopey
        twin = yaml.safe_dump(data["exchanges"], allow_unicode=True)  # type: ignore[index]
        twin = twin.replace("loopex", "loopey").replace("Loopex", "Loopey").replace("路普", "路易")
        text += twin  # the list goes on: PyYAML writes its items at the key's indent
    path = tmp_path / "catalog.yaml"
    path.write_text(text, encoding="utf-8")
    return load_settings(
        catalog_path=path,
        database_path=tmp_path / "none" / "bot.sqlite3",
        allow_local_targets=True,
        canary_urls=(),
    )


def _loopex(settings: Settings) -> Catalog:
    return load_catalog(settings.catalog_path, allow_local=True)


def test_it_stops_on_a_broken_catalog(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    broken = tmp_path / "catalog.yaml"
    broken.write_text("exchanges: []\n", encoding="utf-8")
    settings = load_settings(catalog_path=broken, database_path=tmp_path / "x.sqlite3")
    assert ask(settings, "/status", "en") == 2
    assert "problem" in capsys.readouterr().err
