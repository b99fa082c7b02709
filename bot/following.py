"""What a replica answers from: its own probes' memory when it leads, the leader's when not.

Only the leader probes (bot/leader.py), and its monitor keeps the live view in memory. A
standby still serves the web side (and, with Telegram webhooks, chat answers), so it reads
what the leader wrote to the database — health states, the last hour's latencies, the blind
state — the way `supportlive ask` does, every `FOLLOW_EVERY_S` seconds.

What a standby cannot show: the exchanges' status pages as last read (the leader keeps
those in memory only); the answers then say nothing of them rather than something old.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from bot.ask import StoredView, stored_view
from bot.catalog import Catalog
from bot.clock import Clock
from bot.health import HealthState
from bot.monitor import Monitor
from bot.status import Quantiles
from bot.verdict import Upstream
from storage.store import Store

# A standby reloads the leader's view this often. The leader stores a changed health at its
# next flush (about a second), and an unchanged one at least once a minute.
FOLLOW_EVERY_S = 5.0


class ReplicaView:
    """The `LiveView` of a replica: the monitor's while leading, the stored one otherwise."""

    def __init__(
        self,
        monitor: Monitor,
        store: Store,
        catalog: Catalog,
        clock: Clock,
        leading: Callable[[], bool],
    ) -> None:
        self._monitor = monitor
        self._store = store
        self._catalog = catalog
        self._clock = clock
        self._leading = leading
        self._stored = StoredView()

    def _source(self) -> Monitor | StoredView:
        return self._monitor if self._leading() else self._stored

    def health(self, channel_key: str) -> HealthState | None:
        return self._source().health(channel_key)

    def recent_latency(self, channel_key: str) -> Quantiles:
        return self._source().recent_latency(channel_key)

    def upstream(self, exchange_id: str) -> Upstream | None:
        return self._source().upstream(exchange_id)

    def blind_since(self) -> datetime | None:
        return self._source().blind_since()

    async def follow(self) -> None:
        """Reload what the leader stored (a supervised step; nothing to do while leading)."""
        if not self._leading():
            self._stored = await stored_view(self._store, self._catalog, self._clock)
