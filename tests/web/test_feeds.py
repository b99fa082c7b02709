"""Atom feeds read by a real feed parser, badges read as XML, and conditional requests."""

from __future__ import annotations

from datetime import timedelta
from email.utils import format_datetime, parsedate_to_datetime
from xml.etree import ElementTree as ET

import feedparser
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.catalog import Catalog
from bot.clock import FakeClock
from bot.metrics import Metrics
from bot.status import StatusService
from bot.web import build_app
from storage.records import MaintenanceWindow
from tests.answers.fakes import FakeLive
from tests.web.conftest import Health, HourlyStore, night_of_trouble

Client = TestClient[web.Request, web.Application]
SVG = "{http://www.w3.org/2000/svg}"


async def read_feed(client: Client, path: str) -> feedparser.FeedParserDict:
    response = await client.get(path)
    assert response.status == 200
    assert response.content_type == "application/atom+xml"
    assert response.headers["Cache-Control"] == "public, max-age=60"
    feed = feedparser.parse(await response.read())
    assert feed.bozo == 0, feed.get("bozo_exception")
    assert feed.version == "atom10"
    return feed


async def test_an_exchange_feed_has_an_entry_per_incident_start_and_end(client: Client) -> None:
    feed = await read_feed(client, "/exchanges/mexc/feed.atom")

    assert feed.feed.title == "supportlive: MEXC support incidents"
    assert feed.feed.link.endswith("/exchanges/mexc?lang=en")
    assert [e.title for e in feed.entries] == [
        "MEXC: Online customer service down",  # 12 min ago, not over
        "MEXC: Online customer service is back",  # yesterday, after 14 min
        "MEXC: Online customer service down",
    ]
    now, back, started = feed.entries
    assert now.summary == "Online customer service: down · Nov 24 18:48 UTC (timeout after 10 s)"
    assert back.summary == (
        "Online customer service was down for 14 min (Nov 23 18:16 UTC – Nov 23 18:30 UTC)."
    )
    assert started.summary == "Online customer service: down · Nov 23 18:16 UTC (HTTP 503)"
    assert now.updated == "2026-11-24T18:48:00Z"
    assert all(e.link.endswith("/exchanges/mexc?lang=en") for e in feed.entries)
    assert len({e.id for e in feed.entries}) == 3
    # The same ids on the next read: a feed reader shows each entry once.
    again = await read_feed(client, "/exchanges/mexc/feed.atom")
    assert [e.id for e in again.entries] == [e.id for e in feed.entries]
    assert feed.feed.updated == "2026-11-24T18:48:00Z"


async def test_the_feed_of_every_exchange_has_maintenance_and_speaks_chinese(
    client: Client, store: HourlyStore, clock: FakeClock
) -> None:
    now = clock.now()
    store.windows.append(
        MaintenanceWindow(
            1,
            "nova",
            None,
            now - timedelta(minutes=30),
            now + timedelta(hours=1),
            "App upgrade",
            "telegram:1",
            {"zh": "应用升级"},
        )
    )

    english = await read_feed(client, "/feed.atom")
    chinese = await read_feed(client, "/feed.atom?lang=zh")

    titles = [e.title for e in english.entries]
    assert "Nova: maintenance Nov 24 18:30 UTC – Nov 24 20:00 UTC" in titles
    assert titles.count("MEXC: Online customer service down") == 2
    maintenance = next(e for e in english.entries if e.title.startswith("Nova"))
    assert maintenance.summary == (
        "every channel · Nov 24 18:30 UTC – Nov 24 20:00 UTC. App upgrade"
    )
    assert maintenance.link.endswith("/exchanges/nova?lang=en")
    assert chinese.feed.title == "supportlive：各交易所客服故障"
    assert "MEXC：在线客服无法访问" in [e.title for e in chinese.entries]
    started = next(e for e in chinese.entries if e.title == "MEXC：在线客服无法访问")
    assert started.summary == "在线客服：无法访问 · 11月24日 18:48 UTC（原因：超时）"
    zh_maintenance = next(e for e in chinese.entries if e.title.startswith("Nova"))
    assert zh_maintenance.summary.endswith("应用升级")
    assert {e.id for e in chinese.entries} == {e.id for e in english.entries}


