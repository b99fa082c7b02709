"""What a probe says: one reachability check of one channel, as plain data."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class ErrorKind(StrEnum):
    """Why a check failed; a closed set so alerts and metrics can count them."""

    TIMEOUT = "timeout"
    DNS = "dns"
    CONNECT = "connect"
    TLS = "tls"
    HTTP_STATUS = "http_status"
    KEYWORD = "keyword"
    BODY = "body"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class ProbeResult:
    """One check of one channel. A failure is a normal result, never an exception.

    `channel` is the channel key `exchange/channel` (e.g. `mexc/live_chat`).
    `detail` is a short human text ("HTTP 503", "timeout after 10 s").
    `extra` carries kind-specific facts (TLS days left, status page indicator and incidents).
    `slow` is set when the check succeeded but took longer than the channel's `slow_ms`,
    or when the probe itself saw a degraded state (a certificate close to expiry, an upstream
    component in partial outage).
    """

    channel: str
    at: datetime
    ok: bool
    latency_ms: float | None
    error: ErrorKind | None = None
    detail: str = ""
    slow: bool = False
    extra: dict[str, object] = field(default_factory=dict)
