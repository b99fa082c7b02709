"""The JSON API: `/api/v1/exchanges/{id}/wallet/{coin}` and `status_api` of an exchange,
served from a running web app whose status APIs are read from a loopback fake."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.clock import FakeClock
from bot.metrics import Metrics
from bot.web import build_app
from probes.context import ProbeContext, make_session
from tests.feeds import fixtures as fx
from tests.feeds.fake_api import FakeApi
from tests.feeds.world import world_catalog, world_core

Client = TestClient[web.Request, web.Application]


async def healthy() -> tuple[bool, str]:
    return True, "ok"


@pytest.fixture
async def client() -> AsyncIterator[Client]:
    async with FakeApi() as api:
        api.set("/api/v1/status", fx.KUCOIN_OPEN)
        api.set("/api/v3/currencies", fx.KUCOIN_CURRENCIES)
        api.set("/0/public/SystemStatus", fx.KRAKEN_MAINTENANCE)
        api.set("/0/public/Assets", fx.KRAKEN_ASSETS)
        session = make_session()
        clock = FakeClock()
        catalog = world_catalog(api.base_url)
        core, runner = world_core(catalog, ProbeContext(session=session, now=clock.now), clock)
        await runner.read_all()
        app = build_app(core.status, catalog, Metrics([]), healthy)
        try:
            async with TestClient(TestServer(app)) as test_client:
                yield test_client
        finally:
            await session.close()


async def test_wallet_gives_each_network_with_its_time_and_source(client: Client) -> None:
    response = await client.get("/api/v1/exchanges/kucoin/wallet/usdt?network=trc20")
    assert response.status == 200
    body = await response.json()
    base = body["source"]["base_url"]
    assert body == {
        "exchange": "kucoin",
        "coin": "USDT",
        "network": "trc20",
        "answer": "found",
        "scope": "network",
        "source": {"kind": "kucoin", "base_url": base},
        "checked_at": "2026-11-24T19:00:00Z",
        "error": None,
        "networks": [{"id": "trx", "name": "TRC20", "deposit": "open", "withdraw": "suspended"}],
    }


async def test_wallet_of_an_exchange_without_a_source_says_so(client: Client) -> None:
    body = await (await client.get("/api/v1/exchanges/mexc/wallet/usdt")).json()
    assert (body["answer"], body["source"], body["networks"]) == ("no_source", None, [])


async def test_wallet_of_an_unknown_coin_or_exchange_is_a_404(client: Client) -> None:
    coin = await client.get("/api/v1/exchanges/kucoin/wallet/nope")
    assert coin.status == 404
    assert (await coin.json())["error"]["message"] == "KuCoin lists no coin 'NOPE'"
    assert (await coin.json())["error"]["close"] == []
    typo = await (await client.get("/api/v1/exchanges/kucoin/wallet/usdtt")).json()
    assert typo["error"]["close"] == ["USDT"]
    exchange = await client.get("/api/v1/exchanges/kucoinn/wallet/usdt")
    assert exchange.status == 404


async def test_an_exchange_carries_its_api_mode_and_events(client: Client) -> None:
    body = await (await client.get("/api/v1/exchanges/kraken")).json()
    api = body["status_api"]
    assert api["kind"] == "kraken"
    assert api["wallet_scope"] == "asset"
    assert api["mode"] == "maintenance"
    assert api["checked_at"] == "2026-11-24T19:00:00Z"
    assert api["ongoing"] == [
        {
            "title": "Delayed ETH withdrawals",
            "state": "ongoing",
            "incident": True,
            "begins_at": None,
            "ends_at": None,
            "url": None,
        }
    ]
    assert api["upcoming"] == []  # Dec 1 is more than 72 h after Nov 24
    mexc = await (await client.get("/api/v1/exchanges/mexc")).json()
    assert mexc["status_api"] is None


async def test_the_exchange_page_shows_the_api_without_chat_hints(client: Client) -> None:
    response = await client.get("/exchanges/kraken")
    assert response.status == 200
    page = await response.text()
    assert "Kraken&#39;s own API" in page or "Kraken's own API" in page
    assert "Trading: the exchange is in maintenance" in page
    assert '<svg class="i i-maintenance"' in page  # the page draws the mark as an icon
    assert "/wallet" not in page
