"""The `statuspage` probe: read an Atlassian Statuspage `/api/v2/summary.json`.

Health rule: with mapped components (`spec.components`), those components decide: any in
`major_outage` is down, `partial_outage` or `degraded_performance` is degraded. Without them the
page indicator decides: `major` or `critical` is down, `minor` is degraded. Maintenance (page
indicator, a mapped component, or a maintenance in progress) is up with `extra["maintenance"]`
set, so the verdict can say "maintenance" rather than "down". Open incidents are carried in
`extra["incidents"]`. Field names are those of Statuspage's public API v2.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from probes.context import ProbeContext, Target
from probes.failure import ProbeFailure, spec_of
from probes.http import fetch
from probes.result import ErrorKind, ProbeResult
from probes.spec import StatuspageProbe

SUMMARY_PATH = "/api/v2/summary.json"
DOWN_INDICATORS = frozenset({"major", "critical"})
DEGRADED_COMPONENT = frozenset({"degraded_performance", "partial_outage"})
ACTIVE_MAINTENANCE = frozenset({"in_progress", "verifying"})
MAX_INCIDENTS_KEPT = 10
MAX_COMPONENTS_KEPT = 50

Indicator = Literal["none", "minor", "major", "critical", "maintenance"]
ComponentStatus = Literal[
    "operational", "degraded_performance", "partial_outage", "major_outage", "under_maintenance"
]


class _Model(BaseModel):
    # Statuspage adds fields over time; only the ones we read are declared.
    model_config = ConfigDict(extra="ignore", frozen=True)


class PageStatus(_Model):
    indicator: Indicator
    description: str = ""


class Component(_Model):
    name: str
    status: ComponentStatus
    group: bool = False


class Incident(_Model):
    name: str
    status: str
    impact: str = "none"
    shortlink: str | None = None
    started_at: datetime | None = None
    created_at: datetime | None = None


class Summary(_Model):
    """The parts of `summary.json` the verdict needs."""

    status: PageStatus
    components: list[Component] = []
    incidents: list[Incident] = []
    scheduled_maintenances: list[Incident] = []


async def probe(ctx: ProbeContext, target: Target) -> ProbeResult:
    """Check a `statuspage` target; an unreadable summary is a `body` failure."""
    spec = spec_of(target, StatuspageProbe)
    at = ctx.now()
    try:
        fetched = await fetch(
            ctx,
            target,
            spec.url.rstrip("/") + SUMMARY_PATH,
            max_bytes=ctx.max_json_bytes,
            timeout_s=spec.timeout_s,
        )
        if fetched.status != 200:
            raise ProbeFailure(ErrorKind.HTTP_STATUS, f"HTTP {fetched.status}", fetched.latency_ms)
        summary = parse_summary(fetched.body, fetched.truncated, ctx.max_json_bytes)
    except ProbeFailure as failure:
        return failure.to_result(target, at)
    return judge(summary, spec, target.channel, at, fetched.latency_ms)


def parse_summary(body: bytes, truncated: bool, max_bytes: int) -> Summary:
    """The validated summary, or a `body` failure saying what is wrong with it."""
    if truncated:
        raise ProbeFailure(ErrorKind.BODY, f"summary larger than {max_bytes // 1024} KiB")
    try:
        return Summary.model_validate_json(body)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "document"
        detail = f"unexpected summary.json: {where}: {first['msg']}"
        raise ProbeFailure(ErrorKind.BODY, detail) from None


def judge(
    summary: Summary, spec: StatuspageProbe, channel: str, at: datetime, latency_ms: float
) -> ProbeResult:
    """Apply the health rule in the module docstring to a parsed summary."""
    mapped: dict[str, str] = {
        c.name: c.status for c in summary.components if c.name in spec.components
    }
    missing = [name for name in spec.components if name not in mapped]
    maintenance = _in_maintenance(summary, mapped)
    if spec.components:
        down = [name for name, status in mapped.items() if status == "major_outage"]
        degraded = [name for name, status in mapped.items() if status in DEGRADED_COMPONENT]
        detail = _component_detail(down, degraded, mapped) or summary.status.description
        ok, slow = not down, bool(degraded)
    else:
        indicator = summary.status.indicator
        ok, slow = indicator not in DOWN_INDICATORS, indicator == "minor"
        detail = summary.status.description or f"indicator {indicator}"
    if missing:
        # A renamed component is a catalog problem, not an outage: say so, do not fail.
        detail += f" (not on the page: {', '.join(missing)})"
    return ProbeResult(
        channel=channel,
        at=at,
        ok=ok,
        latency_ms=latency_ms,
        error=None if ok else ErrorKind.OTHER,
        detail=detail,
        slow=ok and (slow or latency_ms > spec.slow_ms),
        extra=_extra(summary, mapped if spec.components else None, maintenance),
    )


def _component_detail(down: list[str], degraded: list[str], mapped: dict[str, str]) -> str:
    """A short text naming the worst mapped components, or "" when all are fine."""
    worst = down or degraded
    return ", ".join(f"{name}: {mapped[name].replace('_', ' ')}" for name in worst)


def _in_maintenance(summary: Summary, mapped: dict[str, str]) -> bool:
    """True when the page, a mapped component, or an active maintenance says maintenance."""
    return (
        summary.status.indicator == "maintenance"
        or "under_maintenance" in mapped.values()
        or any(m.status in ACTIVE_MAINTENANCE for m in summary.scheduled_maintenances)
    )


def _extra(summary: Summary, mapped: dict[str, str] | None, maintenance: bool) -> dict[str, object]:
    """The facts the verdict and the chat reply show, as plain JSON-ready values.

    `components` holds the mapped components; without a mapping, only the ones not
    operational (a big page lists hundreds, and every result is stored).
    """
    if mapped is None:
        mapped = {
            c.name: c.status
            for c in summary.components
            if not c.group and c.status != "operational"
        }
        mapped = dict(list(mapped.items())[:MAX_COMPONENTS_KEPT])
    incidents = [
        {
            "name": i.name,
            "impact": i.impact,
            "status": i.status,
            "url": i.shortlink,
            "started_at": _iso(i.started_at or i.created_at),
        }
        for i in summary.incidents[:MAX_INCIDENTS_KEPT]
    ]
    return {
        "indicator": summary.status.indicator,
        "description": summary.status.description,
        "components": mapped,
        "incidents": incidents,
        "maintenance": maintenance,
    }


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None
