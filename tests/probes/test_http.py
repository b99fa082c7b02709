"""The http probe against local servers: every failure is a result with a clear error kind."""

from __future__ import annotations

import asyncio
import time

from aiohttp import web

from bot.blind import canary_targets
from probes import http
from probes.context import USER_AGENT, ProbeContext
from probes.result import ErrorKind
from probes.spec import HttpProbe
from tests.probes.conftest import Certs, Serve, free_port, target_for


def _app(routes: dict[str, web.RouteDef] | None = None) -> web.Application:
    app = web.Application()
    app.add_routes(list((routes or {}).values()))
    return app


async def _ok(request: web.Request) -> web.Response:
    return web.Response(text=f"<h1>Support Center</h1> UA={request.headers['User-Agent']}")


async def test_it_is_up_on_200_and_names_itself(ctx: ProbeContext, serve: Serve) -> None:
    base = await serve(_app({"ok": web.get("/", _ok)}))
    result = await http.probe(ctx, target_for(HttpProbe(url=f"{base}/", keyword="support center")))
    assert result.ok, result
    assert result.error is None
    assert result.detail == "HTTP 200"
    assert result.latency_ms is not None and result.latency_ms > 0
    assert result.channel == "mexc/test"
    assert result.at.tzinfo is not None


async def test_it_sends_the_project_user_agent(ctx: ProbeContext, serve: Serve) -> None:
    seen: list[str] = []

    async def record(request: web.Request) -> web.Response:
        seen.append(request.headers["User-Agent"])
        return web.Response(text="ok")

    base = await serve(_app({"r": web.get("/", record)}))
    await http.probe(ctx, target_for(HttpProbe(url=f"{base}/")))
    assert seen == [USER_AGENT]


async def test_it_supports_head(ctx: ProbeContext, serve: Serve) -> None:
    base = await serve(_app({"ok": web.get("/", _ok)}))  # aiohttp answers HEAD for GET routes
    result = await http.probe(ctx, target_for(HttpProbe(url=f"{base}/", method="HEAD")))
    assert result.ok, result


async def test_it_reports_a_missing_keyword(ctx: ProbeContext, serve: Serve) -> None:
    base = await serve(_app({"ok": web.get("/", _ok)}))
    result = await http.probe(ctx, target_for(HttpProbe(url=f"{base}/", keyword="Live chat")))
    assert not result.ok
    assert result.error is ErrorKind.KEYWORD
    assert result.detail == "keyword 'Live chat' not in the page"


async def test_it_reports_an_unexpected_status(ctx: ProbeContext, serve: Serve) -> None:
    async def down(_: web.Request) -> web.Response:
        return web.Response(status=503, text="maintenance")

    base = await serve(_app({"d": web.get("/", down)}))
    result = await http.probe(ctx, target_for(HttpProbe(url=f"{base}/")))
    assert (result.ok, result.error, result.detail) == (False, ErrorKind.HTTP_STATUS, "HTTP 503")
    assert result.latency_ms is not None

    allowed = HttpProbe(url=f"{base}/", expect_status=(200, 503))
    assert (await http.probe(ctx, target_for(allowed))).ok


async def test_it_times_out_on_a_hanging_server_quickly(ctx: ProbeContext, serve: Serve) -> None:
    async def hang(_: web.Request) -> web.Response:
        await asyncio.sleep(30)
        return web.Response(text="late")

    base = await serve(_app({"h": web.get("/", hang)}))
    started = time.monotonic()
    result = await http.probe(ctx, target_for(HttpProbe(url=f"{base}/", timeout_s=0.3)))
    assert time.monotonic() - started < 2.0
    assert (result.ok, result.error, result.detail) == (
        False,
        ErrorKind.TIMEOUT,
        "timeout after 0.3 s",
    )


