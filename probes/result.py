"""What a probe says: one reachability check of one channel, as plain data."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from types import MappingProxyType
from typing import TypeVar, dataclass_transform

# Text a remote side wrote (a status page's description and incident names, an error message
# quoting a broken response) is stored with every result; a result carries at most this much
# of it per string, whatever the remote side sends.
MAX_TEXT_CHARS = 500


class ErrorKind(StrEnum):
    """Why a check failed; a closed set so alerts and metrics can count them."""

    TIMEOUT = "timeout"
    # The name's own servers say it does not exist or has no such records: the exchange's side.
    DNS = "dns"
    # Our resolver could not answer (unreachable, timed out, or "no such name" without proof):
    # our side of the network, like `connect` and `timeout`.
    RESOLVER = "resolver"
    CONNECT = "connect"
    TLS = "tls"
    HTTP_STATUS = "http_status"
    KEYWORD = "keyword"
    BODY = "body"
    OTHER = "other"
    # The check failed while every canary failed too: it proves nothing about the exchange.
    BLIND = "blind"


# Failures of the path between us and a target, not answers from it: many at once, across
# exchanges, say more about our own connection than about any exchange.
NETWORK_ERRORS = frozenset({ErrorKind.TIMEOUT, ErrorKind.RESOLVER, ErrorKind.CONNECT})


_T = TypeVar("_T")


# A result is made for every check (thousands a second), and a frozen dataclass pays a
# generic `object.__setattr__` per field to be made: three times the cost of a plain one. So
# results are frozen where that is checked for free: type checkers see a frozen dataclass
# (assigning to a result's field is a mypy error); at run time the class is a plain one.
@dataclass_transform(frozen_default=True, field_specifiers=(field,))
def _record(cls: type[_T]) -> type[_T]:
    return dataclass(slots=True)(cls)


# A result without facts of its kind shares this one (read-only) mapping.
NO_EXTRA: Mapping[str, object] = MappingProxyType({})


def _no_extra() -> Mapping[str, object]:
    return NO_EXTRA


@_record
class ProbeResult:
    """One check of one channel. A failure is a normal result, never an exception.

    `channel` is the channel key `exchange/channel` (e.g. `mexc/live_chat`).
    `detail` is a short human text ("HTTP 503", "timeout after 10 s").
    `extra` carries kind-specific facts (TLS days left, status page indicator and incidents),
    read-only: results may share one (an `http` success shares its status's).
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
    extra: Mapping[str, object] = field(default_factory=_no_extra)


def clip(text: str, limit: int = MAX_TEXT_CHARS) -> str:
    """`text` cut to at most `limit` characters, ending in "…" when cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def bounded(result: ProbeResult) -> ProbeResult:
    """The result with its detail and every string in `extra` (keys too) clipped; the same
    object when nothing is too long (the common case costs a few length checks)."""
    if len(result.detail) <= MAX_TEXT_CHARS and _fits(result.extra):
        return result
    extra = {clip(str(k)): _clipped(v) for k, v in result.extra.items()}
    return replace(result, detail=clip(result.detail), extra=extra)


# Values that hold no text: nothing to clip.
_SCALARS = frozenset({int, float, bool, type(None)})


def _fits(extra: Mapping[str, object]) -> bool:
    """Whether every string in extra (and in the dicts and lists inside it) fits.

    It runs on every probe result, whose extra is mostly a few numbers (`{"status": 200}`):
    those are passed over in one loop; only containers go through the general walk."""
    for key, value in extra.items():
        if isinstance(key, str) and len(key) > MAX_TEXT_CHARS:
            return False
        if type(value) in _SCALARS:
            continue
        if not _all_fit(value):
            return False
    return True


def _all_fit(value: object) -> bool:
    """Whether every string in value (and in the dicts and lists inside it) fits."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if len(item) > MAX_TEXT_CHARS:
                return False
        elif isinstance(item, dict):
            pending.extend(item)
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return True


def _clipped(value: object) -> object:
    if isinstance(value, str):
        return clip(value)
    if isinstance(value, dict):
        return {_clipped(k): _clipped(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_clipped(v) for v in value]
    return value
