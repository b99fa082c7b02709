"""HTTP caching: pages rendered once for many requests, ETags and 304s, errors never kept."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.catalog import Catalog
from bot.clock import FakeClock
from bot.metrics import Metrics
from bot.status import StatusService
from bot.web import build_app
from bot.web.cache import RenderCache, cached_routes
from bot.web.server import SECURITY_HEADERS
from tests.answers.fakes import FakeLive
from tests.web.conftest import Health, HourlyStore, night_of_trouble

Client = TestClient[web.Request, web.Application]


class Ticks:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def ticks() -> Ticks:
    return Ticks()


@pytest.fixture
def cache(ticks: Ticks) -> RenderCache:
    return RenderCache(
        5.0, language_of=lambda request: request.headers.get("X-Lang", "en"), monotonic=ticks
    )


@pytest.fixture
async def client(cache: RenderCache) -> AsyncIterator[Client]:
    renders = 0

    async def page(request: web.Request) -> web.Response:
        nonlocal renders
        renders += 1
        await asyncio.sleep(0.05)  # rendering takes a while: requests pile up meanwhile
        if request.query.get("fail"):
            raise web.HTTPNotFound()
        return web.Response(text=f"render {renders}", content_type="text/html")

    app = web.Application()
    app.add_routes(cached_routes([web.get("/", page)], cache))
    async with TestClient(TestServer(app)) as test_client:
        yield test_client


async def test_many_requests_at_once_make_one_render(client: Client, cache: RenderCache) -> None:
    responses = await asyncio.gather(*(client.get("/") for _ in range(200)))
    bodies = {await r.text() for r in responses}
    assert {r.status for r in responses} == {200}
    assert bodies == {"render 1"}
    assert cache.renders == 1


async def test_a_page_is_rendered_again_after_the_ttl(
    client: Client, cache: RenderCache, ticks: Ticks
) -> None:
    assert await (await client.get("/")).text() == "render 1"
    ticks.now += 4.9
    assert await (await client.get("/")).text() == "render 1"
    ticks.now += 0.2
    assert await (await client.get("/")).text() == "render 2"


async def test_each_language_and_query_has_its_own_entry(client: Client) -> None:
    assert await (await client.get("/")).text() == "render 1"
    assert await (await client.get("/", headers={"X-Lang": "zh"})).text() == "render 2"
    assert await (await client.get("/?lang=zh")).text() == "render 3"
    assert await (await client.get("/")).text() == "render 1"


async def test_a_known_etag_gets_a_bodiless_304(client: Client) -> None:
    first = await client.get("/")
    etag = first.headers["ETag"]
    again = await client.get("/", headers={"If-None-Match": etag})
    assert again.status == 304
    assert await again.read() == b""
    assert again.headers["ETag"] == etag
    other = await client.get("/", headers={"If-None-Match": '"something-else"'})
    assert other.status == 200


async def test_an_error_is_not_kept(client: Client, cache: RenderCache) -> None:
    assert (await client.get("/?fail=1")).status == 404
    assert (await client.get("/?fail=1")).status == 404
    assert cache.renders == 2


async def test_the_status_page_answers_with_an_etag_and_the_security_headers(
    catalog: Catalog, live: FakeLive, store: HourlyStore, clock: FakeClock, health: Health
) -> None:
    night_of_trouble(live, store, clock.now())
    status = StatusService(catalog, live, store, clock)
    app = build_app(status, catalog, Metrics(), health)  # the cache as `supportlive run` has it
    async with TestClient(TestServer(app)) as client:
        first = await client.get("/")
        again = await client.get("/", headers={"If-None-Match": first.headers["ETag"]})
        api = await client.get("/api/v1/exchanges")
    assert first.status == 200 and again.status == 304
    for name in SECURITY_HEADERS:
        assert name in again.headers
    assert again.headers["Vary"] == "Accept-Language"
    assert api.headers["ETag"]
