"""Whether our probes can see: canaries, or a correlated-failure rule when there are none.

A canary is a reference endpoint that is not an exchange (`CANARY_URLS`). When every
canary's latest check failed, our own connection is failing: probe failures in that spell
prove nothing about exchanges, so they are recorded as `blind` (see `bot.health`).

With no canaries configured, the fallback rule reads the exchanges' own results: when, in
at least `FALLBACK_MIN_EXCHANGES` exchanges, more than `FALLBACK_SHARE` of the probed
channels have a latest result that failed at the network level (resolver, connect, reset,
timeout), that is us, not them. Each channel's latest result is at most one of its
intervals old, so this is "within one interval". The price: a real outage of that many
exchanges at once reads as blind; canaries avoid that, which is why they are the default.

`Sight.observe` costs O(1) per result: it keeps counters, never rescans.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime

from probes.context import Target
from probes.domains import UrlError, parse_url
from probes.result import NETWORK_ERRORS, ErrorKind, ProbeResult
from probes.spec import HttpProbe

# Channel keys of canaries: "~" never starts an exchange id, so they never meet a channel.
CANARY_PREFIX = "~canary/"
# Canaries are checked at least as often as any channel (and at most this long apart), so
# a blind spell is seen before three failures of a channel could add up to a false outage.
CANARY_INTERVAL_S = 15.0
CANARY_TIMEOUT_S = 5.0
# Any HTTP answer proves the connection works, whatever its status; a redirect is one (and
# is not followed: off the canary's own host, the probe would refuse it and fail).
ANY_STATUS = tuple(range(100, 600))
FALLBACK_MIN_EXCHANGES = 3
FALLBACK_SHARE = 0.5
BLIND_DETAIL = "can't check from here"


def canary_targets(
    urls: Iterable[str], channels: Iterable[Target] = (), *, allow_local: bool = False
) -> list[Target]:
    """One probe target per canary URL, checked at least as often as any of `channels`.

    A canary's only official domain is its own host.
    """
    interval_s = min([CANARY_INTERVAL_S, *(t.spec.interval_s for t in channels)])
    return [
        Target(
            CANARY_PREFIX + url,
            HttpProbe(
                url=url,
                expect_status=ANY_STATUS,
                follow_redirects=False,
                interval_s=interval_s,
                timeout_s=CANARY_TIMEOUT_S,
            ),
            (_host(url),),
            allow_local,
        )
        for url in urls
    ]


def _host(url: str) -> str:
    """The canary's host as its probe reads it (ASCII, lower case); settings checked the URL."""
    try:
        return parse_url(url).host
    except UrlError:
        return ""


def canaries_blind(failing: int, total: int, reported: int) -> bool:
    """Every canary has reported and the latest check of every one failed."""
    return total > 0 and reported == total and failing == total


def exchange_unreachable(failing: int, probed: int) -> bool:
    """More than `FALLBACK_SHARE` of an exchange's probed channels fail at the network level."""
    return probed > 0 and failing > probed * FALLBACK_SHARE


def correlated_blind(unreachable_exchanges: int) -> bool:
    """Enough exchanges unreachable at once that the network is ours, not theirs."""
    return unreachable_exchanges >= FALLBACK_MIN_EXCHANGES


def is_network_failure(result: ProbeResult) -> bool:
    return not result.ok and result.error in NETWORK_ERRORS


def blinded(result: ProbeResult) -> ProbeResult:
    """A failure seen while blind: recorded as `blind`, with what the probe said."""
    detail = f"{BLIND_DETAIL} ({result.detail})" if result.detail else BLIND_DETAIL
    return replace(result, error=ErrorKind.BLIND, detail=detail[:200], latency_ms=None)


class Sight:
    """Tracks whether the probes are blind; canaries decide when there are any."""

    def __init__(self, canaries: Iterable[str], channels: Iterable[str]) -> None:
        self._canaries: dict[str, bool | None] = dict.fromkeys(canaries)
        self._canary_failing = 0
        self._canary_reported = 0
        # Fallback counters: per channel its latest network failure, per exchange the counts.
        self._exchange_of = {key: key.partition("/")[0] for key in channels}
        self._probed: dict[str, int] = {}
        for exchange in self._exchange_of.values():
            self._probed[exchange] = self._probed.get(exchange, 0) + 1
        self._net_failing: dict[str, bool] = {}
        self._failing: dict[str, int] = dict.fromkeys(self._probed, 0)
        self._unreachable = 0
        self.since: datetime | None = None
        self.seen_again: datetime | None = None

    @property
    def blind(self) -> bool:
        return self.since is not None

    @property
    def uses_canaries(self) -> bool:
        return bool(self._canaries)

    def is_canary(self, key: str) -> bool:
        return key in self._canaries

    def observe(self, result: ProbeResult) -> None:
        """Count a canary's or a channel's result and update the blind state."""
        if result.channel in self._canaries:
            self._observe_canary(result)
            now_blind = canaries_blind(
                self._canary_failing, len(self._canaries), self._canary_reported
            )
        elif self._canaries:
            return  # canaries decide; the exchanges' own results are evidence, not a vote
        else:
            self._observe_channel(result)
            now_blind = correlated_blind(self._unreachable)
        self._turn(now_blind, result.at)

    @property
    def settled(self) -> bool:
        """Whether we know if we can see: no canaries, or every canary has reported once."""
        return self._canary_reported == len(self._canaries)

    def covers(self, at: datetime) -> bool:
        """Whether a failure of a check started at `at` falls in a blind spell.

        Blind now: every failure. Seeing again: a check started before the spell ended
        (it failed for the same reason, and only came back late). Not settled yet (just
        started, a canary not heard from): every failure too, so that a machine without
        internet does not count its first seconds' failures against the exchanges.
        """
        if self.since is not None or not self.settled:
            return True
        return self.seen_again is not None and at <= self.seen_again

    def _observe_canary(self, result: ProbeResult) -> None:
        before = self._canaries[result.channel]
        if before is None:
            self._canary_reported += 1
        self._canary_failing += (not result.ok) - (before is False)
        self._canaries[result.channel] = result.ok

    def _observe_channel(self, result: ProbeResult) -> None:
        exchange = self._exchange_of.get(result.channel)
        if exchange is None:
            return
        failing = is_network_failure(result)
        if self._net_failing.get(result.channel, False) is failing:
            return
        self._net_failing[result.channel] = failing
        probed = self._probed[exchange]
        was = exchange_unreachable(self._failing[exchange], probed)
        self._failing[exchange] += 1 if failing else -1
        now = exchange_unreachable(self._failing[exchange], probed)
        self._unreachable += now - was

    def _turn(self, now_blind: bool, at: datetime) -> None:
        if now_blind and self.since is None:
            self.since = at
        elif not now_blind and self.since is not None:
            self.since, self.seen_again = None, at
