"""In-memory stand-ins at the answer path's boundaries: the live view and the status store."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from bot.health import HealthState
from bot.latency import ExactQuantiles
from bot.verdict import Upstream
from bot.vocab import Health
from storage.histogram import Histogram
from storage.records import MaintenanceWindow, RollupSummary, TransitionRecord


@dataclass
class FakeLive:
    """The probe pipeline's memory, set by hand."""

    states: dict[str, HealthState] = field(default_factory=dict)
    latencies: dict[str, list[float]] = field(default_factory=dict)
    upstreams: dict[str, Upstream] = field(default_factory=dict)
    blind: datetime | None = None

    def health(self, channel_key: str) -> HealthState | None:
        return self.states.get(channel_key)

    def recent_latency(self, channel_key: str) -> ExactQuantiles:
        return ExactQuantiles(self.latencies.get(channel_key, []))

    def upstream(self, exchange_id: str) -> Upstream | None:
        return self.upstreams.get(exchange_id)

    def blind_since(self) -> datetime | None:
        return self.blind

    def up(
        self, key: str, now: datetime, ms: float, *, age_s: float = 40, since_h: float = 5
    ) -> None:
        """The channel answered in `ms`, `age_s` ago, and has been up for `since_h` hours."""
        self.states[key] = HealthState(
            channel=key,
            health=Health.UP,
            since=now - timedelta(hours=since_h),
            last_at=now - timedelta(seconds=age_s),
            last_ok=True,
            last_latency_ms=ms,
        )

    def down(self, key: str, now: datetime, *, minutes: float, detail: str, error: str) -> None:
        """The channel has failed every check for `minutes`."""
        self.states[key] = HealthState(
            channel=key,
            health=Health.DOWN,
            since=now - timedelta(minutes=minutes),
            consecutive_failures=3,
            last_at=now - timedelta(seconds=30),
            last_ok=False,
            last_error=error,
            last_detail=detail,
        )


@dataclass
class FakeStore:
    """Rollup summaries per (channel, window in hours); transitions; maintenance windows."""

    summaries: dict[tuple[str, int], RollupSummary] = field(default_factory=dict)
    rows: list[TransitionRecord] = field(default_factory=list)
    windows: list[MaintenanceWindow] = field(default_factory=list)
    reads: int = 0
    # Watched for long enough that every window asked for is covered.
    since: datetime | None = datetime(2026, 1, 1, tzinfo=UTC)

    def rollup(
        self, key: str, *, hours: int, count: int, failures: int, ms: Iterable[float]
    ) -> None:
        self.summaries[(key, hours)] = RollupSummary(count, failures, 0, 0.0, Histogram.of(ms))

    async def rollup_summaries(
        self,
        channels: Iterable[str] | None,
        since: datetime,
        until: datetime,
        *,
        with_latency: bool = True,
    ) -> dict[str, RollupSummary]:
        self.reads += 1
        hours = round((until - since).total_seconds() / 3600)
        keys = {k for k, _ in self.summaries} if channels is None else set(channels)
        return {k: self.summaries.get((k, hours), RollupSummary()) for k in keys}

    async def transitions(
        self, exchange: str | None, since: datetime, limit: int = 50
    ) -> list[TransitionRecord]:
        found = [r for r in self.rows if r.exchange == exchange and r.at >= since]
        return sorted(found, key=lambda r: r.at, reverse=True)[:limit]

    async def watching_since(self, exchange: str) -> datetime | None:
        return self.since

    async def active_maintenance(self, now: datetime) -> list[MaintenanceWindow]:
        return [
            m for m in self.windows if m.starts_at <= now and (m.ends_at is None or now < m.ends_at)
        ]


@dataclass
class FakeChats:
    """Subscriptions, languages and maintenance kept in dicts (the `CommandStore` face)."""

    subscriptions: dict[tuple[str, str], set[tuple[str, str | None]]] = field(default_factory=dict)
    locales: dict[tuple[str, str], str] = field(default_factory=dict)
    maintenance: list[tuple[str, str | None, datetime, datetime | None]] = field(
        default_factory=list
    )

    async def subscribe(
        self,
        platform: str,
        chat_id: str,
        exchange: str,
        channel: str | None,
        locale: str,
        include_degraded: bool = False,
    ) -> bool:
        chat = self.subscriptions.setdefault((platform, chat_id), set())
        new = (exchange, channel) not in chat
        chat.add((exchange, channel))
        return new

    async def unsubscribe(
        self, platform: str, chat_id: str, exchange: str | None = None, channel: str | None = None
    ) -> int:
        chat = self.subscriptions.get((platform, chat_id), set())
        gone = {
            s for s in chat if exchange in (None, s[0]) and (channel is None or s[1] == channel)
        }
        chat -= gone
        return len(gone)

    async def subscriptions_of(self, platform: str, chat_id: str) -> list[SubscriptionRecord]:
        chat = self.subscriptions.get((platform, chat_id), set())
        return [SubscriptionRecord(e, c) for e, c in sorted(chat, key=str)]

    async def set_locale(
        self, platform: str, user_id: str, locale: str, own_chat: str | None = None
    ) -> None:
        self.locales[(platform, user_id)] = locale

    async def get_locale(self, platform: str, user_id: str) -> str | None:
        return self.locales.get((platform, user_id))

    async def add_maintenance(
        self,
        exchange: str,
        channel: str | None,
        starts_at: datetime,
        ends_at: datetime | None,
        reason: str,
        created_by: str,
    ) -> int:
        self.maintenance.append((exchange, channel, starts_at, ends_at))
        return len(self.maintenance)

    async def active_maintenance(self, now: datetime) -> list[MaintenanceWindow]:
        return [
            MaintenanceWindow(n, e, c, start, end, "", "")
            for n, (e, c, start, end) in enumerate(self.maintenance, start=1)
            if start <= now and (end is None or now < end)
        ]

    async def end_maintenance(self, window_id: int, now: datetime) -> bool:
        exchange, channel, start, end = self.maintenance[window_id - 1]
        if end is not None and end <= now:
            return False
        self.maintenance[window_id - 1] = (exchange, channel, start, now)
        return True

    async def count_subscriptions(self, active_only: bool = True) -> int:
        return sum(len(chat) for chat in self.subscriptions.values())

    async def outbox_depth(self) -> dict[str, int]:
        return dict.fromkeys(("pending", "sending", "sent", "superseded", "dead"), 0)


@dataclass(frozen=True)
class SubscriptionRecord:
    exchange: str
    channel: str | None
