"""Aware UTC datetimes in the API, unix seconds (or milliseconds) in the database."""

from __future__ import annotations

from datetime import UTC, datetime


def to_unix(moment: datetime) -> float:
    """Unix seconds of an aware datetime; a naive one is refused (its zone is a guess)."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"datetime {moment.isoformat()} has no time zone; use aware UTC")
    return moment.timestamp()


def to_unix_ms(moment: datetime) -> int:
    return round(to_unix(moment) * 1000)


def hour_start(moment: datetime) -> int:
    """Unix second at which the UTC hour holding `moment` starts."""
    return int(to_unix(moment) // 3600) * 3600


def from_unix(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)
