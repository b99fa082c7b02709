"""Atom 1.0 feeds: `/feed.atom` (every exchange) and `/exchanges/{id}/feed.atom` (one).

An entry per incident start and per incident end over the last 30 days (the incidents of
the exchange page, `incidents.py`), and one per maintenance window (the catalog's, and those
declared in chat while they run), newest first, each linking to the exchange page.
`?lang=zh` for Chinese. Entry ids are tag URIs built from the exchange, the channel and the
time, so they stay the same from one render to the next and a reader shows each once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from xml.etree import ElementTree as ET

from aiohttp import web

from bot.catalog import Exchange
from bot.render.history import reason_words
from bot.render.words import Words, echo
from bot.vocab import Locale, Verdict
from bot.web.cache import FEED_CACHE
from bot.web.context import WebContext, context_of
from bot.web.incidents import Incident, incidents
from bot.web.page_words import PAGE_WORDS
from bot.web.pages import page_locale

ATOM = "http://www.w3.org/2005/Atom"
DAYS = 30
MAX_ENTRIES = 100
TAG = "tag:supportlive,2026:"
CONTENT_TYPE = "application/atom+xml"


@dataclass(frozen=True, slots=True)
class Entry:
    id: str
    title: str
    updated: datetime
    summary: str
    link: str  # path of the exchange page


def routes() -> list[web.RouteDef]:
    return [
        web.get("/feed.atom", all_feed),
        web.get("/exchanges/{exchange}/feed.atom", exchange_feed),
    ]


async def all_feed(request: web.Request) -> web.Response:
    """Every exchange's incidents and maintenance."""
    ctx = context_of(request)
    w = Words.of(page_locale(request), ctx.status.clock.now())
    entries = [e for x in ctx.catalog.exchanges for e in await exchange_entries(ctx, x, w)]
    title = PAGE_WORDS[w.locale].feed_title_all
    return _answer(request, w, "feed/all", title, "/", entries)


async def exchange_feed(request: web.Request) -> web.Response:
    """One exchange's incidents and maintenance; 404 for an exchange we do not watch."""
    ctx = context_of(request)
    exchange = ctx.catalog.exchange(request.match_info["exchange"])
    if exchange is None:
        raise web.HTTPNotFound()
    w = Words.of(page_locale(request), ctx.status.clock.now())
    entries = await exchange_entries(ctx, exchange, w)
    title = PAGE_WORDS[w.locale].feed_title_one.format(exchange=exchange.name)
    path = f"/exchanges/{exchange.id}"
    return _answer(request, w, f"feed/{exchange.id}", title, path, entries)


async def exchange_entries(ctx: WebContext, exchange: Exchange, w: Words) -> list[Entry]:
    rows = await ctx.status.transitions(exchange, DAYS)
    window_start = w.now - timedelta(days=DAYS)
    found = [e for i in incidents(rows, window_start) for e in incident_entries(exchange, i, w)]
    found += await maintenance_entries(ctx, exchange, w)
    return found


def incident_entries(exchange: Exchange, incident: Incident, w: Words) -> list[Entry]:
    """The start (unless it was before the window) and the end (once over) of an incident."""
    pw = PAGE_WORDS[w.locale]
    channel = exchange.channel(incident.channel)
    name = channel.name.get(w.locale) if channel is not None else echo(incident.channel)
    zone = w.zone_for(channel)
    state = w.s.verdict_word[Verdict.DEGRADED if incident.state == "degraded" else Verdict.DOWN]
    page = f"/exchanges/{exchange.id}"
    key = f"{TAG}{exchange.id}/{incident.channel}/{_stamp(incident.start)}"
    start = w.stamp(incident.start, zone)
    found: list[Entry] = []
    if not incident.started_before:
        reason = reason_words(incident.detail, incident.error, w)
        detail = w.s.history_detail.format(detail=reason) if reason else ""
        found.append(
            Entry(
                id=f"{key}/start",
                title=pw.feed_started.format(exchange=exchange.name, channel=name, state=state),
                updated=incident.start,
                summary=pw.feed_started_summary.format(
                    channel=name, state=state, start=start, reason=detail
                ),
                link=page,
            )
        )
    if incident.end is not None:
        if incident.started_before:
            start = pw.incident_before.format(when=start)
        summary = pw.feed_ended_summary.format(
            channel=name,
            state=state,
            duration=w.duration(incident.seconds(w.now)),
            start=start,
            end=w.stamp(incident.end, zone),
        )
        found.append(
            Entry(
                id=f"{key}/end",
                title=pw.feed_ended.format(exchange=exchange.name, channel=name),
                updated=incident.end,
                summary=summary,
                link=page,
            )
        )
    return found


