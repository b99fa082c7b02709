"""What the pages show, as plain values the templates lay out: rows, pills, bars, details.

Built from the same status the chat answers come from and worded by `bot/render/` (answers,
"Use now", reasons) plus the page's own words (`page_words.py`). Nothing here is empty
filler: a figure that was never measured is left out, not shown as "–".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from markupsafe import Markup

from bot.render.reports import reports_detail_lines, reports_lines
from bot.render.status import (
    answer_lines,
    contact_line,
    headline,
    how_checked,
    live_by_hours_alone,
    state_word,
    status_page_section,
)
from bot.render.words import Words
from bot.reply import Line, Section, Span, Style, link, text
from bot.status import Answer, AnswerKind, ChannelStatus, ExchangeStatus
from bot.verdict import Indicator, ReasonCode
from bot.vocab import Mode, Verdict
from bot.web.bars import Hour, Level
from bot.web.icons import ANSWER_ICON, channel_icon, icon
from bot.web.page_words import PAGE_WORDS, PageWords
from probes.result import ErrorKind

_TONE: dict[AnswerKind, str] = {
    AnswerKind.LIVE: "ok",
    AnswerKind.SLOW: "warn",
    AnswerKind.CLOSED: "closed",
    AnswerKind.DOWN: "bad",
    AnswerKind.MAINTENANCE: "warn",
    AnswerKind.UNKNOWN: "info",
    AnswerKind.NO_LIVE: "info",
}
_WORST_FIRST = (
    AnswerKind.DOWN,
    AnswerKind.MAINTENANCE,
    AnswerKind.SLOW,
    AnswerKind.UNKNOWN,
    AnswerKind.CLOSED,
    AnswerKind.NO_LIVE,
)
# Reasons the detail has a line of its own for (or that need none).
_OWN_LINE = (ReasonCode.NOT_PROBED, ReasonCode.HOURS_UNKNOWN)


@dataclass(frozen=True, slots=True)
class Cell:
    """One cell of a bar: its classes (level, partial) and its label (title and aria)."""

    level: str
    label: str


@dataclass(frozen=True, slots=True)
class Bar:
    caption: str
    ends: tuple[str, str]
    cells: tuple[Cell, ...]


@dataclass(frozen=True, slots=True)
class Pill:
    """A channel in an overview row: icon, short name, and its state in words."""

    id: str
    verdict: str
    icon: Markup
    name: str
    state: str
    title: str


@dataclass(frozen=True, slots=True)
class Row:
    """One exchange on the overview: its answer, what to use now, its channels at a glance."""

    id: str
    name: str
    tone: str
    icon: Markup
    headline: str
    lines: tuple[Line, ...]
    reports: tuple[Line, ...]  # what traders waited on the headline channel, once enough said
    pills: tuple[Pill, ...]
    pills_label: str
    bar: Bar | None


@dataclass(frozen=True, slots=True)
class Overall:
    """The overview's one overall line, and who is not live."""

    tone: str
    icon: Markup
    line: str
    others: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ChannelDetail:
    """A channel on the exchange page: title, facts, figures in words, its two bars."""

    id: str
    verdict: str
    icon: Markup
    title: str
    lines: tuple[Line, ...]
    reports: tuple[Line, ...]  # what traders waited, and the typical wait at this hour
    bars: tuple[Bar, ...]


def words_of(w: Words) -> PageWords:
    return PAGE_WORDS[w.locale]


def tone(answer: Answer, blind: bool) -> str:
    return "info" if blind else _TONE[answer.kind]


def overall(views: Sequence[ExchangeStatus], w: Words) -> Overall:
    """ "Live support at 6 of 8 exchanges", then "Not answering: MEXC" and the like."""
    pw = words_of(w)
    total = len(views)
    blind = next((v.blind_since for v in views if v.blind_since is not None), None)
    if blind is not None:
        return Overall("info", icon("warn"), _capital(w.s.blind_headline), ())
    live = sum(1 for v in views if v.answer.kind is AnswerKind.LIVE)
    if total and live == total:
        return Overall("ok", icon("ok"), pw.overall_all_live.format(total=total), ())
    others: dict[AnswerKind, list[str]] = {}
    for v in views:
        if v.answer.kind is not AnswerKind.LIVE:
            others.setdefault(v.answer.kind, []).append(v.exchange.name)
    kinds = {v.answer.kind for v in views}
    worst = next(
        (k for k in (AnswerKind.DOWN, AnswerKind.SLOW, AnswerKind.MAINTENANCE) if k in kinds),
        None,
    )
    mark = ANSWER_ICON[worst] if worst else ("closed" if AnswerKind.CLOSED in kinds else "info")
    line = pw.overall_some.format(live=live, total=total)
    if total and kinds == {AnswerKind.UNKNOWN}:
        line = pw.overall_none_checked
    named = tuple(
        f"{pw.kind_label[kind]}: {w.s.list_sep.join(names)}"
        for kind in _WORST_FIRST
        if (names := others.get(kind))
    )
    tone_of = _TONE[worst] if worst else "closed" if mark == "closed" else "info"
    return Overall(tone_of, icon(mark), line, named)


