"""The verdict: what users are told when they ask "is it live now?", pure.

First match wins (docs/design.md section 5): maintenance → down → unknown → off_hours → degraded
→ live. Reasons are codes with parameters, not sentences: `bot/render/` words them per
locale. `reasons[0]` explains the verdict; the reasons after it are every other condition
that held, in the same order (a `down` live chat outside its hours still says when it
opens), then the notes `not_probed` and `hours_unknown`.

Channels without a probe get their verdict from hours alone, because nothing checks them:
- a `live` channel (chat, phone) is `live` inside stated hours (or 24/7), `off_hours`
  outside them, and `unknown` when the hours are not stated: we cannot tell a trader at
  3 a.m. that someone will answer when neither a probe nor the exchange says so;
- `async`, `self_service` and `broadcast` channels accept at any hour (an e-mail is
  received, a help page is readable), so they are `live`; the renderer says "accepting"
  with the expected reply time, and `not_probed` says it is unchecked.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from bot.catalog.models import Channel
from bot.health import Cause
from bot.hours import is_staffed, next_open
from bot.vocab import Health, Mode, Verdict

Param = str | int | float | datetime


class ReasonCode(StrEnum):
    """Why a verdict is what it is; one code per thing a renderer words."""

    DECLARED_MAINTENANCE = "declared_maintenance"
    API_MAINTENANCE = "api_maintenance"  # the exchange's own status API: whole exchange
    UPSTREAM_MAINTENANCE = "upstream_maintenance"
    PROBE_DOWN = "probe_down"
    UPSTREAM_MAJOR_OUTAGE = "upstream_major_outage"
    NO_EVIDENCE = "no_evidence"
    BLIND = "blind"
    STALE = "stale"
    UNSETTLED = "unsettled"
    OFF_HOURS = "off_hours"
    SLOW = "slow"
    INTERMITTENT = "intermittent"
    UPSTREAM_INCIDENT = "upstream_incident"
    NOT_PROBED = "not_probed"
    HOURS_UNKNOWN = "hours_unknown"


@dataclass(frozen=True)
class Reason:
    """One reason: a code and what the renderer needs to word it (no sentences)."""

    code: ReasonCode
    params: dict[str, Param] = field(default_factory=dict)


class Indicator(StrEnum):
    """A Statuspage page's overall indicator."""

    NONE = "none"
    MINOR = "minor"
    MAJOR = "major"
    CRITICAL = "critical"
    MAINTENANCE = "maintenance"
    # Not the page's word: we could not fetch or read it, so it says nothing either way.
    UNKNOWN = "unknown"


class ComponentStatus(StrEnum):
    """A Statuspage component's status."""

    OPERATIONAL = "operational"
    DEGRADED_PERFORMANCE = "degraded_performance"
    PARTIAL_OUTAGE = "partial_outage"
    MAJOR_OUTAGE = "major_outage"
    UNDER_MAINTENANCE = "under_maintenance"


@dataclass(frozen=True, slots=True)
class Component:
    name: str
    status: ComponentStatus


@dataclass(frozen=True, slots=True)
class Incident:
    """An open incident on the exchange's status page."""

    name: str
    status: str = ""
    impact: str = ""


