"""The web side's rails: security headers, limits, /healthz, /metrics, and the page's HTML."""

from __future__ import annotations

import asyncio
import logging
import re
from dataclasses import replace
from datetime import UTC, datetime

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from bot.catalog import Catalog
from bot.metrics import Metrics
from bot.verdict import Incident, Indicator, Upstream
from bot.vocab import Health as Health_
from bot.web import start_web, stop_web
from bot.web.server import SECURITY_HEADERS
from probes.result import ErrorKind, ProbeResult
from storage import DatabaseDamaged
from tests.answers.fakes import FakeLive, FakeStore
from tests.web.conftest import Health, HourlyStore

Client = TestClient[web.Request, web.Application]

CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'"
)


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/exchanges/mexc",
        "/static/style.css",
        "/api/v1/exchanges",
        "/api/v1/exchanges/mexx",
        "/nowhere",
        "/healthz",
        "/metrics",
    ],
)
async def test_it_sends_the_security_headers_everywhere(client: Client, path: str) -> None:
    response = await client.get(path)

    assert response.headers["Content-Security-Policy"] == CSP
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    for name in SECURITY_HEADERS:
        assert name in response.headers


async def test_it_serves_the_style_sheet_and_no_directory(client: Client) -> None:
    sheet = await client.get("/static/style.css")
    assert sheet.status == 200
    assert sheet.content_type == "text/css"

    for path in ("/static/", "/static", "/static/../server.py", "/templates/base.html"):
        assert (await client.get(path)).status == 404, path


async def test_it_refuses_a_long_query_string(client: Client) -> None:
    response = await client.get("/api/v1/exchanges?lang=" + "e" * 600)

    assert response.status == 400
    assert (await response.json())["error"]["message"] == "query string too long"


async def test_it_reads_no_request_body(client: Client) -> None:
    response = await client.post("/", data=b"x" * 100_000)

    assert response.status in (405, 413)


async def test_it_refuses_huge_headers(client: Client) -> None:
    response = await client.get("/", headers={"X-Big": "y" * 10_000})

    assert response.status in (400, 431)


async def test_it_reports_healthy(client: Client) -> None:
    response = await client.get("/healthz")

    assert response.status == 200
    assert await response.json() == {
        "status": "ok",
        "reason": "scheduler ticking, database answering",
    }


async def test_it_reports_unhealthy_with_503_and_the_reason(client: Client, health: Health) -> None:
    health.healthy, health.reason = False, "scheduler has not ticked for 95 s"

    response = await client.get("/healthz")

    assert response.status == 503
    assert await response.json() == {
        "status": "unhealthy",
        "reason": "scheduler has not ticked for 95 s",
    }


async def test_it_reports_a_failing_health_check_as_503(client: Client, health: Health) -> None:
    health.broken = True

    response = await client.get("/healthz")

    assert response.status == 503
    assert (await response.json())["reason"] == "health check failed: RuntimeError"


async def test_it_exposes_the_metrics_in_prometheus_text(client: Client, metrics: Metrics) -> None:
    at = datetime(2026, 11, 24, 19, tzinfo=UTC)
    metrics.observe_probe(ProbeResult("mexc/live_chat", at, True, 180.0), "http")
    metrics.observe_probe(ProbeResult("mexc/live_chat", at, False, None, ErrorKind.TIMEOUT), "http")
    metrics.count_command("telegram", "/status")
    metrics.count_command("discord", "rm -rf")
    metrics.count_send("telegram", "sent")
    metrics.set_outbox_depth({"pending": 3, "dead": 1})

    response = await client.get("/metrics")
    text = await response.text()

    assert response.status == 200
    assert response.headers["Content-Type"].startswith("text/plain; version=")
    assert 'probe_results_total{kind="http",result="ok"} 1.0' in text
    assert 'probe_results_total{kind="http",result="timeout"} 1.0' in text
    assert 'probe_latency_seconds_bucket{kind="http",le="0.25"} 1.0' in text
    assert 'probe_latency_seconds_count{kind="http"} 1.0' in text
    assert 'channel_verdict{channel="live_chat",exchange="mexc",verdict="down"} 1.0' in text
    assert 'channel_verdict{channel="live_chat",exchange="mexc",verdict="live"} 0.0' in text
    assert 'channel_verdict{channel="live_chat",exchange="nova",verdict="off_hours"} 1.0' in text
    assert 'outbox_depth{state="pending"} 3.0' in text
    assert 'outbox_depth{state="dead"} 1.0' in text
    assert 'alert_sends_total{outcome="sent",platform="telegram"} 1.0' in text
    assert 'commands_total{command="status",platform="telegram"} 1.0' in text
    assert 'commands_total{command="other",platform="discord"} 1.0' in text