def row(
    view: ExchangeStatus,
    w: Words,
    hours: Mapping[str, Sequence[Hour]],
    empty: Sequence[Hour],
) -> Row:
    """The exchange's overview row; the bar is the headline channel's last 24 hours (`empty`
    when it has no checks in them)."""
    w = replace(w, now=view.at)
    pw = words_of(w)
    blind = view.blind_since is not None
    answer = view.answer
    subject = answer.subject
    bar = None
    if subject is not None and subject.channel.probe is not None:
        caption = f"{subject.channel.name.get(w.locale)} · {pw.bar_24h_short}"
        bar = Bar(caption, pw.bar_24h_ends, cells(hours.get(subject.key) or empty, w))
    return Row(
        id=view.exchange.id,
        name=view.exchange.name,
        tone=tone(answer, blind),
        icon=icon("warn" if blind else ANSWER_ICON[answer.kind]),
        headline=w.s.blind_headline if blind else headline(answer, w),
        lines=() if blind else overview_lines(view, w),
        reports=reports_lines(subject, w) if subject is not None else (),
        pills=tuple(pill(c, w) for c in view.channels),
        pills_label=pw.channels_label.format(exchange=view.exchange.name),
        bar=bar,
    )


def overview_lines(view: ExchangeStatus, w: Words) -> tuple[Line, ...]:
    """What to use now in one line; then only what is wrong (reports, the status page)."""
    answer = view.answer
    subject = answer.subject
    lines: list[Line] = []
    if answer.kind in (AnswerKind.LIVE, AnswerKind.SLOW) and subject is not None:
        first = contact_line(w.s.use_now, subject, w)
        lines.append((*first, text(" · " + how_checked(subject, w))))
    elif answer.fallback is not None:
        lines.append(contact_line(w.s.use_now, answer.fallback, w))
    elif answer.best_async is not None:
        lines.append(contact_line(w.s.write_to, answer.best_async, w, reply_time=True))
    else:
        lines.append((text(w.s.use_now_none),))
    upstream = view.upstream
    if upstream is not None and upstream.indicator is not Indicator.NONE:
        # One line: the indicator, then the open incidents' names.
        section = status_page_section(view.exchange, upstream, w)
        # (The status page's link is on the exchange page.)
        indicator, *rest = section.lines
        named = [indicator[0].text, *(span.text.lstrip("• ") for line in rest[:2] for span in line)]
        lines.append((text(f"{section.title}: " + " · ".join(named)),))
    return tuple(lines)


def pill(status: ChannelStatus, w: Words) -> Pill:
    name = status.channel.name.get(w.locale)
    state = state_word(status, w)
    if live_by_hours_alone(status):
        state = f"{state}, {w.s.not_checked}"
    return Pill(
        id=status.channel.id,
        verdict=status.verdict.value,
        icon=icon(channel_icon(status)),
        name=name,
        state=state,
        title=words_of(w).pill_title.format(channel=name, state=state),
    )


def exchange_lines(view: ExchangeStatus, w: Words) -> tuple[Line, ...]:
    """The exchange page's lead: the chat answer's lines (never the chat command hints)."""
    if view.blind_since is not None:
        return ()
    return answer_lines(view.exchange, view.answer, replace(w, now=view.at), in_chat=False)


def channel_detail(
    status: ChannelStatus,
    w: Words,
    day: Sequence[Hour] | None,
    quarter: Sequence[Hour] | None,
    this_hour: tuple[Line, ...] = (),
) -> ChannelDetail:
    """Every fact about one channel, figures in words, and its 24 h and 90 d bars."""
    pw = words_of(w)
    channel = status.channel
    bars: list[Bar] = []
    if channel.probe is not None and day:
        bars.append(Bar(pw.bar_24h, pw.bar_24h_ends, cells(day, w)))
    if channel.probe is not None and quarter:
        bars.append(Bar(pw.bar_90d, pw.bar_90d_ends, cells(quarter, w, daily=True)))
    return ChannelDetail(
        id=channel.id,
        verdict=status.verdict.value,
        icon=icon(channel_icon(status)),
        title=f"{channel.name.get(w.locale)} — {state_word(status, w)}",
        lines=detail_lines(status, w),
        reports=(*reports_detail_lines(status, w), *this_hour),
        bars=tuple(bars),
    )


