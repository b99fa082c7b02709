"""Routes for urgent cases: the catalog's channels in order, each with its verdict now."""

from __future__ import annotations

from dataclasses import dataclass

from bot import contact
from bot.catalog import Channel, Route, Text
from bot.status import ChannelStatus, ExchangeStatus
from bot.vocab import Case, ChannelKind, Confidence, Verdict


@dataclass(frozen=True, slots=True)
class RouteView:
    """What to do for a case at an exchange now: freeze first, then channels in order.

    `recommended` is the first contact channel on the route that is reachable now;
    `best_async`, only without one, the route's ticket form or e-mail to write to anyway.
    """

    status: ExchangeStatus
    case: Case
    route: Route | None
    freeze: Text | None
    freeze_channel: ChannelStatus | None
    channels: tuple[ChannelStatus, ...]
    recommended: ChannelStatus | None
    verify: Channel | None
    best_async: ChannelStatus | None = None

    @property
    def verified(self) -> bool:
        return self.route is not None and self.route.confidence in (
            Confidence.HIGH,
            Confidence.MEDIUM,
        )


def route_view(status: ExchangeStatus, case: Case) -> RouteView:
    """The route for `case`, each channel with its verdict, the first live one recommended."""
    exchange = status.exchange
    route = exchange.routes.get(case)
    if route is not None:
        channels = tuple(c for cid in route.channels if (c := status.channel(cid)) is not None)
    else:
        channels = tuple(c for c in status.channels if c.channel.contact)
    freeze = route.freeze if route is not None and case is Case.ACCOUNT_COMPROMISED else None
    freeze_channel = None
    if route is not None and case is Case.ACCOUNT_COMPROMISED and route.freeze_channel:
        freeze_channel = status.channel(route.freeze_channel)
    verify = next((c for c in exchange.channels if c.kind is ChannelKind.VERIFY_TOOL), None)
    recommended = recommend(channels)
    return RouteView(
        status=status,
        case=case,
        route=route,
        freeze=freeze,
        freeze_channel=freeze_channel,
        channels=channels,
        recommended=recommended,
        verify=verify,
        best_async=contact.best_async(channels) if recommended is None else None,
    )


def recommend(channels: tuple[ChannelStatus, ...]) -> ChannelStatus | None:
    """The first live contact channel in route order, else the first slow-but-working one."""
    for verdict in (Verdict.LIVE, Verdict.DEGRADED):
        found = next((c for c in channels if contact.reachable(c) and c.verdict is verdict), None)
        if found is not None:
            return found
    return None
