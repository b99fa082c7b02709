"""The web application: pages, JSON API, /healthz and /metrics, with its safety rails.

Only GET (and HEAD) routes exist and nothing reads a request body: input is the path and a
few query parameters. Requests are small (1 KiB body, short header lines, bounded query
strings), every response carries the security headers, the style sheet is the one static
file (no directory is served), and errors are JSON under /api/ and a page elsewhere. The one
exception is a chat adapter's own route passed in as `routes`: the Telegram webhook, which
takes POSTs and reads their bodies itself, under its own cap.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from aiohttp import web
from aiohttp.typedefs import Handler

from bot.catalog import Catalog
from bot.metrics import CONTENT_TYPE, Metrics
from bot.render.words import Words
from bot.status import StatusService
from bot.web import api, atom, badge, pages
from bot.web.bars import DailyBars, HourlyBars
from bot.web.cache import PAGE_CACHE_S, RenderCache, cached_routes
from bot.web.context import CONTEXT, Describe, HealthCheck, WebContext, context_of
from storage import DatabaseError

log = logging.getLogger(__name__)

STYLE_SHEET = Path(__file__).parent / "static" / "style.css"
MAX_BODY = 1024
MAX_QUERY = 512
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self' data:; base-uri 'none'; "
        "form-action 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}

__all__ = ["HealthCheck", "WebServer", "build_app", "start_web", "stop_web"]


def build_app(
    status: StatusService,
    catalog: Catalog,
    metrics: Metrics,
    health_check: HealthCheck,
    *,
    page_cache_s: float = PAGE_CACHE_S,
    routes: Sequence[web.RouteDef] = (),
    describe: Describe | None = None,
) -> web.Application:
    """The whole web side; `health_check` says (healthy, reason) for /healthz, cheaply: it
    runs on every load balancer check, and `describe` adds this replica's role to it. Pages
    and API answers are kept `page_cache_s`. `routes` are served as they are (e.g. the
    Telegram webhook)."""
    app = web.Application(
        client_max_size=MAX_BODY,
        middlewares=[_errors],
        handler_args={
            "max_line_size": 4096,
            "max_field_size": 4096,
            "max_headers": 64,
            "keepalive_timeout": 30,
        },
    )
    app[CONTEXT] = WebContext(
        status=status,
        catalog=catalog,
        metrics=metrics,
        health_check=health_check,
        bars=HourlyBars(status.store, status.clock),
        templates=pages.environment(),
        daily=DailyBars(status.store, status.clock),
        **({} if describe is None else {"describe": describe}),
    )
    style = STYLE_SHEET.read_bytes()

    async def style_sheet(request: web.Request) -> web.Response:
        return web.Response(
            body=style,
            content_type="text/css",
            charset="utf-8",
            headers={"Cache-Control": "public, max-age=3600"},
        )

    cache = RenderCache(page_cache_s, language_of=lambda request: pages.page_locale(request))
    app.add_routes(
        [
            *cached_routes(
                [*pages.routes(), *atom.routes(), *badge.routes(), *api.routes()], cache
            ),
            web.get("/static/style.css", style_sheet),
            web.get("/healthz", healthz),
            web.get("/metrics", metrics_text),
            *routes,
        ]
    )
    app.on_response_prepare.append(_security_headers)

    async def refresh_verdicts() -> None:
        views = await app[CONTEXT].all_statuses()
        metrics.set_verdicts(
            (v.exchange.id, c.channel.id, c.verdict) for v in views for c in v.channels
        )

    metrics.before_scrape(refresh_verdicts)
    return app


async def healthz(request: web.Request) -> web.Response:
    """200 when the scheduler and the database are healthy, else 503 with the reason; with the
    replica's role (leader or standby) and since when."""
    context = context_of(request)
    try:
        healthy, reason = await context.health_check()
    except Exception as error:
        log.exception("health check failed")
        healthy, reason = False, f"health check failed: {type(error).__name__}"
    body = {"status": "ok" if healthy else "unhealthy", "reason": reason, **context.describe()}
    return web.json_response(
        body, status=200 if healthy else 503, headers={"Cache-Control": "no-store"}
    )


