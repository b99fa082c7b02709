"""Probes from several places: when regions disagree about a channel, what it is, pure.

Every probing process has a region (`PROBE_REGION`): the main process (`supportlive run`,
which runs the monitor) and any `supportlive probe-node` writing into the same database. A
probe node keeps a `Sighting` per channel: its latest check and its own health state machine's
verdict (bot/health.py, the same thresholds). The monitor reads the other regions' sightings
every few seconds and decides with them:

- A region has a say about a channel when its latest check is recent (`max_age_s`: two probe
  intervals, plus the check's timeout and the delay a sighting takes to reach the monitor) and
  its health is known. A blind region (every canary failing there) or one just started has
  health `unknown`: its failures count for nothing, as the main process's own do.
- With one region having a say, nothing changes: the local state machine decides alone.
- With two or more, a channel is `down` only when at least two regions see it down. One region
  failing alone while another sees the channel up is a network problem near that region, not
  the exchange's: the channel keeps the health it had and the page says "unreachable from
  <region>". A channel down is back once another region's check made since it went down
  answered: not on a region whose health is still up while its latest check failed (its own
  count short of the threshold), nor on an answer older than the outage.

`reconcile` applies that to one step of the local state machine (`bot.health.advance`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from bot.health import DEFAULT_POLICY, Cause, HealthPolicy, HealthState, Transition, flipped
from bot.vocab import Health
from probes.result import ErrorKind

# A sighting is written by its probe node within about a second of the check and read by the
# monitor every `SIGHTINGS_EVERY_S`; both delays are allowed on top of two intervals.
SIGHTINGS_EVERY_S = 2.0
SIGHTING_DELAY_S = 1.0 + SIGHTINGS_EVERY_S
# Where the agreement needs two regions seeing a channel down.
QUORUM = 2


@dataclass(frozen=True, slots=True)
class Sighting:
    """What one region last saw of one channel: its latest check and its own health."""

    region: str
    channel: str
    at: datetime  # when that check started
    ok: bool
    health: Health
    error: ErrorKind | None = None
    detail: str = ""

    @property
    def blind(self) -> bool:
        return self.error is ErrorKind.BLIND


def max_age_s(interval_s: float, timeout_s: float) -> float:
    """How old a region's latest check may be for the region to have a say."""
    return 2 * interval_s + timeout_s + SIGHTING_DELAY_S


def is_recent(sighting: Sighting, now: datetime, max_age: float) -> bool:
    """Whether the check was made within `max_age` of `now`, before or after it.

    A node's check may start a little after ours (so after `now`), but a sighting further in
    the future comes from a node whose clock runs ahead: taken as recent, a node that stopped
    would keep its say (an 'up' hiding a real outage) until our clock caught up with its.
    """
    return abs((now - sighting.at).total_seconds()) <= max_age


@dataclass(frozen=True, slots=True)
class Agreement:
    """The regions that have a say about a channel now, split by what they see."""

    down: tuple[Sighting, ...] = ()
    up: tuple[Sighting, ...] = ()  # up or degraded: reachable

    @property
    def shared(self) -> bool:
        """Two or more regions have a say: the quorum rule applies."""
        return len(self.down) + len(self.up) >= QUORUM

    @property
    def is_down(self) -> bool:
        return self.shared and len(self.down) >= QUORUM

    def answered_since(self, at: datetime | None) -> tuple[Sighting, ...]:
        """The regions whose latest check was made at or after `at` (None: any) and answered.

        Not every region in `up`: a region's health stays up through its first failures,
        until its own threshold; only its latest check says whether the channel answers."""
        return tuple(s for s in self.up if s.ok and (at is None or s.at >= at))

    def reached_elsewhere(self, region: str) -> bool:
        """Another region reaches the channel and it is not down by agreement: a failure in
        `region` now is that region's network, not the exchange's."""
        return not self.is_down and any(s.region != region for s in self.up)


def agree(sightings: Iterable[Sighting], now: datetime, max_age: float) -> Agreement:
    """Who has a say (recent, health known) and what each sees; one sighting per region."""
    down: list[Sighting] = []
    up: list[Sighting] = []
    for sighting in sightings:
        if sighting.health is Health.UNKNOWN or not is_recent(sighting, now, max_age):
            continue
        (down if sighting.health is Health.DOWN else up).append(sighting)
    return Agreement(tuple(down), tuple(up))


def unreachable_from(sightings: Iterable[Sighting], now: datetime, max_age: float) -> list[str]:
    """Regions whose latest check failed while another recent region's passed, by name.

    What the page says as "unreachable from <region>". Blind regions are left out: a blind
    region's failure says nothing about the channel, and the page says so elsewhere.
    """
    recent = [s for s in sightings if is_recent(s, now, max_age) and not s.blind]
    if not any(s.ok for s in recent):
        return []
    return sorted(s.region for s in recent if not s.ok)


