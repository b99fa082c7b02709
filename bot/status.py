"""Read side: each channel's verdict, latency and uptime, and the exchange's answer.

Answers read only memory (the live probe pipeline, through `LiveView`) and hourly rollups
(through `StatusStore`), never raw probe results. Rollup summaries of complete hours are
cached until the hour turns, so a `/status` costs a few dictionary look-ups.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol

from bot import contact
from bot.catalog import Catalog, Channel, Exchange
from bot.clock import Clock
from bot.feeds import FeedView
from bot.health import DEFAULT_POLICY, HealthState, effective_health
from bot.hours import next_open
from bot.regions import Sighting, is_recent, max_age_s, unreachable_from
from bot.reports import WaitBook, WaitSummary
from bot.verdict import Maintenance, Reason, ReasonCode, Upstream, decide
from bot.vocab import ChannelKind, Health, Mode, Verdict
from bot.wallet import maintenance_event, system_view, under_maintenance
from probes.feeds.facts import Event, FeedFacts
from probes.result import ErrorKind

# Uptime windows: 24 h (whose latency quantiles are shown too), 7 d, 30 d.
WINDOWS = (timedelta(hours=24), timedelta(days=7), timedelta(days=30))
DEFAULT_INTERVAL_S = 60.0
USABLE = (Verdict.LIVE, Verdict.DEGRADED)


class Quantiles(Protocol):
    def quantile(self, q: float) -> float | None: ...


class LiveView(Protocol):
    """What the running probe pipeline knows now, from memory (implemented in bot/monitor.py)."""

    def health(self, channel_key: str) -> HealthState | None:
        """The channel's current health state, None before its first result."""
        ...

    def recent_latency(self, channel_key: str) -> Quantiles:
        """Latency (ms) quantiles of the last hour's successful checks (None without any)."""
        ...

    def upstream(self, exchange_id: str) -> Upstream | None:
        """The exchange's status page as last read, None where it has none or none yet."""
        ...

    def blind_since(self) -> datetime | None:
        """Since when our own connection fails (every canary does), None while we can see."""
        ...


class BlindCause(StrEnum):
    """Why we can't check (`ExchangeStatus.blind_since`)."""

    CONNECTION = "connection"  # our own connection fails: every canary does (bot/blind.py)
    CHECKS_STOPPED = "checks_stopped"  # a standby's leader went silent (bot/following.py)


class RegionView(Protocol):
    """What each probing region last saw (implemented in bot/monitor.py)."""

    def sightings(self, channel_key: str) -> Sequence[Sighting]:
        """Every region's latest sighting of the channel; empty while one region reports."""
        ...


class Summary(Protocol):
    """Rollups of one channel merged over a window."""

    @property
    def count(self) -> int: ...

    @property
    def failures(self) -> int: ...

    @property
    def histogram(self) -> Quantiles: ...


class MaintenanceRow(Protocol):
    """A declared maintenance window; `channel` None covers the whole exchange."""

    @property
    def exchange(self) -> str: ...

    @property
    def channel(self) -> str | None: ...

    @property
    def starts_at(self) -> datetime: ...

    @property
    def ends_at(self) -> datetime | None: ...

    @property
    def reason(self) -> str: ...

    @property
    def reasons(self) -> Mapping[str, str]: ...


class TransitionRow(Protocol):
    """A stored change of a channel's health (health values as plain strings)."""

    @property
    def channel(self) -> str: ...

    @property
    def at(self) -> datetime: ...

    @property
    def old(self) -> str: ...

    @property
    def new(self) -> str: ...

    @property
    def detail(self) -> str: ...

    @property
    def error(self) -> str | None: ...


class StatusStore(Protocol):
    """The storage reads the status answers need (storage/store.py `Store` provides them)."""

    async def rollup_summaries(
        self,
        channels: Sequence[str] | None,
        since: datetime,
        until: datetime,
        *,
        with_latency: bool = True,
    ) -> Mapping[str, Summary]: ...

    async def transitions(
        self, exchange: str, since: datetime, limit: int
    ) -> Sequence[TransitionRow]: ...

    async def active_maintenance(self, now: datetime) -> Sequence[MaintenanceRow]: ...

    async def watching_since(self, exchange: str) -> datetime | None: ...


