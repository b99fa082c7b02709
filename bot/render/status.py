"""`/status` and `/channels`: the exchange's answer first, then each channel."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from bot.catalog import Exchange
from bot.render.budget import fit
from bot.render.feeds import api_section
from bot.render.marks import ANSWER_MARK, channel_mark
from bot.render.reports import reports_detail_lines, reports_lines
from bot.render.words import Words, echo
from bot.reply import Button, Line, Reply, Section, Span, Style, bold, link, text
from bot.status import Answer, AnswerKind, BlindCause, ChannelStatus, ExchangeStatus
from bot.verdict import ComponentStatus, ReasonCode, Upstream
from bot.vocab import Locale, Mode, Verdict
from bot.wallet import system_view

BLIND_MARK = "⚠️"
_OWN_LINE = (ReasonCode.NOT_PROBED, ReasonCode.HOURS_UNKNOWN)
_TONE: dict[AnswerKind, str] = {
    AnswerKind.LIVE: "ok",
    AnswerKind.SLOW: "warn",
    AnswerKind.CLOSED: "warn",
    AnswerKind.DOWN: "bad",
    AnswerKind.MAINTENANCE: "warn",
    AnswerKind.UNKNOWN: "info",
    AnswerKind.NO_LIVE: "info",
}


def status_reply(
    view: ExchangeStatus, w: Words, *, in_chat: bool = True, banner: bool = True
) -> Reply:
    """The answer to "is support live now?" for one exchange, then a line per channel.

    `in_chat` False (the web page) leaves out hints to type chat commands. While blind the
    answer says so instead (`banner` False: the page says it once, above every exchange).
    """
    w = replace(w, now=view.at)  # one snapshot: every "ago" counts from the answer's time
    answer = view.answer
    title_words = headline(answer, w)
    mark, tone = ANSWER_MARK[answer.kind], _TONE[answer.kind]
    lines = answer_lines(view.exchange, answer, w, in_chat=in_chat)
    if view.blind_since is not None:
        title_words, mark, tone = w.s.blind_headline, BLIND_MARK, "info"
        lines = blind_lines(view.blind_since, w, view.blind_cause) if banner else ()
    title = w.s.title.format(exchange=view.exchange.name, headline=title_words, mark=mark)
    channel_lines = tuple(
        line for c in view.channels for line in (channel_line(c, w), *reports_lines(c, w))
    )
    sections = [Section(w.s.channels_title, channel_lines)]
    if view.upstream is not None:
        sections.append(status_page_section(view.exchange, view.upstream, w))
    if view.feed is not None:
        system = system_view(view.exchange, view.feed, view.at)
        has_wallet, blind = view.feed.wallet is not None, view.blind_since is not None
        api = api_section(system, view.exchange, has_wallet, w, in_chat=in_chat, blind=blind)
        if api is not None:
            sections.append(api)
    reply = Reply(
        title=title,
        lines=lines,
        sections=tuple(sections),
        footer=(official_line(view.exchange, w),),
        buttons=exchange_buttons(view.exchange.id, w),
        tone=tone,
    )
    return fit(reply, w.s.more.format(command=f"/channels {view.exchange.id}"))


def headline(answer: Answer, w: Words) -> str:
    """ "support is live now", "Live chat is not answering"; for unknown, why we can't say."""
    subject = answer.subject
    name = subject.channel.name.get(w.locale) if subject else ""
    template = w.s.headline[answer.kind]
    if answer.kind is AnswerKind.UNKNOWN and subject is not None and subject.reasons:
        template = w.s.headline_unknown.get(subject.reasons[0].code, template)
    return template.format(channel=name)


def blind_lines(
    since: datetime, w: Words, cause: BlindCause = BlindCause.CONNECTION
) -> tuple[Line, ...]:
    """ "We can't check from here right now … (since 03:12 UTC)", once, instead of red; or
    that our checks stopped at 03:12 UTC (`BlindCause`)."""
    when = w.when(since, w.zone_for(None))
    if cause is BlindCause.CHECKS_STOPPED:
        return ((text(w.s.stopped_line.format(since=when)),), (text(w.s.stopped_next),))
    return ((text(w.s.blind_line.format(since=when)),), (text(w.s.blind_next),))


