"""The probe pipeline's bot side: result → health → storage, and the live view in memory.

The scheduler hands every `ProbeResult` to `Monitor.on_result`, which queues it; the monitor
takes queued results in runs (`settle`: within `SETTLE_AFTER_S`, or at `SETTLE_MAX` queued, or
before anything reads its state), each advancing its channel's health (pure, in memory) and
buffered for storage. `flush` writes the buffered results, the health states due (see
`_Saved`) and the transitions to the database; transitions go through `on_transition` (the
alerts module writes them with their outbox rows in one transaction). Chat answers read
`Monitor` as their `LiveView`: never the raw results table.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import NamedTuple, TypeVar

from bot.blind import Sight, blinded
from bot.catalog import Catalog
from bot.clock import Clock
from bot.health import (
    DEFAULT_POLICY,
    HealthPolicy,
    HealthState,
    Transition,
    advance,
    counted,
    initial,
    steady_until,
)
from bot.latency import HourQuantiles, LatencyWindow
from bot.probe_plan import probe_plan
from bot.regions import (
    SIGHTING_DELAY_S,
    Agreement,
    RegionsSeen,
    Sighting,
    agree,
    max_age_s,
    reconcile,
)
from bot.verdict import Component, ComponentStatus, Incident, Indicator, Upstream
from bot.vocab import Health
from probes.context import Target
from probes.result import ErrorKind, ProbeResult
from probes.spec import StatuspageProbe
from storage.histogram import Histogram
from storage.records import HealthRow, SightingRow, TransitionRecord
from storage.store import Store

log = logging.getLogger(__name__)

TransitionSink = Callable[[Transition], Awaitable[None]]
UpstreamSink = Callable[[str, Upstream], Awaitable[None]]
ResultObserver = Callable[[ProbeResult], None]
STATUS_PAGE_KEY = "~status_page"
# Raw results kept in memory while the database is out (~0.5 KB each): a few minutes of a
# large catalog. Older ones are dropped first; their rollup hour then counts fewer checks.
BACKLOG_MAX = 20_000
_NO_LATENCY = HourQuantiles(Histogram())
# Results that make a batch worth writing before the flush's second is up (`wait_for_batch`):
# only above this many results per second. Each flush also costs per channel it touches (a
# rollup row merged, a health state looked at) and per transaction, whatever its size: at
# 8,000 results/s over 200 channels (bench/probe_pipeline.py), batches of 5,000 cost ~2 us
# less per result than batches of 1,000, and a write holds the database ~15 ms longer.
BATCH_MAX = 5_000
# Results are taken in runs (`Monitor.settle`), not one by one as each probe returns: taking a
# result between two probes' network work cost about twice what it cost in a run of them, the
# code and data of both leaving the processor's caches in turn. With runs of 256, the
# pipeline's CPU per check in bench/probe_pipeline.py (keep-alive) fell by ~8 %. A result waits
# at most SETTLE_AFTER_S to be taken (a health change, and its alert, that much later); any read
# of the monitor's state takes the waiting results first, so no answer misses one.
SETTLE_MAX = 256
SETTLE_AFTER_S = 0.05
# At most this long between writes of a channel's stored health state (or one probe interval
# of the channel, when that is shorter); see `_Saved`.
SAVE_EVERY_S = 60.0


@dataclass
class _Pending:
    results: list[ProbeResult] = field(default_factory=list)
    transitions: list[Transition] = field(default_factory=list)
    upstreams: dict[str, Upstream] = field(default_factory=dict)
    sight: bool = False  # the blind state changed


class _Saved(NamedTuple):
    """What a channel's stored health state says that matters, and when it was written.

    Every result changes a state (`last_at`, the run counters), but rewriting each channel's
    JSON row for every result was the largest part of a flush. So a state is written when
    something a reader acts on changed (`_salient`: health, since when, flapping, the blind
    spell, whether the last check failed and how), and otherwise at most every `SAVE_EVERY_S`
    seconds (or one probe interval, if shorter). Memory stays exact; only the stored copy lags.
    What the lag costs, and why it is acceptable: a restart after a crash restores run
    counters up to that old, so an outage under way may need up to one more failed check
    before it is news (never a false alert: health itself is always stored); and
    `supportlive ask` reads a last-check time at most one probe interval older than the
    truth, inside the three intervals after which it calls evidence stale.
    """

    salient: tuple[object, ...]
    at: datetime


class _Channel:
    """One channel in memory: its health state, recent latency, and the normal checks
    counted since the state was last built.

    Nearly every check of a healthy channel changes nothing but run counters and last-check
    fields (`bot.health.steady_until`). Rebuilding the 17-field state for each was most of
    the monitor's cost per result, so such checks are only counted here (`take_normal`: a
    few comparisons, no allocation) and folded in when the state is read (`current`). Any
    other check goes through `bot.health.advance` as before.
    """

    __slots__ = ("last", "last_at", "normal", "state", "until", "window")

    def __init__(self, state: HealthState, policy: HealthPolicy) -> None:
        self.state = state
        self.last_at = state.last_at  # of the newest check taken
        self.until = steady_until(state, policy)  # None: the next check goes through advance
        self.normal = 0  # normal checks counted on top of `state`
        self.last: ProbeResult | None = None  # the newest of them
        self.window: LatencyWindow | None = None

    def put(self, state: HealthState, policy: HealthPolicy) -> None:
        """Make `state` the channel's state, with nothing counted on top of it."""
        self.state = state
        self.last_at = state.last_at
        self.until = steady_until(state, policy)
        self.normal = 0
        self.last = None

    def take_normal(self, result: ProbeResult) -> bool:
        """Count `result` if it is a normal check the steady state only counts; else False.

        The caller has made sure no other region reports on the channel (their say can
        change health on any check, see `bot.regions`)."""
        at = result.at
        if (
            self.until is None
            or not result.ok
            or result.slow
            or result.error is not None
            or self.last_at is None
            or at < self.last_at
            or at >= self.until
        ):
            return False
        self.normal += 1
        self.last = result
        self.last_at = at
        return True

    def add_latency(self, at: datetime, ms: float) -> None:
        """Keep a successful check's latency in the hour's summary."""
        window = self.window
        if window is None:
            window = self.window = LatencyWindow()
        window.add(at.timestamp(), ms)

    def current(self) -> HealthState:
        """The state with every counted check folded in."""
        if self.normal and self.last is not None:
            self.state = counted(self.state, self.normal, self.last)
            self.normal = 0
            self.last = None
        return self.state


