"""Web tests: the answer tests' catalog, fakes and scenes, served by the real aiohttp app."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.catalog import Catalog, load_catalog
from bot.clock import FakeClock
from bot.metrics import Metrics
from bot.status import StatusService
from bot.web import build_app
from storage.records import RollupSummary
from tests.answers.fakes import FakeLive, FakeStore
from tests.answers.scenes import chat_down, nova_incident, week_of_changes

HOUR = timedelta(hours=1)
# The answer tests' small catalog (MEXC and the made-up Nova), shared rather than copied.
CATALOG = Path(__file__).parents[1] / "answers" / "catalog.yaml"


@dataclass
class HourlyStore(FakeStore):
    """The answer tests' store, plus rollups of single hours for the 24 h bars."""

    hourly: dict[tuple[str, datetime], tuple[int, int]] = field(default_factory=dict)

    def hour(self, key: str, start: datetime, count: int, failures: int = 0) -> None:
        self.hourly[(key, start)] = (count, failures)

    async def rollup_summaries(
        self,
        channels: Iterable[str] | None,
        since: datetime,
        until: datetime,
        *,
        with_latency: bool = True,
    ) -> dict[str, RollupSummary]:
        if until - since != HOUR:
            return await super().rollup_summaries(channels, since, until, with_latency=with_latency)
        self.reads += 1
        found = {
            key: RollupSummary(count, failures)
            for (key, start), (count, failures) in self.hourly.items()
            if start == since
        }
        return found if channels is None else {k: v for k, v in found.items() if k in channels}


@dataclass
class Health:
    """What /healthz is told; tests flip it."""

    healthy: bool = True
    reason: str = "scheduler ticking, database answering"
    broken: bool = False

    async def __call__(self) -> tuple[bool, str]:
        if self.broken:
            raise RuntimeError("database file vanished")
        return self.healthy, self.reason


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return load_catalog(CATALOG)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()  # 2026-11-24 19:00 UTC: 03:00 in Shanghai


@pytest.fixture
def live() -> FakeLive:
    return FakeLive()


@pytest.fixture
def store() -> HourlyStore:
    return HourlyStore()


@pytest.fixture
def metrics() -> Metrics:
    return Metrics(commands=["status", "urgent", "help"])


@pytest.fixture
def health() -> Health:
    return Health()


def night_of_trouble(live: FakeLive, store: HourlyStore, now: datetime) -> None:
    """MEXC live chat timing out for 12 min after a rough evening; Nova closed, with an incident."""
    chat_down(live, store, now)
    nova_incident(live, store, now)
    week_of_changes(store, now)
    current = now.replace(minute=0, second=0, microsecond=0)
    for back in range(1, 25):
        start = current - HOUR * back
        failures = {1: 40, 2: 5}.get(back, 0)
        store.hour("mexc/live_chat", start, 60, failures)
        store.hour("mexc/help_center", start, 60)
        if back <= 12:
            store.hour("mexc/email", start, 12)


@pytest.fixture
def app(
    catalog: Catalog,
    live: FakeLive,
    store: HourlyStore,
    clock: FakeClock,
    metrics: Metrics,
    health: Health,
) -> web.Application:
    night_of_trouble(live, store, clock.now())
    status = StatusService(catalog, live, store, clock)
    # No render cache: tests change what the bot knows and read the page again at once
    # (tests/web/test_cache.py covers the cache).
    return build_app(status, catalog, metrics, health, page_cache_s=0)


@pytest.fixture
async def client(app: web.Application) -> AsyncIterator[TestClient[web.Request, web.Application]]:
    async with TestClient(TestServer(app)) as test_client:
        yield test_client
