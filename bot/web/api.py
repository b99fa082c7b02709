"""JSON API under /api/v1/: exchanges, one exchange with its channels, its history, /verify.

Values are the shared vocabulary's codes (`live`, `off_hours`, ...), never sentences; names
come in the requested language (`?lang=zh`, English by default). Errors are JSON too:
`{"error": {"code": 404, "message": "...", "known": [...]}}`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from aiohttp import web

from bot.catalog import Catalog, Exchange
from bot.lookalike import Finding
from bot.pasted import check_message
from bot.render.words import clean
from bot.reports import WaitSummary
from bot.routes import route_view
from bot.status import Answer, BlindCause, ChannelStatus, ExchangeStatus, TransitionRow
from bot.verdict import Reason, Upstream
from bot.vocab import Case, Locale
from bot.web import feeds_api
from bot.web.bars import Hour
from bot.web.cache import SHORT_CACHE
from bot.web.context import context_of
from bot.web.lang import requested

PREFIX = "/api/v1"
MAX_DAYS = 30
DEFAULT_DAYS = 7

Json = dict[str, Any]
HoursOf = Callable[[str], Sequence[Hour]]


def _no_hours(key: str) -> Sequence[Hour]:
    return ()


_ERRORS: dict[int, type[web.HTTPException]] = {400: web.HTTPBadRequest, 404: web.HTTPNotFound}


def api_error(status: int, message: str, **extra: Any) -> web.HTTPException:
    """An HTTP error whose body is `{"error": {"code", "message", ...}}`."""
    body = json.dumps({"error": {"code": status, "message": message, **extra}})
    error = _ERRORS.get(status, web.HTTPInternalServerError)(
        text=body, content_type="application/json"
    )
    if error.status != status:
        error.set_status(status)
    return error


def routes() -> list[web.RouteDef]:
    return [
        web.get(f"{PREFIX}/exchanges", list_exchanges),
        web.get(f"{PREFIX}/exchanges/{{exchange}}", one_exchange),
        web.get(f"{PREFIX}/exchanges/{{exchange}}/history", history),
        web.get(f"{PREFIX}/verify", verify),
        web.get(f"{PREFIX}/exchanges/{{exchange}}/wallet/{{coin}}", feeds_api.wallet),
    ]


async def list_exchanges(request: web.Request) -> web.Response:
    """Every exchange with its answer and each channel's verdict."""
    locale = _locale(request)
    ctx = context_of(request)
    views = await ctx.all_statuses()
    return _json(
        {
            "generated_at": _iso(ctx.status.clock.now()),
            "blind": blind_json(views[0].blind_since, views[0].blind_cause) if views else None,
            "exchanges": [summary_json(view, locale) for view in views],
        }
    )


async def one_exchange(request: web.Request) -> web.Response:
    """One exchange: answer, channels with verdicts and figures, routes, status page."""
    locale = _locale(request)
    ctx = context_of(request)
    exchange = find(ctx.catalog, request.match_info["exchange"])
    view = await ctx.status.exchange_status(exchange)
    hours = await ctx.bars.for_channels([c.key for c in view.channels])
    return _json(detail_json(view, locale, lambda key: hours.get(key, ctx.bars.empty())))


async def history(request: web.Request) -> web.Response:
    """The exchange's health transitions over the last `days` days (1..30), oldest first.

    `watching_since`: when the bot first checked the exchange (null: never, or no database);
    later than `days` ago, the window is shorter than asked.
    """
    ctx = context_of(request)
    exchange = find(ctx.catalog, request.match_info["exchange"])
    days = parse_days(request.query.get("days"))
    rows = await ctx.status.transitions(exchange, days)
    since = await ctx.status.watching_since(exchange)
    return _json(
        {
            "exchange": exchange.id,
            "days": days,
            "available": ctx.status.store is not None,
            "watching_since": _iso(since),
            "transitions": [transition_json(row) for row in rows],
        }
    )


# -- shapes -------------------------------------------------------------------------------


