"""What traders waited, in words: the line under a contact channel, and `/report`'s replies.

A channel's figures show only once enough people reported (`WaitSummary.shown`); the detail
views (`/channels`, the exchange page) say "not enough reports yet" instead of nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from bot.catalog import Channel, Exchange
from bot.commands.args import Wait
from bot.render.words import Words, echo, zone_label
from bot.reply import Button, Line, Reply, button_rows, text
from bot.reports import Outcome, WaitSummary, reportable
from bot.status import ChannelStatus

INDENT = "   "
MAX_PICKS = 10  # channel buttons in one reply


def wait_words(minutes: int, w: Words) -> str:
    """ "0 min", "10 min", "1 h 30 min" (a wait is whole minutes: never "0 s")."""
    if minutes < 1:
        return w.s.dur_min.format(n=0)
    return w.duration(minutes * 60)


def summary_text(summary: WaitSummary, w: Words) -> str:
    """ "People report: answered in ~10 min (median of 3 in 24 h) · 1 of 4 got no answer"."""
    s = w.s
    parts = []
    if summary.median_wait_min is not None:
        wait = wait_words(summary.median_wait_min, w)
        parts.append(
            s.reports_answered.format(wait=wait, n=summary.answered, hours=summary.window_h)
        )
    if summary.no_answer:
        parts.append(s.reports_no_answer.format(k=summary.no_answer, total=summary.count))
    return s.reports_line.format(parts=" · ".join(parts))


def reports_lines(status: ChannelStatus, w: Words) -> tuple[Line, ...]:
    """The indented line under a channel in `/status`, once enough people reported."""
    summary = status.reports
    if summary is None or not summary.shown:
        return ()
    return ((text(INDENT + summary_text(summary, w)),),)


def reports_detail_lines(status: ChannelStatus, w: Words) -> tuple[Line, ...]:
    """The line in a channel's detail: the figures, or "not enough reports yet"."""
    summary = status.reports
    if summary is None:
        return ()
    words = summary_text(summary, w) if summary.shown else w.s.reports_not_enough
    return ((text(words),),)


def this_hour_lines(summary: WaitSummary | None, channel: Channel, w: Words) -> tuple[Line, ...]:
    """ "Typical wait at this hour (03:00–04:00 UTC+8): ~12 min (median of 9 over 30 days)"."""
    if summary is None or not summary.shown or summary.median_wait_min is None:
        return ()
    zone = w.zone_for(channel)
    start = w.now.replace(minute=0, second=0, microsecond=0).astimezone(zone)
    end = (start + timedelta(hours=1)).astimezone(zone)
    hours = f"{start:%H:%M}–{end:%H:%M} {zone_label(start)}"
    wait = wait_words(summary.median_wait_min, w)
    return ((text(w.s.reports_this_hour.format(hours=hours, wait=wait, n=summary.answered)),),)


def report_buttons(exchange: Exchange, w: Words) -> tuple[tuple[Button, ...], ...]:
    """The "Report my wait" button, for an exchange with a contact channel."""
    if not any(reportable(c) for c in exchange.channels):
        return ()
    return ((Button(w.s.button_report, f"/report {exchange.id}"),),)


def usage_line(exchange: Exchange, channel: Channel | None, w: Words) -> Line:
    example = channel or next((c for c in exchange.channels if reportable(c)), None)
    return (
        text(w.s.report_usage.format(exchange=exchange.id, channel=example.id if example else "")),
    )


def usage_reply(exchange: Exchange, channel: Channel | None, w: Words) -> Reply:
    """A wait we cannot read: the usage line with an example, and the quick choices."""
    if channel is None:
        return Reply(title=exchange.name, lines=(usage_line(exchange, None, w),), ephemeral=True)
    return _wait_reply(exchange, channel, w, usage_line(exchange, channel, w))


