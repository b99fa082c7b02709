"""`/urgent`: what to do now for a case, official channels only, impostors warned about."""

from __future__ import annotations

from dataclasses import replace

from bot.catalog import Exchange, TextList
from bot.render.budget import fit
from bot.render.feed_strings import feed_strings
from bot.render.status import blind_lines, channel_line, contact_line
from bot.render.words import Words
from bot.reply import Button, Line, Reply, Section, Span, Style, link, text
from bot.routes import RouteView
from bot.vocab import Case
from bot.wallet import reports_wallets


def urgent_reply(view: RouteView, w: Words, *, in_chat: bool = True) -> Reply:
    """Freeze first (where the exchange has it), channels in order, steps, then the warning.

    `in_chat` False (the web page) leaves out hints to type chat commands.
    """
    w = replace(w, now=view.status.at)  # one snapshot: every "ago" counts from its time
    exchange = view.status.exchange
    s = w.s
    lines: list[Line] = []
    if view.freeze is not None:
        freeze: Line = (text(s.freeze_first.format(freeze=view.freeze.get(w.locale))),)
        if view.freeze_channel is not None and view.freeze_channel.channel.url:
            channel = view.freeze_channel.channel
            freeze = (*freeze, text(" "), link(channel.url or "", channel.url or ""))
        lines.append(freeze)
    if view.case is Case.WITHDRAWAL_STUCK and in_chat and reports_wallets(exchange):
        # Only where /wallet can tell: elsewhere it would be a wasted step at 3 a.m.
        lines.append((text(feed_strings(w.locale).urgent_wallet.format(id=exchange.id)),))
    if view.status.blind_since is not None and in_chat:  # why every step reads "unknown"
        # (The web page says it once, above all its cases.)
        lines.extend(blind_lines(view.status.blind_since, w, view.status.blind_cause))
    sections = [Section(s.route_title, route_lines(view, w))]
    sections.extend(step_sections(view, w))
    reply = Reply(
        title=s.urgent_title.format(case=s.case_title[view.case], exchange=exchange.name),
        lines=tuple(lines),
        sections=tuple(sections),
        footer=phishing_lines(exchange, view, w),
        buttons=_buttons(view, w),
        tone="warn",
    )
    return fit(reply, s.more.format(command=f"/status {exchange.id}"))


def _buttons(view: RouteView, w: Words) -> tuple[tuple[Button, ...], ...]:
    """Details and alerts; after a hacked account also "Check a link" (phishing is how)."""
    exchange_id = view.status.exchange.id
    s = w.s
    rows: list[tuple[Button, ...]] = [
        (
            Button(s.button_details, f"/status {exchange_id}"),
            Button(s.button_alerts, f"/subscribe {exchange_id}"),
        )
    ]
    if view.case is Case.ACCOUNT_COMPROMISED:
        rows.append((Button(s.button_check_link, "/verify"),))
    return tuple(rows)


def route_lines(view: RouteView, w: Words) -> tuple[Line, ...]:
    """ "1. ✅ Online customer service — live ← use this now", one per channel in order."""
    lines: list[Line] = []
    for n, status in enumerate(view.channels, start=1):
        pick = w.s.route_pick if status is view.recommended else ""
        lines.append((text(f"{n}. "), *channel_line(status, w), text(pick)))
        if status.channel.address:
            lines.append((text("   "), Span(status.channel.address, Style.CODE)))
        elif status.channel.url:
            lines.append((text("   "), link(status.channel.url, status.channel.url)))
    if not view.channels:
        name = view.status.exchange.name
        lines.append((text(w.s.route_no_channels.format(exchange=name)),))
    elif view.recommended is None:
        lines.append((text(w.s.route_none_live),))
        if view.best_async is not None:
            lines.append(contact_line(w.s.write_to, view.best_async, w, reply_time=True))
    return tuple(lines)


def step_sections(view: RouteView, w: Words) -> list[Section]:
    """The catalog's steps, what to have ready and facts; or a note that none are checked."""
    route = view.route
    exchange = view.status.exchange
    if route is None:
        return [Section(w.s.steps_title, ((text(w.s.no_route.format(exchange=exchange.name)),),))]
    steps: list[Line] = [(text(f"• {step}"),) for step in _texts(route.steps, w)]
    ready = _texts(route.have_ready, w)
    if ready:
        steps.append((text(w.s.have_ready.format(items=w.s.ready_sep.join(ready))),))
    if not view.verified:
        steps.append((text(w.s.route_unverified.format(exchange=exchange.name)),))
    sections = [Section(w.s.steps_title, tuple(steps))] if steps else []
    facts = _texts(route.facts, w)
    if facts:
        sections.append(Section(w.s.facts_title, tuple((text(f"• {f}"),) for f in facts)))
    return sections


def phishing_lines(exchange: Exchange, view: RouteView, w: Words) -> tuple[Line, ...]:
    """Official domains only; known fakes in code style (never clickable); the verify tool."""
    lines: list[Line] = [(text(w.s.phishing.format(domains=", ".join(exchange.official_domains))),)]
    if exchange.never_link:
        fakes: list[Span] = [text(w.s.fakes)]
        for i, domain in enumerate(exchange.never_link[:3]):
            fakes += [text(w.s.list_sep)] if i else []
            fakes.append(Span(domain, Style.CODE))
        lines.append(tuple(fakes))
    if view.verify is not None and view.verify.url:
        lines.append((text(w.s.verify_with), link(view.verify.url, view.verify.url)))
    return tuple(lines)


def cases_reply(exchange: Exchange, w: Words, word: str | None = None) -> Reply:
    """The case menu: what happened? One button per case; an unknown word is named first."""
    s = w.s
    lead = (
        s.unknown_case.format(word=word)
        if word
        else s.urgent_menu_hint.format(exchange=exchange.id)
    )
    lines: list[Line] = [(text(lead),)]
    buttons = tuple(
        (Button(f"🚨 {s.case_title[case]}", f"/urgent {exchange.id} {case.value}"),)
        for case in Case
    )
    return Reply(
        title=s.urgent_menu_title.format(exchange=exchange.name),
        lines=tuple(lines),
        buttons=buttons,
        ephemeral=word is not None,
    )


def _texts(value: TextList | None, w: Words) -> list[str]:
    return value.get(w.locale) if value is not None else []
