"""Shared pieces for the alert tests: a small catalog, a real SQLite store, a fake clock."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from bot.alerts.record import Recorded, record_transition
from bot.catalog import Catalog
from bot.catalog.models import catalog_from_data
from bot.clock import FakeClock
from bot.health import Cause, HealthState, Transition
from bot.latency import ExactQuantiles
from bot.verdict import Upstream
from bot.vocab import Health
from probes.result import ErrorKind
from storage import Database
from storage.store import Store

HTTP = {"kind": "http", "url": "https://www.mexc.com/support"}

CATALOG_DATA: dict[str, Any] = {
    "exchanges": [
        {
            "id": "mexc",
            "name": "MEXC",
            "official_domains": ["mexc.com"],
            "channels": [
                {
                    "id": "live_chat",
                    "kind": "live_chat",
                    "mode": "live",
                    "name": {"en": "Online customer service", "zh": "在线客服"},
                    "url": "https://www.mexc.com/support",
                    "hours": "24/7",
                    "probe": HTTP,
                },
                {
                    "id": "email",
                    "kind": "email",
                    "mode": "async",
                    "name": {"en": "Customer service e-mail", "zh": "客服邮箱"},
                    "address": "service@mexc.com",
                    "expected_reply": {"en": "1–3 business days", "zh": "1–3 个工作日"},
                    "probe": {"kind": "dns", "name": "mexc.com", "record": "MX"},
                },
                {
                    "id": "help_center",
                    "kind": "help_center",
                    "mode": "self_service",
                    "name": {"en": "Help center", "zh": "帮助中心"},
                    "url": "https://www.mexc.com/support",
                    "probe": HTTP,
                },
                {
                    "id": "x",
                    "kind": "x",
                    "mode": "broadcast",
                    "name": "X @MEXC_Official",
                    "url": "https://x.com/MEXC_Official",
                },
            ],
        },
        {
            "id": "kraken",
            "name": "Kraken",
            "official_domains": ["kraken.com"],
            "status_page": "https://status.kraken.com",
            "channels": [
                {
                    "id": "live_chat",
                    "kind": "live_chat",
                    "mode": "live",
                    "name": {"en": "Live chat", "zh": "在线客服"},
                    "url": "https://support.kraken.com/",
                    "hours": "24/7",
                    "probe": {"kind": "http", "url": "https://support.kraken.com/"},
                },
            ],
        },
    ]
}

START = datetime.fromisoformat("2026-11-24T19:02:00+00:00")


class FakeLive:
    """A LiveView with health set by hand."""

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.states: dict[str, Health] = {}
        self.upstreams: dict[str, Upstream] = {}

    def health(self, channel_key: str) -> HealthState | None:
        health = self.states.get(channel_key)
        if health is None:
            return None
        now = self.clock.now()
        return HealthState(channel=channel_key, health=health, since=now, last_at=now)

    def recent_latency(self, channel_key: str) -> ExactQuantiles:
        return ExactQuantiles()

    def upstream(self, exchange_id: str) -> Upstream | None:
        return self.upstreams.get(exchange_id)

    def blind_since(self) -> datetime | None:
        return None


@pytest.fixture
def catalog() -> Catalog:
    return catalog_from_data(CATALOG_DATA)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(current=START)


@pytest.fixture
def live(clock: FakeClock) -> FakeLive:
    return FakeLive(clock)


@pytest.fixture
def store(database: Database, clock: FakeClock) -> Store:
    """A store on SQLite and, in a second run of the test, on PostgreSQL."""
    return Store(database, now=clock.now)


def down(channel: str = "mexc/live_chat", at: datetime = START, **kw: Any) -> Transition:
    fields: dict[str, Any] = {
        "cause": Cause.FAILURES,
        "reason": "timeout after 10 s (3 checks in a row)",
        "error": ErrorKind.TIMEOUT,
        "detail": "timeout after 10 s",
    }
    fields.update(kw)
    return Transition(channel=channel, at=at, old=Health.UP, new=Health.DOWN, **fields)


def back_up(
    channel: str = "mexc/live_chat", at: datetime = START, since: datetime = START, **kw: Any
) -> Transition:
    return Transition(
        channel=channel,
        at=at,
        old=Health.DOWN,
        new=Health.UP,
        cause=Cause.RECOVERED,
        reason="answered in 120 ms (2 checks in a row)",
        down_since=since,
        **kw,
    )


async def record(
    store: Store, catalog: Catalog, live: FakeLive, transition: Transition
) -> Recorded:
    return await record_transition(store, catalog, transition, live, now=live.clock.now())


def minutes(n: float) -> timedelta:
    return timedelta(minutes=n)
