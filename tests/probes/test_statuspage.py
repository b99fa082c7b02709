"""The statuspage probe against a local summary.json: indicator, components, incidents."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from aiohttp import web

from probes import statuspage
from probes.context import ProbeContext
from probes.result import ErrorKind, ProbeResult
from probes.spec import StatuspageProbe
from tests.probes.conftest import Serve, target_for

QUIET: dict[str, Any] = {
    "page": {"id": "kr0djjh0jyy9", "name": "Exchange", "url": "https://status.mexc.test"},
    "status": {"indicator": "none", "description": "All Systems Operational"},
    "components": [
        {"id": "a", "name": "Trading", "status": "operational", "group": False},
        {"id": "b", "name": "Support chat", "status": "operational", "group": False},
        {"id": "c", "name": "Funding", "status": "operational", "group": True},
    ],
    "incidents": [],
    "scheduled_maintenances": [],
}

INCIDENT = {
    "id": "zp6cm4gxxmtx",
    "name": "Delayed withdrawals on Ethereum",
    "status": "identified",
    "impact": "minor",
    "shortlink": "https://stspg.io/hfqxjmvn7nv9",
    "created_at": "2021-09-30T00:55:18.175-07:00",
    "started_at": "2021-09-30T00:55:18.000-07:00",
    "incident_updates": [],
}


def _summary(**changes: Any) -> dict[str, Any]:
    doc = copy.deepcopy(QUIET)
    doc.update(changes)
    return doc


def _with_component(name: str, component_status: str, **changes: Any) -> dict[str, Any]:
    doc = _summary(**changes)
    for component in doc["components"]:
        if component["name"] == name:
            component["status"] = component_status
    return doc


async def _check(
    ctx: ProbeContext, serve: Serve, body: dict[str, Any] | str, components: tuple[str, ...] = ()
) -> ProbeResult:
    text = body if isinstance(body, str) else json.dumps(body)

    async def summary(_: web.Request) -> web.Response:
        return web.Response(text=text, content_type="application/json")

    app = web.Application()
    app.router.add_get("/api/v2/summary.json", summary)
    base = await serve(app)
    spec = StatuspageProbe(url=f"{base}/", components=components)
    return await statuspage.probe(ctx, target_for(spec))


async def test_it_is_up_when_all_is_operational(ctx: ProbeContext, serve: Serve) -> None:
    result = await _check(ctx, serve, QUIET)
    assert (result.ok, result.slow, result.error) == (True, False, None)
    assert result.detail == "All Systems Operational"
    assert result.extra == {
        "indicator": "none",
        "description": "All Systems Operational",
        "components": {},
        "incidents": [],
        "maintenance": False,
    }


async def test_it_is_degraded_on_a_minor_indicator(ctx: ProbeContext, serve: Serve) -> None:
    doc = _summary(status={"indicator": "minor", "description": "Minor Service Outage"})
    result = await _check(ctx, serve, doc)
    assert (result.ok, result.slow, result.detail) == (True, True, "Minor Service Outage")


@pytest.mark.parametrize("indicator", ["major", "critical"])
async def test_it_is_down_on_a_major_indicator(
    ctx: ProbeContext, serve: Serve, indicator: str
) -> None:
    doc = _with_component("Trading", "major_outage")
    doc["status"] = {"indicator": indicator, "description": "Major System Outage"}
    result = await _check(ctx, serve, doc)
    assert (result.ok, result.error, result.detail) == (
        False,
        ErrorKind.OTHER,
        "Major System Outage",
    )
    assert result.extra["components"] == {"Trading": "major_outage"}


async def test_it_is_down_when_a_mapped_component_is_out(ctx: ProbeContext, serve: Serve) -> None:
    doc = _with_component("Support chat", "major_outage")
    doc["status"] = {"indicator": "critical", "description": "Major System Outage"}
    result = await _check(ctx, serve, doc, components=("Support chat",))
    assert (result.ok, result.detail) == (False, "Support chat: major outage")
    assert result.extra["components"] == {"Support chat": "major_outage"}


async def test_mapped_components_decide_over_the_page(ctx: ProbeContext, serve: Serve) -> None:
    doc = _with_component("Trading", "major_outage")
    doc["status"] = {"indicator": "major", "description": "Partial System Outage"}
    result = await _check(ctx, serve, doc, components=("Support chat",))
    assert (result.ok, result.slow) == (True, False)


async def test_it_is_degraded_when_a_mapped_component_is_partly_out(
    ctx: ProbeContext, serve: Serve
) -> None:
    doc = _with_component("Support chat", "partial_outage")
    result = await _check(ctx, serve, doc, components=("Support chat", "Trading"))
    assert (result.ok, result.slow, result.detail) == (True, True, "Support chat: partial outage")


async def test_it_flags_maintenance_without_calling_it_down(
    ctx: ProbeContext, serve: Serve
) -> None:
    maintenance = dict(INCIDENT, status="in_progress", impact="maintenance")
    doc = _with_component(
        "Trading",
        "under_maintenance",
        status={"indicator": "maintenance", "description": "Service Under Maintenance"},
        scheduled_maintenances=[maintenance],
    )
    result = await _check(ctx, serve, doc)
    assert (result.ok, result.extra["maintenance"]) == (True, True)
    assert result.extra["components"] == {"Trading": "under_maintenance"}


async def test_a_maintenance_in_progress_alone_counts(ctx: ProbeContext, serve: Serve) -> None:
    doc = _summary(scheduled_maintenances=[dict(INCIDENT, status="in_progress")])
    assert (await _check(ctx, serve, doc)).extra["maintenance"] is True
    doc = _summary(scheduled_maintenances=[dict(INCIDENT, status="scheduled")])
    assert (await _check(ctx, serve, doc)).extra["maintenance"] is False


async def test_it_carries_open_incidents(ctx: ProbeContext, serve: Serve) -> None:
    doc = _summary(incidents=[INCIDENT])
    result = await _check(ctx, serve, doc)
    assert result.extra["incidents"] == [
        {
            "name": "Delayed withdrawals on Ethereum",
            "impact": "minor",
            "status": "identified",
            "url": "https://stspg.io/hfqxjmvn7nv9",
            "started_at": "2021-09-30T00:55:18-07:00",
        }
    ]


async def test_it_names_mapped_components_missing_from_the_page(
    ctx: ProbeContext, serve: Serve
) -> None:
    result = await _check(ctx, serve, QUIET, components=("Trading", "Live chat"))
    assert result.ok
    assert result.detail == "All Systems Operational (not on the page: Live chat)"


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        ("{not json", "unexpected summary.json: document: Invalid JSON"),
        (json.dumps({"components": []}), "unexpected summary.json: status: Field required"),
        (
            json.dumps(_summary(status={"indicator": "purple"})),
            "unexpected summary.json: status.indicator: Input should be",
        ),
    ],
)
async def test_it_reports_a_malformed_summary(
    ctx: ProbeContext, serve: Serve, body: str, detail: str
) -> None:
    result = await _check(ctx, serve, body)
    assert (result.ok, result.error) == (False, ErrorKind.BODY)
    assert result.detail.startswith(detail)


async def test_it_reports_a_missing_summary(ctx: ProbeContext, serve: Serve) -> None:
    base = await serve(web.Application())
    result = await statuspage.probe(ctx, target_for(StatuspageProbe(url=base)))
    assert (result.error, result.detail) == (ErrorKind.HTTP_STATUS, "HTTP 404")
