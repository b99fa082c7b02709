"""The status page (/) and an exchange's page (/exchanges/{id}), rendered on the server.

The words come from the chat renderer (`bot/render/`): the page shows the same answer,
channel lines, routes and history a chat user gets, laid out for a browser. Only the page's
own few words (navigation, the bar's caption) live here. No JavaScript: the page refreshes
itself with a meta tag, and the 24 h bars are plain HTML coloured by the style sheet.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import jinja2
from aiohttp import web

from bot.render.feeds import api_section
from bot.render.history import history_reply
from bot.render.reports import reports_lines, this_hour_lines
from bot.render.status import (
    blind_lines,
    channel_line,
    channel_section,
    status_page_section,
    status_reply,
)
from bot.render.urgent import phishing_lines, urgent_reply
from bot.render.words import Words, echo
from bot.reply import Line, Reply, Section, text
from bot.reports import WaitSummary
from bot.routes import route_view
from bot.status import ChannelStatus, ExchangeStatus
from bot.vocab import Case, Locale
from bot.wallet import system_view
from bot.web.bars import Hour
from bot.web.context import WebContext, context_of
from bot.web.lang import BadLanguage, from_accept_language, requested

TEMPLATES = Path(__file__).parent / "templates"
REFRESH_S = 60


@dataclass(frozen=True, slots=True)
class PageWords:
    """The page's own words; everything else comes from `bot/render/`."""

    all_exchanges: str
    last_24h: str
    so_far: str
    updated: str
    not_found: str
    html_lang: str


PAGE_WORDS: Mapping[Locale, PageWords] = {
    Locale.EN: PageWords(
        all_exchanges="← All exchanges",
        last_24h="Checks in the last 24 hours, one bar per hour (oldest left, this hour so far)",
        so_far="this hour so far",
        updated="Updated {when} · this page refreshes every minute",
        not_found="Page not found.",
        html_lang="en",
    ),
    Locale.ZH: PageWords(
        all_exchanges="← 全部交易所",
        last_24h="过去 24 小时的检测结果，每小时一格（最左为最早，最右为本小时至今）",
        so_far="本小时至今",
        updated="更新于 {when} · 本页每分钟自动刷新",
        not_found="页面不存在。",
        html_lang="zh-Hans",
    ),
}


@dataclass(frozen=True, slots=True)
class Cell:
    """One hour of the 24 h bar: its colour class and its tooltip."""

    level: str
    label: str


@dataclass(frozen=True, slots=True)
class ChannelView:
    id: str
    verdict: str
    line: Line
    figures: tuple[Line, ...]
    bar: tuple[Cell, ...]
    details: Section | None = None
    reports: tuple[Line, ...] = ()  # what traders waited, once enough reported
    this_hour: tuple[Line, ...] = ()  # the typical wait at this hour (exchange page)


@dataclass(frozen=True, slots=True)
class ExchangeView:
    id: str
    reply: Reply  # title, answer lines, tone and footer of the chat `/status` answer
    channels: tuple[ChannelView, ...]
    upstream: Section | None
    api: Section | None = None  # the exchange's own status API


def environment() -> jinja2.Environment:
    """Templates with autoescaping on everywhere and undefined names as errors."""
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def routes() -> list[web.RouteDef]:
    return [web.get("/", index_page), web.get("/exchanges/{exchange}", exchange_page)]


async def index_page(request: web.Request) -> web.Response:
    """Every exchange: its answer, each channel's verdict and figures, open incidents."""
    ctx = context_of(request)
    locale = page_locale(request)
    w = Words.of(locale, ctx.status.clock.now())
    hours = await ctx.bars.last_day()
    statuses = await ctx.all_statuses()
    views = [exchange_view(v, w, hours, ctx, banner=False) for v in statuses]
    # Blind: said once, above every exchange, instead of on each card.
    since = statuses[0].blind_since if statuses else None
    blind = blind_lines(since, w) if since is not None else ()
    return render(request, ctx, locale, w, "index.html", exchanges=views, blind=blind)


async def exchange_page(request: web.Request) -> web.Response:
    """One exchange: the answer, every channel in detail, urgent routes, recent changes."""
    ctx = context_of(request)
    locale = page_locale(request)
    exchange = ctx.catalog.exchange(request.match_info["exchange"])
    w = Words.of(locale, ctx.status.clock.now())
    if exchange is None:
        return not_found(request, ctx, locale, w, echo(request.match_info["exchange"]))
    view = await ctx.status.exchange_status(exchange)
    hours = await ctx.bars.last_day()
    book = ctx.status.reports
    this_hour = await book.this_hour(exchange) if book is not None else {}
    rows = await ctx.status.transitions(exchange, 7) if ctx.status.store is not None else None
    since = await ctx.status.watching_since(exchange)
    urgent = [
        (case.value, urgent_reply(route_view(view, case), w, in_chat=False))
        for case in Case
        if case in exchange.routes
    ]
    # The impostor warning and the verify tool once for the page, not once per case.
    warning = phishing_lines(exchange, route_view(view, Case.ACCOUNT_COMPROMISED), w)
    return render(
        request,
        ctx,
        locale,
        w,
        "exchange.html",
        exchange=exchange_view(view, w, hours, ctx, detailed=True, this_hour=this_hour),
        urgent=urgent,
        warning=warning,
        history=history_reply(exchange, rows, w, since),
    )


