"""Bybit: `v5/system/status` lists maintenance events (scheduled, ongoing, completed).

Envelope `{"retCode": 0, "retMsg": "...", "result": {"list": [...]}}`; any other `retCode`
is a failed read. `env` comes as a number or a string. HTTP 403 means the IP limit was
breached (wait at least 10 min) or a region Bybit refuses. Per-network deposit and
withdrawal status needs an API key at Bybit, so there is no wallet endpoint.
"""

from __future__ import annotations

from probes.feeds.events import events_system
from probes.feeds.facts import Scope, System
from probes.feeds.kind import FeedKind, SystemEndpoint
from probes.feeds.parse import FeedError, load_json, text


def error_of(doc: object) -> str | None:
    if isinstance(doc, dict) and "retCode" in doc and not _is_zero(doc["retCode"]):
        code = text(str(doc["retCode"]), 20)
        return f"{code} {text(doc.get('retMsg'))}".strip()
    return None


def _is_zero(code: object) -> bool:
    """`retCode` 0, as a number or a string (not `false`, which JSON keeps apart)."""
    return code == "0" or (type(code) is int and code == 0)


def parse_system(body: bytes) -> System:
    doc = load_json(body)
    message = error_of(doc)
    if message:
        raise FeedError(f"Bybit says {message}")
    if not isinstance(doc, dict) or "retCode" not in doc:
        # Success always says retCode 0: without it, an empty list proves nothing.
        raise FeedError("unexpected answer: no retCode")
    result = doc.get("result") if isinstance(doc, dict) else None
    if not isinstance(result, dict) or not isinstance(result.get("list"), list):
        raise FeedError("unexpected answer: no result.list")
    return events_system(result["list"], production={"1"})


KIND = FeedKind(
    name="bybit",
    scope=Scope.NONE,
    system=SystemEndpoint("/v5/system/status", parse_system),
    wallet=None,
    min_gap_s=1.0,
    error_of=error_of,
)
