"""Binance: `sapi/v1/system/status` says normal (0) or system maintenance (1), nothing more.

Per-network deposit/withdrawal status needs an API key at Binance, so this kind has no
wallet endpoint: the bot says there is no public per-network source. Errors come as
`{"code": <negative int>, "msg": "..."}` with an HTTP error status.
"""

from __future__ import annotations

from probes.feeds.facts import Scope, System, TradingMode
from probes.feeds.kind import FeedKind, SystemEndpoint
from probes.feeds.parse import FeedError, load_json, text

MODES = {0: TradingMode.NORMAL, 1: TradingMode.MAINTENANCE}


def error_of(doc: object) -> str | None:
    if isinstance(doc, dict) and "code" in doc and "status" not in doc:
        return text(doc.get("msg")) or f"code {text(str(doc.get('code')), 20)}"
    return None


def parse_system(body: bytes) -> System:
    doc = load_json(body)
    message = error_of(doc)
    if message:
        raise FeedError(f"Binance says {message}")
    if not isinstance(doc, dict) or "status" not in doc:
        raise FeedError("unexpected answer: no status")
    status = doc["status"]
    mode = MODES.get(status, TradingMode.UNKNOWN) if type(status) is int else TradingMode.UNKNOWN
    return System(mode=mode, note=text(doc.get("msg")))


KIND = FeedKind(
    name="binance",
    scope=Scope.NONE,
    system=SystemEndpoint("/sapi/v1/system/status", parse_system),
    wallet=None,
    min_gap_s=1.0,
    error_of=error_of,
)
