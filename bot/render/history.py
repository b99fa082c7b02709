"""`/history`: the last 7 days' health changes, newest first, each with how long it lasted.

Honest about its own horizon: when the bot has watched for less than the 7 days, it says
since when (a new database never claims "no changes in the last 7 days"). Every entry has
its date, and the reason a channel went down or slow, in both languages.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from bot.catalog import Exchange
from bot.render.budget import fit
from bot.render.marks import HEALTH_MARK
from bot.render.words import Words, echo
from bot.reply import Line, Reply, text
from bot.status import TransitionRow
from bot.vocab import Health, Locale
from probes.result import ErrorKind

_HEALTHS = frozenset(h.value for h in Health)
_ERROR_KINDS = frozenset(kind.value for kind in ErrorKind)
WINDOW = timedelta(days=7)
# Why a channel changed is worth a word where it went wrong; a recovery speaks for itself.
_WITH_REASON = (Health.DOWN, Health.DEGRADED)


def history_reply(
    exchange: Exchange,
    rows: Sequence[TransitionRow] | None,
    w: Words,
    since: datetime | None = None,
    blind_since: datetime | None = None,
) -> Reply:
    """Transitions oldest-first in, newest-first out; None means no database to read.

    `since` is when the bot first checked the exchange (`StatusService.watching_since`);
    None with a database means never. While the probes are blind (`blind_since`), it says so
    first: what changed meanwhile is not seen, so "no changes" is no news.
    """
    if rows is None:
        title = w.s.history_title.format(exchange=exchange.name)
        return Reply(title=title, lines=((text(w.s.history_unavailable),),))
    short = since is None or since > w.now - WINDOW
    title = (w.s.history_title_since if short else w.s.history_title).format(exchange=exchange.name)
    head: list[Line] = []
    if blind_since is not None:
        when = w.when(blind_since, w.zone_for(None))
        head += [(text(w.s.blind_line.format(since=when)),), (text(w.s.history_blind),)]
    if since is None and not rows:
        return Reply(title=title, lines=(*head, (text(w.s.history_never),)))
    if short and since is not None:
        ago = w.ago((w.now - since).total_seconds())
        head.append(
            (text(w.s.history_watching.format(when=w.stamp(since, w.zone_for(None)), ago=ago)),)
        )
    if not rows:
        head.append((text(w.s.history_empty_since if short else w.s.history_empty),))
        return Reply(title=title, lines=tuple(head))
    ended = _end_times(rows)
    lines = [_line(exchange, row, ended[i], w) for i, row in reversed(list(enumerate(rows)))]
    reply = Reply(title=title, lines=(*head, *lines))
    return fit(reply, w.s.more.format(command=f"/status {exchange.id}"))


def _end_times(rows: Sequence[TransitionRow]) -> list[datetime | None]:
    """For each transition, when the same channel changed next (None: still so)."""
    ends: list[datetime | None] = [None] * len(rows)
    last_seen: dict[str, int] = {}
    for i, row in enumerate(rows):
        if row.channel in last_seen:
            ends[last_seen[row.channel]] = row.at
        last_seen[row.channel] = i
    return ends


def _line(exchange: Exchange, row: TransitionRow, ended: datetime | None, w: Words) -> Line:
    new, old = _health(row.new), _health(row.old)
    channel = exchange.channel(row.channel.rsplit("/", 1)[-1])
    name = channel.name.get(w.locale) if channel is not None else echo(row.channel)
    lasted = w.s.history_ongoing if ended is None else w.duration((ended - row.at).total_seconds())
    reason = _reason(row, w)
    detail = w.s.history_detail.format(detail=reason) if reason else ""
    return (
        text(
            w.s.history_line.format(
                when=w.stamp(row.at, w.zone_for(channel)),
                mark=HEALTH_MARK[new],
                channel=name,
                old=w.s.health_word[old],
                new=w.s.health_word[new],
                duration=lasted,
            )
            + (detail if new in _WITH_REASON else "")
        ),
    )


def _reason(row: TransitionRow, w: Words) -> str:
    return reason_words(row.detail, row.error, w)


def reason_words(detail: str, error: str | None, w: Words) -> str:
    """Why a channel changed: the probe's own words in English, the failure's kind in Chinese.

    (As `/status` words a failure; the detail is kept where the kind is not known.)
    """
    if w.locale is not Locale.EN and error in _ERROR_KINDS:
        return w.s.error_kind[ErrorKind(str(error))]
    return echo(detail, 60) if detail else ""


def _health(value: str) -> Health:
    return Health(value) if value in _HEALTHS else Health.UNKNOWN