async def verify(request: web.Request) -> web.Response:
    """Is `q` (a link, e-mail, @account or phone number) an exchange's? Catalog only.

    The server's query-string cap (512) bounds `q`; a missing or blank `q` is a 400.
    """
    typed = request.query.get("q", "").strip()
    if not typed:
        raise api_error(400, "missing q: the link, e-mail, @account or phone number to check")
    return _json(finding_json(check_message(typed, context_of(request).catalog)))


def finding_json(finding: Finding) -> Json:
    """A /verify answer as codes: verdict, exchange id, its official domains, reason."""
    return {
        "verdict": finding.verdict.value,
        "exchange": finding.exchange.id if finding.exchange else None,
        "official": list(finding.official),
        "reason": finding.reason.value,
        "subject": finding.subject.value,
        "shown": finding.shown,
    }


def summary_json(view: ExchangeStatus, locale: Locale) -> Json:
    return {
        "id": view.exchange.id,
        "name": view.exchange.name,
        "answer": answer_json(view.answer),
        "channels": [
            {
                "id": c.channel.id,
                "name": c.channel.name.get(locale),
                "verdict": c.verdict.value,
                "reports": reports_json(c.reports),
            }
            for c in view.channels
        ],
        "url": f"{PREFIX}/exchanges/{view.exchange.id}",
    }


def detail_json(view: ExchangeStatus, locale: Locale, hours_of: HoursOf = _no_hours) -> Json:
    exchange = view.exchange
    return {
        "id": exchange.id,
        "name": exchange.name,
        "official_domains": list(exchange.official_domains),
        "at": _iso(view.at),
        "blind": blind_json(view.blind_since, view.blind_cause),
        "answer": answer_json(view.answer),
        "status_page": exchange.status_page,
        "upstream": upstream_json(view.upstream),
        "status_api": feeds_api.status_api_json(exchange, view.feed, view.at),
        "channels": [channel_json(c, locale, hours_of(c.key)) for c in view.channels],
        "routes": {case.value: route_json(view, case) for case in Case if case in exchange.routes},
    }


def blind_json(since: datetime | None, cause: BlindCause = BlindCause.CONNECTION) -> Json | None:
    """Null while we can check; else since when every canary fails (`bot.blind`), or, when
    the checks stopped (a standby's leader went silent), the time of the last one."""
    if since is None:
        return None
    if cause is BlindCause.CHECKS_STOPPED:
        reason = "our checks have stopped: the answers are the last we saw, unconfirmed since"
    else:
        reason = "our own connection is failing: every canary fails"
    return {"since": _iso(since), "cause": cause.value, "reason": reason}


def answer_json(answer: Answer) -> Json:
    """`fallback`: a contact channel reachable now; `best_async`: without one, where to write."""
    return {
        "kind": answer.kind.value,
        "channel": _id(answer.subject),
        "fallback": _id(answer.fallback),
        "best_async": _id(answer.best_async),
        "opens_at": _iso(answer.opens_at),
    }


def channel_json(status: ChannelStatus, locale: Locale, hours: Sequence[Hour]) -> Json:
    channel, latency, uptime = status.channel, status.latency, status.uptime
    state = status.state
    return {
        "id": channel.id,
        "kind": channel.kind.value,
        "mode": channel.mode.value,
        "name": channel.name.get(locale),
        "url": channel.url,
        "address": channel.address,
        "verdict": status.verdict.value,
        "reasons": [reason_json(r) for r in status.reasons],
        "health": state.health.value if state is not None else None,
        "probed": channel.probe is not None,
        "checked_at": _iso(state.last_at if state is not None else None),
        "evidence_age_s": _round(status.evidence_age_s, 1),
        "opens_at": _iso(status.opens_at),
        "latency_ms": {
            "last": _round(latency.last, 1),
            "p50_1h": _round(latency.p50_1h, 1),
            "p95_1h": _round(latency.p95_1h, 1),
            "p50_24h": _round(latency.p50_24h, 1),
            "p95_24h": _round(latency.p95_24h, 1),
        },
        "uptime": {
            "24h": _round(uptime.day, 4),
            "7d": _round(uptime.week, 4),
            "30d": _round(uptime.month, 4),
        },
        "last_24h": [
            {"hour": _iso(h.start), "checks": h.count, "failures": h.failures, "partial": h.partial}
            for h in hours
        ],
        "confidence": channel.confidence.value,
        "reports": reports_json(status.reports),
        "regions": regions_json(status),
    }