@dataclass(frozen=True, slots=True)
class Latency:
    """Milliseconds: the last check, and p50/p95 over the last hour and 24 h."""

    last: float | None = None
    p50_1h: float | None = None
    p95_1h: float | None = None
    p50_24h: float | None = None
    p95_24h: float | None = None


@dataclass(frozen=True, slots=True)
class Uptime:
    """Share of successful checks (0–1) over 24 h, 7 d and 30 d; None without checks."""

    day: float | None = None
    week: float | None = None
    month: float | None = None


@dataclass(frozen=True, slots=True)
class ChannelStatus:
    """One channel's answer: verdict, reasons, how fresh, how fast, how reliable."""

    exchange: Exchange
    channel: Channel
    verdict: Verdict
    reasons: tuple[Reason, ...]
    evidence_age_s: float | None
    state: HealthState | None
    latency: Latency
    uptime: Uptime
    opens_at: datetime | None = None
    reports: WaitSummary | None = None  # what traders waited (contact channels, with a book)
    # What each region last saw, when more than one reports (bot/regions.py), and the regions
    # that fail to reach it while another does ("unreachable from").
    regions: tuple[Sighting, ...] = ()
    unreachable_from: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        return self.exchange.key(self.channel)

    @property
    def usable(self) -> bool:
        return self.verdict in USABLE and self.channel.mode is not Mode.BROADCAST


class AnswerKind(StrEnum):
    """The exchange-level answer to "is support live now?"."""

    LIVE = "live"
    SLOW = "slow"
    CLOSED = "closed"
    DOWN = "down"
    MAINTENANCE = "maintenance"
    UNKNOWN = "unknown"
    NO_LIVE = "no_live"


@dataclass(frozen=True, slots=True)
class Answer:
    """The exchange's answer to "is support live now?".

    `subject`: the channel the headline is about (the best live one, the soonest to open, or
    the headline channel: the first probed contact channel). `fallback`: the contact channel
    to use meanwhile, reachable now (`bot.contact`). `best_async`: only when there is no
    fallback, the ticket form or e-mail to write to anyway (not confirmed reachable).
    """

    kind: AnswerKind
    subject: ChannelStatus | None
    fallback: ChannelStatus | None
    opens_at: datetime | None = None
    best_async: ChannelStatus | None = None


@dataclass(frozen=True, slots=True)
class ExchangeStatus:
    exchange: Exchange
    at: datetime
    channels: tuple[ChannelStatus, ...]
    answer: Answer
    upstream: Upstream | None
    # Since when we can't check (None: we can), and why: `LiveView.blind_since`, or since the
    # last check we know of when the checks stopped (`StatusService.stopped`).
    blind_since: datetime | None = None
    blind_cause: BlindCause = BlindCause.CONNECTION
    # What the exchange's own status API said last (None: not read by this process).
    feed: FeedFacts | None = None

    def channel(self, channel_id: str) -> ChannelStatus | None:
        return next((c for c in self.channels if c.channel.id == channel_id), None)


@dataclass(frozen=True, slots=True)
class _Windows:
    day: Summary | None
    week: Summary | None
    month: Summary | None