async def test_it_shows_every_exchange_answer_and_channel_on_the_overview(client: Client) -> None:
    html = await (await client.get("/")).text()

    assert (
        '<span class="name">MEXC</span></a> <span class="headline">'
        "— Online customer service is not answering</span>" in html
    )
    assert "/subscribe" not in html, "chat commands mean nothing on a web page"
    assert '<span class="headline">— live support is closed now</span>' in html
    assert (
        'data-channel="live_chat" data-verdict="down" title="Online customer service: down">'
        in html
    )
    # Figures live on the exchange page; the overview shows no empty placeholders.
    assert "Latency:" not in html and "Uptime:" not in html and " – " not in html
    label = "18:00–19:00 UTC · 60 checks · 40 failed"
    assert f'<span class="h bad" role="img" aria-label="{label}" title="{label}"></span>' in html
    # The hour under way closes the bar (it is 19:00:00: no checks in it yet).
    label = "19:00–20:00 UTC · so far · no checks, no data"
    assert f'<span class="h none partial" role="img" aria-label="{label}" title="{label}">' in html
    assert "Status page: Minor incident · Delayed BTC withdrawals" in html
    assert '<meta http-equiv="refresh" content="60">' in html
    assert "<script" not in html
    assert "style=" not in html
    assert "✅" not in html and "❌" not in html and "🌙" not in html, "icons are inline SVG"


async def test_the_exchange_page_says_figures_in_words_and_only_what_was_measured(
    client: Client,
) -> None:
    html = await (await client.get("/exchanges/mexc")).text()

    assert "Usually answers in 193 ms; 95% of checks within 193 ms (last 24 h)." in html
    assert "Uptime: 100% over 24 h, 99.8% over 7 days, 99% over 30 days." in html
    assert "Latency: last –" not in html and " – · " not in html
    # The help center and e-mail have no rollups yet: a latency in words, no uptime line.
    assert "<p>Usually answers in 95 ms.</p>" in html
    assert html.count("Uptime:") == 1
    # 24 h and 90 d for each probed channel.
    assert (html.count('class="bar"'), html.count('class="bar dense"')) == (3, 3)


@pytest.mark.parametrize(
    ("query", "accept", "title"),
    [
        ("", "zh-CN,zh;q=0.9,en;q=0.8", "— 在线客服现在无法联系"),
        ("?lang=zh", "en-US", "— 在线客服现在无法联系"),
        ("?lang=en", "zh-CN", "— Online customer service is not answering"),
        ("?lang=fr", "zh-TW", "— 在线客服现在无法联系"),
        ("", "fr-FR,en;q=0.5", "— Online customer service is not answering"),
    ],
)
async def test_it_speaks_the_asked_or_preferred_language(
    client: Client, query: str, accept: str, title: str
) -> None:
    response = await client.get("/" + query, headers={"Accept-Language": accept})

    assert title in await response.text()
    assert response.headers["Vary"] == "Accept-Language"