def regions_json(status: ChannelStatus) -> Json | None:
    """What each probing region last saw, by region; None while one region reports.

    `unreachable`: this region's latest check failed while another region's passed (a network
    problem near it, not the exchange's)."""
    if not status.regions:
        return None
    return {
        seen.region: {
            "checked_at": _iso(seen.at),
            "ok": seen.ok,
            "health": seen.health.value,
            "error": None if seen.error is None else seen.error.value,
            "detail": seen.detail,
            "unreachable": seen.region in status.unreachable_from,
        }
        for seen in status.regions
    }


def reports_json(summary: WaitSummary | None) -> Json | None:
    """What traders reported waiting over 24 h; the median only once 3 people reported.

    None for a channel nobody answers (or where no reports are kept)."""
    if summary is None:
        return None
    return {
        "count": summary.count,
        "median_wait_min": summary.median_wait_min,
        "no_answer": summary.no_answer,
        "window_h": summary.window_h,
    }


def reason_json(reason: Reason) -> Json:
    params: dict[str, object] = {}
    for name, value in reason.params.items():
        if isinstance(value, datetime):
            params[name] = _iso(value)
        elif isinstance(value, float):
            params[name] = round(value, 1)
        elif isinstance(value, str):
            params[name] = clean(value, 200)
        else:
            params[name] = value
    return {"code": reason.code.value, "params": params}


def upstream_json(upstream: Upstream | None) -> Json | None:
    if upstream is None:
        return None
    return {
        "indicator": upstream.indicator.value,
        # False when the page could not be fetched or read: then nothing here is known.
        "reachable": upstream.readable,
        "detail": clean(upstream.detail, 200) if upstream.detail else None,
        "incidents": [
            {"name": clean(i.name, 200), "status": i.status, "impact": i.impact}
            for i in upstream.incidents
        ],
        "components": [
            {"name": clean(c.name, 200), "status": c.status.value} for c in upstream.components
        ],
    }


def route_json(view: ExchangeStatus, case: Case) -> Json:
    route = route_view(view, case)
    return {
        "freeze_channel": route.freeze_channel.channel.id if route.freeze_channel else None,
        "channels": [c.channel.id for c in route.channels],
        "recommended": _id(route.recommended),
        "best_async": _id(route.best_async),
        "verified": route.verified,
    }


def transition_json(row: TransitionRow) -> Json:
    return {
        "channel": row.channel.rsplit("/", 1)[-1],
        "at": _iso(row.at),
        "old": row.old,
        "new": row.new,
        "detail": clean(row.detail, 200),
        "error": row.error,
    }


# -- parameters ---------------------------------------------------------------------------


def find(catalog: Catalog, exchange_id: str) -> Exchange:
    """The exchange with this id, or a 404 listing the known ones."""
    exchange = catalog.exchange(exchange_id)
    if exchange is None:
        raise api_error(
            404,
            f"unknown exchange {clean(exchange_id)!r}",
            known=[e.id for e in catalog.exchanges],
        )
    return exchange


def parse_days(value: str | None) -> int:
    """`days` as a whole number from 1 to 30 (default 7), else a 400."""
    if value is None:
        return DEFAULT_DAYS
    text = value.strip()
    if not text.isascii() or not text.isdigit() or not 1 <= int(text) <= MAX_DAYS:
        raise api_error(400, f"days must be a whole number from 1 to {MAX_DAYS}")
    return int(text)


def _locale(request: web.Request) -> Locale:
    try:
        return requested(request.query) or Locale.EN
    except ValueError as error:
        raise api_error(400, str(error)) from None


def _json(body: Mapping[str, Any]) -> web.Response:
    return web.json_response(body, headers={"Cache-Control": SHORT_CACHE})


def _id(status: ChannelStatus | None) -> str | None:
    return None if status is None else status.channel.id


def _iso(at: datetime | None) -> str | None:
    return None if at is None else at.isoformat().replace("+00:00", "Z")


def _round(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)
