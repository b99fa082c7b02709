"""Entry points that turn events into outbox rows, each in one transaction.

- `record_transition`: the monitor calls it for every health transition (it stores the
  transition itself, plus its alert rows).
- `record_upstream`: after each read of an exchange's status page (incidents opened/resolved).
- `announce_maintenance`: periodically (the drainer does it): declared windows that started
  or ended, then the down alerts maintenance held back for channels still down.

A down transition inside a declared window writes no alert rows: its alert is held
(`storage.maintenance.hold_down`). When the channel comes back first, the hold is dropped and
the recovery is not news either. When no window covers the channel any more and it is still
down, `announce_maintenance` sends the held alert ("still down after maintenance"), so a
window's end never hides an outage.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from bot.alerts.compose import (
    FLAP_WINDOW_S,
    AlertKind,
    Context,
    Meanwhile,
    compose,
    down_payload,
    meanwhile,
    split_key,
)
from bot.catalog import Catalog
from bot.health import Transition
from bot.monitor import transition_record
from bot.status import LiveView
from bot.verdict import Upstream
from bot.vocab import Health
from storage import maintenance, outbox
from storage.engine import Conn
from storage.times import from_unix, to_unix


class Transactional(Protocol):
    """`storage.store.Store` or a `storage.engine.Database`."""

    def transaction(self) -> AbstractAsyncContextManager[Conn]: ...


@dataclass(frozen=True, slots=True)
class Recorded:
    transition_id: int
    kind: AlertKind | None
    rows: int


async def record_transition(
    store: Transactional,
    catalog: Catalog,
    transition: Transition,
    live_view: LiveView,
    *,
    now: datetime | None = None,
) -> Recorded:
    """Store a transition and one outbox row per matching subscription, atomically.

    `live_view` picks the contact channel a down alert offers meanwhile and says whether the
    exchange's status page reports maintenance. `now` (default: the transition's time) is
    when the rows fall due.
    """
    exchange, channel = split_key(transition.channel)
    at = to_unix(transition.at)
    record = transition_record(transition)
    upstream = live_view.upstream(exchange)
    upstream_maintenance = upstream is not None and upstream.in_maintenance()
    instead: Meanwhile | None = None
    if transition.new is Health.DOWN:
        instead = meanwhile(catalog, transition.channel, live_view, transition.at)
    async with store.transaction() as conn:
        previous = await outbox.previous_transition(conn, transition.channel)
        flips = await outbox.count_transitions(conn, transition.channel, at - FLAP_WINDOW_S)
        outage_start = transition.down_since
        if outage_start is None and previous is not None:
            outage_start = from_unix(previous[2])
        in_window = await maintenance.covering(conn, exchange, channel, at)
        if transition.old is Health.DOWN:
            # Nobody heard of an outage whose down alert is still held: nor of its end.
            outage_in_window = await maintenance.drop_held(conn, transition.channel)
        else:
            outage_in_window = outage_start is not None and await maintenance.covering(
                conn, exchange, channel, to_unix(outage_start)
            )
        context = Context(
            previous_flapping=previous is not None and previous[1],
            previous_at=None if previous is None else from_unix(previous[2]),
            flips_last_hour=flips + 1,
            in_maintenance=in_window or upstream_maintenance,
            outage_in_maintenance=outage_in_window,
            meanwhile=instead,
        )
        alert = compose(transition, context)
        transition_id, rows = await outbox.write_transition_with_outbox(
            conn,
            record,
            None if alert is None else alert.kind.value,
            {} if alert is None else alert.payload,
            due_at=to_unix(now or transition.at),
            degraded_only=alert is not None and alert.degraded_only,
            supersede=() if alert is None else tuple(k.value for k in alert.supersede),
        )
        if transition.new is Health.DOWN and in_window:
            payload = down_payload(transition, instead)
            await maintenance.hold_down(
                conn, transition.channel, exchange, transition_id, at, payload
            )
    return Recorded(transition_id, None if alert is None else alert.kind, rows)


def transition_sink(
    store: Transactional,
    catalog: Catalog,
    live_view: LiveView,
    now: Callable[[], datetime],
    wake: Callable[[], None] | None = None,
) -> Callable[[Transition], Awaitable[None]]:
    """`Monitor(on_transition=...)`: record each transition, then wake the drainer."""

    async def sink(transition: Transition) -> None:
        recorded = await record_transition(store, catalog, transition, live_view, now=now())
        if recorded.rows and wake is not None:
            wake()

    return sink


async def record_upstream(
    store: Transactional,
    catalog: Catalog,
    exchange_id: str,
    upstream: Upstream | None,
    now: datetime,
) -> int:
    """Announce incidents that appeared on or left the exchange's status page; returns rows.

    Only exchanges whose catalog entry has a status page get these alerts. An incident is
    known by its name (the page's title for it).
    """
    exchange = catalog.exchange(exchange_id)
    if exchange is None or not exchange.status_page or upstream is None:
        return 0
    if not upstream.readable:
        # An unreadable page lists no incidents: that is not news that they ended.
        return 0
    moment = to_unix(now)
    current = {i.name: i for i in upstream.incidents if i.name}
    rows = 0
    async with store.transaction() as conn:
        known = await outbox.open_incidents(conn, exchange_id)
        for name, incident in current.items():
            if name in known:
                continue
            await outbox.note_incident_opened(conn, exchange_id, name, incident.impact, moment)
            payload = {
                "exchange": exchange_id,
                "channel": "",
                "incident": name,
                "impact": incident.impact,
                "since": moment,
            }
            rows += await outbox.fan_out(
                conn,
                exchange=exchange_id,
                channel="",
                kind=AlertKind.INCIDENT_OPENED.value,
                payload=payload,
                due_at=moment,
            )
        for name, (incident_id, opened_at) in known.items():
            if name in current:
                continue
            await outbox.note_incident_resolved(conn, incident_id, moment)
            payload = {
                "exchange": exchange_id,
                "channel": "",
                "incident": name,
                "since": opened_at,
                "duration_s": max(0.0, moment - opened_at),
            }
            rows += await outbox.fan_out(
                conn,
                exchange=exchange_id,
                channel="",
                kind=AlertKind.INCIDENT_RESOLVED.value,
                payload=payload,
                due_at=moment,
            )
    return rows


async def announce_maintenance(
    store: Transactional,
    now: datetime,
    *,
    catalog: Catalog | None = None,
    live_view: LiveView | None = None,
) -> int:
    """Write alerts for windows that started or ended by `now`, then the held-back down alerts
    of channels no window covers any more (they are still down); returns rows.

    With `catalog` and `live_view`, a released down alert names what to use meanwhile as of
    now; without them, the one it had when the channel went down.
    """
    moment = to_unix(now)
    rows = 0
    async with store.transaction() as conn:
        for edge in await maintenance.due_edges(conn, moment):
            kind = (
                AlertKind.MAINTENANCE_STARTED
                if edge.edge == "started"
                else AlertKind.MAINTENANCE_ENDED
            )
            payload = {
                "exchange": edge.exchange,
                "channel": edge.channel,
                "starts_at": edge.starts_at,
                "ends_at": edge.ends_at,
                "note": edge.reason,
                **{f"note_{locale}": note for locale, note in edge.reasons.items()},
                "maintenance_id": edge.maintenance_id,
            }
            rows += await outbox.fan_out(
                conn,
                exchange=edge.exchange,
                channel=edge.channel,
                kind=kind.value,
                payload=payload,
                due_at=moment,
            )
            await maintenance.mark_edge(conn, edge.maintenance_id, edge.edge, moment)
        # After the "maintenance is over" rows, so each chat reads them in that order.
        for held in await maintenance.releasable_held(conn, moment):
            payload = {**held.payload, "at": moment, "after_maintenance": True}
            if catalog is not None and live_view is not None:
                payload.update(meanwhile(catalog, held.channel, live_view, now).payload())
            rows += await outbox.fan_out(
                conn,
                exchange=held.exchange,
                channel=split_key(held.channel)[1],
                kind=AlertKind.DOWN.value,
                payload=payload,
                due_at=moment,
                transition_id=held.transition_id,
            )
    return rows