def answer_lines(
    exchange: Exchange, answer: Answer, w: Words, *, in_chat: bool = True
) -> tuple[Line, ...]:
    """The lead lines: the best channel and how we know, or why none and what to use."""
    subject = answer.subject
    if answer.kind in (AnswerKind.LIVE, AnswerKind.SLOW) and subject is not None:
        return best_lines(subject, w)
    lines: list[Line] = []
    if answer.kind is AnswerKind.CLOSED and answer.opens_at is not None and subject is not None:
        when = w.when(answer.opens_at, w.zone_for(subject.channel))
        lines.append((text(w.s.opens_again.format(when=when, delay=w.until(answer.opens_at))),))
    elif answer.kind is AnswerKind.DOWN and subject is not None:
        lines.append((text(down_text(subject, w)),))
    elif answer.kind is AnswerKind.MAINTENANCE and subject is not None:
        lines.append((text(maintenance_text(subject, w)),))
    elif answer.kind is AnswerKind.UNKNOWN and subject and subject.evidence_age_s is not None:
        # Never checked: the headline says so already.
        lines.append((text(last_check_text(subject, w)),))
    lines.extend(use_now_lines(answer, w))
    if answer.kind is AnswerKind.DOWN and in_chat:
        lines.append((text(w.s.alert_when_back.format(exchange=exchange.id)),))
    return tuple(lines)


def best_lines(best: ChannelStatus, w: Words) -> tuple[Line, ...]:
    """ "Best now: <channel> — <where>" and "<how it answered> · checked … · hours: …"."""
    channel = best.channel
    name = channel.name.get(w.locale)
    where = channel.where.get(w.locale) if channel.where else None
    template = w.s.best_where if where else w.s.best
    head, _, tail = template.partition("{channel}")
    first = (text(head), _channel_span(best, name), text(tail.format(where=where or "")))
    evidence = [how_checked(best, w)]
    if best.evidence_age_s is not None:
        evidence.append(w.s.checked_ago.format(ago=w.ago(best.evidence_age_s)))
    evidence.append(w.hours(channel.hours))
    return first, (text("  " + " · ".join(evidence)),)


def how_checked(status: ChannelStatus, w: Words) -> str:
    """ "page answered in 180 ms", "mail server found", or "not checked by us"."""
    probe = status.channel.probe
    if probe is None or status.state is None:
        return w.s.not_checked
    if status.latency.last is not None:
        return w.s.probe_answer[probe.kind].format(latency=w.latency(status.latency.last))
    return w.s.probe_ok[probe.kind]


def down_text(status: ChannelStatus, w: Words) -> str:
    """ "Down for 12 min: timeout after 10 s." (no duration for a first, one-off check)."""
    since = status.state.since if status.state is not None else None
    reason = w.failure(status)
    if not reason and status.reasons:
        reason = w.reason(status.reasons[0], status)
    seconds = (w.now - since).total_seconds() if since else 0.0
    if seconds < 60:
        return w.s.down_now.format(reason=reason)
    return w.s.down_for.format(duration=w.duration(seconds), reason=reason)


def maintenance_text(status: ChannelStatus, w: Words) -> str:
    """ "Maintenance until 19:30 UTC: App upgrade" when declared with an end, else the reason
    ("Kraken's own API reports maintenance: Spot upgrade, expected to end 04:00 UTC")."""
    if not status.reasons:
        return ""
    first = status.reasons[0]
    until = first.params.get("until")
    if not isinstance(until, datetime) or first.code is ReasonCode.API_MAINTENANCE:
        return _capital(w.reason(first, status))
    when = w.when(until, w.zone_for(status.channel))
    note = w.note(first) if first.code is ReasonCode.DECLARED_MAINTENANCE else ""
    if note:
        return w.s.maintenance_until_note.format(when=when, note=note)
    return w.s.maintenance_until.format(when=when)


def last_check_text(status: ChannelStatus, w: Words) -> str:
    if status.evidence_age_s is None:
        return w.s.never_checked
    return w.s.last_check.format(ago=w.ago(status.evidence_age_s))


def use_now_lines(answer: Answer, w: Words) -> tuple[Line, ...]:
    """ "Use now: <contact channel>", or that nobody is confirmed and where to write anyway."""
    if answer.fallback is not None:
        return (contact_line(w.s.use_now, answer.fallback, w),)
    lines: list[Line] = [(text(w.s.use_now_none),)]
    if answer.best_async is not None:
        lines.append(contact_line(w.s.write_to, answer.best_async, w, reply_time=True))
    return tuple(lines)