async def maintenance_entries(ctx: WebContext, exchange: Exchange, w: Words) -> list[Entry]:
    """The catalog's windows (ended within the window, under way or planned) and the ones
    declared in chat that run now."""
    windows: list[tuple[str | None, datetime, datetime | None, str]] = [
        (m.channel, m.starts_at, m.ends_at, m.reason.get(w.locale) if m.reason else "")
        for m in exchange.maintenance
        if m.ends_at >= w.now - timedelta(days=DAYS)
    ]
    store = ctx.status.store
    if store is not None:
        for m in await store.active_maintenance(w.now):
            if m.exchange == exchange.id and not getattr(m, "source", None):
                reason = m.reasons.get(w.locale.value) or m.reason
                windows.append((m.channel, m.starts_at, m.ends_at, reason))
    return [_maintenance(exchange, window, w) for window in windows]


def _maintenance(
    exchange: Exchange, window: tuple[str | None, datetime, datetime | None, str], w: Words
) -> Entry:
    pw = PAGE_WORDS[w.locale]
    channel_id, starts_at, ends_at, reason = window
    channel = exchange.channel(channel_id) if channel_id else None
    zone = w.zone_for(channel)
    start = w.stamp(starts_at, zone)
    end = w.stamp(ends_at, zone) if ends_at is not None else pw.incident_ongoing
    names = channel.name.get(w.locale) if channel is not None else pw.all_channels
    return Entry(
        id=f"{TAG}{exchange.id}/maintenance/{channel_id or 'all'}/{_stamp(starts_at)}",
        title=pw.feed_maintenance.format(exchange=exchange.name, start=start, end=end),
        updated=starts_at,
        summary=pw.feed_maintenance_summary.format(
            channels=names, start=start, end=end, reason=echo(reason, 200)
        ).strip(),
        link=f"/exchanges/{exchange.id}",
    )


def feed_xml(
    feed_id: str,
    title: str,
    self_path: str,
    page: str,
    entries: Sequence[Entry],
    locale: Locale,
    now: datetime,
) -> bytes:
    """The Atom document: newest entries first, at most MAX_ENTRIES.

    Its links are paths, which readers resolve against the feed's own address (Atom takes IRI
    references). Never the request's Host header: that is the client's word, and a feed built
    from it and cached would send every reader to whatever host one request named."""
    ET.register_namespace("", ATOM)
    lang = PAGE_WORDS[locale].html_lang
    feed = ET.Element(f"{{{ATOM}}}feed", {"{http://www.w3.org/XML/1998/namespace}lang": lang})
    shown = sorted(entries, key=lambda e: (e.updated, e.id), reverse=True)[:MAX_ENTRIES]
    _text(feed, "id", TAG + feed_id)
    _text(feed, "title", title)
    # Without entries the feed changes when the bot starts watching, not on every request.
    _text(feed, "updated", _iso(shown[0].updated if shown else _hour(now)))
    _link(feed, self_path, "self", CONTENT_TYPE)
    _link(feed, f"{page}?lang={locale.value}", "alternate", "text/html")
    author = ET.SubElement(feed, f"{{{ATOM}}}author")
    _text(author, "name", "supportlive")
    for entry in shown:
        item = ET.SubElement(feed, f"{{{ATOM}}}entry")
        _text(item, "id", entry.id)
        _text(item, "title", entry.title)
        _text(item, "updated", _iso(entry.updated))
        _link(item, f"{entry.link}?lang={locale.value}", "alternate", "text/html")
        _text(item, "summary", entry.summary)
    document: bytes = ET.tostring(feed, encoding="utf-8", xml_declaration=True)
    return document


def _answer(
    request: web.Request, w: Words, feed_id: str, title: str, page: str, entries: list[Entry]
) -> web.Response:
    self_path = request.path + (f"?{request.query_string}" if request.query_string else "")
    body = feed_xml(feed_id, title, self_path, page, entries, w.locale, w.now)
    return web.Response(
        body=body,
        content_type=CONTENT_TYPE,
        charset="utf-8",
        headers={
            "Vary": "Accept-Language",
            "Cache-Control": FEED_CACHE,
            # Feed readers and other sites' pages may fetch it.
            "Cross-Origin-Resource-Policy": "cross-origin",
        },
    )


def _text(parent: ET.Element, name: str, value: str) -> None:
    ET.SubElement(parent, f"{{{ATOM}}}{name}").text = value


def _link(parent: ET.Element, href: str, rel: str, kind: str) -> None:
    ET.SubElement(parent, f"{{{ATOM}}}link", {"href": href, "rel": rel, "type": kind})


def _iso(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _stamp(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _hour(at: datetime) -> datetime:
    return at.replace(minute=0, second=0, microsecond=0)
