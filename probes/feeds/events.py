"""Maintenance event lists shaped like OKX's and Bybit's: title, state, begin, end, link."""

from __future__ import annotations

from typing import Any

from probes.feeds.facts import Event, EventState, System
from probes.feeds.parse import MAX_EVENTS, event_state, items, ms_time, text

SHOWN = (EventState.SCHEDULED, EventState.ONGOING, EventState.PRE_OPEN, EventState.UNKNOWN)


def events_system(rows: object, *, production: set[str]) -> System:
    """Events not yet over, from a list of event objects; demo-environment ones left out.

    `production` holds the `env` values of the live environment ("1"); an event without
    `env` counts as live. Mode stays None: these APIs have no trading-mode flag.
    """
    events: list[Event] = []
    for row in items(rows):
        event = _event(row, production)
        if event is not None and event.state in SHOWN:
            events.append(event)
    return System(mode=None, events=tuple(events[:MAX_EVENTS]))


def _event(row: Any, production: set[str]) -> Event | None:
    if not isinstance(row, dict):
        return None
    env = row.get("env")
    if env is not None and str(env) not in production:
        return None
    title = text(row.get("title")) or "maintenance"
    url = text(row.get("href"), 300) or None
    return Event(
        title=title,
        state=event_state(row.get("state")),
        begins_at=ms_time(row.get("begin")),
        ends_at=ms_time(row.get("end")),
        url=url,
    )