def contact_line(lead: str, status: ChannelStatus, w: Words, *, reply_time: bool = False) -> Line:
    """ "Use now: E-mail service@mexc.com · replies in 1–3 business days".

    `reply_time` says so when the catalog states none (the line is about writing and waiting).
    """
    channel = status.channel
    spans: list[Span] = [text(lead), _channel_span(status, channel.name.get(w.locale))]
    if channel.address:
        spans += [text(" "), Span(channel.address, Style.CODE)]
    if channel.expected_reply is not None:
        expected = channel.expected_reply.get(w.locale)
        spans.append(text(" · " + w.s.replies_in.format(expected=expected)))
    elif reply_time:
        spans.append(text(" · " + w.s.reply_time_unknown))
    return tuple(spans)


def channel_line(status: ChannelStatus, w: Words) -> Line:
    """ "✅ Online customer service — live · 180 ms · p95 410 ms · 99.8% 7 d"."""
    channel = status.channel
    name = channel.name.get(w.locale)
    if channel.mode is Mode.BROADCAST:
        return (text(f"{channel_mark(status)} {name} — {state_word(status, w)}"),)
    parts = [state_word(status, w), *channel_details(status, w)]
    if not channel.verified:
        parts.append(w.s.unverified_tag)
    return (text(f"{channel_mark(status)} {name} — " + " · ".join(parts)),)


def state_word(status: ChannelStatus, w: Words) -> str:
    """ "live", "open", "accepting", "down" …; what the exchange's status page reports."""
    if status.channel.mode is Mode.BROADCAST:
        return w.s.broadcast_line
    upstream = w.s.upstream_word.get(status.reasons[0].code) if status.reasons else None
    if upstream is not None and status.verdict is not Verdict.LIVE:
        return upstream
    if status.verdict is Verdict.LIVE:
        return w.s.live_word[status.channel.mode]
    return w.s.verdict_word[status.verdict]


def live_by_hours_alone(status: ChannelStatus) -> bool:
    """ "Open" or "live" from the catalog's hours alone, with no probe behind it.

    Say so wherever the verdict is shown, or it reads as a check that passed. (A ticket form or
    e-mail "accepting" is what writing to it means anyway.)
    """
    channel = status.channel
    # Async channels "accept" by writing to them; broadcast accounts are announcements only.
    said_otherwise = channel.mode in (Mode.ASYNC, Mode.BROADCAST)
    return channel.probe is None and status.verdict is Verdict.LIVE and not said_otherwise


def channel_details(status: ChannelStatus, w: Words) -> list[str]:
    """The few figures that matter for this verdict."""
    latency, channel = status.latency, status.channel
    zone = w.zone_for(channel)
    details: list[str] = []
    usable = status.verdict in (Verdict.LIVE, Verdict.DEGRADED)
    if usable and latency.last is not None and channel.mode is not Mode.ASYNC:
        details.append(w.latency(latency.last))
        if latency.p95_1h is not None:
            details.append(w.s.p95.format(latency=w.latency(latency.p95_1h)))
        if status.uptime.week is not None:
            details.append(w.s.uptime_7d.format(pct=w.percent(status.uptime.week)))
    if status.verdict is Verdict.OFF_HOURS and status.opens_at is not None:
        details.append(w.s.opens_at.format(when=w.when(status.opens_at, zone)))
    if status.verdict is Verdict.DOWN and status.state is not None and status.state.since:
        since = status.state.since
        details.append(
            w.s.for_duration.format(duration=w.duration((w.now - since).total_seconds()))
        )
    if status.verdict is Verdict.UNKNOWN and status.evidence_age_s is not None:
        # A check made while blind saw nothing: it was tried, not "checked".
        blind = any(r.code is ReasonCode.BLIND for r in status.reasons)
        template = w.s.tried_ago if blind else w.s.checked_ago
        details.append(template.format(ago=w.ago(status.evidence_age_s)))
    if live_by_hours_alone(status):
        details.append(w.s.not_checked)
    if status.unreachable_from:
        regions = w.s.list_sep.join(status.unreachable_from)
        details.append(w.s.unreachable_tag.format(regions=regions))
    if channel.mode is Mode.ASYNC and channel.expected_reply is not None and status.usable:
        details.append(w.s.replies_in.format(expected=channel.expected_reply.get(w.locale)))
    return details


def status_page_section(exchange: Exchange, upstream: Upstream, w: Words) -> Section:
    """The exchange's own status page: its indicator, open incidents, components not working."""
    head: Line = (text(w.s.indicator[upstream.indicator]),)
    if exchange.status_page:
        head = (*head, text(" · "), link(exchange.status_page, exchange.status_page))
    incidents = tuple(
        (text(w.s.incident.format(name=echo(i.name, 120))),) for i in upstream.incidents[:5]
    )
    components = tuple(
        (text(w.s.component.format(name=echo(c.name, 60), status=w.s.component_status[c.status])),)
        for c in upstream.components
        if c.status is not ComponentStatus.OPERATIONAL
    )[:5]
    return Section(w.s.status_page_title, (head, *incidents, *components))