class StatusService:
    """Builds `ExchangeStatus` from memory and cached rollups; chat commands call it."""

    def __init__(
        self,
        catalog: Catalog,
        live: LiveView,
        store: StatusStore | None,
        clock: Clock,
        *,
        feeds: FeedView | None = None,
        reports: WaitBook | None = None,
        regions: RegionView | None = None,
        stopped: Callable[[], datetime | None] | None = None,
    ) -> None:
        """`reports`: where traders' wait reports are kept (None: none are, or shown).
        `regions`: what probe nodes saw (None: this process's probes are the only ones).
        `stopped`: since when the checks `live` reads have stopped (None while they run; a
        standby's `ReplicaView.stopped_since`): every verdict is then unknown, as stale."""
        self.catalog = catalog
        self.live = live
        self.store = store
        self.clock = clock
        # The exchanges' own status APIs (bot/feeds.py); None where nothing reads them.
        self.feeds = feeds
        self.reports = reports
        self.regions = regions
        self.stopped = stopped
        self._rollups: dict[str, _Windows] = {}
        self._rollup_hour: datetime | None = None
        self._lock = asyncio.Lock()

    async def exchange_status(self, exchange: Exchange) -> ExchangeStatus:
        """Every channel's verdict and figures, and the exchange's answer, as of now."""
        now = self.clock.now()
        windows = await self._windows(exchange, now)
        maintenance = await self._maintenance(exchange, now)
        upstream = self.live.upstream(exchange.id)
        stopped = self.stopped() if self.stopped is not None else None
        channels = tuple(
            self._channel_status(
                exchange, c, now, windows, maintenance, upstream, stopped=stopped is not None
            )
            for c in exchange.channels
        )
        channels = await self._with_reports(exchange, channels)
        answer = answer_of(channels, now)
        feed = self.feeds.facts(exchange.id) if self.feeds is not None else None
        blind, cause = stopped, BlindCause.CHECKS_STOPPED
        if stopped is None:
            blind, cause = self.live.blind_since(), BlindCause.CONNECTION
        return ExchangeStatus(exchange, now, channels, answer, upstream, blind, cause, feed=feed)

    async def _with_reports(
        self, exchange: Exchange, channels: tuple[ChannelStatus, ...]
    ) -> tuple[ChannelStatus, ...]:
        """The channels with what traders reported waiting on them (24 h)."""
        if self.reports is None:
            return channels
        found = await self.reports.summaries(exchange)
        return tuple(replace(c, reports=found.get(c.channel.id)) for c in channels)

    async def transitions(self, exchange: Exchange, days: int = 7) -> Sequence[TransitionRow]:
        """The exchange's health transitions of the last `days` days, oldest first."""
        if self.store is None:
            return ()
        since = self.clock.now() - timedelta(days=days)
        rows = await self.store.transitions(exchange.id, since, 500)
        return sorted(rows, key=lambda t: t.at)

    async def watching_since(self, exchange: Exchange) -> datetime | None:
        """When the bot first checked the exchange (None: never, or no database)."""
        if self.store is None:
            return None
        return await self.store.watching_since(exchange.id)

    async def warm(self) -> None:
        """Load every channel's rollup summaries for this hour (call at start and hourly)."""
        now = self.clock.now()
        async with self._lock:
            self._reset_if_new_hour(now)
            loaded = await self._load(None, now)
            self._rollups.update(loaded)
            for exchange, channel in self.catalog.channels():
                self._rollups.setdefault(exchange.key(channel), _Windows(None, None, None))

    async def until_next_hour(self) -> None:
        """Sleep until just after the hour turns (when `warm` has new rollups to load)."""
        now = self.clock.now()
        turn = now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1, seconds=5)
        await asyncio.sleep((turn - now).total_seconds())

    def _channel_status(
        self,
        exchange: Exchange,
        channel: Channel,
        now: datetime,
        windows: Mapping[str, _Windows],
        maintenance: Mapping[str | None, Maintenance],
        upstream: Upstream | None,
        *,
        stopped: bool = False,
    ) -> ChannelStatus:
        key = exchange.key(channel)
        state = self.live.health(key) if channel.probe is not None else None
        status = channel_status(
            exchange,
            channel,
            state,
            now,
            maintenance=maintenance.get(channel.id) or maintenance.get(None),
            upstream=upstream,
            latency=self._latency(key, state, windows.get(key)),
            uptime=_uptime(windows.get(key)),
            stopped=stopped,
        )
        return self._with_regions(status, now)

    def _with_regions(self, status: ChannelStatus, now: datetime) -> ChannelStatus:
        """The status with what each region saw, when more than one region reports now."""
        probe = status.channel.probe
        if self.regions is None or probe is None:
            return status
        seen = tuple(self.regions.sightings(status.key))
        max_age = max_age_s(probe.interval_s, probe.timeout_s)
        if sum(is_recent(s, now, max_age) for s in seen) < 2:
            return status
        failing = tuple(unreachable_from(seen, now, max_age))
        return replace(status, regions=seen, unreachable_from=failing)

    def _latency(self, key: str, state: HealthState | None, windows: _Windows | None) -> Latency:
        recent = self.live.recent_latency(key)
        last = state.last_latency_ms if state is not None and state.last_ok else None
        day = windows.day if windows is not None else None
        return Latency(
            last=last,
            p50_1h=recent.quantile(0.50),
            p95_1h=recent.quantile(0.95),
            p50_24h=day.histogram.quantile(0.50) if day is not None and day.count else None,
            p95_24h=day.histogram.quantile(0.95) if day is not None and day.count else None,
        )

    async def _windows(self, exchange: Exchange, now: datetime) -> dict[str, _Windows]:
        """Rollup summaries of the exchange's probed channels, cached for the hour."""
        keys = [exchange.key(c) for c in exchange.channels if c.probe is not None]
        self._reset_if_new_hour(now)
        missing = [k for k in keys if k not in self._rollups]
        if missing:
            async with self._lock:
                self._reset_if_new_hour(now)
                missing = [k for k in keys if k not in self._rollups]
                loaded = await self._load(missing, now) if missing else {}
                for key in missing:
                    self._rollups[key] = loaded.get(key, _Windows(None, None, None))
        return {k: self._rollups[k] for k in keys if k in self._rollups}

    def _reset_if_new_hour(self, now: datetime) -> None:
        hour = now.replace(minute=0, second=0, microsecond=0)
        if hour != self._rollup_hour:
            self._rollups = {}
            self._rollup_hour = hour

    async def _load(self, keys: Sequence[str] | None, now: datetime) -> dict[str, _Windows]:
        """Summaries of complete hours over 24 h, 7 d and 30 d for these channels (None: all)."""
        if self.store is None or keys == []:
            return {}
        until = now.replace(minute=0, second=0, microsecond=0)
        found: dict[str, list[Summary | None]] = {}
        for position, span in enumerate(WINDOWS):
            # Latency quantiles are shown for 24 h only; longer windows need just the counts.
            summaries = await self.store.rollup_summaries(
                keys, until - span, until, with_latency=position == 0
            )
            for key, summary in summaries.items():
                found.setdefault(key, [None, None, None])[position] = summary
        return {key: _Windows(*parts) for key, parts in found.items()}

    async def _maintenance(
        self, exchange: Exchange, now: datetime
    ) -> dict[str | None, Maintenance]:
        """Maintenance of the exchange now: channel id (None: all) → window.

        Declared windows first; where none covers every channel, the exchange's own status
        API saying the whole exchange is in maintenance (Kraken, Binance, KuCoin) does.
        """
        found: dict[str | None, Maintenance] = {}
        if self.store is not None:
            rows = await self.store.active_maintenance(now)
            found = {
                m.channel: Maintenance(m.starts_at, m.ends_at, m.reason, m.reasons)
                for m in rows
                if m.exchange == exchange.id
            }
        facts = self.feeds.facts(exchange.id) if self.feeds is not None else None
        view = system_view(exchange, facts, now)
        if None not in found and under_maintenance(view):
            found[None] = api_window(maintenance_event(view))
        return found


