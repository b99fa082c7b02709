"""Probes from several regions: the agreement rule, from tables of what each region sees."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.health import Cause, HealthState, Transition, advance, initial
from bot.regions import (
    RegionsSeen,
    Sighting,
    agree,
    max_age_s,
    published_health,
    reconcile,
    unreachable_from,
)
from bot.vocab import Health
from probes.result import ErrorKind, ProbeResult

KEY = "mexc/live_chat"
NOW = datetime(2026, 11, 29, 6, 0, tzinfo=UTC)
MAX_AGE = max_age_s(interval_s=30, timeout_s=10)  # 60 + 10 + the delay to reach the monitor
LETTER = {"U": Health.UP, "G": Health.DEGRADED, "D": Health.DOWN, "?": Health.UNKNOWN}
FAILING = {"u": Health.UP}  # up by the region's own count, but its latest check failed


def seen(spec: str, now: datetime = NOW) -> list[Sighting]:
    """Sightings from words like `a:D b:U:200`: region, health letter, age in s at `now`
    (default 5); a blind region is `B` (health unknown, error blind); `u` is up with a
    failed latest check (the region's first failures)."""
    found = []
    for word in spec.split():
        region, letter, *age = word.split(":")
        blind = letter == "B"
        health = Health.UNKNOWN if blind else {**LETTER, **FAILING}[letter]
        at = now - timedelta(seconds=float(age[0]) if age else 5.0)
        ok = health in (Health.UP, Health.DEGRADED) and letter not in FAILING
        error = ErrorKind.BLIND if blind else (None if ok else ErrorKind.TIMEOUT)
        found.append(Sighting(region, KEY, at, ok, health, error, "" if ok else "timeout"))
    return found


@pytest.mark.parametrize(
    ("regions", "shared", "down"),
    [
        # One region with a say: the quorum rule does not apply (today's behaviour).
        ("a:D", False, False),
        ("a:U", False, False),
        # Two regions: down only when both see it down.
        ("a:D b:U", True, False),
        ("a:U b:D", True, False),
        ("a:D b:D", True, True),
        ("a:D b:G", True, False),
        # A region too old to count, just started (unknown) or blind has no say.
        ("a:D b:U:200", False, False),
        ("a:D b:?", False, False),
        ("a:D b:B", False, False),
        ("a:D b:D:200", False, False),
        # Three regions: two seeing it down are enough, one is not.
        ("a:D b:D c:U", True, True),
        ("a:U b:D c:D", True, True),
        ("a:D b:U c:U", True, False),
        ("a:D b:B c:D", True, True),
    ],
)
def test_a_channel_is_down_by_agreement_only_when_two_regions_with_a_say_see_it_down(
    regions: str, shared: bool, down: bool
) -> None:
    agreement = agree(seen(regions), NOW, MAX_AGE)
    assert (agreement.shared, agreement.is_down) == (shared, down)


@pytest.mark.parametrize(
    ("before", "proposed", "regions", "published"),
    [
        # Alone (the other region has no say): the local state machine decides.
        ("U", "D", "a:D b:B", "D"),
        ("U", "D", "a:D", "D"),
        # Down here alone: the channel keeps what it had, and a channel down is back.
        ("U", "D", "a:D b:U", "U"),
        ("G", "D", "a:D b:U", "G"),
        ("?", "D", "a:D b:U", "?"),
        ("D", "D", "a:D b:U", "U"),
        # ... but not on a region whose latest check failed too (its health is up only until
        # its own threshold): nothing answered.
        ("U", "D", "a:D b:u", "U"),
        ("D", "D", "a:D b:u", "D"),
        ("D", "D", "a:D b:u c:U", "U"),
        # Both see it down: down.
        ("U", "D", "a:D b:D", "D"),
        ("D", "D", "a:D b:D", "D"),
        # Two others see it down while this region reaches it: down.
        ("U", "U", "a:U b:D c:D", "D"),
        ("D", "U", "a:U b:D c:D", "D"),
        # Only one other sees it down: what this region says.
        ("U", "U", "a:U b:D", "U"),
        ("D", "U", "a:U b:D", "U"),
    ],
)
def test_the_published_health_follows_the_agreement(
    before: str, proposed: str, regions: str, published: str
) -> None:
    agreement = agree(seen(regions), NOW, MAX_AGE)
    assert published_health(LETTER[before], LETTER[proposed], agreement) is LETTER[published]


def test_a_channel_down_is_back_only_on_a_check_made_since_it_went_down() -> None:
    agreement = agree(seen("a:D b:U:30 c:u:2"), NOW, MAX_AGE)
    down_since = NOW - timedelta(seconds=10)
    assert published_health(Health.DOWN, Health.DOWN, agreement, down_since) is Health.DOWN
    earlier = NOW - timedelta(seconds=30)
    assert published_health(Health.DOWN, Health.DOWN, agreement, earlier) is Health.UP


def test_unreachable_from_names_the_regions_failing_while_another_answers() -> None:
    assert unreachable_from(seen("a:D b:U"), NOW, MAX_AGE) == ["a"]
    assert unreachable_from(seen("a:D b:D"), NOW, MAX_AGE) == []
    assert unreachable_from(seen("a:D b:U:200"), NOW, MAX_AGE) == []
    assert unreachable_from(seen("a:B b:U"), NOW, MAX_AGE) == []
    assert unreachable_from(seen("a:D b:U c:D"), NOW, MAX_AGE) == ["a", "c"]


@pytest.mark.parametrize(
    ("regions", "elsewhere"),
    [
        ("a:D b:U", True),
        ("a:U b:U", True),  # a's first failures, before its own health turns
        ("a:D b:D", False),
        ("a:D b:U:200", False),
        ("a:D b:B", False),
        ("a:D b:D c:U", False),  # down by agreement: a's failure is the exchange's
        ("a:D", False),
    ],
)
def test_a_failure_here_is_our_network_when_another_region_reaches_the_channel(
    regions: str, elsewhere: bool
) -> None:
    assert agree(seen(regions), NOW, MAX_AGE).reached_elsewhere("a") is elsewhere


def fail(at: datetime) -> ProbeResult:
    return ProbeResult(KEY, at, False, None, ErrorKind.HTTP_STATUS, "HTTP 503")


def ok(at: datetime) -> ProbeResult:
    return ProbeResult(KEY, at, True, 120.0)


def step(
    state: HealthState, result: ProbeResult, others: str
) -> tuple[HealthState, Transition | None]:
    """One result here (region a), decided with the other regions' sightings."""
    after, transition = advance(state, result)
    here = Sighting("a", KEY, result.at, result.ok, after.health, result.error, result.detail)
    agreement = agree([here, *seen(others, result.at)], result.at, MAX_AGE)
    return reconcile(state, after, transition, agreement)


def up_state() -> HealthState:
    state, _ = advance(initial(KEY), ok(NOW - timedelta(seconds=300)))
    assert state.health is Health.UP
    return state


def test_a_run_of_failures_here_alone_keeps_the_channel_up_and_counts_on() -> None:
    state = up_state()
    made = []
    for i in range(6):
        state, transition = step(state, fail(NOW + timedelta(seconds=30 * i)), "b:U")
        made.append(transition)
    assert made == [None] * 6
    assert (state.health, state.consecutive_failures, state.last_ok) == (Health.UP, 6, False)
    # Back here: up, and the overruled run does not read as failing intermittently.
    for i in range(6, 9):
        state, transition = step(state, ok(NOW + timedelta(seconds=30 * i)), "b:U")
        assert transition is None
    assert (state.health, state.degraded_by) == (Health.UP, None)


def test_the_down_goes_through_at_the_next_failure_once_another_region_sees_it_down() -> None:
    state = up_state()
    for i in range(4):
        state, transition = step(state, fail(NOW + timedelta(seconds=30 * i)), "b:U")
        assert transition is None
    state, transition = step(state, fail(NOW + timedelta(seconds=120)), "b:D")
    assert transition is not None
    assert (transition.old, transition.new, transition.cause) == (
        Health.UP,
        Health.DOWN,
        Cause.FAILURES,
    )
    assert transition.detail == "HTTP 503"
    assert state.health is Health.DOWN


def test_a_channel_down_by_agreement_is_back_when_the_other_region_reaches_it_again() -> None:
    state = up_state()
    for i in range(3):
        state, transition = step(state, fail(NOW + timedelta(seconds=30 * i)), "b:D")
    assert transition is not None and transition.new is Health.DOWN
    down_at = state.since
    state, transition = step(state, fail(NOW + timedelta(seconds=90)), "b:U")
    assert transition is not None
    assert (transition.old, transition.new, transition.cause) == (
        Health.DOWN,
        Health.UP,
        Cause.RECOVERED,
    )
    assert transition.reason == "answering from b"
    assert transition.down_since == down_at
    # Still failing here: it stays up (unreachable from here alone).
    state, transition = step(state, fail(NOW + timedelta(seconds=120)), "b:U")
    assert (state.health, transition) == (Health.UP, None)


def test_two_other_regions_seeing_it_down_make_it_down_although_it_answers_here() -> None:
    state = up_state()
    state, transition = step(state, ok(NOW), "b:D c:D")
    assert transition is not None
    assert (transition.old, transition.new) == (Health.UP, Health.DOWN)
    assert transition.reason == "timeout (down from b, c)"
    # Answering here again and again: still down while b and c see it down.
    for i in range(1, 4):
        state, transition = step(state, ok(NOW + timedelta(seconds=30 * i)), "b:D c:D")
        assert transition is None
    assert state.health is Health.DOWN


def test_with_the_other_region_silent_the_local_state_machine_decides_as_before() -> None:
    alone = up_state()
    heard = up_state()
    for i in range(5):
        at = NOW + timedelta(seconds=30 * i)
        alone, expected = advance(alone, fail(at))
        heard, transition = step(heard, fail(at), "b:U:500")
        assert transition == expected
    assert heard == alone
    assert heard.health is Health.DOWN


def test_what_each_region_saw_takes_this_regions_check_from_the_view_given() -> None:
    """A standby replica passes the leader's stored states: its page says what the leader's."""
    state, _ = advance(up_state(), fail(NOW))
    stored = {KEY: state}
    view = RegionsSeen("a", lambda key: seen("b:U") if key == KEY else [], stored.get)
    [here, there] = view.sightings(KEY)
    assert (here.region, here.ok, here.error, here.detail) == (
        "a",
        False,
        ErrorKind.HTTP_STATUS,
        "HTTP 503",
    )
    assert (there.region, there.ok) == ("b", True)
    assert view.sightings("mexc/help_center") == ()  # no other region reports on it
    assert RegionsSeen("a", lambda key: seen("b:U"), {}.get).sightings(KEY) == tuple(seen("b:U"))
