"""`supportlive ask`: chat answers in the terminal, from the bot's database or one probe round."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import pytest

from bot import check
from bot.ask import ask
from bot.catalog import Catalog
from bot.clock import FakeClock
from bot.health import HealthState
from bot.settings import Settings, load_settings
from bot.vocab import Health
from probes.result import ProbeResult
from storage import open_database
from storage.records import HealthRow
from storage.store import Store
from tests.answers.conftest import CATALOG


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


def test_it_probes_once_when_there_is_no_database(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    settings, clock = _settings(tmp_path), FakeClock()

    async def one_round(settings: Settings, catalog: Catalog) -> check.Snapshot:
        result = ProbeResult("mexc/live_chat", clock.now(), False, None, detail="HTTP 503")
        state = HealthState(
            "mexc/live_chat", Health.DOWN, clock.now(), 1, last_at=clock.now(),
            last_ok=False, last_error="http_status", last_detail="HTTP 503",
        )  # fmt: skip
        return check.Snapshot({"mexc/live_chat": state}, {}, {"mexc/live_chat": result})

    monkeypatch.setattr(check, "probe_once", one_round)  # the network seam
    assert ask(settings, "/status mexc", None, clock) == 0
    out = capsys.readouterr().out
    assert out.startswith("MEXC — Online customer service is not answering ❌\n")
    assert "Not answering now: HTTP 503." in out
    assert not settings.database_path.exists()


def test_it_stops_on_a_broken_catalog(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    broken = tmp_path / "catalog.yaml"
    broken.write_text("exchanges: []\n", encoding="utf-8")
    settings = load_settings(catalog_path=broken, database_path=tmp_path / "x.sqlite3")
    assert ask(settings, "/status", "en") == 2
    assert "problem" in capsys.readouterr().err