def api_window(event: Event | None) -> Maintenance:
    """The API's maintenance as a window for every channel: the event's title as its note and
    its expected end as its end, where the API lists the maintenance under way."""
    if event is None:
        return Maintenance(code=ReasonCode.API_MAINTENANCE)
    return Maintenance(ends_at=event.ends_at, note=event.title, code=ReasonCode.API_MAINTENANCE)


def channel_status(
    exchange: Exchange,
    channel: Channel,
    state: HealthState | None,
    now: datetime,
    *,
    maintenance: Maintenance | None = None,
    upstream: Upstream | None = None,
    latency: Latency | None = None,
    uptime: Uptime | None = None,
    stopped: bool = False,
) -> ChannelStatus:
    """One channel's verdict from its health state (None: no result yet), pure.

    `upstream` is the exchange's status page; only the status-page channel takes its
    verdict from it (the page speaks for the exchange, not for each channel). `stopped`:
    the checks have stopped (`StatusService.stopped`), so the last one, however recent, is
    stale: unknown, never live or down from it.
    """
    interval = channel.probe.interval_s if channel.probe is not None else DEFAULT_INTERVAL_S
    health = effective_health(state, now, interval) if state is not None else Health.UNKNOWN
    if stopped:
        health = Health.UNKNOWN
    result = decide(
        channel,
        health,
        now,
        maintenance=maintenance,
        upstream=upstream if channel.kind is ChannelKind.STATUS_PAGE else None,
        evidence_at=state.last_at if state is not None else None,
        detail=state.last_detail if state is not None else "",
        degraded_by=state.degraded_by if state is not None else None,
        # Stopped: any age is too old (and a blind last check is no more than stale).
        stale_after_s=-1.0 if stopped else DEFAULT_POLICY.stale_intervals * interval,
        blind=state is not None and state.last_error == ErrorKind.BLIND,
    )
    return ChannelStatus(
        exchange=exchange,
        channel=channel,
        verdict=result.verdict,
        reasons=result.reasons,
        evidence_age_s=result.evidence_age_s,
        state=state,
        latency=latency or Latency(last=state.last_latency_ms if state and state.last_ok else None),
        uptime=uptime or Uptime(),
        opens_at=next_open(channel.hours, now) if result.verdict is Verdict.OFF_HOURS else None,
    )


