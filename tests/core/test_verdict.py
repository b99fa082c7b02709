"""The verdict: which condition wins, and what reasons it carries for the renderer."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from itertools import combinations
from typing import Any

import pytest

from bot.catalog.models import Channel
from bot.health import Cause
from bot.verdict import (
    Component,
    ComponentStatus,
    Incident,
    Indicator,
    Maintenance,
    ReasonCode,
    Upstream,
    VerdictResult,
    decide,
)
from bot.vocab import Health, Verdict

WEEKDAY_NOON = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)  # Tuesday
SATURDAY = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
MONDAY_0900 = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
PROBE = {"kind": "http", "url": "https://www.mexc.com/support"}
OFFICE = {"tz": "UTC", "weekly": ["mon-fri 09:00-18:00"]}


def channel(mode: str = "live", hours: object = OFFICE, probe: object = PROBE) -> Channel:
    return Channel.model_validate(
        {"id": "chat", "kind": "live_chat", "mode": mode, "name": "Chat", "hours": hours}
        | ({"probe": probe} if probe else {})
    )


def codes(result: VerdictResult) -> list[ReasonCode]:
    return [reason.code for reason in result.reasons]


@dataclass(frozen=True)
class Scene:
    """One situation: a staffed, probed, up live chat until conditions change it."""

    now: datetime = WEEKDAY_NOON
    health: Health = Health.UP
    maintenance: Maintenance | None = None
    components: tuple[Component, ...] = ()
    degraded_by: Cause | None = None

    def decide(self) -> VerdictResult:
        upstream = Upstream(components=self.components) if self.components else None
        return decide(
            channel(),
            self.health,
            self.now,
            maintenance=self.maintenance,
            upstream=upstream,
            evidence_at=self.now - timedelta(seconds=30),
            detail="timeout after 10 s" if self.health == Health.DOWN else "",
            degraded_by=self.degraded_by,
            stale_after_s=180.0,
        )


def _component(status: ComponentStatus) -> Callable[[Scene], Scene]:
    return lambda s: replace(s, components=(*s.components, Component("Support", status)))


# Every condition that can decide a verdict, in the order docs/design.md section 5 gives them.
CONDITIONS: list[tuple[str, Verdict, ReasonCode, Callable[[Scene], Scene]]] = [
    (
        "declared maintenance",
        Verdict.MAINTENANCE,
        ReasonCode.DECLARED_MAINTENANCE,
        # Open-ended, so it still covers the scene when another condition moves `now`.
        lambda s: replace(s, maintenance=Maintenance(starts_at=WEEKDAY_NOON)),
    ),
    (
        "upstream maintenance",
        Verdict.MAINTENANCE,
        ReasonCode.UPSTREAM_MAINTENANCE,
        _component(ComponentStatus.UNDER_MAINTENANCE),
    ),
    ("probe down", Verdict.DOWN, ReasonCode.PROBE_DOWN, lambda s: replace(s, health=Health.DOWN)),
    (
        "upstream major outage",
        Verdict.DOWN,
        ReasonCode.UPSTREAM_MAJOR_OUTAGE,
        _component(ComponentStatus.MAJOR_OUTAGE),
    ),
    (
        "unknown health",
        Verdict.UNKNOWN,
        ReasonCode.UNSETTLED,
        lambda s: replace(s, health=Health.UNKNOWN),
    ),
    ("outside hours", Verdict.OFF_HOURS, ReasonCode.OFF_HOURS, lambda s: replace(s, now=SATURDAY)),
    (
        "slow",
        Verdict.DEGRADED,
        ReasonCode.SLOW,
        lambda s: replace(s, health=Health.DEGRADED, degraded_by=Cause.SLOW),
    ),
    (
        "upstream partial outage",
        Verdict.DEGRADED,
        ReasonCode.UPSTREAM_INCIDENT,
        _component(ComponentStatus.PARTIAL_OUTAGE),
    ),
]
_HEALTH_SETTERS = {"probe down", "unknown health", "slow"}
PAIRS = [
    (first, second)
    for first, second in combinations(CONDITIONS, 2)
    # Health has one value at a time, so two health conditions never compete.
    if not {first[0], second[0]} <= _HEALTH_SETTERS
]


@pytest.mark.parametrize(("first", "second"), PAIRS, ids=[f"{a[0]} beats {b[0]}" for a, b in PAIRS])
def test_it_lets_the_earlier_condition_win_and_keeps_the_other_as_a_reason(
    first: tuple[str, Verdict, ReasonCode, Callable[[Scene], Scene]],
    second: tuple[str, Verdict, ReasonCode, Callable[[Scene], Scene]],
) -> None:
    _, verdict, code, make = first
    _, _, other_code, make_other = second
    for scene in (make(make_other(Scene())), make_other(make(Scene()))):
        result = scene.decide()
        assert result.verdict == verdict
        assert codes(result) == [code, other_code]


@pytest.mark.parametrize(
    ("name", "verdict", "code", "make"), CONDITIONS, ids=[c[0] for c in CONDITIONS]
)
def test_it_decides_each_condition_on_its_own(
    name: str, verdict: Verdict, code: ReasonCode, make: Callable[[Scene], Scene]
) -> None:
    result = make(Scene()).decide()
    assert (result.verdict, codes(result)) == (verdict, [code])


def test_it_calls_a_staffed_up_channel_live_with_no_reasons_and_says_how_old_the_check_is() -> None:
    result = Scene().decide()
    assert result == VerdictResult(Verdict.LIVE, (), 30.0)


def test_it_gives_the_probe_detail_and_the_next_opening_as_parameters() -> None:
    down = replace(Scene(), health=Health.DOWN, now=SATURDAY).decide()
    assert [(r.code, r.params) for r in down.reasons] == [
        (ReasonCode.PROBE_DOWN, {"detail": "timeout after 10 s"}),
        (ReasonCode.OFF_HOURS, {"next_open": MONDAY_0900}),
    ]


@pytest.mark.parametrize(
    ("evidence_age_s", "expected"),
    [
        (None, ReasonCode.NO_EVIDENCE),
        (60.0, ReasonCode.UNSETTLED),
        (180.0, ReasonCode.UNSETTLED),
        (181.0, ReasonCode.STALE),
    ],
)
def test_it_tells_never_checked_from_stale_from_not_yet_settled(
    evidence_age_s: float | None, expected: ReasonCode
) -> None:
    at = None if evidence_age_s is None else WEEKDAY_NOON - timedelta(seconds=evidence_age_s)
    result = decide(channel(), Health.UNKNOWN, WEEKDAY_NOON, evidence_at=at, stale_after_s=180.0)
    assert (result.verdict, codes(result), result.evidence_age_s) == (
        Verdict.UNKNOWN,
        [expected],
        evidence_age_s,
    )


def test_it_calls_unknown_evidence_stale_when_no_limit_is_given() -> None:
    result = decide(channel(), Health.UNKNOWN, WEEKDAY_NOON, evidence_at=WEEKDAY_NOON)
    assert codes(result) == [ReasonCode.STALE]


@pytest.mark.parametrize(
    ("degraded_by", "expected"),
    [
        (Cause.SLOW, ReasonCode.SLOW),
        (Cause.INTERMITTENT, ReasonCode.INTERMITTENT),
        (None, ReasonCode.SLOW),
    ],
)
def test_it_says_why_a_channel_is_degraded(degraded_by: Cause | None, expected: ReasonCode) -> None:
    result = decide(channel(), Health.DEGRADED, WEEKDAY_NOON, degraded_by=degraded_by)
    assert (result.verdict, codes(result)) == (Verdict.DEGRADED, [expected])


@pytest.mark.parametrize("mode", ["async", "self_service", "broadcast"])
def test_it_keeps_non_live_channels_live_outside_staffed_hours(mode: str) -> None:
    result = decide(channel(mode=mode), Health.UP, SATURDAY)
    assert (result.verdict, codes(result)) == (Verdict.LIVE, [])


def test_it_notes_when_a_probed_live_channel_has_no_stated_hours() -> None:
    result = decide(channel(hours=None), Health.UP, SATURDAY)
    assert (result.verdict, codes(result)) == (Verdict.LIVE, [ReasonCode.HOURS_UNKNOWN])


NP = ReasonCode.NOT_PROBED


@pytest.mark.parametrize(
    ("mode", "hours", "now", "verdict", "expected"),
    [
        ("live", "24/7", SATURDAY, Verdict.LIVE, [NP]),
        ("live", OFFICE, WEEKDAY_NOON, Verdict.LIVE, [NP]),
        ("live", OFFICE, SATURDAY, Verdict.OFF_HOURS, [ReasonCode.OFF_HOURS, NP]),
        ("live", None, WEEKDAY_NOON, Verdict.UNKNOWN, [NP, ReasonCode.HOURS_UNKNOWN]),
        ("async", None, SATURDAY, Verdict.LIVE, [NP]),
        ("async", OFFICE, SATURDAY, Verdict.LIVE, [NP]),
        ("self_service", None, SATURDAY, Verdict.LIVE, [NP]),
        ("broadcast", None, SATURDAY, Verdict.LIVE, [NP]),
    ],
)
def test_it_judges_a_channel_without_probe_from_its_hours_alone(
    mode: str, hours: object, now: datetime, verdict: Verdict, expected: list[ReasonCode]
) -> None:
    result = decide(channel(mode=mode, hours=hours, probe=None), Health.UNKNOWN, now)
    assert (result.verdict, codes(result), result.evidence_age_s) == (verdict, expected, None)


def test_it_still_applies_maintenance_and_upstream_outages_to_channels_without_probe() -> None:
    email = channel(mode="async", hours=None, probe=None)
    out = Upstream(components=(Component("E-mail", ComponentStatus.MAJOR_OUTAGE),))
    assert decide(email, Health.UNKNOWN, SATURDAY, upstream=out).verdict == Verdict.DOWN
    assert (
        decide(email, Health.UNKNOWN, SATURDAY, maintenance=Maintenance()).verdict
        == Verdict.MAINTENANCE
    )


def test_it_trusts_the_probed_argument_over_the_catalog() -> None:
    result = decide(channel(), Health.DOWN, WEEKDAY_NOON, probed=False)
    assert (result.verdict, codes(result)) == (Verdict.LIVE, [NP])


@pytest.mark.parametrize(
    ("window", "expected"),
    [
        (Maintenance(), Verdict.MAINTENANCE),
        (Maintenance(starts_at=WEEKDAY_NOON), Verdict.MAINTENANCE),
        (Maintenance(starts_at=WEEKDAY_NOON + timedelta(minutes=1)), Verdict.LIVE),
        (Maintenance(ends_at=WEEKDAY_NOON), Verdict.LIVE),
        (Maintenance(ends_at=WEEKDAY_NOON + timedelta(minutes=1)), Verdict.MAINTENANCE),
    ],
)
def test_it_applies_declared_maintenance_only_inside_its_window(
    window: Maintenance, expected: Verdict
) -> None:
    assert decide(channel(), Health.UP, WEEKDAY_NOON, maintenance=window).verdict == expected


def test_it_passes_the_maintenance_end_and_note_to_the_renderer() -> None:
    until = WEEKDAY_NOON + timedelta(hours=2)
    result = decide(
        channel(), Health.UP, WEEKDAY_NOON, maintenance=Maintenance(ends_at=until, note="upgrade")
    )
    assert result.reasons[0].params == {"until": until, "note": "upgrade"}


@pytest.mark.parametrize(
    ("indicator", "expected"),
    [
        (Indicator.NONE, Verdict.LIVE),
        (Indicator.MINOR, Verdict.DEGRADED),
        (Indicator.MAJOR, Verdict.DEGRADED),
        (Indicator.CRITICAL, Verdict.DOWN),
        (Indicator.MAINTENANCE, Verdict.MAINTENANCE),
    ],
)
def test_it_reads_the_page_indicator_when_no_components_are_mapped(
    indicator: Indicator, expected: Verdict
) -> None:
    upstream = Upstream(indicator=indicator)
    assert decide(channel(), Health.UP, WEEKDAY_NOON, upstream=upstream).verdict == expected


def test_it_lets_mapped_components_overrule_the_page_indicator() -> None:
    upstream = Upstream(
        indicator=Indicator.CRITICAL,
        components=(Component("Live chat", ComponentStatus.OPERATIONAL),),
    )
    assert decide(channel(), Health.UP, WEEKDAY_NOON, upstream=upstream).verdict == Verdict.LIVE


def test_it_names_the_components_and_open_incidents_in_the_reason() -> None:
    upstream = Upstream(
        indicator=Indicator.MAJOR,
        components=(
            Component("Live chat", ComponentStatus.MAJOR_OUTAGE),
            Component("Help center", ComponentStatus.OPERATIONAL),
        ),
        incidents=(Incident("Chat unavailable", "investigating", "major"),),
    )
    result = decide(channel(), Health.UP, WEEKDAY_NOON, upstream=upstream)
    params: dict[str, Any] = dict(result.reasons[0].params)
    assert (result.verdict, params) == (
        Verdict.DOWN,
        {"indicator": "major", "components": "Live chat", "incidents": "Chat unavailable"},
    )
