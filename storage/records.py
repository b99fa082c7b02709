"""What the store reads and writes, as frozen records. Health and verdict values are plain
str here (storage never imports bot/); datetimes are aware UTC."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from storage.histogram import Histogram

ALL_CHANNELS = "*"
"""How the `channel` column spells "every channel of the exchange" (None in the API)."""


@dataclass(frozen=True, slots=True)
class RollupSummary:
    """Checks of one channel over a window of whole hours; latency covers successes only."""

    count: int = 0
    failures: int = 0
    slow: int = 0
    latency_sum_ms: float = 0.0
    histogram: Histogram = field(default_factory=Histogram)

    @property
    def uptime(self) -> float | None:
        """Share of checks that succeeded, None without checks."""
        return None if self.count == 0 else 1 - self.failures / self.count

    @property
    def mean_latency_ms(self) -> float | None:
        successes = self.histogram.total
        return None if successes == 0 else self.latency_sum_ms / successes

    def quantile(self, q: float) -> float | None:
        """Latency quantile in ms within the histogram's bucket error (storage/histogram.py)."""
        return self.histogram.quantile(q)

    def merge(self, other: RollupSummary) -> RollupSummary:
        return RollupSummary(
            self.count + other.count,
            self.failures + other.failures,
            self.slow + other.slow,
            self.latency_sum_ms + other.latency_sum_ms,
            self.histogram.merge(other.histogram),
        )


@dataclass(frozen=True, slots=True)
class HealthRow:
    """A channel's health state as the bot shapes it (a JSON-able dict)."""

    channel: str
    state: dict[str, Any]
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class TransitionRecord:
    """A change of a channel's health; `id` is None until stored."""

    channel: str
    exchange: str
    at: datetime
    old: str
    new: str
    reason: str = ""
    detail: str = ""
    flapping: bool = False
    id: int | None = None
    error: str | None = None  # probes.result.ErrorKind value of the failure, if one


@dataclass(frozen=True, slots=True)
class Subscription:
    """A chat that wants alerts for an exchange; `channel` None means every channel."""

    id: int
    platform: str
    chat_id: str
    exchange: str
    channel: str | None
    locale: str
    include_degraded: bool
    active: bool
    created_at: datetime
    deactivated_reason: str | None = None


@dataclass(frozen=True, slots=True)
class MaintenanceWindow:
    """Declared maintenance; `channel` None covers the exchange, `ends_at` None is open."""

    id: int
    exchange: str
    channel: str | None
    starts_at: datetime
    ends_at: datetime | None
    reason: str
    created_by: str
    reasons: dict[str, str] = field(default_factory=dict)  # per locale (catalog windows)
    source: str | None = None  # the catalog key of a window copied from the catalog


@dataclass(frozen=True, slots=True)
class PlannedWindow:
    """A maintenance window the catalog declares, to be kept in the store under `source`."""

    source: str
    exchange: str
    channel: str | None
    starts_at: datetime
    ends_at: datetime
    reason: str
    reasons: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class WaitReport:
    """A trader's report of how long a channel took to answer; `wait_min` None: no answer.

    `person` is the keyed hash of (platform, user id) (`Store.person_key`), never the id."""

    person: str
    exchange: str
    channel: str
    at: datetime
    wait_min: int | None


@dataclass(frozen=True, slots=True)
class PruneReport:
    raw_deleted: int
    rollups_deleted: int
    reports_deleted: int = 0
    updates_deleted: int = 0  # claims on Telegram updates (telegram_updates)
    outbox_deleted: int = 0  # finished outbox rows (sent, superseded, dead)


@dataclass(frozen=True, slots=True)
class SightingRow:
    """What one region last saw of one channel (`region_sightings`): its latest check, and
    the health its own state machine decided after it (a bot.vocab.Health value)."""

    channel: str
    region: str
    at: datetime
    ok: bool
    health: str
    error: str | None = None
    detail: str = ""
