"""What traders waited, on the web: `reports` in the JSON API, lines on the pages."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.catalog import Catalog
from bot.clock import FakeClock
from bot.metrics import Metrics
from bot.reports import WaitBook
from bot.reports.book import FIGURES_FOR
from bot.status import StatusService
from bot.web import build_app
from storage import Store, WaitReport, open_database
from tests.answers.fakes import FakeLive
from tests.web.conftest import Health, HourlyStore, night_of_trouble

Client = TestClient[web.Request, web.Application]
DAY = timedelta(days=1)


@pytest.fixture
async def reports(tmp_path: Path, clock: FakeClock) -> AsyncIterator[Store]:
    db = await open_database(tmp_path / "supportlive.sqlite3")
    try:
        yield Store(db, clock.now)
    finally:
        await db.close()


@pytest.fixture
async def client(
    catalog: Catalog,
    live: FakeLive,
    store: HourlyStore,
    clock: FakeClock,
    metrics: Metrics,
    health: Health,
    reports: Store,
) -> AsyncIterator[Client]:
    night_of_trouble(live, store, clock.now())
    status = StatusService(catalog, live, store, clock, reports=WaitBook(reports, clock))
    # No render cache: these tests read the page again right after adding reports.
    app = build_app(status, catalog, metrics, health, page_cache_s=0)
    async with TestClient(TestServer(app)) as test_client:
        yield test_client


async def add(
    store: Store, person: str, wait: int | None, at: Any, channel: str = "live_chat"
) -> None:
    await store.add_wait_report(WaitReport(person, "mexc", channel, at, wait))


async def four_people(store: Store, clock: FakeClock) -> None:
    """Three answered in 5, 10 and 15 min within the hour; a fourth got no answer."""
    for person, wait in (("a", 5), ("b", 10), ("c", 15), ("d", None)):
        await add(store, person, wait, clock.now() - timedelta(minutes=30))


async def get_json(client: Client, path: str) -> Any:
    response = await client.get(path)
    assert response.status == 200, await response.text()
    return await response.json()


async def test_the_api_gives_each_channels_reports(
    client: Client, reports: Store, clock: FakeClock
) -> None:
    await four_people(reports, clock)
    await add(reports, "a", 120, clock.now() - timedelta(minutes=5), channel="email")
    body = await get_json(client, "/api/v1/exchanges/mexc")
    found = {c["id"]: c["reports"] for c in body["channels"]}
    assert found == {
        "live_chat": {"count": 4, "median_wait_min": 10, "no_answer": 1, "window_h": 24},
        "help_center": None,  # nobody answers a help center
        "email": {"count": 1, "median_wait_min": None, "no_answer": 0, "window_h": 24},
        "x": None,
    }
    listed = await get_json(client, "/api/v1/exchanges")
    mexc = listed["exchanges"][0]
    assert mexc["channels"][0]["reports"] == found["live_chat"]


async def test_the_status_page_shows_the_line_under_the_channel(
    client: Client, reports: Store, clock: FakeClock
) -> None:
    page = await (await client.get("/")).text()
    assert "People report" not in page
    await four_people(reports, clock)
    # Written to the store, not through the book: the figures it keeps show them within a minute.
    clock.advance(FIGURES_FOR.total_seconds())
    page = await (await client.get("/")).text()
    assert (
        '<p class="reports">   People report: answered in ~10 min (median of 3 in 24 h) · '
        "1 of 4 got no answer</p>" in page
    )
    chinese = await (await client.get("/?lang=zh")).text()
    assert "用户反馈：约 10 分钟后有人回复（24 小时内 3 份的中位数）" in chinese


async def test_the_exchange_page_gives_the_typical_wait_at_this_hour(
    client: Client, reports: Store, clock: FakeClock
) -> None:
    page = await (await client.get("/exchanges/mexc")).text()
    assert "People report: not enough reports yet" in page
    assert "Typical wait at this hour" not in page
    # Around 19:xx UTC on four earlier days; one at 18:50 does not count. (MEXC's live chat
    # states no hours, so the hour is shown in UTC.)
    for days, person, wait in ((1, "a", 20), (2, "b", 40), (9, "c", 30), (3, "d", 1)):
        await add(reports, person, wait, clock.now() - days * DAY + timedelta(minutes=10))
    await add(reports, "e", 1, clock.now() - DAY - timedelta(minutes=10))  # 18:50
    page = await (await client.get("/exchanges/mexc")).text()
    assert (
        '<p class="reports">Typical wait at this hour (19:00–20:00 UTC): ~25 min '
        "(median of 4 over 30 days)</p>" in page
    )
