"""From a health transition (and what else is known) to the alert subscribers get, pure.

Rules:
- `down` (from up, degraded or unknown) goes to every subscriber of the channel, with the
  reason and a contact channel to use meanwhile (`bot.contact`); `degraded` (from up) only
  to those who asked for it.
- Back from `down` (to up or degraded) is `recovered` for everyone, with the outage's duration;
  it supersedes the channel's pending down/degraded alerts (a chat that never got the down
  alert reads "was down N min, now back"). Back from `degraded` is `recovered` for those who
  asked for degraded alerts.
- A flapping channel gets one `flapping` summary when flapping starts (superseding its pending
  alerts); further transitions while it flaps are held back.
- Inside declared or upstream maintenance there are no down/degraded/flapping alerts, and no
  recovery for an outage that started inside it. A channel that goes down inside a declared
  window has its down alert held back (`bot.alerts.record`): if it is still down when no
  window covers it any more, the alert goes out then, and its recovery later like any other.
- From `unknown` to up or degraded (a start) and anything to `unknown` (stale evidence) is
  not news.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from bot import contact
from bot.catalog import Catalog
from bot.health import Transition
from bot.status import LiveView, live_statuses
from bot.vocab import Health

FLAP_WINDOW_S = 3600.0  # bot.health's default flap window: the summary counts flips in it


class AlertKind(StrEnum):
    DOWN = "down"
    DEGRADED = "degraded"
    RECOVERED = "recovered"
    FLAPPING = "flapping"
    INCIDENT_OPENED = "incident_opened"
    INCIDENT_RESOLVED = "incident_resolved"
    MAINTENANCE_STARTED = "maintenance_started"
    MAINTENANCE_ENDED = "maintenance_ended"


@dataclass(frozen=True, slots=True)
class Alert:
    """What to write to the outbox for a transition."""

    kind: AlertKind
    payload: dict[str, Any]
    degraded_only: bool = False
    supersede: tuple[AlertKind, ...] = ()


@dataclass(frozen=True, slots=True)
class Context:
    """What the store knows around a transition (gathered by `record_transition`)."""

    previous_flapping: bool = False
    previous_at: datetime | None = None  # when the channel entered its old health
    flips_last_hour: int = 0
    in_maintenance: bool = False  # at the transition's time
    outage_in_maintenance: bool = False  # the outage being recovered from started inside one
    meanwhile: Meanwhile | None = None


def split_key(channel_key: str) -> tuple[str, str]:
    """`mexc/live_chat` → (`mexc`, `live_chat`)."""
    exchange, _, channel = channel_key.partition("/")
    return exchange, channel


def compose(transition: Transition, context: Context) -> Alert | None:
    """The alert for a transition, or None when it is not news for subscribers."""
    exchange, channel = split_key(transition.channel)
    old, new = transition.old, transition.new
    base: dict[str, Any] = {
        "exchange": exchange,
        "channel": channel,
        "at": transition.at.timestamp(),
    }
    if transition.flapping:
        if context.previous_flapping or context.in_maintenance:
            return None
        payload = {**base, "health": new.value, "flips": max(context.flips_last_hour, 1)}
        held = (AlertKind.DOWN, AlertKind.DEGRADED, AlertKind.RECOVERED)
        return Alert(AlertKind.FLAPPING, payload, supersede=held)

    if new is Health.DOWN and old is not Health.DOWN:
        if context.in_maintenance:
            return None
        payload = down_payload(transition, context.meanwhile)
        return Alert(AlertKind.DOWN, payload, supersede=(AlertKind.DEGRADED,))

    if old is Health.DOWN and new in (Health.UP, Health.DEGRADED):
        if context.outage_in_maintenance:
            return None
        since = transition.down_since or context.previous_at
        payload = {**base, "from": "down", "now": new.value, **_span(since, transition.at)}
        return Alert(AlertKind.RECOVERED, payload, supersede=(AlertKind.DOWN, AlertKind.DEGRADED))

    if old is Health.UP and new is Health.DEGRADED:
        if context.in_maintenance:
            return None
        payload = {
            **base,
            "since": transition.at.timestamp(),
            "cause": transition.cause.value,
            "error": None if transition.error is None else transition.error.value,
            "detail": transition.detail or transition.reason,
        }
        return Alert(AlertKind.DEGRADED, payload, degraded_only=True)

    if old is Health.DEGRADED and new is Health.UP:
        if context.outage_in_maintenance:
            return None
        payload = {**base, "from": "degraded", "now": new.value}
        payload.update(_span(context.previous_at, transition.at))
        return Alert(
            AlertKind.RECOVERED, payload, degraded_only=True, supersede=(AlertKind.DEGRADED,)
        )
    return None


def down_payload(transition: Transition, meanwhile: Meanwhile | None) -> dict[str, Any]:
    """What a down alert says: since when, why, and which channel to use meanwhile."""
    exchange, channel = split_key(transition.channel)
    return {
        "exchange": exchange,
        "channel": channel,
        "at": transition.at.timestamp(),
        "since": transition.at.timestamp(),
        "error": None if transition.error is None else transition.error.value,
        "detail": transition.detail,
        "reason": transition.reason,
        **(meanwhile or Meanwhile()).payload(),
    }


def _span(since: datetime | None, at: datetime) -> dict[str, Any]:
    if since is None:
        return {}
    return {"since": since.timestamp(), "down_for_s": max(0.0, (at - since).total_seconds())}


@dataclass(frozen=True, slots=True)
class Meanwhile:
    """What a down alert offers instead (channel ids of the same exchange).

    `alternative`: a contact channel reachable now (`bot.contact.fallback`); `write_to`, only
    without one, the ticket form or e-mail to write to anyway (`bot.contact.best_async`).
    """

    alternative: str | None = None
    write_to: str | None = None

    def payload(self) -> dict[str, str | None]:
        return {"alternative": self.alternative, "write_to": self.write_to}


def meanwhile(catalog: Catalog, channel_key: str, live: LiveView, now: datetime) -> Meanwhile:
    """What to use while `channel_key` is down, judged like `/status` judges it now."""
    exchange_id, channel_id = split_key(channel_key)
    exchange = catalog.exchange(exchange_id)
    if exchange is None:
        return Meanwhile()
    statuses = live_statuses(exchange, live, now)
    use = contact.fallback(statuses, exclude=channel_id)
    if use is not None:
        return Meanwhile(alternative=use.channel.id)
    write_to = contact.best_async(statuses, exclude=channel_id)
    return Meanwhile(write_to=None if write_to is None else write_to.channel.id)