async def test_a_feed_of_an_unknown_exchange_is_a_404(client: Client) -> None:
    assert (await client.get("/exchanges/mexx/feed.atom")).status == 404
    assert (await client.get("/badge/mexx.svg")).status == 404


async def test_a_badge_names_the_exchange_and_its_answer_in_colour(client: Client) -> None:
    response = await client.get("/badge/mexc.svg")

    assert response.status == 200
    assert response.content_type == "image/svg+xml"
    assert response.headers["Cache-Control"] == "public, max-age=60"
    # Other sites may show it (a forum post), unlike the pages.
    assert response.headers["Cross-Origin-Resource-Policy"] == "cross-origin"
    svg = ET.fromstring(await response.read())
    assert svg.tag == f"{SVG}svg"
    assert svg.get("aria-label") == "MEXC: down"
    assert [t.text for t in svg.iter(f"{SVG}text")] == ["MEXC", "down"]
    assert [r.get("fill") for r in svg.iter(f"{SVG}rect")][1] == "#cf222e"
    assert "style" not in (await response.text())

    nova = ET.fromstring(await (await client.get("/badge/nova.svg?lang=zh")).read())
    assert [t.text for t in nova.iter(f"{SVG}text")] == ["Nova", "非服务时间"]
    assert int(nova.get("width", "0")) > int(svg.get("width", "0"))


async def test_pages_feeds_badges_and_the_api_answer_conditional_requests_with_304(
    catalog: Catalog, live: FakeLive, store: HourlyStore, clock: FakeClock, health: Health
) -> None:
    night_of_trouble(live, store, clock.now())
    status = StatusService(catalog, live, store, clock)
    app = build_app(status, catalog, Metrics(), health)  # the cache as `supportlive run` has it
    async with TestClient(TestServer(app)) as client:
        for path in ("/", "/exchanges/mexc", "/feed.atom", "/badge/mexc.svg", "/api/v1/exchanges"):
            first = await client.get(path)
            etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
            assert first.headers["Cache-Control"].startswith("public, max-age="), path
            assert parsedate_to_datetime(modified).tzinfo is not None
            by_tag = await client.get(path, headers={"If-None-Match": etag})
            by_date = await client.get(path, headers={"If-Modified-Since": modified})
            earlier = format_datetime(parsedate_to_datetime(modified) - timedelta(hours=1), True)
            older = await client.get(path, headers={"If-Modified-Since": earlier})
            # If-None-Match decides when both are sent.
            both = await client.get(
                path, headers={"If-None-Match": '"other"', "If-Modified-Since": modified}
            )
            assert (by_tag.status, by_date.status, older.status, both.status) == (
                304,
                304,
                200,
                200,
            ), path
            assert await by_tag.read() == b""
            assert by_date.headers["ETag"] == etag


async def test_a_forged_host_header_never_reaches_a_feeds_links(client: Client) -> None:
    """Feeds are cached and shared: a link built from one request's Host header would send
    every later reader to the host that request named."""
    forged = await client.get("/feed.atom", headers={"Host": "evil.example"})
    assert forged.status == 200
    assert b"evil.example" not in await forged.read()
    normal = await client.get("/feed.atom")
    body = await normal.read()
    assert b"evil.example" not in body
    # A reader resolves the links against the feed's own address.
    url = str(client.make_url("/feed.atom"))
    feed = feedparser.parse(body, response_headers={"content-location": url})
    assert feed.feed.link == str(client.make_url("/?lang=en"))
    assert feed.entries and all(
        e.link.startswith(str(client.make_url("/exchanges/"))) for e in feed.entries
    )
