"""The shipped catalog on a quiet night with one outage: the overview as traders see it.

Every probed channel of every shipped exchange answered within the last minute, with a day
of hourly checks and 30 days of rollups; MEXC's live chat has been timing out for 12 min
(after a 14-min outage yesterday) and Binance's status page reports a minor incident.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.catalog import Catalog
from bot.verdict import Incident, Indicator, Upstream
from storage.records import TransitionRecord
from tests.answers.fakes import FakeLive
from tests.web.conftest import HourlyStore

HOUR = timedelta(hours=1)


def quiet_night_but_mexc(
    catalog: Catalog, live: FakeLive, store: HourlyStore, now: datetime
) -> None:
    current = now.replace(minute=0, second=0, microsecond=0)
    for number, (exchange, channel) in enumerate(catalog.channels()):
        if channel.probe is None:
            continue
        key = f"{exchange.id}/{channel.id}"
        ms = 90.0 + 37 * (number % 7)
        live.up(key, now, ms)
        live.latencies[key] = [ms, ms * 1.1, ms * 2.2]
        for hours, count in ((24, 1440), (168, 10080), (720, 43200)):
            store.rollup(key, hours=hours, count=count, failures=count // 500, ms=[ms] * 50)
        for back in range(1, 24):
            store.hour(key, current - HOUR * back, 60, 1 if (number + back) % 17 == 0 else 0)
        store.hour(key, current, 10)
    live.down("mexc/live_chat", now, minutes=12, detail="timeout after 10 s", error="timeout")
    store.hour("mexc/live_chat", current, 10, 10)
    store.hour("mexc/live_chat", current - HOUR, 60, 31)

    def changed(ago: timedelta, old: str, new: str, detail: str = "") -> TransitionRecord:
        return TransitionRecord("mexc/live_chat", "mexc", now - ago, old, new, "", detail)

    store.rows += [
        changed(timedelta(days=1, minutes=44), "up", "down", "HTTP 503"),
        changed(timedelta(days=1, minutes=30), "down", "up"),
        changed(timedelta(minutes=12), "up", "down", "timeout after 10 s"),
    ]
    incident = Incident("Delayed BTC withdrawals", "investigating", "minor")
    live.upstreams["binance"] = Upstream(Indicator.MINOR, (), (incident,))
