"""The overview (/), an exchange's page (/exchanges/{id}) and /verify, rendered on the server.

The overview answers "is support live now?" for every exchange at a glance: one overall
line, then one compact row per exchange (its answer, the contact channel to use now, a pill
per channel, the headline channel's last 24 hours). The exchange page has the detail: every
channel with its figures in words and its 24 h and 90 d bars, the status page and status
API facts, urgent routes, and the last 30 days' incidents. The words come from the chat
renderer (`bot/render/`) and the page's own (`page_words.py`). No JavaScript: the page
refreshes itself with a meta tag; bars and icons are plain HTML and inline SVG.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import jinja2
from aiohttp import web

from bot.pasted import check_message
from bot.render.feeds import api_section
from bot.render.history import reason_words
from bot.render.reports import this_hour_lines
from bot.render.status import blind_lines, headline, official_line
from bot.render.urgent import phishing_lines, urgent_reply
from bot.render.verify import verify_reply
from bot.render.words import Words, echo
from bot.reply import Line, Section, text
from bot.routes import route_view
from bot.status import BlindCause, ExchangeStatus, TransitionRow
from bot.vocab import Case, Locale, Verdict
from bot.wallet import system_view
from bot.web import views
from bot.web.bars import Level
from bot.web.cache import SHORT_CACHE
from bot.web.context import WebContext, context_of
from bot.web.icons import ANSWER_ICON, icon, with_icons
from bot.web.incidents import Incident, incidents
from bot.web.lang import BadLanguage, from_accept_language, requested
from bot.web.page_words import PAGE_WORDS

TEMPLATES = Path(__file__).parent / "templates"
REFRESH_S = 60
INCIDENT_DAYS = 30
BLIND_MARK = "⚠️"


def environment() -> jinja2.Environment:
    """Templates with autoescaping on everywhere and undefined names as errors; the filter
    `icons` draws the chat renderer's emoji marks as inline SVG."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["icons"] = with_icons
    return env


def routes() -> list[web.RouteDef]:
    return [
        web.get("/", index_page),
        web.get("/exchanges/{exchange}", exchange_page),
        web.get("/verify", verify_page),
    ]


async def index_page(request: web.Request) -> web.Response:
    """The overview: one overall line, then one row per exchange."""
    ctx = context_of(request)
    locale = page_locale(request)
    w = Words.of(locale, ctx.status.clock.now())
    statuses = await ctx.all_statuses()
    # The overview draws the headline channel's bar only: read just those.
    subjects = [v.answer.subject.key for v in statuses if v.answer.subject is not None]
    hours = await ctx.bars.for_channels(subjects)
    summary = views.overall(statuses, w)
    # Blind: said once, as the overall line, instead of on each row.
    since = statuses[0].blind_since if statuses else None
    blind = _blind_banner(since, w, statuses[0].blind_cause) if since is not None else ()
    rows = [views.row(v, w, hours, ctx.bars.empty()) for v in statuses]
    return render(request, ctx, locale, w, "index.html", overall=summary, blind=blind, rows=rows)


async def exchange_page(request: web.Request) -> web.Response:
    """One exchange: the answer, every channel in detail, urgent routes, recent incidents."""
    ctx = context_of(request)
    locale = page_locale(request)
    exchange = ctx.catalog.exchange(request.match_info["exchange"])
    w = Words.of(locale, ctx.status.clock.now())
    if exchange is None:
        return not_found(request, ctx, locale, w, echo(request.match_info["exchange"]))
    view = await ctx.status.exchange_status(exchange)
    w = replace(w, now=view.at)
    keys = [c.key for c in view.channels]
    hours = await ctx.bars.for_channels(keys)
    days = await ctx.daily.for_channels(keys)
    book = ctx.status.reports
    typical = await book.this_hour(exchange) if book is not None else {}
    has_store = ctx.status.store is not None
    rows = await ctx.status.transitions(exchange, INCIDENT_DAYS) if has_store else None
    since = await ctx.status.watching_since(exchange)
    channels = [
        views.channel_detail(
            c,
            w,
            hours.get(c.key) or ctx.bars.empty(),
            days.get(c.key) or ctx.daily.empty(),
            this_hour_lines(typical.get(c.channel.id), c.channel, w),
        )
        for c in view.channels
    ]
    urgent = [
        (case.value, urgent_reply(route_view(view, case), w, in_chat=False))
        for case in Case
        if case in exchange.routes
    ]
    # The impostor warning and the verify tool once for the page, not once per case.
    warning = phishing_lines(exchange, route_view(view, Case.ACCOUNT_COMPROMISED), w)
    unseen = view.blind_since
    blind = _blind_banner(unseen, w, view.blind_cause) if unseen is not None else ()
    return render(
        request,
        ctx,
        locale,
        w,
        "exchange.html",
        x=view,
        title=_title(view, w),
        tone=views.tone(view.answer, view.blind_since is not None),
        mark=icon("warn" if blind else ANSWER_ICON[view.answer.kind]),
        blind=blind,
        answer=views.exchange_lines(view, w),
        facts=_facts(view, w),
        channels=channels,
        urgent=urgent,
        warning=warning,
        incidents=incident_section(view, rows, since, w),
        footer=(official_line(exchange, w),),
    )