async def test_it_marks_the_hour_under_way_in_chinese_too(client: Client) -> None:
    html = await (await client.get("/?lang=zh")).text()

    assert 'title="19:00–20:00 UTC · 至今 · 没有检测，无数据"' in html
    assert "超过一半失败" in html  # the legend


async def test_it_shows_the_urgent_routes_and_incidents_on_the_exchange_page(
    client: Client,
) -> None:
    html = await (await client.get("/exchanges/nova")).text()

    assert '<h2 id="urgent">Urgent help</h2>' in html
    assert "First, freeze your account: Account → Security → Freeze account." in html
    assert '<details class="case" id="case-account_compromised" open>' in html
    assert "No incidents in the last 30 days." in html
    mexc = await (await client.get("/exchanges/mexc")).text()
    assert (
        "Online customer service down · Nov 24 18:48 UTC – ongoing · 12 min so far"
        " (timeout after 10 s)" in mexc
    )
    assert (
        "Online customer service down · Nov 23 18:16 UTC – Nov 23 18:30 UTC · 14 min (HTTP 503)"
        in mexc
    )
    chinese = await (await client.get("/exchanges/mexc?lang=zh")).text()
    assert (
        "在线客服无法访问 · 11月24日 18:48 UTC – 持续中 · 已持续 12 分钟（原因：超时）" in chinese
    )


async def test_an_exchange_never_checked_claims_no_quiet_month(
    client: Client, store: FakeStore
) -> None:
    store.since = None  # not one check got through: a new database, or blind from the start
    html = await (await client.get("/exchanges/nova")).text()
    chinese = await (await client.get("/exchanges/nova?lang=zh")).text()

    assert "No incidents in the last 30 days." not in html
    assert "No history yet: none of our checks of this exchange has got through so far." in html
    assert "近 30 天没有故障" not in chinese
    assert "暂无记录：到目前为止，我们对该交易所的检测还没有一次得到结果。" in chinese


async def test_it_answers_an_unknown_exchange_page_with_404_listing_the_known(
    client: Client,
) -> None:
    response = await client.get("/exchanges/mexx<i>")
    html = await response.text()

    assert response.status == 404
    assert "I don&#39;t know the exchange “mexx&lt;i&gt;”." in html
    assert '<a href="/exchanges/mexc?lang=en">MEXC</a>' in html


async def test_it_escapes_text_from_outside(client: Client, live: FakeLive) -> None:
    incident = Incident('<script>alert("x")</script>', "investigating", "minor")
    live.upstreams["nova"] = Upstream(Indicator.MINOR, (), (incident,))

    html = await (await client.get("/")).text()

    assert "<script>" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html


async def test_it_links_only_to_itself_and_the_catalog(client: Client, catalog: Catalog) -> None:
    official = {c.url for _, c in catalog.channels()} | {e.status_page for e in catalog.exchanges}
    outside: set[str] = set()
    for path in ("/", "/exchanges/mexc", "/exchanges/nova?lang=zh"):
        html = await (await client.get(path)).text()
        hrefs = re.findall(r'href="([^"]*)"', html)
        outside |= {h for h in hrefs if not h.startswith(("/", "#", "data:,"))}

    assert outside
    assert outside <= official


async def test_it_starts_on_a_free_port_and_stops(app: web.Application) -> None:
    server = await start_web(app, "127.0.0.1", 0)
    try:
        async with (
            aiohttp.ClientSession() as session,
            session.get(f"http://127.0.0.1:{server.port}/healthz") as response,
        ):
            assert response.status == 200
    finally:
        await stop_web(server)

    with pytest.raises(aiohttp.ClientConnectionError):
        async with aiohttp.ClientSession() as session:
            await session.get(f"http://127.0.0.1:{server.port}/healthz")