def _salient(state: HealthState) -> tuple[object, ...]:
    return (
        state.health,
        state.since,
        state.flapping,
        state.held,
        state.degraded_by,
        state.last_ok,
        state.last_error,
    )


def targets_of(catalog: Catalog, *, allow_local: bool = False) -> list[Target]:
    """One scheduler target per distinct probe of the catalog (see `bot.probe_plan`)."""
    return list(probe_plan(catalog, allow_local=allow_local).targets)


def status_page_targets(catalog: Catalog, *, allow_local: bool = False) -> list[Target]:
    """Each exchange's `status_page` that no channel reads already, read by the bot itself.

    Its key (`kraken/~status_page`) is no channel: what it reads is the exchange's upstream,
    never a channel's health, so it is neither stored nor alerted on as a channel.
    """
    return [
        Target(
            f"{exchange.id}/{STATUS_PAGE_KEY}",
            StatuspageProbe(url=exchange.status_page),
            exchange.official_domains,
            allow_local,
        )
        for exchange in catalog.exchanges
        if exchange.status_page
        and not any(c.probe is not None and c.probe.kind == "statuspage" for c in exchange.channels)
    ]


class Monitor:
    """Keeps each channel's health and recent latency; persists them in batches."""

    def __init__(
        self,
        catalog: Catalog,
        store: Store,
        clock: Clock,
        *,
        policy: HealthPolicy = DEFAULT_POLICY,
        on_transition: TransitionSink | None = None,
        on_upstream: UpstreamSink | None = None,
        observe: ResultObserver | None = None,
        batch_max: int = BATCH_MAX,
        backlog_max: int = BACKLOG_MAX,
        canaries: Sequence[str] = (),
        save_every_s: float = SAVE_EVERY_S,
        region: str = "main",
    ) -> None:
        """`canaries`: the keys of canary targets (`bot.blind.canary_targets`); none means
        the correlated-failure rule decides when the probes are blind. `save_every_s`: the
        longest a changed health state waits to be stored (see `_Saved`). `region`: where
        this process probes from (`PROBE_REGION`); other regions' sightings (`hear_regions`)
        join the decision as `bot.regions` says."""
        self._catalog = catalog
        self._store = store
        self._clock = clock
        self._policy = policy
        # Set after construction when the sink needs the monitor itself (alerts read it).
        self.on_transition = on_transition or self._store_transition
        self.on_upstream = on_upstream
        self._observe = observe
        self._batch_max = batch_max
        self._channels: dict[str, _Channel] = {}
        # The channels whose normal checks take the fast path of `_decide` (`_is_plain`): the
        # same objects as in `_channels`, so whatever replaces one there must drop it here.
        self._plain: dict[str, _Channel] = {}
        self._upstream: dict[str, Upstream] = {}
        self._probed = {e.key(c) for e, c in catalog.channels() if c.probe is not None}
        self._save_every = {
            e.key(c): min(save_every_s, c.probe.interval_s)
            for e, c in catalog.channels()
            if c.probe is not None
        }
        self._unsaved: set[str] = set()  # channels whose state is newer than the stored copy
        self._saved: dict[str, _Saved] = {}
        # Channels that probe what another channel probes get that channel's results.
        self._plan = probe_plan(catalog)
        self._status_channels = {
            exchange.key(channel): exchange.id
            for exchange, channel in catalog.channels()
            if channel.probe is not None and channel.probe.kind == "statuspage"
        }
        # Status pages read for the exchange alone, and canaries: results that are no channel's.
        self._pages = {t.channel: t.channel.partition("/")[0] for t in status_page_targets(catalog)}
        self._sight = Sight(canaries, self._probed)
        self._pending = _Pending()
        self._queued: list[ProbeResult] = []  # handed over, not yet taken (`settle`)
        self._settle_timer: asyncio.TimerHandle | None = None
        self._settle_loop: asyncio.AbstractEventLoop | None = None  # the timer's
        self._full = asyncio.Event()
        self._flush_lock = asyncio.Lock()
        self._backlog_max = backlog_max
        self._dropping = False
        self.dropped = 0  # raw results dropped while the database was out (for /metrics)
        self._seeing = False  # this run owns the stored sight (see `see_afresh`)
        self.region = region
        # Other regions' latest sightings per channel key (empty: this region decides alone),
        # and how old one may be to count (bot.regions.max_age_s).
        self._others: dict[str, tuple[Sighting, ...]] = {}
        self._max_age = {
            e.key(c): max_age_s(c.probe.interval_s, c.probe.timeout_s)
            for e, c in catalog.channels()
            if c.probe is not None
        }
        # Every region's sighting per channel, as last read; `_others` is built from it.
        self._heard: dict[str, dict[str, Sighting]] = {}
        self._heard_at: datetime | None = None  # when the last read started
        timeouts = [c.probe.timeout_s for _, c in catalog.channels() if c.probe is not None]
        # A sighting reaches the table at most a probe's timeout and a node's flush after
        # its check started: each read takes the rows from that long before the last one.
        self._arrival_s = max(timeouts, default=0.0) + SIGHTING_DELAY_S
        self._regions_heard: set[str] = set()

    # -- LiveView: what the status service reads -------------------------------------------

    def health(self, channel_key: str) -> HealthState | None:
        self.settle()
        live = self._channels.get(channel_key)
        return None if live is None else live.current()

    def recent_latency(self, channel_key: str) -> HourQuantiles:
        self.settle()
        live = self._channels.get(channel_key)
        if live is None or live.window is None:
            return _NO_LATENCY
        return live.window.quantiles(self._clock.now().timestamp())

    def upstream(self, exchange_id: str) -> Upstream | None:
        self.settle()
        return self._upstream.get(exchange_id)

    def blind_since(self) -> datetime | None:
        self.settle()
        return self._sight.since

    def other_regions(self, channel_key: str) -> tuple[Sighting, ...]:
        """The other regions' latest sightings of the channel, as last read (`hear_regions`)."""
        self.settle()
        return self._others.get(channel_key, ())

    def sightings(self, channel_key: str) -> tuple[Sighting, ...]:
        """What each region last saw of the channel, this one first; empty while no other
        region has reported on it."""
        return RegionsSeen(self.region, self.other_regions, self.health).sightings(channel_key)

    # -- the pipeline ---------------------------------------------------------------------

    async def restore(self) -> None:
        """Load the stored health states, so a restart neither forgets nor re-alerts.

        Also when a replica leads again: the channels loaded replace those in memory, and
        leave the fast path (`_plain`), which would count their normal checks on the old
        ones, unread; each joins it again by its next check (`_take`)."""
        self.settle()
        for channel, row in (await self._store.load_health()).items():
            if channel in self._probed:
                state = HealthState.from_json(row.state)
                self._channels[channel] = _Channel(state, self._policy)
                self._plain.pop(channel, None)
                self._saved[channel] = _Saved(_salient(state), row.updated_at)

    async def see_afresh(self) -> None:
        """Forget what an earlier run last stored about sight: a new run sees afresh.

        Called once the process is sure to run (its web side listens), right before the
        probes start: a second `supportlive run` that stops at start (its port is taken)
        must not clear the blind state the running bot stored for `supportlive ask`.
        """
        await self._store.save_sight(None, self._clock.now())
        self._seeing = True

    async def stop_seeing(self) -> None:
        """At stop, after the final flush: a stopped bot checks nothing, so `supportlive ask`
        must not read its last blind spell as "right now" for ever after. Only a run that
        reset sight at start (`see_afresh`) clears it; a failed second start leaves it be."""
        if self._seeing and self._sight.blind:
            await self._store.save_sight(None, self._clock.now())

    def on_result(self, result: ProbeResult) -> None:
        """Queue a result; it is taken within `SETTLE_AFTER_S` (see `settle`), or at once when
        no event loop runs (a script or a test feeding results by hand)."""
        queued = self._queued
        queued.append(result)
        if len(queued) >= SETTLE_MAX:
            self.settle()
            return
        timer_loop = self._settle_loop
        if timer_loop is not None and not timer_loop.is_closed():
            # A settle is due already. Not asked of asyncio for every result: on Python 3.11
            # `get_running_loop` is a system call (it compares the process id).
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self.settle()
            return
        if self._settle_loop is not loop:  # no timer yet, or one of a loop that has ended
            self._settle_loop = loop
            self._settle_timer = loop.call_later(SETTLE_AFTER_S, self.settle)

    def settle(self) -> None:
        """Take every queued result, in the order they came (`_decide` each). Every read of
        the state and every flush calls it first. A result that breaks the monitor (a bug) is
        logged and skipped: the ones queued after it are still taken."""
        if self._settle_timer is not None:
            self._settle_timer.cancel()
            self._settle_timer = None
            self._settle_loop = None
        if not self._queued:
            return
        queued, self._queued = self._queued, []
        decide = self._decide
        for result in queued:
            try:
                decide(result)
            except Exception:
                log.exception("the monitor could not take a result of %s", result.channel)

    def _decide(self, result: ProbeResult) -> None:
        """Advance the channel's health now; persist later in a batch (see `flush`).

        Channels sharing the result's probe take the same result (`bot.probe_plan`). While
        blind (`bot.blind`), a failure is recorded as `blind`: health unknown, no transition.
        Canary and exchange status page results are no channel's: they only update what they
        stand for.
        """
        live = self._plain.get(result.channel)
        if live is not None and live.take_normal(result):
            # What a healthy channel gives nearly every time, so the least work that keeps
            # everything exact: counted (`_Channel`), its latency kept, buffered for the flush.
            # Sight needs no look: this channel's last result was a success (`_take`).
            if result.latency_ms is not None:
                live.add_latency(result.at, result.latency_ms)
            self._unsaved.add(result.channel)
            results = self._pending.results
            results.append(result)
            if len(results) >= self._batch_max:
                self._batch_filled()
            if self._observe is not None:
                self._observe(result)
            return
        if result.channel in self._pages or self._sight.is_canary(result.channel):
            self._on_side_result(result)
            return
        self._take(result)
        if result.channel in self._plan.shared:
            for shared in self._plan.for_others(result):
                self._take(shared)
        if self._observe is not None:
            self._observe(result)

    def _take(self, result: ProbeResult) -> None:
        self._observe_sight(result)
        channel = result.channel
        live = self._channels.get(channel)
        transition = None
        if live is None or channel in self._others or not live.take_normal(result):
            # Not a normal check of a steady channel: the state machine decides.
            result, transition = self._advance(result, live)
            live = self._channels[channel]
        if not result.ok:
            # Off the fast path (`_decide`) until a success comes through here: it skips
            # sight, which is exact only while the channel's last result (even a late one,
            # which leaves the state as it was) was a success.
            live.until = None
        else:
            if result.latency_ms is not None:
                live.add_latency(result.at, result.latency_ms)
            if channel not in self._plain and self._is_plain(channel):
                self._plain[channel] = live
        pending = self._pending
        if channel in self._status_channels:
            exchange_id = self._status_channels[channel]
            self._upstream[exchange_id] = pending.upstreams[exchange_id] = upstream_of(result)
        pending.results.append(result)
        self._unsaved.add(channel)
        if transition is not None:
            pending.transitions.append(transition)
        if len(pending.results) >= self._batch_max or transition is not None:
            self._batch_filled()

    def _batch_filled(self) -> None:
        self._full.set()
        if len(self._pending.results) > self._backlog_max:
            self._trim()  # the database is out and results keep coming

    def _is_plain(self, channel: str) -> bool:
        """Whether the channel's normal checks need nothing but counting: no other region
        reports on it, no channel shares its probe, and it reads no status page."""
        return (
            channel not in self._others
            and channel not in self._plan.shared
            and channel not in self._status_channels
        )

    def _advance(
        self, result: ProbeResult, live: _Channel | None
    ) -> tuple[ProbeResult, Transition | None]:
        """Fold a result into its channel's state with `bot.health.advance` (and the other
        regions' say); the result as stored (blinded when it proves nothing) and the
        transition, if health changed."""
        if not result.ok and self._sight.covers(result.at):
            result = blinded(result)
        before = initial(result.channel) if live is None else live.current()
        state, transition = advance(before, result, self._policy)
        others = self._others.get(result.channel)
        if others and state is not before and result.error is not ErrorKind.BLIND:
            # Other regions report on this channel: `down` needs two of them (bot/regions.py).
            agreement = self._agreement(result, state.health, others)
            state, transition = reconcile(before, state, transition, agreement, policy=self._policy)
            if not result.ok and agreement.reached_elsewhere(self.region):
                # Our network's failure, not the exchange's: stored like a blind check, it
                # counts neither as a check nor as a failure in the rollups (uptime, bars).
                result = blinded(result)
        if live is None:
            self._channels[result.channel] = _Channel(state, self._policy)
        else:
            live.put(state, self._policy)
        return result, transition

    def _agreement(
        self, result: ProbeResult, proposed: Health, others: tuple[Sighting, ...]
    ) -> Agreement:
        """The regions' say about the result's channel, this region's being `proposed`."""
        here = Sighting(
            self.region, result.channel, result.at, result.ok, proposed, result.error,
            result.detail,
        )  # fmt: skip
        max_age = self._max_age.get(result.channel, 0.0)
        return agree((here, *others), self._clock.now(), max_age)

    async def hear_regions(self) -> None:
        """Read the other regions' sightings written since the last read (probe nodes write
        them), for the next results to be decided with (see `bot.regions`). One indexed read
        of recent rows; sightings too old to count for any channel are forgotten."""
        if not self._max_age:
            return
        self.settle()  # the results before this read are decided without it
        now = self._clock.now()
        oldest = now - timedelta(seconds=max(self._max_age.values()))
        since = oldest
        if self._heard_at is not None:
            since = max(oldest, self._heard_at - timedelta(seconds=self._arrival_s))
        rows = await self._store.region_sightings(other_than=self.region, since=since)
        self.settle()  # and so are those that came during it
        self._heard_at = now
        changed = set()
        for row in rows:
            self._heard.setdefault(row.channel, {})[row.region] = sighting_of(row)
            changed.add(row.channel)
        for channel, regions in self._heard.items():
            for region in [r for r, seen in regions.items() if seen.at < oldest]:
                del regions[region]
                changed.add(channel)
        for channel in changed:
            regions = self._heard[channel]
            if regions:
                self._others[channel] = tuple(regions.values())
                self._plain.pop(channel, None)  # back once no other region reports (`_take`)
            else:
                self._others.pop(channel, None)
                del self._heard[channel]
        self._note_new_regions({row.region for row in rows})

    def _note_new_regions(self, regions: set[str]) -> None:
        new = regions - self._regions_heard
        if new:
            self._regions_heard |= new
            log.info("region %s reports too: down needs two regions", ", ".join(sorted(new)))

    def _observe_sight(self, result: ProbeResult) -> None:
        """Let the result count toward the blind state; a change is written at the next flush."""
        before = self._sight.since
        self._sight.observe(result)
        if self._sight.since != before:
            self._pending.sight = True
            self._full.set()
            if self._sight.blind:
                how = "every canary" if self._sight.uses_canaries else "channels of 3+ exchanges"
                log.warning("blind: %s failing; failures prove nothing until we see again", how)
            else:
                log.warning("seeing again: the probes decide again")

    def _on_side_result(self, result: ProbeResult) -> None:
        exchange_id = self._pages.get(result.channel)
        if exchange_id is None:
            self._observe_sight(result)
            return
        self._upstream[exchange_id] = self._pending.upstreams[exchange_id] = upstream_of(result)
        self._full.set()

    async def flush(self) -> None:
        """Write buffered results, the states due (see `_Saved`) and transitions in ONE
        transaction.

        The transition sink (alerts) joins that transaction with its outbox rows, so a crash
        loses neither a health change nor its alerts. On failure the batch is kept for the
        next flush and the error raised (the supervisor retries with backoff); while the
        database stays out, only the oldest raw results beyond `backlog_max` are dropped.
        """
        async with self._flush_lock:
            self.settle()
            pending, self._pending = self._pending, _Pending()
            now = self._clock.now()
            states = self._states_to_save(now)
            if (
                not (pending.results or pending.transitions or pending.upstreams or pending.sight)
                and not states
            ):
                return
            try:
                async with self._store.transaction():
                    await self._store.write_results(pending.results, region=self.region)
                    await self._store.save_health(
                        [HealthRow(c, s.to_json(), now) for c, s in states.items()]
                    )
                    for transition in pending.transitions:
                        await self.on_transition(transition)
                    if pending.sight:
                        await self._store.save_sight(self._sight.since, now)
                    if self.on_upstream is not None:
                        for exchange_id, upstream in pending.upstreams.items():
                            await self.on_upstream(exchange_id, upstream)
            except BaseException:
                # Locked, full, or stopped mid-write (rolled back): the batch waits for the
                # next flush (the final one on stop), so no health change or alert is lost.
                self._unsaved.update(states)
                self._requeue(pending)
                self._trim()
                raise
            self._stored(states, now)
            self._backlog_written()

    async def flush_everything(self) -> None:
        """The last flush, at stop (or on stepping down): every state newer than its stored
        copy is written, due or not (`_Saved`), so the next start restores each channel as
        of its last check, not up to one interval before it (a re-test's failure, say)."""
        self.settle()  # the last checks may still be queued: they count as unsaved too
        for channel in self._unsaved:
            self._saved.pop(channel, None)  # as if never stored: due
        await self.flush()

    def _states_to_save(self, now: datetime) -> dict[str, HealthState]:
        """The unsaved states that changed in a way that matters, or waited long enough;
        they leave `_unsaved` (a result taken during the write puts its channel back)."""
        due: dict[str, HealthState] = {}
        for channel in self._unsaved:
            live = self._channels[channel]
            saved = self._saved.get(channel)
            # Counted checks change nothing salient (`_Channel`): no need to fold them in yet.
            if (
                saved is None
                or saved.salient != _salient(live.state)
                or (now - saved.at).total_seconds() >= self._save_every.get(channel, 0.0)
            ):
                due[channel] = live.current()
        self._unsaved.difference_update(due)
        return due

    def _stored(self, states: dict[str, HealthState], now: datetime) -> None:
        for channel, state in states.items():
            self._saved[channel] = _Saved(_salient(state), now)

    async def wait_for_batch(self, every_s: float = 1.0) -> None:
        """Return after `every_s` seconds, or sooner when a batch fills or a transition lands."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._full.wait(), timeout=every_s)
        self._full.clear()

    async def run(self, every_s: float = 1.0) -> None:
        """Flush and wait until cancelled; a failed flush ends it. For benchmarks: `supportlive
        run` has its supervisor repeat `flush` and `wait_for_batch`, retrying failures."""
        while True:
            await self.flush()
            await self.wait_for_batch(every_s)

    def drop_unwritten(self) -> tuple[int, int]:
        """Forget the batch failed flushes kept: (its probe results, its transitions). For a
        leader stepping down: the next leader decides from the stored states, and this batch,
        written should this process lead again, would contradict them."""
        self.settle()
        dropped, self._pending = self._pending, _Pending()
        return len(dropped.results), len(dropped.transitions)

    def _requeue(self, failed: _Pending) -> None:
        newer = self._pending
        failed.results.extend(newer.results)
        failed.transitions.extend(newer.transitions)
        failed.upstreams.update(newer.upstreams)
        failed.sight = failed.sight or newer.sight
        self._pending = failed

    def _trim(self) -> None:
        """Bound the backlog: drop the oldest raw results, never health states or transitions."""
        results = self._pending.results
        if len(results) <= self._backlog_max:
            return
        # Down to 90 %, so a steady stream of results trims once per 10 % of the backlog.
        excess = len(results) - (self._backlog_max - self._backlog_max // 10)
        del results[:excess]
        self.dropped += excess
        if not self._dropping:
            self._dropping = True
            log.warning(
                "the database is not taking writes: keeping the newest %d probe results in "
                "memory and dropping older ones (health changes and alerts are all kept)",
                self._backlog_max,
            )

    def _backlog_written(self) -> None:
        if self._dropping:
            self._dropping = False
            log.warning(
                "the database takes writes again; %d probe results were dropped in all",
                self.dropped,
            )

    async def _store_transition(self, transition: Transition) -> None:
        await self._store.add_transition(transition_record(transition))


def transition_record(transition: Transition) -> TransitionRecord:
    """The storage row of a health transition."""
    return TransitionRecord(
        channel=transition.channel,
        exchange=transition.channel.partition("/")[0],
        at=transition.at,
        old=transition.old.value,
        new=transition.new.value,
        reason=transition.reason,
        detail=transition.detail,
        flapping=transition.flapping,
        error=None if transition.error is None else transition.error.value,
    )


def sighting_of(row: SightingRow) -> Sighting:
    """A stored sighting as `bot.regions` reads it; values it does not know count as unknown."""
    try:
        health = Health(row.health)
    except ValueError:
        health = Health.UNKNOWN
    return Sighting(
        row.region, row.channel, row.at, row.ok, health, _error_kind(row.error), row.detail
    )


def _error_kind(value: str | None) -> ErrorKind | None:
    try:
        return None if value is None else ErrorKind(value)
    except ValueError:
        return ErrorKind.OTHER


def upstream_of(result: ProbeResult) -> Upstream:
    """What a status page probe saw, as the verdict rules read it.

    A page that could not be fetched or read is `unknown`, never "operational": a missing
    indicator proves nothing.
    """
    extra = result.extra
    if "indicator" not in extra:
        return Upstream(indicator=Indicator.UNKNOWN, detail=result.detail)
    indicator = _member(Indicator, extra.get("indicator"), Indicator.UNKNOWN)
    if extra.get("maintenance") and indicator is Indicator.NONE:
        indicator = Indicator.MAINTENANCE
    components_raw = extra.get("components")
    components = tuple(
        Component(str(name), _member(ComponentStatus, status, ComponentStatus.OPERATIONAL))
        for name, status in (components_raw.items() if isinstance(components_raw, dict) else ())
    )
    incidents_raw = extra.get("incidents")
    incidents = tuple(
        Incident(str(i.get("name", "")), str(i.get("status", "")), str(i.get("impact", "")))
        for i in (incidents_raw if isinstance(incidents_raw, list) else ())
        if isinstance(i, dict)
    )
    return Upstream(indicator=indicator, components=components, incidents=incidents)


_E = TypeVar("_E", Indicator, ComponentStatus)


def _member(kind: type[_E], value: object, default: _E) -> _E:
    try:
        return kind(str(value))
    except ValueError:
        return default
