"""`/history`: the last 7 days' health changes, newest first, each with how long it lasted."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bot.catalog import Exchange
from bot.render.budget import fit
from bot.render.marks import HEALTH_MARK
from bot.render.words import Words, echo
from bot.reply import Line, Reply, text
from bot.status import TransitionRow
from bot.vocab import Health

_HEALTHS = frozenset(h.value for h in Health)


def history_reply(exchange: Exchange, rows: Sequence[TransitionRow] | None, w: Words) -> Reply:
    """Transitions oldest-first in, newest-first out; None means no database to read."""
    title = w.s.history_title.format(exchange=exchange.name)
    if rows is None:
        return Reply(title=title, lines=((text(w.s.history_unavailable),),))
    if not rows:
        return Reply(title=title, lines=((text(w.s.history_empty),),))
    ended = _end_times(rows)
    lines = tuple(_line(exchange, row, ended[i], w) for i, row in reversed(list(enumerate(rows))))
    return fit(Reply(title=title, lines=lines), w.s.more.format(command=f"/status {exchange.id}"))


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
    detail = w.s.history_detail.format(detail=echo(row.detail, 60)) if row.detail else ""
    return (
        text(
            w.s.history_line.format(
                when=w.when(row.at, w.zone_for(channel)),
                mark=HEALTH_MARK[new],
                channel=name,
                old=w.s.health_word[old],
                new=w.s.health_word[new],
                duration=lasted,
            )
            + (detail if new is Health.DOWN else "")
        ),
    )


def _health(value: str) -> Health:
    return Health(value) if value in _HEALTHS else Health.UNKNOWN