def official_line(exchange: Exchange, w: Words) -> Line:
    return (text(w.s.official_footer.format(domains=", ".join(exchange.official_domains))),)


def exchange_buttons(exchange_id: str, w: Words) -> tuple[tuple[Button, ...], ...]:
    other = Locale.EN if w.locale is Locale.ZH else Locale.ZH
    return (
        (
            Button(w.s.button_urgent, f"/urgent {exchange_id}"),
            Button(w.s.button_alerts, f"/subscribe {exchange_id}"),
        ),
        (
            Button(w.s.button_details, f"/channels {exchange_id}"),
            Button(w.s.button_other_language, f"/lang {other.value}"),
        ),
    )


def channels_reply(view: ExchangeStatus, w: Words, only: str | None = None) -> Reply:
    """Every channel in detail (or one): link, reasons, freshness, latency, uptime, hours."""
    w = replace(w, now=view.at)
    shown = [c for c in view.channels if only is None or c.channel.id == only]
    sections = tuple(channel_section(c, w) for c in shown)
    reply = Reply(
        title=view.exchange.name
        if only
        else w.s.channels_heading.format(exchange=view.exchange.name),
        sections=sections,
        footer=(official_line(view.exchange, w),),
        buttons=exchange_buttons(view.exchange.id, w)[:1],
    )
    return fit(reply, w.s.more.format(command=f"/channels {view.exchange.id} <channel>"))


def channel_section(status: ChannelStatus, w: Words) -> Section:
    channel = status.channel
    title = f"{channel_mark(status)} {channel.name.get(w.locale)} — {state_word(status, w)}"
    lines: list[Line] = []
    if channel.url:
        lines.append((text(w.s.open_link), link(channel.url, channel.url)))
    if channel.address:
        lines.append((text(w.s.address), Span(channel.address, Style.CODE)))
    if channel.where:
        lines.append((text(w.s.where.format(where=channel.where.get(w.locale))),))
    lines.extend(evidence_lines(status, w))
    if channel.mode is Mode.LIVE:
        lines.append((text(_capital(w.hours(channel.hours))),))
    if channel.expected_reply is not None:
        reply_in = w.s.replies_in.format(expected=channel.expected_reply.get(w.locale))
        lines.append((text(_capital(reply_in)),))
    if channel.note is not None:
        lines.append((text(w.s.note.format(note=channel.note.get(w.locale))),))
    lines.extend(reports_detail_lines(status, w))
    if not channel.verified:
        lines.append((text(w.s.unverified_line),))
    return Section(title, tuple(lines))


def evidence_lines(status: ChannelStatus, w: Words) -> list[Line]:
    """Why, when checked, and the figures (probed channels only)."""
    lines: list[Line] = []
    # The probe and hours notes have lines of their own below.
    reasons = [r for r in status.reasons if r.code not in _OWN_LINE]
    if reasons:
        words = "; ".join(w.reason(r, status) for r in reasons)
        label = w.s.note if status.verdict is Verdict.LIVE else w.s.why
        lines.append((text(label.format(note=words, reasons=words)),))
    if status.channel.probe is None:
        lines.append((text(w.s.not_probed_line),))
        return lines
    if status.state is not None and status.state.last_at is not None:
        when = w.when(status.state.last_at, w.zone_for(status.channel))
        lines.append((text(w.s.checked_at.format(ago=w.ago(status.evidence_age_s), when=when)),))
    if status.unreachable_from:
        regions = w.s.list_sep.join(status.unreachable_from)
        said = w.s.unreachable_line.format(regions=regions, exchange=status.exchange.name)
        lines.append((text(said),))
    lat, up = status.latency, status.uptime
    lines.append(
        (
            text(
                w.s.latency_line.format(
                    last=w.latency(lat.last),
                    p50h=w.latency(lat.p50_1h),
                    p95h=w.latency(lat.p95_1h),
                    p50d=w.latency(lat.p50_24h),
                    p95d=w.latency(lat.p95_24h),
                )
            ),
        )
    )
    lines.append(
        (
            text(
                w.s.uptime_line.format(
                    day=w.percent(up.day), week=w.percent(up.week), month=w.percent(up.month)
                )
            ),
        )
    )
    return lines


def _channel_span(status: ChannelStatus, name: str) -> Span:
    url = status.channel.url
    return link(name, url) if url else bold(name)


def _capital(value: str) -> str:
    return value[:1].upper() + value[1:]