@pytest.mark.parametrize(
    "request_head",
    [
        b"GET /" + b"a" * 5000 + b"SECRET HTTP/1.1\r\nHost: x\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"b" * 5000 + b"SECRET\r\n\r\n",
    ],
    ids=["long request line", "long header"],
)
async def test_an_unreadable_request_gets_a_plain_400_with_the_headers_and_no_traceback(
    app: web.Application, request_head: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    server = await start_web(app, "127.0.0.1", 0)
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        writer.write(request_head)
        await writer.drain()
        answer = (await asyncio.wait_for(reader.read(), 10)).decode()
        writer.close()
    finally:
        await stop_web(server)
    head, _, body = answer.partition("\r\n\r\n")
    assert head.startswith("HTTP/1.0 400 Bad Request\r\n"), answer
    for name, value in SECURITY_HEADERS.items():
        assert f"\r\n{name}: {value}" in head
    assert body == "400: bad request\n"
    assert "SECRET" not in answer and "aaaa" not in answer and "bbbb" not in answer
    assert [r for r in caplog.records if r.levelno >= logging.WARNING] == []


@pytest.mark.parametrize(("lang", "words"), [("en", "not checked by us"), ("zh", "我们未检测")])
async def test_an_unprobed_channel_open_by_its_hours_says_we_did_not_check_it(
    client: Client, lang: str, words: str
) -> None:
    page = await (await client.get(f"/?lang={lang}")).text()
    pill = re.search(r'<li class="pill[^"]*" data-channel="verify".*?</li>', page, re.S)
    assert pill is not None
    assert f", {words})</span>" in pill.group(0)
    assert f", {words}" in re.search(r'title="([^"]*)"', pill.group(0)).group(1)  # type: ignore[union-attr]
    # A probed channel's pill says only its state, and an announcements-only account is
    # never "checked" to begin with.
    for channel in ("help_center", "x"):
        other = re.search(rf'<li class="pill[^"]*" data-channel="{channel}".*?</li>', page, re.S)
        assert other is not None and words not in other.group(0), channel


async def test_while_blind_the_exchange_page_says_tried_not_checked(
    client: Client, live: FakeLive
) -> None:
    now = datetime(2026, 11, 24, 19, 0, tzinfo=UTC)
    live.blind = now
    chat = live.states["mexc/live_chat"]
    live.states["mexc/live_chat"] = replace(
        chat, health=Health_.UNKNOWN, last_error=ErrorKind.BLIND, last_detail="blind"
    )
    page = await (await client.get("/exchanges/mexc")).text()
    detail = page[page.index('data-channel="live_chat"') :].split("</article>")[0]
    assert "Tried 30 s ago (18:59 UTC); we could not see" in detail
    assert "Checked 30 s ago" not in detail
    chinese = await (await client.get("/exchanges/mexc?lang=zh")).text()
    assert "未能看到结果" in chinese


async def test_a_channel_never_checked_says_so_once(client: Client, live: FakeLive) -> None:
    del live.states["mexc/email"]
    page = await (await client.get("/exchanges/mexc")).text()
    detail = page[page.index('data-channel="email"') :].split("</article>")[0]
    assert detail.lower().count("not checked yet") == 1, detail


async def test_a_damaged_database_is_a_500_and_one_log_line_not_a_traceback(
    client: Client, store: HourlyStore, caplog: pytest.LogCaptureFixture
) -> None:
    async def damaged(*args: object, **kwargs: object) -> None:
        raise DatabaseDamaged(
            "database disk image is malformed",
            explained="database file bot.sqlite3 is damaged (database disk image is malformed)",
        )

    store.transitions = damaged  # type: ignore[method-assign]
    response = await client.get("/api/v1/exchanges/mexc/history")
    assert response.status == 500
    assert (await response.json())["error"]["message"] == "internal error"
    failed = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert [r.getMessage() for r in failed] == [
        "web request GET /api/v1/exchanges/mexc/history failed: database file bot.sqlite3 is "
        "damaged (database disk image is malformed)"
    ]
    assert failed[0].exc_info is None