async def verify_page(request: web.Request) -> web.Response:
    """`/verify?q=…`: the chat's answer (catalog only) under a form; what was typed is shown
    defanged, never as a link. Without `q`, the form alone."""
    ctx = context_of(request)
    locale = page_locale(request)
    w = Words.of(locale, ctx.status.clock.now())
    typed = request.query.get("q", "").strip()
    reply = verify_reply(check_message(typed, ctx.catalog), ctx.catalog, w) if typed else None
    title = reply.title if reply is not None else w.s.verify_title_usage
    return render(request, ctx, locale, w, "verify.html", title=title, reply=reply, q=typed)


def _title(view: ExchangeStatus, w: Words) -> str:
    said = w.s.blind_headline if view.blind_since is not None else headline(view.answer, w)
    return f"{view.exchange.name} — {said}"


def _facts(view: ExchangeStatus, w: Words) -> list[Section]:
    """The exchange's own status page and status API, where it has them."""
    found: list[Section] = []
    upstream = views.upstream_section(view, w)
    if upstream is not None:
        found.append(upstream)
    if view.feed is not None:
        system = system_view(view.exchange, view.feed, view.at)
        has_wallet, blind = view.feed.wallet is not None, view.blind_since is not None
        api = api_section(system, view.exchange, has_wallet, w, in_chat=False, blind=blind)
        if api is not None:
            found.append(api)
    return found


def incident_section(
    view: ExchangeStatus,
    rows: Sequence[TransitionRow] | None,
    since: datetime | None,
    w: Words,
) -> Section | None:
    """The last 30 days' incidents, newest first; None without a database.

    `since` is when the bot first checked the exchange; None when no check got through yet,
    and then the page says so instead of claiming a quiet month.
    """
    if rows is None:
        return None
    pw = PAGE_WORDS[w.locale]
    window_start = w.now - timedelta(days=INCIDENT_DAYS)
    found = incidents(rows, window_start)
    if not found:
        if since is None:  # not one check got through (a new database, or blind from the start)
            return Section(pw.incidents_title, ((text(pw.incidents_never),),))
        if since > window_start:
            when = w.stamp(since, w.zone_for(None))
            return Section(
                pw.incidents_title, ((text(pw.incidents_none_since.format(when=when)),),)
            )
        return Section(pw.incidents_title, ((text(pw.incidents_none),),))
    return Section(pw.incidents_title, tuple(incident_line(view, i, w) for i in found))


def incident_line(view: ExchangeStatus, incident: Incident, w: Words) -> Line:
    """ "Online customer service down · Nov 23 18:16 UTC – 18:30 UTC · 14 min: HTTP 503"."""
    pw = PAGE_WORDS[w.locale]
    channel = view.exchange.channel(incident.channel)
    name = channel.name.get(w.locale) if channel is not None else echo(incident.channel)
    zone = w.zone_for(channel)
    start = w.stamp(incident.start, zone)
    if incident.started_before:
        start = pw.incident_before.format(when=start)
    lasted = w.duration(incident.seconds(w.now))
    if incident.end is None:
        end, lasted = pw.incident_ongoing, pw.incident_ongoing_for.format(duration=lasted)
    else:
        end = w.stamp(incident.end, zone)
    state = w.s.verdict_word[_verdict(incident.state)]
    said = pw.incident_line.format(channel=name, state=state, start=start, end=end, duration=lasted)
    reason = reason_words(incident.detail, incident.error, w)
    if reason:
        said += w.s.history_detail.format(detail=reason)
    return (text(said),)


def _verdict(state: str) -> Verdict:
    return Verdict.DEGRADED if state == "degraded" else Verdict.DOWN


def _blind_banner(since: datetime, w: Words, cause: BlindCause) -> tuple[Line, ...]:
    """The blind lines without their emoji (the page draws its own icon)."""
    lines = blind_lines(since, w, cause)
    return tuple((text(line[0].text.removeprefix(BLIND_MARK).strip()), *line[1:]) for line in lines)


def not_found(
    request: web.Request, ctx: WebContext, locale: Locale, w: Words, word: str | None = None
) -> web.Response:
    """A 404 page; for an unknown exchange it names the word and lists the known ones."""
    message = w.s.unknown_exchange.format(word=word) if word is not None else ""
    known = [(e.id, e.name) for e in ctx.catalog.exchanges]
    page = "not_found.html"
    return render(request, ctx, locale, w, page, status=404, path="/", message=message, known=known)


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
        levels=[(level.value, words.level_word[level]) for level in Level],
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
            "Cache-Control": SHORT_CACHE,
        },
    )
