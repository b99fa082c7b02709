"""The blind decision, pure: canaries, the correlated-failure rule, and health while blind."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.blind import (
    CANARY_PREFIX,
    FALLBACK_MIN_EXCHANGES,
    Sight,
    blinded,
    canaries_blind,
    canary_targets,
    correlated_blind,
    exchange_unreachable,
)
from bot.health import Cause, HealthState, advance, initial
from bot.vocab import Health
from probes.domains import url_problem
from probes.result import ErrorKind, ProbeResult

T0 = datetime(2026, 11, 29, 3, 0, tzinfo=UTC)
CANARY = CANARY_PREFIX + "https://canary.example/"
OTHER_CANARY = CANARY_PREFIX + "https://other.example/"


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def ok(channel: str, s: float = 0) -> ProbeResult:
    return ProbeResult(channel, at(s), True, 120.0, detail="HTTP 200")


def failed(channel: str, s: float = 0, kind: ErrorKind = ErrorKind.CONNECT) -> ProbeResult:
    return ProbeResult(channel, at(s), False, None, kind, "server closed the connection")


@pytest.mark.parametrize(
    ("failing", "total", "reported", "blind"),
    [
        (0, 0, 0, False),  # no canaries: they decide nothing
        (1, 1, 1, True),
        (2, 3, 3, False),  # one canary still answers: it is them, not us
        (3, 3, 3, True),
        (2, 3, 2, False),  # a canary not heard from yet
        (0, 3, 3, False),
    ],
)
def test_every_canary_must_fail_for_blind(
    failing: int, total: int, reported: int, blind: bool
) -> None:
    assert canaries_blind(failing, total, reported) is blind


@pytest.mark.parametrize(
    ("failing", "probed", "unreachable"),
    [(0, 4, False), (2, 4, False), (3, 4, True), (1, 1, True), (1, 2, False), (0, 0, False)],
)
def test_an_exchange_is_unreachable_when_most_of_its_channels_fail(
    failing: int, probed: int, unreachable: bool
) -> None:
    assert exchange_unreachable(failing, probed) is unreachable


@pytest.mark.parametrize(("exchanges", "blind"), [(0, False), (2, False), (3, True), (8, True)])
def test_the_correlated_rule_needs_three_exchanges(exchanges: int, blind: bool) -> None:
    assert FALLBACK_MIN_EXCHANGES == 3
    assert correlated_blind(exchanges) is blind


def test_canaries_decide_and_a_late_failure_from_the_blind_spell_stays_blind() -> None:
    sight = Sight([CANARY, OTHER_CANARY], ["mexc/live_chat"])
    sight.observe(failed(CANARY, 1))
    assert not sight.blind, "the other canary has not failed"
    sight.observe(failed(OTHER_CANARY, 2))
    assert (sight.blind, sight.since) == (True, at(2))
    sight.observe(failed("mexc/live_chat", 3))
    assert sight.blind, "with canaries, channel failures are evidence, never a vote"
    sight.observe(ok(CANARY, 10))
    assert (sight.blind, sight.seen_again) == (False, at(10))
    assert sight.covers(at(9)), "a check started while blind and answered late"
    assert not sight.covers(at(11))


def test_until_every_canary_reported_a_failure_proves_nothing() -> None:
    sight = Sight([CANARY, OTHER_CANARY], ["mexc/live_chat"])
    assert sight.covers(at(0)), "just started: no canary heard from"
    sight.observe(failed(CANARY, 1))
    assert not sight.blind and sight.covers(at(1)), "the other canary is not heard from"
    sight.observe(ok(OTHER_CANARY, 2))
    assert not sight.blind and not sight.covers(at(3)), "one canary answers: we can see"
    assert not Sight([], ["mexc/live_chat"]).covers(at(0)), "no canaries: nothing to wait for"


def test_without_canaries_network_failures_across_three_exchanges_mean_blind() -> None:
    channels = [f"{e}/{c}" for e in ("a", "b", "c", "d") for c in ("chat", "help")]
    sight = Sight([], channels)
    for exchange in ("a", "b"):
        for channel in ("chat", "help"):
            sight.observe(failed(f"{exchange}/{channel}", 1, ErrorKind.TIMEOUT))
    sight.observe(failed("c/chat", 2, ErrorKind.RESOLVER))
    assert not sight.blind, "half of c's channels is not most of them"
    sight.observe(failed("c/help", 3, ErrorKind.HTTP_STATUS))
    assert not sight.blind, "an error page is an answer: the network works"
    sight.observe(failed("c/help", 4, ErrorKind.CONNECT))
    assert (sight.blind, sight.since) == (True, at(4))
    sight.observe(ok("a/chat", 5))
    assert not sight.blind, "a answers again: two exchanges are not enough"


def test_an_authoritative_no_such_domain_does_not_count_toward_blind() -> None:
    channels = [f"{e}/chat" for e in ("a", "b", "c")]
    sight = Sight([], channels)
    for channel in channels:
        sight.observe(failed(channel, 1, ErrorKind.DNS))
    assert not sight.blind


def test_canary_targets_accept_any_answer_and_run_as_often_as_the_fastest_channel() -> None:
    [fast] = canary_targets(["http://127.0.0.1:9/canary"], allow_local=True)
    assert fast.spec.interval_s == 15.0
    channel = canary_targets(["https://www.gstatic.com/generate_204"])[0]
    [target] = canary_targets(["https://www.gstatic.com/generate_204"], [channel, fast])
    assert target.channel == CANARY_PREFIX + "https://www.gstatic.com/generate_204"
    assert target.official_domains == ("www.gstatic.com",)
    assert target.spec.kind == "http" and 503 in target.spec.expect_status


def _run(state: HealthState, *results: ProbeResult) -> tuple[HealthState, list[Health]]:
    changes = []
    for result in results:
        state, transition = advance(state, result)
        if transition is not None:
            changes.append(transition.new)
    return state, changes


def test_a_blind_failure_is_unknown_with_no_transition_and_counts_start_again() -> None:
    key = "mexc/live_chat"
    up, _ = _run(initial(key), ok(key, 0))
    state, changes = _run(up, failed(key, 10), blinded(failed(key, 20)), blinded(failed(key, 30)))
    assert changes == []
    assert (state.health, state.held, state.last_error) == (Health.UNKNOWN, Health.UP, "blind")
    assert state.last_detail == "can't check from here (server closed the connection)"
    assert state.consecutive_failures == 0
    # Seeing again: two fresh failures are no outage, the third is.
    state, changes = _run(state, failed(key, 40), failed(key, 45))
    assert (state.health, changes) == (Health.UP, [])
    state, changes = _run(state, failed(key, 50))
    assert changes == [Health.DOWN]


def test_an_outage_that_was_news_recovers_as_usual_after_a_blind_spell() -> None:
    key = "mexc/live_chat"
    state, changes = _run(initial(key), ok(key, 0), failed(key, 1), failed(key, 2), failed(key, 3))
    assert changes == [Health.UP, Health.DOWN]
    state, changes = _run(state, blinded(failed(key, 4)), ok(key, 60), ok(key, 61))
    assert changes == [Health.UP], "no second down alert; one recovery"
    _, transition = advance(
        HealthState.from_json(state.to_json()), failed(key, 62)
    )  # the stored shape round-trips
    assert transition is None


def test_the_held_health_survives_a_restart() -> None:
    key = "mexc/live_chat"
    state, _ = _run(initial(key), ok(key, 0), blinded(failed(key, 5)))
    restored = HealthState.from_json(state.to_json())
    assert (restored.health, restored.held) == (Health.UNKNOWN, Health.UP)
    after, transition = advance(restored, ok(key, 10))
    assert (after.health, after.held, transition) == (Health.UP, None, None)


def test_a_channel_first_seen_blind_starts_from_unknown_like_any_other() -> None:
    key = "mexc/live_chat"
    _, changes = _run(initial(key), blinded(failed(key, 0)), ok(key, 30))
    assert changes == [Health.UP]
    _, transition = advance(initial(key), ok(key, 0))
    assert transition is not None and transition.cause is Cause.FIRST_RESULT


def test_a_canary_on_an_international_name_may_be_fetched_by_its_probe() -> None:
    # The probe reads hosts in their ASCII (xn--) form; the canary's own host must match it,
    # or every check fails as "unofficial host" and the bot is blind for good.
    [target] = canary_targets(["https://例え.jp/generate_204"])
    assert url_problem(target.spec.url, target.official_domains, False) is None
