"""The health state machine, one result at a time, from tables of outcomes."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.health import (
    Cause,
    HealthPolicy,
    HealthState,
    Transition,
    advance,
    counted,
    effective_health,
    initial,
    steady_until,
)
from bot.vocab import Health
from probes.result import ErrorKind, ProbeResult

KEY = "mexc/live_chat"
T0 = datetime(2026, 11, 24, 19, 0, tzinfo=UTC)
INTERVAL = 60.0


def result(ch: str, at: datetime) -> ProbeResult:
    """One result from a letter: `.` ok, `s` ok but slow, `F` a timeout."""
    if ch == "F":
        return ProbeResult(
            KEY, at, ok=False, latency_ms=None, error=ErrorKind.TIMEOUT, detail="timeout after 10 s"
        )
    return ProbeResult(KEY, at, ok=True, latency_ms=2500.0 if ch == "s" else 180.0, slow=ch == "s")


def run(
    outcomes: str, policy: HealthPolicy | None = None, state: HealthState | None = None
) -> tuple[HealthState, list[tuple[int, Transition]]]:
    """Feed a string of outcomes one interval apart; return the state and (index, transition)."""
    policy = policy or HealthPolicy()
    state = state or initial(KEY)
    start = state.last_at or T0
    seen: list[tuple[int, Transition]] = []
    for i, ch in enumerate(outcomes, start=1):
        state, transition = advance(
            state, result(ch, start + timedelta(seconds=INTERVAL * i)), policy
        )
        if transition is not None:
            seen.append((i, transition))
    return state, seen


def healths(outcomes: str) -> str:
    """The health after each result, one letter each: ? unknown, U up, D down, G degraded."""
    letters = {Health.UNKNOWN: "?", Health.UP: "U", Health.DOWN: "D", Health.DEGRADED: "G"}
    state = initial(KEY)
    out = []
    for i, ch in enumerate(outcomes, start=1):
        state, _ = advance(state, result(ch, T0 + timedelta(seconds=INTERVAL * i)))
        out.append(letters[state.health])
    return "".join(out)


@pytest.mark.parametrize(
    ("outcomes", "expected"),
    [
        ("", ""),
        (".", "U"),
        ("F", "?"),
        ("FF", "??"),
        ("FFF", "??D"),
        ("FF.", "??U"),
        (".F", "UU"),
        (".FF", "UUU"),
        (".FFF", "UUUD"),
        (".F.F", "UUUG"),
        ("..FF.FF", "UUUUGGG"),
        ("..FF.FFF", "UUUUGGGD"),
        (".FF.", "UUUG"),
        ("...FFF", "UUUUUD"),
        ("FFF.", "??DD"),
        ("FFF..", "??DDU"),
        ("FFF.F..", "??DDDDU"),
        ("FFFFFF", "??DDDD"),
        ("s", "G"),
        (".s", "UG"),
        (".s.", "UGG"),
        (".s..", "UGGU"),
        (".s.s..", "UGGGGU"),
        ("FFF.s", "??DDG"),
        (".F.........", "UUUUUUUUUUU"),
        (".F.F.........", "UUUGGGGGGGGUU"),
    ],
)
def test_it_moves_health_through_the_table(outcomes: str, expected: str) -> None:
    assert healths(outcomes) == expected


def test_it_goes_down_at_the_third_failure_with_a_reason_a_trader_can_read() -> None:
    _, seen = run(".FFF")
    (index, down), *_ = [(i, t) for i, t in seen if t.new == Health.DOWN]
    assert index == 4
    assert (down.old, down.cause, down.error) == (Health.UP, Cause.FAILURES, ErrorKind.TIMEOUT)
    assert down.reason == "timeout after 10 s (3 checks in a row)"


def test_it_goes_down_from_unknown_when_the_first_checks_all_fail() -> None:
    _, seen = run("FFF")
    assert [(i, t.old, t.new) for i, t in seen] == [(3, Health.UNKNOWN, Health.DOWN)]


def test_it_recovers_after_two_successes_and_says_since_when_it_was_down() -> None:
    state, seen = run(".FFF..")
    recovery = seen[-1][1]
    assert seen[-1][0] == 6
    assert (recovery.old, recovery.new, recovery.cause) == (Health.DOWN, Health.UP, Cause.RECOVERED)
    assert recovery.down_since == T0 + timedelta(seconds=4 * INTERVAL)
    assert recovery.down_for_s == 2 * INTERVAL
    assert recovery.reason == "answered in 180 ms (2 checks in a row)"
    assert state.since == recovery.at


def test_it_starts_up_after_one_success_and_says_so() -> None:
    _, seen = run(".")
    assert [(t.old, t.new, t.cause, t.reason) for _, t in seen] == [
        (Health.UNKNOWN, Health.UP, Cause.FIRST_RESULT, "first check: answered in 180 ms")
    ]


def test_it_degrades_when_slow() -> None:
    state, seen = run(".s")
    assert (seen[-1][1].new, seen[-1][1].cause) == (Health.DEGRADED, Cause.SLOW)
    assert seen[-1][1].reason == "slow: answered in 2500 ms"
    assert state.degraded_by == Cause.SLOW


def test_it_gives_the_probe_detail_as_the_reason_for_a_degraded_check() -> None:
    state, _ = run(".")
    expiring = ProbeResult(
        KEY, T0 + timedelta(hours=1), True, 90.0, detail="certificate expires in 5 days", slow=True
    )
    _, transition = advance(state, expiring)
    assert transition is not None and transition.reason == "certificate expires in 5 days"


def test_it_degrades_on_intermittent_failures_and_comes_back_when_they_age_out() -> None:
    state, seen = run(".F.F")
    assert [(i, t.new, t.cause) for i, t in seen] == [
        (1, Health.UP, Cause.FIRST_RESULT),
        (4, Health.DEGRADED, Cause.INTERMITTENT),
    ]
    assert seen[-1][1].reason == "2 of the last 4 checks failed"
    assert state.degraded_by == Cause.INTERMITTENT
    state, seen = run("." * 7, state=state)
    assert state.health == Health.DEGRADED  # the second failure is still in the last 10
    state, seen = run(".", state=state)
    assert [(t.new, t.cause) for _, t in seen] == [(Health.UP, Cause.NORMAL)]


def test_it_does_not_count_the_outage_as_intermittency_after_recovery() -> None:
    state, _ = run(".FFFF..")
    assert state.health == Health.UP
    state, seen = run(".F", state=state)
    assert state.health == Health.UP and seen == []


def test_it_ignores_a_result_older_than_the_last_one() -> None:
    state, _ = run("..")
    late = result("F", T0)
    assert advance(state, late) == (state, None)


def test_it_refuses_a_result_for_another_channel() -> None:
    with pytest.raises(ValueError, match="mexc/email"):
        advance(initial(KEY), ProbeResult("mexc/email", T0, ok=True, latency_ms=1.0))


@pytest.mark.parametrize(
    ("age_s", "expected"),
    [
        (0.0, Health.DOWN),
        (3 * INTERVAL, Health.DOWN),
        (3 * INTERVAL + 1, Health.UNKNOWN),
        (86_400.0, Health.UNKNOWN),
    ],
)
def test_it_turns_unknown_when_the_last_result_is_older_than_three_intervals(
    age_s: float, expected: Health
) -> None:
    state, _ = run("FFF")
    assert state.last_at is not None
    now = state.last_at + timedelta(seconds=age_s)
    assert effective_health(state, now, INTERVAL) == expected


def test_it_is_unknown_before_any_result() -> None:
    assert effective_health(initial(KEY), T0, INTERVAL) == Health.UNKNOWN


def test_it_marks_flapping_past_five_flips_an_hour_and_flags_the_transitions() -> None:
    # One cycle ".FFF.." (up, down, up) is 2 flips; the first "." from unknown is not a flip.
    state, seen = run("." + "FFF.." * 3)
    flips = [t for _, t in seen if t.old != Health.UNKNOWN]
    assert len(flips) == 6
    assert [t.flapping for t in flips] == [False] * 5 + [True]
    assert state.flapping


def test_it_clears_flapping_once_the_hour_calms() -> None:
    state, _ = run("." + "FFF.." * 3)
    assert state.flapping
    # Flips happened at minutes 4, 6, 9, 11, 14 and 16; the channel then stays up.
    state, seen = run("." * 54, state=state)
    assert seen == [] and state.flapping  # minute 70: four flips still in the hour
    state, _ = run(".", state=state)
    assert not state.flapping  # minute 71: only the flips at 14 and 16 remain
    assert len(state.flips) <= HealthPolicy().flap_limit // 2


def test_it_keeps_flapping_while_the_window_still_holds_many_flips() -> None:
    state, _ = run("." + "FFF.." * 3)
    state, _ = run("." * 5, state=state)
    assert state.flapping


def test_it_follows_a_stricter_policy() -> None:
    policy = HealthPolicy(failure_threshold=1, success_threshold=3)
    state, seen = run(".F...", policy=policy)
    assert [(i, t.new) for i, t in seen] == [(1, Health.UP), (2, Health.DOWN), (5, Health.UP)]
    assert state.health == Health.UP


@pytest.mark.parametrize(
    "field", ["failure_threshold", "success_threshold", "flap_limit", "recent_size"]
)
def test_it_refuses_a_policy_with_a_zero_threshold(field: str) -> None:
    with pytest.raises(ValueError, match=field):
        HealthPolicy(**{field: 0})


aware = st.datetimes(
    min_value=datetime(2020, 1, 1), max_value=datetime(2040, 1, 1), timezones=st.just(UTC)
)
states = st.builds(
    HealthState,
    channel=st.from_regex(r"[a-z]{1,8}/[a-z_]{1,12}", fullmatch=True),
    health=st.sampled_from(Health),
    since=st.none() | aware,
    consecutive_failures=st.integers(0, 1000),
    consecutive_successes=st.integers(0, 1000),
    consecutive_normal=st.integers(0, 1000),
    last_at=st.none() | aware,
    last_ok=st.none() | st.booleans(),
    last_latency_ms=st.none() | st.floats(0, 1e6, allow_nan=False),
    last_error=st.none() | st.sampled_from([k.value for k in ErrorKind]),
    last_detail=st.text(max_size=40),
    last_slow=st.booleans(),
    degraded_by=st.none() | st.sampled_from(Cause),
    recent=st.lists(st.booleans(), max_size=10).map(tuple),
    flips=st.lists(aware, max_size=8).map(tuple),
    flapping=st.booleans(),
)


@given(states)
def test_it_round_trips_a_state_through_json(state: HealthState) -> None:
    assert HealthState.from_json(json.loads(json.dumps(state.to_json()))) == state


@given(
    st.builds(
        Transition,
        channel=st.just(KEY),
        at=aware,
        old=st.sampled_from(Health),
        new=st.sampled_from(Health),
        cause=st.sampled_from(Cause),
        reason=st.text(max_size=40),
        error=st.none() | st.sampled_from(ErrorKind),
        detail=st.text(max_size=40),
        flapping=st.booleans(),
        down_since=st.none() | aware,
    )
)
def test_it_round_trips_a_transition_through_json(transition: Transition) -> None:
    assert Transition.from_json(json.loads(json.dumps(transition.to_json()))) == transition


def test_it_reads_back_a_state_written_before_newer_fields_existed() -> None:
    old = {"channel": KEY, "health": "up", "last_at": "2026-11-24T19:00:00+00:00"}
    state = HealthState.from_json(old)
    assert (state.health, state.last_at, state.recent) == (Health.UP, T0, ())


# Runs of checks as (letter, how many, seconds between them): `.` ok, `s` slow, `F` a timeout,
# `b` a blind failure; a negative gap makes late checks, older than the one before.
_CHECKS = st.lists(
    st.tuples(
        st.sampled_from("...sFb"),
        st.integers(min_value=1, max_value=15),
        st.sampled_from([-30, 0, 1, 20, 60, 300]),
    ),
    max_size=20,
)


def _check(letter: str, at: datetime) -> ProbeResult:
    if letter == "b":
        return ProbeResult(KEY, at, ok=False, latency_ms=None, error=ErrorKind.BLIND)
    return result(letter, at)


@given(_CHECKS, st.sampled_from([HealthPolicy(), HealthPolicy(flap_window_s=600, flap_limit=2)]))
def test_counting_normal_checks_of_a_steady_state_gives_what_advance_gives(
    runs: list[tuple[str, int, int]], policy: HealthPolicy
) -> None:
    """What the monitor does (bot/monitor.py `_Channel`): checks that `steady_until` allows are
    only counted and folded in later with `counted`; every other check goes through advance."""
    exact = base = initial(KEY)
    until, normal, last, last_at = steady_until(base, policy), 0, None, base.last_at
    at = T0
    checks = [(letter, gap) for letter, count, gap in runs for _ in range(count)]
    for letter, gap in checks:
        at += timedelta(seconds=gap)
        check = _check(letter, at)
        exact, expected = advance(exact, check, policy)
        if until is not None and letter == "." and last_at is not None and last_at <= at < until:
            normal, last, last_at = normal + 1, check, at
            transition = None
        else:
            folded = counted(base, normal, last) if last is not None else base
            base, transition = advance(folded, check, policy)
            until, normal, last, last_at = steady_until(base, policy), 0, None, base.last_at
        assert transition == expected
        assert (counted(base, normal, last) if last is not None else base) == exact


def test_a_healthy_channel_is_steady_and_an_outage_is_not() -> None:
    up, _ = run("." * 10)
    assert steady_until(up, HealthPolicy()) is not None
    assert steady_until(run("." * 9)[0], HealthPolicy()) is None, "fewer than 10 checks seen"
    assert steady_until(run("." * 10 + "s")[0], HealthPolicy()) is None, "degraded"
    assert steady_until(run("." * 10 + "F")[0], HealthPolicy()) is None, "the last check failed"
    flapped, _ = run("FFF" + "." * 12)  # down, then up: a flip an hour stays in the window
    until = steady_until(flapped, HealthPolicy())
    assert until is not None and flapped.flips
    assert until == flapped.flips[0] + timedelta(hours=1)
