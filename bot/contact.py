"""Where to send someone for help: contact channels only, and only those reachable now, pure.

A contact channel is one a person answers (`ChannelKind.answered_by_person`: live chat, phone,
ticket, e-mail). "Use now" in `/status`, the API's `answer.fallback`, an alert's "Meanwhile"
and a route's recommendation all come from here, so none of them ever names a help center,
a verify tool or a broadcast account, nor a channel that is down, closed or unchecked.
When no contact channel is reachable, `best_async` names the ticket form or e-mail to write
to anyway (never one seen down), so the answer can say so and give its reply time.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from bot.vocab import Mode, Verdict

if TYPE_CHECKING:
    from bot.status import ChannelStatus

# Live before slow; a person now (chat, phone) before a person later (ticket, e-mail).
_VERDICT_RANK = {Verdict.LIVE: 0, Verdict.DEGRADED: 1}
_MODE_RANK = {Mode.LIVE: 0, Mode.ASYNC: 1}


def reachable(status: ChannelStatus) -> bool:
    """A contact channel that answers now: live or slow (not down, off hours, unknown...)."""
    return status.channel.contact and status.verdict in _VERDICT_RANK


def fallback(
    statuses: Sequence[ChannelStatus], *, exclude: str | None = None
) -> ChannelStatus | None:
    """The reachable contact channel to use now, None when there is none.

    Order: live before slow, chat and phone before ticket and e-mail, verified before
    unverified, checked by us before unchecked, then the catalog's order (its curator's
    preference). `exclude` is a channel id to leave out (the one that just went down).
    """
    found = [
        (position, s)
        for position, s in enumerate(statuses)
        if reachable(s) and s.channel.id != exclude
    ]
    best = min(found, key=lambda item: _rank(item[1], item[0]), default=None)
    return None if best is None else best[1]


def best_async(
    statuses: Sequence[ChannelStatus], *, exclude: str | None = None
) -> ChannelStatus | None:
    """With nothing reachable: the ticket form or e-mail to write to anyway, None if none.

    A channel seen down is never named; among the rest, verified first, then catalog order.
    """
    found = [
        (position, s)
        for position, s in enumerate(statuses)
        if s.channel.contact
        and s.channel.mode is Mode.ASYNC
        and s.verdict is not Verdict.DOWN
        and s.channel.id != exclude
    ]
    best = min(found, key=lambda item: (not item[1].channel.verified, item[0]), default=None)
    return None if best is None else best[1]


def _rank(status: ChannelStatus, position: int) -> tuple[int, int, bool, bool, int]:
    channel = status.channel
    return (
        _VERDICT_RANK[status.verdict],
        _MODE_RANK.get(channel.mode, len(_MODE_RANK)),
        not channel.verified,
        channel.probe is None,
        position,
    )