def detail_lines(status: ChannelStatus, w: Words) -> tuple[Line, ...]:
    channel = status.channel
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
    if not channel.verified:
        lines.append((text(w.s.unverified_line),))
    return tuple(lines)


def evidence_lines(status: ChannelStatus, w: Words) -> list[Line]:
    """Why, when checked, latency and uptime in words; only what was measured."""
    lines: list[Line] = []
    state = status.state
    unchecked = status.channel.probe is not None and (state is None or state.last_at is None)
    # "Not checked yet" has its own line below: the reason would say it twice.
    own = (*_OWN_LINE, ReasonCode.NO_EVIDENCE) if unchecked else _OWN_LINE
    reasons = [r for r in status.reasons if r.code not in own]
    if reasons:
        said = "; ".join(w.reason(r, status) for r in reasons)
        label = w.s.note if status.verdict is Verdict.LIVE else w.s.why
        lines.append((text(label.format(note=said, reasons=said)),))
    if status.channel.probe is None:
        lines.append((text(w.s.not_probed_line),))
        return lines
    if state is None or state.last_at is None:
        lines.append((text(words_of(w).not_checked_yet),))
        return lines
    when = w.when(state.last_at, w.zone_for(status.channel))
    # A check made while blind saw nothing: it was tried, not checked (as in the chat).
    blind = any(r.code is ReasonCode.BLIND for r in status.reasons)
    template = w.s.tried_at if blind else w.s.checked_at
    lines.append((text(template.format(ago=w.ago(status.evidence_age_s), when=when)),))
    lines.extend((text(line),) for line in region_lines(status, w))
    lines.extend((text(line),) for line in figures(status, w))
    return lines


def region_lines(status: ChannelStatus, w: Words) -> list[str]:
    """What each region saw, when more than one reports, and where it is unreachable from."""
    pw = words_of(w)
    said = []
    for seen in status.regions:
        ago = w.ago((w.now - seen.at).total_seconds())
        if seen.ok:
            said.append(pw.region_answered.format(region=seen.region, ago=ago))
        elif seen.blind:
            said.append(pw.region_blind.format(region=seen.region, ago=ago))
        else:
            failure = w.failed_check(seen.error, seen.detail) or w.s.error_kind[ErrorKind.OTHER]
            said.append(pw.region_failed.format(region=seen.region, ago=ago, failure=failure))
    if status.unreachable_from:
        regions = w.s.list_sep.join(status.unreachable_from)
        said.append(w.s.unreachable_line.format(regions=regions, exchange=status.exchange.name))
    return said


def figures(status: ChannelStatus, w: Words) -> list[str]:
    """ "Usually answers in 180 ms; 95% within 410 ms", "Uptime: 99.8% over 7 days"."""
    pw = words_of(w)
    lat, up = status.latency, status.uptime
    said: list[str] = []
    p50 = lat.p50_24h if lat.p50_24h is not None else lat.p50_1h
    p95 = lat.p95_24h if lat.p95_24h is not None else lat.p95_1h
    if p50 is not None and p95 is not None:
        said.append(pw.latency_detail.format(p50=w.latency(p50), p95=w.latency(p95)))
    elif lat.last is not None:
        said.append(pw.latency_usually.format(latency=w.latency(lat.last)))
    parts = [
        pw.uptime_part[name].format(pct=w.percent(share))
        for name, share in (("24h", up.day), ("7d", up.week), ("30d", up.month))
        if share is not None
    ]
    if parts:
        said.append(pw.uptime.format(parts=w.s.list_sep.join(parts)))
    return said


def cells(periods: Sequence[Hour], w: Words, *, daily: bool = False) -> tuple[Cell, ...]:
    return tuple(cell(p, w, daily=daily) for p in periods)


def cell(period: Hour, w: Words, *, daily: bool = False) -> Cell:
    """ "02:00–03:00 UTC · 60 checks · 5 failed"; no data says so; the one under way too."""
    pw = words_of(w)
    if daily:
        date = w.s.date.format(month=w.s.months[period.start.month - 1], day=period.start.day)
        when = pw.day.format(date=date)
    else:
        when = f"{period.start:%H:%M}–{period.end:%H:%M} UTC"
    parts = [when]
    if period.partial:
        parts.append(pw.so_far)
    if period.level is Level.NONE:
        parts.append(pw.no_checks)
    else:
        checks = pw.check_one if period.count == 1 else pw.checks.format(n=period.count)
        parts += [checks, pw.failed.format(n=period.failures)]
    level = period.level.value + (" partial" if period.partial else "")
    return Cell(level, " · ".join(parts))


def upstream_section(view: ExchangeStatus, w: Words) -> Section | None:
    if view.upstream is None:
        return None
    return status_page_section(view.exchange, view.upstream, w)


def _capital(value: str) -> str:
    return value[:1].upper() + value[1:]
