"""Shared helpers for reading API answers defensively.

A reader raises `FeedError` for a failed read (an error envelope, a body that is not what
the docs describe) and maps every single value it does not recognise to "unknown". Text
from an API is data: it is cleaned to one printable line and cut to a bound here, once.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError

from probes.feeds.facts import EventState, Flag, Wallet
from probes.result import ErrorKind

MAX_TEXT = 160
MAX_EVENTS = 20
# Times outside these bounds are garbage (seconds sent as milliseconds, zero, far future).
_EARLIEST_MS = 946_684_800_000  # 2000-01-01
_LATEST_MS = 4_102_444_800_000  # 2100-01-01


class FeedError(Exception):
    """A failed read: a short detail (English, for logs and the JSON API), how long the API
    asked us to wait, and the kind of failure (worded in every language; a network kind
    while our own connection fails is ours, not the exchange's)."""

    def __init__(
        self, detail: str, retry_after_s: float | None = None, kind: ErrorKind = ErrorKind.BODY
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.retry_after_s = retry_after_s
        self.kind = kind


def load_json(body: bytes) -> Any:
    """The parsed body, or a failed read saying it is not JSON."""
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise FeedError("answer is not JSON") from None
    except RecursionError:  # thousands of nested brackets: garbage, not a reader bug
        raise FeedError("answer nested too deeply") from None


def shape_error(error: ValidationError) -> FeedError:
    """A failed read naming the first place where the document is not as documented."""
    first = error.errors(include_url=False)[0]
    where = ".".join(str(part) for part in first["loc"]) or "document"
    return FeedError(f"unexpected answer at {where}: {first['msg']}")


def listed(wallet: Wallet) -> Wallet:
    """The wallet, or a failed read when it holds no coin: an exchange always lists coins, so
    an empty list is a broken answer, and must not make every coin "not listed"."""
    if not wallet:
        raise FeedError("answer lists no coins")
    return wallet


def text(value: object, limit: int = MAX_TEXT) -> str:
    """A string value as one printable line of at most `limit` characters; "" otherwise."""
    if not isinstance(value, str):
        return ""
    kept = " ".join("".join(ch if ch.isprintable() else " " for ch in value).split())
    return kept if len(kept) <= limit else kept[: limit - 1] + "…"


def enabled(value: object) -> Flag:
    """A yes/no "enabled" value: True → open, False → suspended, anything else unknown."""
    if value is True or value in ("true", "1", 1):
        return Flag.OPEN
    if value is False or value in ("false", "0", 0):
        return Flag.SUSPENDED
    return Flag.UNKNOWN


def disabled(value: object) -> Flag:
    """A yes/no "disabled" value: the mirror of `enabled`."""
    flag = enabled(value)
    if flag is Flag.UNKNOWN:
        return flag
    return Flag.SUSPENDED if flag is Flag.OPEN else Flag.OPEN


def ms_time(value: object) -> datetime | None:
    """Milliseconds since the epoch (number or digit string) as UTC time; None if not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        value = int(value.strip())  # ASCII only: isdigit() also takes '²', which int() refuses
    if not isinstance(value, int | float) or not _EARLIEST_MS <= value <= _LATEST_MS:
        return None
    return datetime.fromtimestamp(value / 1000, tz=UTC)


def iso_time(value: object) -> datetime | None:
    """An RFC 3339 time (with a zone) as UTC; None if not one."""
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        return None
    return moment.astimezone(UTC)


STATES: dict[str, EventState] = {state.value: state for state in EventState}
STATES["cancelled"] = EventState.CANCELED


def event_state(value: object) -> EventState:
    """An event state word (any case); unknown words are `UNKNOWN`."""
    if not isinstance(value, str):
        return EventState.UNKNOWN
    return STATES.get(value.strip().lower(), EventState.UNKNOWN)


def items(value: object) -> list[Any]:
    """A JSON array as a list; anything else as an empty list (callers say what is missing)."""
    return value if isinstance(value, list) else []