@dataclass(frozen=True, slots=True)
class Upstream:
    """What the exchange's own status page says about a channel.

    When `components` (those mapped to this channel) are given, they decide; otherwise the
    page's `indicator` does, which suits the status-page channel itself. An unreadable page
    has the indicator `unknown` and says why in `detail`.
    """

    indicator: Indicator = Indicator.NONE
    components: tuple[Component, ...] = ()
    incidents: tuple[Incident, ...] = ()
    detail: str = ""

    @property
    def readable(self) -> bool:
        """Whether the page was fetched and read: only then do its words count."""
        return self.indicator is not Indicator.UNKNOWN

    def _statuses(self) -> set[ComponentStatus]:
        return {c.status for c in self.components}

    def _named(self, *statuses: ComponentStatus) -> str:
        return ", ".join(c.name for c in self.components if c.status in statuses)

    def in_maintenance(self) -> bool:
        """Scheduled maintenance under way for this channel."""
        if self.components:
            return ComponentStatus.UNDER_MAINTENANCE in self._statuses()
        return self.indicator == Indicator.MAINTENANCE

    def in_major_outage(self) -> bool:
        """The exchange says this channel is out."""
        if self.components:
            return ComponentStatus.MAJOR_OUTAGE in self._statuses()
        return self.indicator == Indicator.CRITICAL

    def impaired(self) -> bool:
        """The exchange says this channel works, but not fully."""
        if self.components:
            partial = {ComponentStatus.PARTIAL_OUTAGE, ComponentStatus.DEGRADED_PERFORMANCE}
            return bool(partial & self._statuses())
        return self.indicator in (Indicator.MINOR, Indicator.MAJOR)

    def params(self, *statuses: ComponentStatus) -> dict[str, Param]:
        """Reason parameters: the components concerned and the open incidents."""
        params: dict[str, Param] = {"indicator": self.indicator.value}
        if names := self._named(*statuses):
            params["components"] = names
        if self.incidents:
            params["incidents"] = "; ".join(i.name for i in self.incidents)
        return params


@dataclass(frozen=True, slots=True)
class Maintenance:
    """A maintenance window declared for a channel; open-ended where a bound is None.

    `note` is the reason as declared (the fallback), `notes` the reason per locale where the
    catalog gives one; they reach the renderer as the params `note` and `note_<locale>`.
    """

    starts_at: datetime | None = None
    ends_at: datetime | None = None
    note: str = ""
    notes: Mapping[str, str] = field(default_factory=dict)
    # Who says so: declared (catalog, admin) or the exchange's own status API.
    code: ReasonCode = ReasonCode.DECLARED_MAINTENANCE

    def active(self, now: datetime) -> bool:
        """Whether `now` falls in the window (end exclusive)."""
        started = self.starts_at is None or self.starts_at <= now
        return started and (self.ends_at is None or now < self.ends_at)


@dataclass(frozen=True, slots=True)
class VerdictResult:
    """The verdict, its reasons (first one decides) and how old the probe evidence is."""

    verdict: Verdict
    reasons: tuple[Reason, ...]
    evidence_age_s: float | None


_Found = tuple[Verdict, Reason]


def decide(
    channel: Channel,
    health: Health,
    now: datetime,
    *,
    maintenance: Maintenance | None = None,
    upstream: Upstream | None = None,
    evidence_at: datetime | None = None,
    probed: bool | None = None,
    detail: str = "",
    degraded_by: Cause | None = None,
    stale_after_s: float | None = None,
    blind: bool = False,
) -> VerdictResult:
    """Tell whether `channel` is live at `now`, first matching rule first.

    `health` is the effective health (see `bot.health.effective_health`); `probed` defaults
    to whether the channel has a probe; `detail` is the last failure's text, `degraded_by`
    why health is degraded, `stale_after_s` the age after which evidence is stale (without
    it, unknown health with evidence is reported as stale), `blind` that the last check
    failed while our own connection was failing (`bot.blind`): unknown, and it says so.
    """
    is_probed = channel.probe is not None if probed is None else probed
    age = None if evidence_at is None else max(0.0, (now - evidence_at).total_seconds())
    found: list[_Found] = [
        *_maintenance(maintenance, upstream, now),
        *_outage(health if is_probed else None, upstream, detail),
        *(_unknown(health, age, stale_after_s, blind) if is_probed else ()),
        *_off_hours(channel, now),
        *_degraded(health if is_probed else None, upstream, detail, degraded_by),
    ]
    notes = list(_notes(channel, is_probed))
    verdict = found[0][0] if found else _fallback(channel, is_probed)
    reasons = (*(reason for _, reason in found), *notes)
    return VerdictResult(verdict=verdict, reasons=reasons, evidence_age_s=age)