def live_statuses(exchange: Exchange, live: LiveView, now: datetime) -> tuple[ChannelStatus, ...]:
    """Every channel's status from memory alone (no rollups, no declared maintenance)."""
    upstream = live.upstream(exchange.id)
    return tuple(
        channel_status(
            exchange,
            channel,
            live.health(exchange.key(channel)) if channel.probe is not None else None,
            now,
            upstream=upstream,
        )
        for channel in exchange.channels
    )


def answer_of(channels: Sequence[ChannelStatus], now: datetime) -> Answer:
    """The exchange's answer: the best live channel, or why there is none and what to use."""
    live_mode = [c for c in channels if c.channel.contact and c.channel.mode is Mode.LIVE]
    for verdict, kind in ((Verdict.LIVE, AnswerKind.LIVE), (Verdict.DEGRADED, AnswerKind.SLOW)):
        candidates = [c for c in live_mode if c.verdict is verdict]
        if candidates:
            return Answer(kind, min(candidates, key=_speed), None)
    use = contact.fallback(channels)
    write_to = None if use is not None else contact.best_async(channels)
    closed = [c for c in live_mode if c.verdict is Verdict.OFF_HOURS]
    if closed:
        soonest = min(closed, key=lambda c: c.opens_at or now + timedelta(days=365))
        return Answer(AnswerKind.CLOSED, soonest, use, soonest.opens_at, write_to)
    subject = headline_channel(channels)
    kind = (
        _HEADLINE_KIND.get(subject.verdict, AnswerKind.NO_LIVE) if subject else AnswerKind.NO_LIVE
    )
    return Answer(kind, subject, use, None, write_to)


# The headline channel's verdict, once no live chat or phone is live, slow or closed; a
# reachable headline channel then is a ticket form or e-mail: written support only.
_HEADLINE_KIND = {
    Verdict.MAINTENANCE: AnswerKind.MAINTENANCE,
    Verdict.DOWN: AnswerKind.DOWN,
    Verdict.UNKNOWN: AnswerKind.UNKNOWN,
}


def headline_channel(channels: Sequence[ChannelStatus]) -> ChannelStatus | None:
    """The exchange's first probed contact channel (else its first contact channel).

    A channel we never check (a phone line) cannot lead the answer: its verdict would stay
    "not checked" whatever the probes see.
    """
    people = [c for c in channels if c.channel.contact]
    probed = next((c for c in people if c.channel.probe is not None), None)
    return probed or (people[0] if people else None)


def _speed(status: ChannelStatus) -> tuple[int, float]:
    """Sort key: live before degraded, then the last latency (unmeasured last)."""
    rank = 0 if status.verdict is Verdict.LIVE else 1
    last = status.latency.last
    return rank, last if last is not None else float("inf")


def _uptime(windows: _Windows | None) -> Uptime:
    if windows is None:
        return Uptime()
    return Uptime(_share(windows.day), _share(windows.week), _share(windows.month))


def _share(summary: Summary | None) -> float | None:
    if summary is None or summary.count <= 0:
        return None
    return (summary.count - summary.failures) / summary.count
