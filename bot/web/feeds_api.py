"""JSON for the exchanges' own status APIs: `GET /api/v1/exchanges/{id}/wallet/{coin}` and
the `status_api` part of `GET /api/v1/exchanges/{id}`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aiohttp import web

from bot.catalog import Exchange
from bot.render.words import clean
from bot.wallet import SystemView, WalletAnswer, WalletView, system_view, wallet_view
from bot.web.context import context_of
from probes.feeds.facts import Event, FeedFacts
from probes.feeds.registry import FEEDS

Json = dict[str, Any]
MAX_WORD = 40


async def wallet(request: web.Request) -> web.Response:
    """Per network: deposits and withdrawals of a coin, with `checked_at` and `source`."""
    from bot.web.api import _json, api_error, find

    ctx = context_of(request)
    exchange = find(ctx.catalog, request.match_info["exchange"])
    coin = request.match_info["coin"][:MAX_WORD]
    network = (request.query.get("network") or "")[:MAX_WORD] or None
    feeds = ctx.status.feeds
    facts = feeds.facts(exchange.id) if feeds is not None else None
    view = wallet_view(exchange, facts, coin, network, ctx.status.clock.now())
    if view.answer is WalletAnswer.UNKNOWN_COIN:
        message = f"{exchange.name} lists no coin {clean(view.coin, 20)!r}"
        raise api_error(404, message, close=list(view.close))  # codes that look like it
    return _json(wallet_json(view))


def wallet_json(view: WalletView) -> Json:
    api = view.exchange.status_api
    source = None
    if api is not None and FEEDS[api.kind].wallet is not None:
        source = {"kind": api.kind, "base_url": api.base_url}
    return {
        "exchange": view.exchange.id,
        "coin": view.coin,
        "network": view.network_word,
        "answer": view.answer.value,
        "scope": view.scope.value,
        "source": source,
        "checked_at": _iso(view.checked_at),
        "error": view.error or None,
        "networks": [
            {"id": n.id, "name": n.name, "deposit": n.deposit.value, "withdraw": n.withdraw.value}
            for n in view.networks
        ],
    }


def status_api_json(exchange: Exchange, facts: FeedFacts | None, now: datetime) -> Json | None:
    """The API's system facts (mode, events now and within 72 h), or None without an API."""
    api = exchange.status_api
    if api is None:
        return None
    view: SystemView | None = system_view(exchange, facts, now)
    return {
        "kind": api.kind,
        "wallet_scope": FEEDS[api.kind].scope.value,
        "mode": view.mode.value if view is not None and view.mode is not None else None,
        "note": view.note if view is not None else "",
        "ongoing": [_event(e) for e in view.ongoing] if view is not None else [],
        "upcoming": [_event(e) for e in view.upcoming] if view is not None else [],
        "checked_at": _iso(view.checked_at) if view is not None else None,
        "error": (view.error or None) if view is not None else None,
    }


def _event(event: Event) -> Json:
    return {
        "title": event.title,
        "state": event.state.value,
        "incident": event.incident,
        "begins_at": _iso(event.begins_at),
        "ends_at": _iso(event.ends_at),
        "url": event.url,
    }


def _iso(at: datetime | None) -> str | None:
    return None if at is None else at.isoformat().replace("+00:00", "Z")
