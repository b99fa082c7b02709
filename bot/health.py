"""A channel's health from its probe results: a few counters against thresholds, pure.

`advance` folds one `ProbeResult` into a `HealthState` and says whether health changed.
Time is never read here: it comes from the result (`result.at`) or the caller (`now`).

Rules (docs/design.md section 5):
- The first result decides from `unknown`: one success is enough for `up` (a bot that just
  started should not call a healthy channel unknown for two intervals); failures from
  `unknown` need `failure_threshold` in a row, like from `up`, so one blip at start is no
  outage.
- `up`/`degraded` → `down` after `failure_threshold` consecutive failures.
- `down` → `up` after `success_threshold` consecutive successes.
- `up` → `degraded` on a slow success, or when `intermittent_failures` of the last
  `recent_size` results failed; `degraded` → `up` after `success_threshold` normal (ok, not
  slow) results in a row with no intermittency, so a latency hovering around `slow_ms`
  does not flip every check.
- Flapping: more than `flap_limit` flips within `flap_window_s`; it clears once the window
  holds at most half of that, so the flag itself does not flap.
- Blind (a failure recorded with error `blind`: every canary failed too): proves nothing.
  Health reads `unknown`, the health before is `held`, the run counters start again, and
  there is no transition. The next result that is not blind puts the held health back and
  counts as usual, so an outage needs `failure_threshold` fresh failures to be news and an
  outage that was already news recovers as usual.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any, NamedTuple

from bot.vocab import Health
from probes.result import ErrorKind, ProbeResult


class Cause(StrEnum):
    """Why health changed (or why it is degraded); renderers word it per locale."""

    FIRST_RESULT = "first_result"
    FAILURES = "failures"
    RECOVERED = "recovered"
    SLOW = "slow"
    INTERMITTENT = "intermittent"
    NORMAL = "normal"


@dataclass(frozen=True, slots=True)
class HealthPolicy:
    """Thresholds of the health state machine."""

    failure_threshold: int = 3
    success_threshold: int = 2
    flap_window_s: float = 3600.0
    flap_limit: int = 5
    stale_intervals: float = 3.0
    intermittent_failures: int = 2
    recent_size: int = 10

    def __post_init__(self) -> None:
        for name in ("failure_threshold", "success_threshold", "flap_limit", "recent_size"):
            if getattr(self, name) < 1:
                raise ValueError(f"HealthPolicy.{name} must be at least 1")
        if self.intermittent_failures < 2:
            # One failure among successes is what the failure threshold already tolerates.
            raise ValueError("HealthPolicy.intermittent_failures must be at least 2")
        if self.flap_window_s <= 0 or self.stale_intervals <= 0:
            raise ValueError("HealthPolicy windows must be positive")


DEFAULT_POLICY = HealthPolicy()


@dataclass(frozen=True, slots=True)
class HealthState:
    """What we know of one channel's health after the results seen so far."""

    channel: str
    health: Health = Health.UNKNOWN
    since: datetime | None = None
    consecutive_failures: int = 0
    consecutive_successes: int = 0
    consecutive_normal: int = 0
    last_at: datetime | None = None
    last_ok: bool | None = None
    last_latency_ms: float | None = None
    last_error: str | None = None
    last_detail: str = ""
    last_slow: bool = False
    degraded_by: Cause | None = None
    recent: tuple[bool, ...] = ()
    flips: tuple[datetime, ...] = ()
    flapping: bool = False
    held: Health | None = None  # the health before a blind spell; None outside one

    def to_json(self) -> dict[str, Any]:
        """A plain dict (datetimes as ISO strings) that `from_json` reads back."""
        return {
            "channel": self.channel,
            "health": self.health.value,
            "since": _iso(self.since),
            "consecutive_failures": self.consecutive_failures,
            "consecutive_successes": self.consecutive_successes,
            "consecutive_normal": self.consecutive_normal,
            "last_at": _iso(self.last_at),
            "last_ok": self.last_ok,
            "last_latency_ms": self.last_latency_ms,
            "last_error": self.last_error,
            "last_detail": self.last_detail,
            "last_slow": self.last_slow,
            "degraded_by": None if self.degraded_by is None else self.degraded_by.value,
            "recent": list(self.recent),
            "flips": [t.isoformat() for t in self.flips],
            "flapping": self.flapping,
            "held": None if self.held is None else self.held.value,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> HealthState:
        """Read what `to_json` wrote; missing optional keys take their defaults."""
        latency = data.get("last_latency_ms")
        degraded_by = data.get("degraded_by")
        held = data.get("held")
        return cls(
            channel=str(data["channel"]),
            health=Health(data.get("health", Health.UNKNOWN)),
            since=_from_iso(data.get("since")),
            consecutive_failures=int(data.get("consecutive_failures", 0)),
            consecutive_successes=int(data.get("consecutive_successes", 0)),
            consecutive_normal=int(data.get("consecutive_normal", 0)),
            last_at=_from_iso(data.get("last_at")),
            last_ok=None if data.get("last_ok") is None else bool(data["last_ok"]),
            last_latency_ms=None if latency is None else float(latency),
            last_error=data.get("last_error"),
            last_detail=str(data.get("last_detail", "")),
            last_slow=bool(data.get("last_slow", False)),
            degraded_by=None if degraded_by is None else Cause(degraded_by),
            recent=tuple(bool(x) for x in data.get("recent", ())),
            flips=tuple(datetime.fromisoformat(t) for t in data.get("flips", ())),
            flapping=bool(data.get("flapping", False)),
            held=None if held is None else Health(held),
        )


@dataclass(frozen=True, slots=True)
class Transition:
    """A change of a channel's health; `down_since` is set on recoveries (outage duration)."""

    channel: str
    at: datetime
    old: Health
    new: Health
    cause: Cause
    reason: str
    error: ErrorKind | None = None
    detail: str = ""
    flapping: bool = False
    down_since: datetime | None = None

    @property
    def down_for_s(self) -> float | None:
        """How long the outage lasted, for a recovery; None otherwise."""
        return None if self.down_since is None else (self.at - self.down_since).total_seconds()

    def to_json(self) -> dict[str, Any]:
        """A plain dict (datetimes as ISO strings) that `from_json` reads back."""
        return {
            "channel": self.channel,
            "at": self.at.isoformat(),
            "old": self.old.value,
            "new": self.new.value,
            "cause": self.cause.value,
            "reason": self.reason,
            "error": None if self.error is None else self.error.value,
            "detail": self.detail,
            "flapping": self.flapping,
            "down_since": _iso(self.down_since),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Transition:
        """Read what `to_json` wrote."""
        error = data.get("error")
        return cls(
            channel=str(data["channel"]),
            at=datetime.fromisoformat(data["at"]),
            old=Health(data["old"]),
            new=Health(data["new"]),
            cause=Cause(data["cause"]),
            reason=str(data["reason"]),
            error=None if error is None else ErrorKind(error),
            detail=str(data.get("detail", "")),
            flapping=bool(data.get("flapping", False)),
            down_since=_from_iso(data.get("down_since")),
        )


class _Counts(NamedTuple):
    """The run counters and recent outcomes after one more result."""

    failures: int
    successes: int
    normal: int
    recent: tuple[bool, ...]


def initial(channel: str) -> HealthState:
    """The state of a channel before its first result: unknown."""
    return HealthState(channel=channel)


def advance(
    state: HealthState, result: ProbeResult, policy: HealthPolicy = DEFAULT_POLICY
) -> tuple[HealthState, Transition | None]:
    """Fold one result into the state; the transition is None when health did not change."""
    if result.channel != state.channel:
        raise ValueError(f"result for {result.channel!r} given to state of {state.channel!r}")
    if state.last_at is not None and result.at < state.last_at:
        # A late retry must not rewind what newer results already said.
        return state, None
    if result.error is ErrorKind.BLIND:
        return _blinded(state, result), None
    if state.held is not None:
        # Seeing again: the health from before the blind spell decides from here.
        state = replace(state, health=state.held, held=None)
    # Every probe result passes here: the new state is worked out in locals and built once at
    # the end, since copying the 16-field frozen state costs more than deciding it.
    counts = _count(state, result, policy)
    new, cause = _next_health(state.health, counts, result, policy)
    flips = _recent_flips(state.flips, result.at, policy)
    if new == state.health or cause is None:
        degraded_by = (
            _degraded_by(state, counts, result, policy) if new == Health.DEGRADED else None
        )
        after = _fold(
            state,
            result,
            counts,
            health=state.health,
            since=state.since,
            recent=counts.recent,
            flips=flips,
            flapping=_is_flapping(state.flapping, flips, policy),
            degraded_by=degraded_by,
        )
        return after, None

    flips = (*flips, result.at) if state.health != Health.UNKNOWN else flips
    flapping = _is_flapping(state.flapping, flips, policy)
    recent = counts.recent
    if state.health in (Health.UNKNOWN, Health.DOWN):
        # Failures before the first success or during the outage are not intermittency.
        recent = recent[-counts.successes :] if counts.successes else ()
    after = _fold(
        state,
        result,
        counts,
        health=new,
        since=result.at,
        recent=recent,
        flips=flips,
        flapping=flapping,
        degraded_by=cause if new == Health.DEGRADED else None,
    )
    transition = Transition(
        channel=state.channel,
        at=result.at,
        old=state.health,
        new=new,
        cause=cause,
        reason=_reason(cause, counts, result),
        error=result.error,
        detail=result.detail,
        flapping=flapping,
        down_since=state.since if state.health == Health.DOWN else None,
    )
    return after, transition


# Later than any check: a steady state without flips stays steady whatever the time.
_NEVER = datetime.max.replace(tzinfo=UTC)


def steady_until(state: HealthState, policy: HealthPolicy = DEFAULT_POLICY) -> datetime | None:
    """Until when a normal check (ok, not slow, no error) would change nothing in `state` but
    its run counters and last-check fields; None when the next one may change more.

    Steady: up, the last `recent_size` results all successes (no intermittency to age out,
    nothing for `recent` to drop), nothing degrading it, no blind spell held, the last check
    a success without error (so nothing a reader acts on changes), and no flip leaving the
    flap window (the flips and the flapping flag stay as they are). Such checks are what a
    healthy channel gives nearly every time: `counted` folds any number of them at once.
    """
    if not (
        state.health is Health.UP
        and state.held is None
        and state.degraded_by is None
        and state.last_ok is True
        and state.last_error is None
        and len(state.recent) == policy.recent_size
        and all(state.recent)
    ):
        return None
    if not state.flips:
        return _NEVER
    # A flip leaves the window once a check starts `flap_window_s` after it (`_recent_flips`).
    return min(state.flips) + timedelta(seconds=policy.flap_window_s)


def counted(state: HealthState, normal: int, last: ProbeResult) -> HealthState:
    """`state` after `normal` normal checks, `last` the newest of them, all made before
    `steady_until(state)` and none older than the one before: the state `advance` reaches
    taking them one by one (tests/core/test_health.py holds the two side by side)."""
    return replace(
        state,
        consecutive_failures=0,
        consecutive_successes=state.consecutive_successes + normal,
        consecutive_normal=state.consecutive_normal + normal,
        last_at=last.at,
        last_ok=True,
        last_latency_ms=last.latency_ms,
        last_error=None,
        last_detail=last.detail,
        last_slow=False,
    )


def _blinded(state: HealthState, result: ProbeResult) -> HealthState:
    """The state after a blind result: health unknown, the health before it held, counts reset.

    The failures just before it are dropped from `recent` too: they were most likely the
    start of the same spell, seen before the canaries said so.
    """
    kept = len(state.recent) - state.consecutive_failures
    return replace(
        state,
        recent=state.recent[: max(kept, 0)],
        health=Health.UNKNOWN,
        held=state.held if state.held is not None else state.health,
        consecutive_failures=0,
        consecutive_successes=0,
        consecutive_normal=0,
        last_at=result.at,
        last_ok=False,
        last_latency_ms=None,
        last_error=ErrorKind.BLIND.value,
        last_detail=result.detail,
        last_slow=False,
    )


def effective_health(
    state: HealthState, now: datetime, interval_s: float, policy: HealthPolicy = DEFAULT_POLICY
) -> Health:
    """The state's health, or unknown when the last result is older than `stale_intervals`."""
    if state.last_at is None:
        return Health.UNKNOWN
    if now - state.last_at > timedelta(seconds=policy.stale_intervals * interval_s):
        return Health.UNKNOWN
    return state.health


def _count(state: HealthState, result: ProbeResult, policy: HealthPolicy) -> _Counts:
    """The run counters and recent outcomes with the result counted in."""
    ok = result.ok
    return _Counts(
        failures=0 if ok else state.consecutive_failures + 1,
        successes=state.consecutive_successes + 1 if ok else 0,
        normal=state.consecutive_normal + 1 if ok and not result.slow else 0,
        recent=(*state.recent, ok)[-policy.recent_size :],
    )


def _fold(
    state: HealthState,
    result: ProbeResult,
    counts: _Counts,
    *,
    health: Health,
    since: datetime | None,
    recent: tuple[bool, ...],
    flips: tuple[datetime, ...],
    flapping: bool,
    degraded_by: Cause | None,
) -> HealthState:
    """The state after result: its counters, its last-result fields and the decided health."""
    return HealthState(
        channel=state.channel,
        health=health,
        since=since,
        consecutive_failures=counts.failures,
        consecutive_successes=counts.successes,
        consecutive_normal=counts.normal,
        last_at=result.at,
        last_ok=result.ok,
        last_latency_ms=result.latency_ms,
        last_error=None if result.error is None else result.error.value,
        last_detail=result.detail,
        last_slow=result.slow,
        degraded_by=degraded_by,
        recent=recent,
        flips=flips,
        flapping=flapping,
    )


def _intermittent(counts: _Counts, policy: HealthPolicy) -> bool:
    """Enough failures among recent results, and not just one run still under way.

    A run of failures is the failure threshold's business: counting it here too would send
    every outage through `degraded` on its way `down`.
    """
    failures = counts.recent.count(False)
    return failures >= policy.intermittent_failures and failures > counts.failures


def _next_health(
    old: Health, counts: _Counts, result: ProbeResult, policy: HealthPolicy
) -> tuple[Health, Cause | None]:
    """The health after `result` (already in `counts`) and why it changed."""
    if not result.ok:
        if old != Health.DOWN and counts.failures >= policy.failure_threshold:
            return Health.DOWN, Cause.FAILURES
        if old == Health.UP and _intermittent(counts, policy):
            return Health.DEGRADED, Cause.INTERMITTENT
        return old, None
    if old == Health.UNKNOWN:
        return (Health.DEGRADED, Cause.SLOW) if result.slow else (Health.UP, Cause.FIRST_RESULT)
    if old == Health.DOWN:
        if counts.successes < policy.success_threshold:
            return old, None
        return (Health.DEGRADED, Cause.SLOW) if result.slow else (Health.UP, Cause.RECOVERED)
    if old == Health.UP:
        if result.slow:
            return Health.DEGRADED, Cause.SLOW
        if _intermittent(counts, policy):
            return Health.DEGRADED, Cause.INTERMITTENT
        return old, None
    # Degraded: back up only after a run of normal results, so one fast answer is not enough.
    if counts.normal >= policy.success_threshold and not _intermittent(counts, policy):
        return Health.UP, Cause.NORMAL
    return old, None


def _degraded_by(
    state: HealthState, counts: _Counts, result: ProbeResult, policy: HealthPolicy
) -> Cause | None:
    """Why a channel that stays degraded is degraded now."""
    if result.ok and result.slow:
        return Cause.SLOW
    if _intermittent(counts, policy):
        return Cause.INTERMITTENT
    return state.degraded_by


def _recent_flips(
    flips: tuple[datetime, ...], at: datetime, policy: HealthPolicy
) -> tuple[datetime, ...]:
    if not flips:
        return flips  # the usual case: a steady channel has nothing to age out
    start = at - timedelta(seconds=policy.flap_window_s)
    return tuple(t for t in flips if t > start)


def _is_flapping(was: bool, flips: tuple[datetime, ...], policy: HealthPolicy) -> bool:
    if len(flips) > policy.flap_limit:
        return True
    # Hysteresis: stay flapping until the window has calmed to half the limit.
    return was and len(flips) > policy.flap_limit // 2


def _reason(cause: Cause, counts: _Counts, result: ProbeResult) -> str:
    """A short English reason for logs and the transition record; chats render `cause`."""
    if cause == Cause.FAILURES:
        return f"{_failure_text(result)} ({counts.failures} checks in a row)"
    if cause == Cause.RECOVERED:
        return f"{_answer_text(result)} ({counts.successes} checks in a row)"
    if cause == Cause.FIRST_RESULT:
        return f"first check: {_answer_text(result)}"
    if cause == Cause.SLOW:
        return result.detail or f"slow: {_answer_text(result)}"
    if cause == Cause.INTERMITTENT:
        failed = counts.recent.count(False)
        return f"{failed} of the last {len(counts.recent)} checks failed"
    return f"normal again: {_answer_text(result)}"


def _failure_text(result: ProbeResult) -> str:
    if result.detail:
        return result.detail
    return result.error.value if result.error is not None else "check failed"


def _answer_text(result: ProbeResult) -> str:
    if result.latency_ms is None:
        return "answered"
    return f"answered in {round(result.latency_ms)} ms"


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _from_iso(value: object) -> datetime | None:
    return None if value is None else datetime.fromisoformat(str(value))


def flipped(
    state: HealthState, at: datetime, policy: HealthPolicy = DEFAULT_POLICY
) -> tuple[tuple[datetime, ...], bool]:
    """The flips and the flapping flag once health changes at `at`, for a change decided
    outside `advance` (the regions' agreement, bot/regions.py)."""
    flips = _recent_flips(state.flips, at, policy)
    if state.health != Health.UNKNOWN:
        flips = (*flips, at)
    return flips, _is_flapping(state.flapping, flips, policy)
