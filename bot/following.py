"""What a replica answers from: its own probes' memory when it leads, the leader's when not.

Only the leader probes (bot/leader.py), and its monitor keeps the live view in memory. A
standby still serves the web side (and, with Telegram webhooks, chat answers), so it reads
what the leader wrote to the database — health states, the last hour's latencies, the blind
state, the leader's heartbeat — the way `supportlive ask` does, every `FOLLOW_EVERY_S` seconds.

A leader that is frozen (SIGSTOP, a stalled VM) or cut off from the database keeps its lock,
so no standby can take over; what the standbys stored would then read as current for ever.
So the leader beats (`BEAT_EVERY_S`, only while its scheduler ticks) and a standby that has
not seen a beat for `SILENT_AFTER_S` judges the checks stopped (`stopped_since`): every
channel's health reads unknown, the answers say the checks stopped and when (bot/status.py),
and /healthz is 503 with the reason. The next beat read puts everything back by itself.

What a standby cannot show: the exchanges' status pages as last read (the leader keeps
those in memory only); the answers then say nothing of them rather than something old.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime

from bot.ask import StoredView, stored_view
from bot.catalog import Catalog
from bot.clock import Clock
from bot.health import HealthState
from bot.monitor import Monitor
from bot.status import Quantiles
from bot.verdict import Upstream
from bot.vocab import Health
from storage.store import Store

# A standby reloads the leader's view this often. The leader stores a changed health at its
# next flush (about a second), and an unchanged one at least once a minute.
FOLLOW_EVERY_S = 5.0
# The leader's heartbeat: written this often while its scheduler ticks.
BEAT_EVERY_S = 2.0
# A standby judges the leader's checks stopped once its last beat is this old. Not derived
# from the probe intervals on purpose: the shipped catalog checks its fastest channels every
# 60 s, and the newest stored check can lag by two intervals in normal running (an unchanged
# state is stored once a minute), so a bound from the checks would say "live" for over two
# minutes after they stopped. Seven beats missed is far from a slow write under load (the
# database's busy timeout is 5 s). The age is taken when asked, from the last beat read
# (a read every FOLLOW_EVERY_S keeps that within about 7 s of the newest), so a frozen leader
# is called silent 15 s after its last beat: 13-15 s after it froze (bench/frozen.py). The
# leader beats only while its scheduler ticks (it stops 30 s into a stall: bot/app.py), and a
# channel whose own checks stop is still caught by its staleness (three intervals:
# bot/health.py).
SILENT_AFTER_S = 15.0


async def leader_beats(store: Store, clock: Clock) -> bool:
    """Whether the stored heartbeat is fresh: some leader checks (bot/leader.py's `FileLock`
    leaves a new lock file to it)."""
    beat = await store.load_heartbeat()
    return beat is not None and (clock.now() - beat).total_seconds() <= SILENT_AFTER_S


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
        self._waiting_since: datetime | None = None  # first read as a standby, this term

    def _source(self) -> Monitor | StoredView:
        return self._monitor if self._leading() else self._stored

    def health(self, channel_key: str) -> HealthState | None:
        state = self._source().health(channel_key)
        if state is None or self.stopped_since() is None:
            return state
        # The last stored check says nothing of now: neither up nor down (nor an alert's
        # "meanwhile, the help center is up").
        return replace(state, health=Health.UNKNOWN)

    def recent_latency(self, channel_key: str) -> Quantiles:
        return self._source().recent_latency(channel_key)

    def upstream(self, exchange_id: str) -> Upstream | None:
        return self._source().upstream(exchange_id)

    def blind_since(self) -> datetime | None:
        return self._source().blind_since()

    def heartbeat(self) -> datetime | None:
        """The leader's last heartbeat as this standby last read it (None: none yet, or
        this replica leads)."""
        return None if self._leading() else self._stored.heartbeat

    def stopped_since(self) -> datetime | None:
        """None while the leader checks (or this replica leads). Else the time of the leader's
        last heartbeat, or, when none was ever stored, since when this standby waits for one:
        nothing has been checked since."""
        if self._leading() or self._waiting_since is None:
            return None
        last = self._stored.heartbeat or self._waiting_since
        silent = (self._clock.now() - last).total_seconds()
        return last if silent > SILENT_AFTER_S else None

    def describe(self) -> dict[str, str | None]:
        """What /healthz adds on a standby: the leader's last heartbeat (UTC, ISO 8601)."""
        if self._leading():
            return {}
        beat = self._stored.heartbeat
        return {"leader_heartbeat": None if beat is None else f"{beat:%Y-%m-%dT%H:%M:%SZ}"}

    async def follow(self) -> None:
        """Reload what the leader stored (a supervised step; nothing to do while leading)."""
        if self._leading():
            self._waiting_since = None
            return
        started = self._clock.now()
        self._stored = await stored_view(self._store, self._catalog, self._clock)
        if self._waiting_since is None:
            self._waiting_since = started
