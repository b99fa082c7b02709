"""OKX: `api/v5/system/status` lists scheduled, ongoing and pre-open maintenance events.

Allowed: one request per 5 seconds. Envelope `{"code": "0", "msg": "", "data": [...]}`; any
other `code` is a failed read (50011 is OKX's own rate limit). Per-network deposit and
withdrawal status needs an API key at OKX, so there is no wallet endpoint.
"""

from __future__ import annotations

from probes.feeds.events import events_system
from probes.feeds.facts import Scope, System
from probes.feeds.kind import FeedKind, SystemEndpoint
from probes.feeds.parse import FeedError, load_json, text

RATE_LIMITED = "50011"
PACE_S = 5.0


def error_of(doc: object) -> str | None:
    if isinstance(doc, dict) and "code" in doc and str(doc["code"]) != "0":
        code = text(str(doc["code"]), 20)
        message = text(doc.get("msg"))
        return f"{code} {message}".strip()
    return None


def parse_system(body: bytes) -> System:
    doc = load_json(body)
    message = error_of(doc)
    if message:
        retry = PACE_S * 2 if message.startswith(RATE_LIMITED) else None
        raise FeedError(f"OKX says {message}", retry)
    # The documented envelope always carries code "0" on success: without it, nothing says
    # an empty list means "nothing announced".
    if not isinstance(doc, dict) or "code" not in doc or not isinstance(doc.get("data"), list):
        raise FeedError("unexpected answer: no data list")
    return events_system(doc["data"], production={"1"})


KIND = FeedKind(
    name="okx",
    scope=Scope.NONE,
    system=SystemEndpoint("/api/v5/system/status", parse_system),
    wallet=None,
    min_gap_s=PACE_S,
    error_of=error_of,
)
