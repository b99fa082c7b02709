"""Health transitions grouped into incidents: when a channel stopped working, and when it
worked again. Pure: rows in, incidents out (the exchange page and the Atom feeds read them).

An incident starts when a channel goes `down` or `degraded` and ends when it is `up` again;
a change between down and degraded, or to `unknown` (blind, stale), is part of the same
incident. Its `state` is the worst it got. An incident already under way when the window
opens starts "before" the window (`started_before`); one not over has no end.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from bot.status import TransitionRow
from bot.vocab import Health

_BAD = {Health.DOWN.value, Health.DEGRADED.value}


@dataclass(frozen=True, slots=True)
class Incident:
    channel: str  # the channel id within its exchange (`live_chat`)
    start: datetime
    end: datetime | None  # None: not over
    state: str  # `down` or `degraded`: the worst it got
    detail: str  # why it went wrong, as the probe said ("timeout after 10 s")
    started_before: bool = False  # already under way when the window opened
    error: str | None = None  # the failure's kind (`timeout`), for words in other languages

    def seconds(self, now: datetime) -> float:
        """How long it lasted (or has lasted so far)."""
        return ((self.end or now) - self.start).total_seconds()


def incidents(rows: Sequence[TransitionRow], window_start: datetime) -> list[Incident]:
    """`rows` oldest first (any channels of one exchange) → incidents, newest start first."""
    open_: dict[str, Incident] = {}
    done: list[Incident] = []
    for row in sorted(rows, key=lambda r: r.at):
        channel = row.channel.rsplit("/", 1)[-1]
        current = open_.get(channel)
        if current is None and row.new in _BAD and row.old not in _BAD:
            open_[channel] = Incident(channel, row.at, None, row.new, row.detail, error=row.error)
        elif current is None and row.new in _BAD:
            # Bad before the first row we have: the incident began before the window.
            open_[channel] = Incident(
                channel, window_start, None, row.new, row.detail, True, row.error
            )
        elif current is None and row.old in _BAD and row.new == Health.UP.value:
            done.append(Incident(channel, window_start, row.at, row.old, "", started_before=True))
        elif current is not None and row.new == Health.UP.value:
            done.append(replace(current, end=row.at))
            del open_[channel]
        elif current is not None and row.new == Health.DOWN.value:
            open_[channel] = replace(current, state=Health.DOWN.value)
    found = done + list(open_.values())
    return sorted(found, key=lambda i: (i.start, i.channel), reverse=True)
