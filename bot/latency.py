"""The last hour of a channel's latencies in constant memory: p50 and p95 for `/status`.

`LatencyWindow` keeps one row of histogram bucket counts per five minutes (a ring of 12 rows,
the buckets of `storage.histogram`), their running sum, and each row's fastest and slowest
check. A row leaves the sum when its five minutes fall out of the hour, so adding a check and
answering a quantile never look at more than 12 rows, and a channel costs the same 1.7 KB
whether it is probed every second or every ten minutes. "The last hour" is the current five
minutes and the 55 before them.

Precision: a quantile is its histogram bucket's representative value clamped to the hour's
fastest and slowest check, so it is within `storage.histogram.MAX_RELATIVE_ERROR` (15.5 %) of
the exact nearest-rank quantile, and exact when every check took the same time.
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Sequence
from dataclasses import dataclass

from storage.histogram import BUCKETS, Histogram, bucket_index, nearest_rank

SLOT_S = 300
SLOTS = 12  # an hour of five-minute rows
# Probe intervals are at least 1 s, so a row holds at most ~300 checks of a channel (plus
# re-tests); a bucket that still fills up stops counting rather than wrap.
_COUNT_MAX = 0xFFFF
_EMPTY_ROW = array("H", bytes(2 * BUCKETS))


@dataclass(frozen=True, slots=True)
class HourQuantiles:
    """Quantiles of one channel's last hour (see the module doc for their precision)."""

    histogram: Histogram
    fastest: float = math.inf
    slowest: float = -math.inf

    def quantile(self, q: float) -> float | None:
        """The q-quantile in ms, None when the hour had no successful check."""
        value = self.histogram.quantile(q)
        if value is None:
            return None
        return min(max(value, self.fastest), self.slowest)


@dataclass(frozen=True, slots=True)
class ExactQuantiles:
    """Exact nearest-rank quantiles of a few latencies (one-off answers, stored views, tests)."""

    values: Sequence[float] = ()

    def quantile(self, q: float) -> float | None:
        if not self.values:
            return None
        ordered = sorted(self.values)
        return ordered[nearest_rank(q, len(ordered)) - 1]


class LatencyWindow:
    """One channel's successful-check latencies of the last hour, in constant memory.

    Times are Unix timestamps in seconds; slot `n` is the five minutes from `n * SLOT_S`.
    """

    __slots__ = ("_counts", "_fastest", "_slot", "_slowest", "_total")

    def __init__(self) -> None:
        self._slot = -1  # the newest slot seen; older rows are cleared as it moves on
        self._reset()

    def _reset(self) -> None:
        self._counts = array("H", bytes(2 * SLOTS * BUCKETS))  # row n % SLOTS is slot n
        self._total = array("I", bytes(4 * BUCKETS))  # the sum of the rows in the hour
        self._fastest = array("d", [math.inf]) * SLOTS
        self._slowest = array("d", [-math.inf]) * SLOTS

    def add(self, at_s: float, ms: float) -> None:
        """Count a check of `ms` milliseconds made at `at_s`; one older than the hour is
        dropped."""
        slot = int(at_s // SLOT_S)
        if slot > self._slot:
            self._move_to(slot)
        elif slot <= self._slot - SLOTS:
            return
        row = slot % SLOTS
        bucket = bucket_index(ms)
        cell = row * BUCKETS + bucket
        if self._counts[cell] < _COUNT_MAX:
            self._counts[cell] += 1
            self._total[bucket] += 1
        if ms < self._fastest[row]:
            self._fastest[row] = ms
        if ms > self._slowest[row]:
            self._slowest[row] = ms

    def quantiles(self, now_s: float) -> HourQuantiles:
        """The quantiles of the hour that ends now."""
        slot = int(now_s // SLOT_S)
        if slot > self._slot:
            self._move_to(slot)
        return HourQuantiles(Histogram(tuple(self._total)), min(self._fastest), max(self._slowest))

    def _move_to(self, slot: int) -> None:
        """Make `slot` the newest: clear the rows of the slots that left the hour."""
        if slot - self._slot >= SLOTS:
            self._reset()  # the whole hour left
        else:
            for gone in range(self._slot + 1, slot + 1):
                self._clear(gone % SLOTS)
        self._slot = slot

    def _clear(self, row: int) -> None:
        start = row * BUCKETS
        counts = self._counts[start : start + BUCKETS]
        if any(counts):
            for bucket, count in enumerate(counts):
                self._total[bucket] -= count
            self._counts[start : start + BUCKETS] = _EMPTY_ROW
        self._fastest[row] = math.inf
        self._slowest[row] = -math.inf