def _maintenance(
    declared: Maintenance | None, upstream: Upstream | None, now: datetime
) -> Iterable[_Found]:
    if declared is not None and declared.active(now):
        params: dict[str, Param] = {}
        if declared.ends_at is not None:
            params["until"] = declared.ends_at
        if declared.note:
            params["note"] = declared.note
        for locale, note in declared.notes.items():
            params[f"note_{locale}"] = note
        yield Verdict.MAINTENANCE, Reason(declared.code, params)
    if upstream is not None and upstream.in_maintenance():
        params = upstream.params(ComponentStatus.UNDER_MAINTENANCE)
        yield Verdict.MAINTENANCE, Reason(ReasonCode.UPSTREAM_MAINTENANCE, params)


def _outage(health: Health | None, upstream: Upstream | None, detail: str) -> Iterable[_Found]:
    if health == Health.DOWN:
        yield Verdict.DOWN, Reason(ReasonCode.PROBE_DOWN, {"detail": detail} if detail else {})
    if upstream is not None and upstream.in_major_outage():
        params = upstream.params(ComponentStatus.MAJOR_OUTAGE)
        yield Verdict.DOWN, Reason(ReasonCode.UPSTREAM_MAJOR_OUTAGE, params)


def _unknown(
    health: Health, age: float | None, stale_after_s: float | None, blind: bool
) -> Iterable[_Found]:
    if health != Health.UNKNOWN:
        return
    if blind and age is not None and (stale_after_s is None or age <= stale_after_s):
        yield Verdict.UNKNOWN, Reason(ReasonCode.BLIND, {"age_s": age})
    elif age is None:
        yield Verdict.UNKNOWN, Reason(ReasonCode.NO_EVIDENCE)
    elif stale_after_s is None or age > stale_after_s:
        yield Verdict.UNKNOWN, Reason(ReasonCode.STALE, {"age_s": age})
    else:
        # Recent results, but not enough to say up or down (e.g. first checks failing).
        yield Verdict.UNKNOWN, Reason(ReasonCode.UNSETTLED, {"age_s": age})


def _off_hours(channel: Channel, now: datetime) -> Iterable[_Found]:
    # Only a live channel needs someone there now; a ticket or e-mail is received anyway.
    if channel.mode != Mode.LIVE or is_staffed(channel.hours, now) is not False:
        return
    opens = next_open(channel.hours, now)
    yield Verdict.OFF_HOURS, Reason(ReasonCode.OFF_HOURS, {"next_open": opens} if opens else {})


def _degraded(
    health: Health | None, upstream: Upstream | None, detail: str, degraded_by: Cause | None
) -> Iterable[_Found]:
    if health == Health.DEGRADED:
        if degraded_by == Cause.INTERMITTENT:
            reason = Reason(ReasonCode.INTERMITTENT, {"detail": detail} if detail else {})
        else:
            # Slow is the default: a degraded probe result is a slow or near-failing answer.
            reason = Reason(ReasonCode.SLOW, {"detail": detail} if detail else {})
        yield Verdict.DEGRADED, reason
    if upstream is not None and upstream.impaired():
        partial = (ComponentStatus.PARTIAL_OUTAGE, ComponentStatus.DEGRADED_PERFORMANCE)
        yield Verdict.DEGRADED, Reason(ReasonCode.UPSTREAM_INCIDENT, upstream.params(*partial))


def _notes(channel: Channel, probed: bool) -> Iterable[Reason]:
    if not probed:
        yield Reason(ReasonCode.NOT_PROBED)
    if channel.mode == Mode.LIVE and channel.hours is None:
        yield Reason(ReasonCode.HOURS_UNKNOWN)


def _fallback(channel: Channel, probed: bool) -> Verdict:
    """The verdict when no rule matched: live, unless nothing at all vouches for it."""
    if not probed and channel.mode == Mode.LIVE and channel.hours is None:
        return Verdict.UNKNOWN
    return Verdict.LIVE