async def metrics_text(request: web.Request) -> web.Response:
    """Prometheus text exposition."""
    body = await context_of(request).metrics.scrape()
    response = web.Response(body=body, headers={"Cache-Control": "no-store"})
    response.headers["Content-Type"] = CONTENT_TYPE
    return response


@web.middleware
async def _errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Bounded query strings; JSON errors under /api/, a page elsewhere; never a traceback."""
    is_api = request.path.startswith(api.PREFIX + "/") or request.path == api.PREFIX
    if len(request.query_string) > MAX_QUERY:
        return _error(request, is_api, 400, "query string too long")
    try:
        return await handler(request)
    except web.HTTPException as error:
        if error.status < 400 or error.content_type == "application/json":
            raise
        return _error(request, is_api, error.status, error.reason, error.headers.get("Allow"))
    except DatabaseError as error:
        # An operator's problem (locked, full, damaged), said by /healthz too: one line each.
        log.error("web request %s %s failed: %s", request.method, request.path, error.explained)
        return _error(request, is_api, 500, "internal error")
    except Exception:
        log.exception("web request %s %s failed", request.method, request.path)
        return _error(request, is_api, 500, "internal error")


def _error(
    request: web.Request, is_api: bool, status: int, message: str, allow: str | None = None
) -> web.Response:
    headers = {"Allow": allow} if allow else {}
    if is_api or request.path in ("/healthz", "/metrics") or status != 404:
        if is_api:
            return web.json_response(
                {"error": {"code": status, "message": message}}, status=status, headers=headers
            )
        return web.Response(text=f"{status}: {message}\n", status=status, headers=headers)
    ctx = context_of(request)
    locale = pages.page_locale(request)
    return pages.not_found(request, ctx, locale, Words.of(locale, ctx.status.clock.now()))


async def _security_headers(request: web.Request, response: web.StreamResponse) -> None:
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)


class _Protocol(web.RequestHandler):
    """aiohttp's connection handler, except for a request it cannot parse (a request line or
    header over 4 KiB, bad syntax): a short 400 with the security headers that echoes nothing
    of the request, and one debug line instead of an ERROR with a traceback each time."""

    def handle_error(
        self,
        request: web.BaseRequest,
        status: int = 500,
        exc: BaseException | None = None,
        message: str | None = None,
    ) -> web.StreamResponse:
        if status >= 500:
            return super().handle_error(request, status, exc, message)
        kind = type(exc).__name__ if exc is not None else "bad request"
        log.debug("refused a request from %s that could not be read: %s", request.remote, kind)
        response = web.Response(
            status=status, text=f"{status}: bad request\n", headers=SECURITY_HEADERS
        )
        response.force_close()
        return response


class _Server(web.Server):
    def __call__(self) -> web.RequestHandler:
        return _Protocol(self, loop=self._loop, **self._kwargs)


class _Runner(web.AppRunner):
    async def _make_server(self) -> web.Server:
        server = await super()._make_server()
        # aiohttp builds its Server itself; ours only changes which handler it makes.
        server.__class__ = _Server
        return server


@dataclass
class WebServer:
    """A started web side; `await stop_web(server)` ends it."""

    runner: web.AppRunner
    site: web.TCPSite

    @property
    def port(self) -> int:
        """The bound port (useful when started on port 0)."""
        return _bound_port(self.site, 0)


async def start_web(app: web.Application, host: str, port: int) -> WebServer:
    """Serve `app` on host:port (port 0 picks a free one; see `WebServer.port`)."""
    runner = _Runner(app, access_log=None, handle_signals=False, shutdown_timeout=5.0)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    try:
        await site.start()
    except BaseException:
        await runner.cleanup()
        raise
    log.info("web side listening on http://%s:%d", host, _bound_port(site, port))
    return WebServer(runner, site)


async def stop_web(server: WebServer) -> None:
    """Stop accepting, finish what is in flight (5 s at most), close."""
    await server.runner.cleanup()


def _bound_port(site: web.TCPSite, asked: int) -> int:
    server = site._server
    sockets = getattr(server, "sockets", None)
    return int(sockets[0].getsockname()[1]) if sockets else asked