async def test_the_timeout_covers_a_body_that_trickles(ctx: ProbeContext, serve: Serve) -> None:
    async def trickle(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse()
        await response.prepare(request)  # the headers at once, then a byte every 0.1 s
        for _ in range(100):
            await response.write(b"x")
            await asyncio.sleep(0.1)
        return response

    base = await serve(_app({"t": web.get("/", trickle)}))
    started = time.monotonic()
    result = await http.probe(ctx, target_for(HttpProbe(url=f"{base}/", timeout_s=0.5)))
    assert time.monotonic() - started < 3.0
    assert (result.error, result.detail) == (ErrorKind.TIMEOUT, "timeout after 0.5 s")


async def test_the_timeout_covers_the_whole_redirect_chain(ctx: ProbeContext, serve: Serve) -> None:
    """Each hop answers well within the timeout; all of them together do not."""

    async def hop(request: web.Request) -> web.Response:
        await asyncio.sleep(0.2)
        step = int(request.match_info["n"])
        raise web.HTTPFound(f"/{step + 1}")

    base = await serve(_app({"hop": web.get("/{n}", hop)}))
    started = time.monotonic()
    result = await http.probe(ctx, target_for(HttpProbe(url=f"{base}/0", timeout_s=0.5)))
    assert time.monotonic() - started < 3.0
    assert (result.error, result.detail) == (ErrorKind.TIMEOUT, "timeout after 0.5 s")


async def test_it_caps_the_read_of_an_endless_body(ctx: ProbeContext, serve: Serve) -> None:
    sent = 0

    async def endless(request: web.Request) -> web.StreamResponse:
        nonlocal sent
        response = web.StreamResponse()
        await response.prepare(request)
        chunk = b"x" * 65536
        try:
            while sent < 1 << 30:  # a gigabyte, unless the client hangs up first
                await response.write(chunk)
                sent += len(chunk)
        except (ConnectionError, asyncio.CancelledError):
            pass
        return response

    base = await serve(_app({"e": web.get("/", endless)}))
    spec = HttpProbe(url=f"{base}/", keyword="needle", timeout_s=5)
    started = time.monotonic()
    result = await http.probe(ctx, target_for(spec))
    assert time.monotonic() - started < 3.0
    assert result.error is ErrorKind.KEYWORD
    assert result.detail == "keyword 'needle' not in the first 64 KiB"
    await asyncio.sleep(0.05)
    # Only socket buffers' worth went out before the probe hung up, not the gigabyte.
    assert sent < 32 * 1024 * 1024


async def test_read_capped_never_returns_more_than_the_cap(ctx: ProbeContext, serve: Serve) -> None:
    async def big(_: web.Request) -> web.Response:
        return web.Response(body=b"y" * 300_000)

    base = await serve(_app({"b": web.get("/", big)}))
    target = target_for(HttpProbe(url=f"{base}/"))
    fetched = await http.fetch(ctx, target, f"{base}/", max_bytes=1000, timeout_s=5)
    assert (len(fetched.body), fetched.truncated) == (1000, True)


async def test_read_capped_caps_a_small_compressed_body_that_inflates(
    ctx: ProbeContext, serve: Serve
) -> None:
    async def bomb(_: web.Request) -> web.Response:
        response = web.Response(body=b"z" * 300_000)
        response.enable_compression()
        return response

    base = await serve(_app({"b": web.get("/", bomb)}))
    target = target_for(HttpProbe(url=f"{base}/"))
    fetched = await http.fetch(ctx, target, f"{base}/", max_bytes=1000, timeout_s=5)
    assert (len(fetched.body), fetched.truncated) == (1000, True)


async def test_it_refuses_a_redirect_to_an_unofficial_host(ctx: ProbeContext, serve: Serve) -> None:
    async def away(_: web.Request) -> web.Response:
        raise web.HTTPFound("https://evil.example/login")

    base = await serve(_app({"a": web.get("/", away)}))
    result = await http.probe(ctx, target_for(HttpProbe(url=f"{base}/")))
    assert (result.ok, result.error) == (False, ErrorKind.OTHER)
    assert result.detail == "redirect to unofficial host evil.example"


async def test_it_follows_redirects_within_the_official_domain(
    ctx: ProbeContext, serve: Serve, certs: Certs
) -> None:
    async def go(request: web.Request) -> web.Response:
        raise web.HTTPMovedPermanently(f"https://help.mexc.test:{request.url.port}/hop")

    async def hop(_: web.Request) -> web.Response:
        raise web.HTTPSeeOther("/final")  # relative: same host

    async def final(request: web.Request) -> web.Response:
        return web.Response(text=f"served for {request.host}")

    app = _app({"g": web.get("/", go), "h": web.get("/hop", hop), "f": web.get("/final", final)})
    base = await serve(app, Certs.server_context(certs.valid))
    port = base.rsplit(":", 1)[1]
    spec = HttpProbe(url=f"https://www.mexc.test:{port}/", keyword="help.mexc.test")
    result = await http.probe(ctx, target_for(spec, allow_local=False))
    assert result.ok, result
    assert result.extra["url"] == f"https://help.mexc.test:{port}/final"


async def test_it_stops_after_five_redirects(ctx: ProbeContext, serve: Serve) -> None:
    async def loop(request: web.Request) -> web.Response:
        raise web.HTTPFound(f"/loop?n={int(request.query.get('n', 0)) + 1}")

    base = await serve(_app({"l": web.get("/loop", loop)}))
    result = await http.probe(ctx, target_for(HttpProbe(url=f"{base}/loop")))
    assert (result.error, result.detail) == (ErrorKind.OTHER, "more than 5 redirects")


async def test_it_reports_a_refused_connection(ctx: ProbeContext) -> None:
    result = await http.probe(ctx, target_for(HttpProbe(url=f"http://127.0.0.1:{free_port()}/")))
    assert (result.ok, result.error, result.detail) == (
        False,
        ErrorKind.CONNECT,
        "connection refused",
    )


async def test_it_says_no_such_domain_only_when_the_name_server_proves_it(
    ctx: ProbeContext,
) -> None:
    result = await http.probe(ctx, target_for(HttpProbe(url="https://nx.mexc.test/")))
    assert (result.error, result.detail) == (ErrorKind.DNS, "no such domain: nx.mexc.test")


async def test_a_resolver_without_internet_is_our_side_not_the_exchanges(
    ctx: ProbeContext,
) -> None:
    result = await http.probe(ctx, target_for(HttpProbe(url="https://nowhere.mexc.test/")))
    assert (result.error, result.detail) == (
        ErrorKind.RESOLVER,
        "cannot resolve nowhere.mexc.test: name server said no such domain, without proof",
    )


async def test_it_reports_an_untrusted_certificate(
    ctx: ProbeContext, serve: Serve, certs: Certs
) -> None:
    base = await serve(_app({"ok": web.get("/", _ok)}), Certs.server_context(certs.self_signed))
    result = await http.probe(ctx, target_for(HttpProbe(url=f"{base}/")))
    assert result.error is ErrorKind.TLS
    assert result.detail == "certificate rejected: self-signed certificate"


async def test_it_refuses_plain_http_to_a_non_local_host(ctx: ProbeContext) -> None:
    result = await http.probe(ctx, target_for(HttpProbe(url="http://www.mexc.test/")))
    assert result.error is ErrorKind.OTHER
    assert result.detail.startswith("http scheme in http://www.mexc.test/")


async def test_it_marks_a_slow_answer(ctx: ProbeContext, serve: Serve) -> None:
    async def slow(_: web.Request) -> web.Response:
        await asyncio.sleep(0.05)
        return web.Response(text="ok")

    base = await serve(_app({"s": web.get("/", slow)}))
    result = await http.probe(ctx, target_for(HttpProbe(url=f"{base}/", slow_ms=10)))
    assert (result.ok, result.slow) == (True, True)


async def test_a_canary_that_redirects_elsewhere_has_answered(
    ctx: ProbeContext, serve: Serve
) -> None:
    # Any HTTP answer proves our connection works; a redirect is one. Followed off the
    # canary's host it would fail every check, and the bot would be blind for good.
    async def away(_: web.Request) -> web.Response:
        raise web.HTTPMovedPermanently("https://one.one.one.one/")

    base = await serve(_app({"a": web.get("/", away)}))
    [canary] = canary_targets([f"{base}/"], allow_local=True)
    result = await http.probe(ctx, canary)
    assert (result.ok, result.detail) == (True, "HTTP 301"), result