def seen_here(region: str, state: HealthState | None) -> Sighting | None:
    """This region's sighting, from its channel's health state (None before a check)."""
    if state is None or state.last_at is None or state.last_ok is None:
        return None
    try:
        error = None if state.last_error is None else ErrorKind(state.last_error)
    except ValueError:
        error = ErrorKind.OTHER
    return Sighting(
        region, state.channel, state.last_at, state.last_ok, state.health, error,
        state.last_detail,
    )  # fmt: skip


class RegionsSeen:
    """What each region last saw of a channel, this region's first (`bot.status.RegionView`).

    `others`: the other regions' sightings (the monitor's, read from the database); `health`:
    this region's health states (the monitor's memory on the leader, the stored states on a
    standby replica), so every replica's page says the same."""

    def __init__(
        self,
        region: str,
        others: Callable[[str], Sequence[Sighting]],
        health: Callable[[str], HealthState | None],
    ) -> None:
        self._region = region
        self._others = others
        self._health = health

    def sightings(self, channel_key: str) -> tuple[Sighting, ...]:
        """Empty while no other region reports on the channel."""
        others = tuple(self._others(channel_key))
        if not others:
            return ()
        here = seen_here(self._region, self._health(channel_key))
        return others if here is None else (here, *others)


def published_health(
    before: Health, proposed: Health, agreement: Agreement, since: datetime | None = None
) -> Health:
    """The channel's health once the regions are heard, from the local state machine's step.

    `before`: the health before the step, held since `since`; `proposed`: what the local
    state machine says after it (the local region's own view).
    """
    if not agreement.shared:
        return proposed
    if agreement.is_down:
        return Health.DOWN
    if proposed is not Health.DOWN:
        return proposed
    if before is not Health.DOWN:
        return before  # down here alone: the channel keeps what it had
    # Down, and still failing here: back only when another region's check made since it went
    # down answered. A "back" on older evidence, or on a region whose latest check failed
    # too (its own count of failures still short of its threshold), would be false news.
    return Health.UP if agreement.answered_since(since) else Health.DOWN


def reconcile(
    before: HealthState,
    after: HealthState,
    transition: Transition | None,
    agreement: Agreement,
    *,
    policy: HealthPolicy = DEFAULT_POLICY,
) -> tuple[HealthState, Transition | None]:
    """One step of the local state machine (`before` → `after`, `transition`) with the other
    regions heard; unchanged when fewer than two regions have a say.

    Kept back (the health stays `before`'s): a `down` only this region sees, or a recovery
    while two other regions still see it down. The local counters keep counting, so the
    state machine proposes the change again at the next result and it goes through as soon
    as the regions agree. Changed here (a transition the local step did not make): a channel
    down here and already down is back when another region's check made since it went down
    answered; a channel two other regions see down is down although this region reaches it.
    """
    published = published_health(before.health, after.health, agreement, before.since)
    if published is after.health:
        return after, transition
    if published is before.health:
        return _kept(before, after), None
    return _changed(before, after, published, agreement, policy)


def _kept(before: HealthState, after: HealthState) -> HealthState:
    """The state after the step with the health (and its history) of before.

    A run of failures only this region saw is dropped from the recent outcomes: those checks
    were overruled, and must not make the channel read as failing intermittently later.
    """
    recent = after.recent
    if after.last_ok is False:
        kept = len(recent)
        while kept and not recent[kept - 1]:
            kept -= 1
        recent = recent[:kept]
    return replace(
        after,
        health=before.health,
        since=before.since,
        degraded_by=before.degraded_by,
        flips=before.flips,
        flapping=before.flapping,
        recent=recent,
    )


def _changed(
    before: HealthState,
    after: HealthState,
    published: Health,
    agreement: Agreement,
    policy: HealthPolicy,
) -> tuple[HealthState, Transition]:
    """A change of health the other regions decided (see `reconcile`)."""
    at = after.last_at or before.last_at
    assert at is not None  # a step always has a result
    flips, flapping = flipped(before, at, policy)
    state = replace(
        after,
        health=published,
        since=at,
        degraded_by=None,
        flips=flips,
        flapping=flapping,
        recent=tuple(x for x in after.recent if x) if published is Health.UP else after.recent,
    )
    if published is Health.DOWN:
        seen = agreement.down[0]
        regions = ", ".join(s.region for s in agreement.down)
        cause, error, detail = Cause.FAILURES, seen.error, seen.detail
        reason = f"{seen.detail or 'check failed'} (down from {regions})"
    else:
        regions = ", ".join(s.region for s in agreement.answered_since(before.since))
        cause, error, detail = Cause.RECOVERED, None, ""
        reason = f"answering from {regions}"
    transition = Transition(
        channel=before.channel,
        at=at,
        old=before.health,
        new=published,
        cause=cause,
        reason=reason,
        error=error,
        detail=detail,
        flapping=flapping,
        down_since=before.since if before.health is Health.DOWN else None,
    )
    return state, transition