def exchange_pick_reply(exchanges: Sequence[Exchange], w: Words, words: str = "") -> Reply:
    """`/report` without an exchange: the usage line, and a button per exchange (carrying the
    words that were given: `/report mexc live_chat 5`)."""
    tail = f" {words}" if words else ""
    buttons = button_rows([Button(e.name, f"/report {e.id}{tail}") for e in exchanges])
    line = usage_line(exchanges[0], None, w)
    return Reply(title=w.s.which_exchange, lines=(line,), buttons=buttons, ephemeral=True)


def channel_pick_reply(exchange: Exchange, w: Words, wait: Wait | None = None) -> Reply:
    """Which contact channel: a button each (carrying the wait, when one was given)."""
    tail = "" if wait is None else f" {_wait_word(wait)}"
    buttons = tuple(
        (Button(c.name.get(w.locale), f"/report {exchange.id} {c.id}{tail}"),)
        for c in _contacts(exchange)[:MAX_PICKS]
    )
    return Reply(
        title=w.s.report_pick_channel.format(exchange=exchange.name),
        lines=(usage_line(exchange, None, w),),
        buttons=buttons,
        ephemeral=True,
    )


def wait_pick_reply(exchange: Exchange, channel: Channel, w: Words) -> Reply:
    """How long: the quick choices (≤ 5 min, 15, 30, 60+, no answer)."""
    return _wait_reply(exchange, channel, w, usage_line(exchange, channel, w))


def _wait_reply(exchange: Exchange, channel: Channel, w: Words, line: Line) -> Reply:
    action = f"/report {exchange.id} {channel.id}"
    choices = list(w.s.report_choices.items())
    buttons = (
        tuple(Button(label, f"{action} {value}") for value, label in choices[:3]),
        tuple(Button(label, f"{action} {value}") for value, label in choices[3:]),
    )
    name = channel.name.get(w.locale)
    return Reply(
        title=w.s.report_pick_wait.format(exchange=exchange.name, channel=name),
        lines=(line,),
        buttons=buttons,
        ephemeral=True,
    )


def unknown_channel_reply(exchange: Exchange, word: str, w: Words) -> Reply:
    """A channel the exchange does not have: its contact channels, a button each."""
    ids = w.s.list_sep.join(c.id for c in _contacts(exchange))
    line = w.s.report_unknown_channel.format(exchange=exchange.name, word=echo(word), ids=ids)
    pick = channel_pick_reply(exchange, w)
    return Reply(title=exchange.name, lines=((text(line),),), buttons=pick.buttons, ephemeral=True)


def not_contact_reply(exchange: Exchange, w: Words) -> Reply:
    """A channel nobody answers (help center, X ...): the ones that can be reported on."""
    names = w.names([c.name.get(w.locale) for c in _contacts(exchange)]) or w.s.missing
    line = w.s.report_not_contact.format(exchange=exchange.name, names=names)
    pick = channel_pick_reply(exchange, w)
    return Reply(title=exchange.name, lines=((text(line),),), buttons=pick.buttons, ephemeral=True)


def added_reply(
    exchange: Exchange,
    channel: Channel,
    wait: Wait,
    outcome: Outcome,
    summary: WaitSummary | None,
    w: Words,
) -> Reply:
    """Thanks, what was noted, and the channel's figures now."""
    s = w.s
    name = channel.name.get(w.locale)
    if wait.minutes is None:
        title = s.report_added_none.format(exchange=exchange.name, channel=name)
    else:
        wait_text = wait_words(wait.minutes, w)
        title = s.report_added.format(exchange=exchange.name, channel=name, wait=wait_text)
    lines: list[Line] = []
    if outcome is Outcome.REPLACED:
        lines.append((text(s.report_replaced),))
    if summary is not None:
        lines.append((text(summary_text(summary, w) if summary.shown else s.reports_not_enough),))
    return Reply(title=title, lines=tuple(lines), ephemeral=True)


def _contacts(exchange: Exchange) -> list[Channel]:
    return [c for c in exchange.channels if reportable(c)]


def _wait_word(wait: Wait) -> str:
    return "none" if wait.minutes is None else str(wait.minutes)