def not_found(
    request: web.Request, ctx: WebContext, locale: Locale, w: Words, word: str | None = None
) -> web.Response:
    """A 404 page; for an unknown exchange it names the word and lists the known ones."""
    message = w.s.unknown_exchange.format(word=word) if word is not None else ""
    known = [(e.id, e.name) for e in ctx.catalog.exchanges]
    page = "not_found.html"
    return render(request, ctx, locale, w, page, status=404, path="/", message=message, known=known)


def exchange_view(
    view: ExchangeStatus,
    w: Words,
    hours: Mapping[str, Sequence[Hour]],
    ctx: WebContext,
    *,
    detailed: bool = False,
    this_hour: Mapping[str, WaitSummary] | None = None,
    banner: bool = True,
) -> ExchangeView:
    """`this_hour`: each channel's typical wait at this hour, for the exchange page."""
    upstream = view.upstream
    typical = this_hour or {}
    return ExchangeView(
        id=view.exchange.id,
        reply=status_reply(view, w, in_chat=False, banner=banner),
        channels=tuple(
            channel_view(
                c,
                w,
                hours.get(c.key) or ctx.bars.empty(),
                detailed,
                this_hour_lines(typical.get(c.channel.id), c.channel, w),
            )
            for c in view.channels
        ),
        upstream=status_page_section(view.exchange, upstream, w) if upstream else None,
        api=feed_section(view, w),
    )


def feed_section(view: ExchangeStatus, w: Words) -> Section | None:
    """The exchange's own status API (mode, maintenance now and within 72 h), if it has one."""
    if view.feed is None:
        return None
    system = system_view(view.exchange, view.feed, view.at)
    return api_section(system, view.exchange, view.feed.wallet is not None, w, in_chat=False)


def channel_view(
    status: ChannelStatus,
    w: Words,
    hours: Sequence[Hour],
    detailed: bool,
    this_hour: tuple[Line, ...] = (),
) -> ChannelView:
    probed = status.channel.probe is not None
    return ChannelView(
        id=status.channel.id,
        verdict=status.verdict.value,
        line=channel_line(status, w),
        figures=figure_lines(status, w) if probed and not detailed else (),
        bar=tuple(cell(h, w) for h in hours) if probed else (),
        details=channel_section(status, w) if detailed else None,
        reports=() if detailed else reports_lines(status, w),
        this_hour=this_hour,
    )


def figure_lines(status: ChannelStatus, w: Words) -> tuple[Line, ...]:
    """Latency p50/p95 and uptime over 24 h, 7 d and 30 d, in the chat's wording."""
    lat, up = status.latency, status.uptime
    latency = w.s.latency_line.format(
        last=w.latency(lat.last),
        p50h=w.latency(lat.p50_1h),
        p95h=w.latency(lat.p95_1h),
        p50d=w.latency(lat.p50_24h),
        p95d=w.latency(lat.p95_24h),
    )
    uptime = w.s.uptime_line.format(
        day=w.percent(up.day), week=w.percent(up.week), month=w.percent(up.month)
    )
    return ((text(latency),), (text(uptime),))


def cell(hour: Hour, w: Words) -> Cell:
    """ "18:00 UTC · 98.3%"; the hour under way says so, and is drawn lighter."""
    label = f"{hour.start:%H:%M} UTC · {w.percent(hour.share)}"
    if hour.partial:
        return Cell(f"{hour.level.value} partial", f"{label} · {PAGE_WORDS[w.locale].so_far}")
    return Cell(hour.level.value, label)


def page_locale(request: web.Request) -> Locale:
    """`?lang=` if it names a language we speak, else the browser's preference."""
    try:
        chosen = requested(request.query)
    except BadLanguage:
        chosen = None
    return chosen or from_accept_language(request.headers.get("Accept-Language"))


def render(
    request: web.Request,
    ctx: WebContext,
    locale: Locale,
    w: Words,
    template: str,
    *,
    status: int = 200,
    path: str | None = None,
    **values: object,
) -> web.Response:
    other = Locale.EN if locale is Locale.ZH else Locale.ZH
    words = PAGE_WORDS[locale]
    html = ctx.templates.get_template(template).render(
        s=w.s,
        page=words,
        lang=locale.value,
        other_lang=other.value,
        other_label=w.s.button_other_language,
        path=path or request.path,
        refresh=REFRESH_S,
        updated=words.updated.format(when=f"{w.now:%Y-%m-%d %H:%M} UTC"),
        **values,
    )
    return web.Response(
        text=html,
        status=status,
        content_type="text/html",
        headers={
            "Content-Language": words.html_lang,
            "Vary": "Accept-Language",
            "Cache-Control": "no-cache",
        },
    )
