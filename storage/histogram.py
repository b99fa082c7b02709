"""Latency histogram in fixed log-scale buckets: per-hour rollups merge exactly over any window.

Bucket `i` holds latencies in `(UPPER_BOUNDS_MS[i-1], UPPER_BOUNDS_MS[i]]` (bucket 0 holds
`[0, 1 ms]`); the last bucket, `OVERFLOW`, holds everything above 60 s. The bounds are part
of the stored format: never change them, add a new encoding version instead.

Error bound of `Histogram.quantile`: it finds the exact bucket of the nearest-rank quantile
and returns that bucket's representative value (the geometric middle of its bounds), so for
a true quantile `x` with 1 ms < x <= 60 s the answer is within `MAX_RELATIVE_ERROR` (15.5 %)
of `x`; for x <= 1 ms it is 0.5 ms (within 0.5 ms); above 60 s it is 60 s ("at least").
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

# Nine bounds per decade (1, 1.3, 1.7, 2.2, 2.8, 3.6, 4.7, 6, 8): consecutive ratio <= 4/3.
UPPER_BOUNDS_MS: tuple[float, ...] = (
    1.0, 1.3, 1.7, 2.2, 2.8, 3.6, 4.7, 6.0, 8.0,
    10.0, 13.0, 17.0, 22.0, 28.0, 36.0, 47.0, 60.0, 80.0,
    100.0, 130.0, 170.0, 220.0, 280.0, 360.0, 470.0, 600.0, 800.0,
    1000.0, 1300.0, 1700.0, 2200.0, 2800.0, 3600.0, 4700.0, 6000.0, 8000.0,
    10000.0, 13000.0, 17000.0, 22000.0, 28000.0, 36000.0, 47000.0, 60000.0,
)  # fmt: skip
OVERFLOW = len(UPPER_BOUNDS_MS)
BUCKETS = OVERFLOW + 1


def _representative(index: int) -> float:
    if index == 0:
        return UPPER_BOUNDS_MS[0] / 2
    if index == OVERFLOW:
        return UPPER_BOUNDS_MS[-1]
    return math.sqrt(UPPER_BOUNDS_MS[index - 1] * UPPER_BOUNDS_MS[index])


REPRESENTATIVE_MS: tuple[float, ...] = tuple(_representative(i) for i in range(BUCKETS))
MAX_RELATIVE_ERROR: float = max(
    math.sqrt(UPPER_BOUNDS_MS[i] / UPPER_BOUNDS_MS[i - 1]) - 1 for i in range(1, OVERFLOW)
)

_VERSION = 1


def bucket_index(ms: float) -> int:
    """The bucket holding a latency in milliseconds; negatives count as 0, NaN is refused."""
    if math.isnan(ms):
        raise ValueError("latency is NaN")
    return bisect_left(UPPER_BOUNDS_MS, ms)


def bucket_bounds(index: int) -> tuple[float, float]:
    """The `(lower, upper]` range of a bucket in milliseconds (upper is inf for OVERFLOW)."""
    lower = 0.0 if index == 0 else UPPER_BOUNDS_MS[index - 1]
    upper = math.inf if index == OVERFLOW else UPPER_BOUNDS_MS[index]
    return lower, upper


def nearest_rank(q: float, total: int) -> int:
    """The 1-based rank of the q-quantile among `total` sorted values (nearest-rank method)."""
    if not 0.0 <= q <= 1.0:
        raise ValueError(f"quantile {q} is outside [0, 1]")
    return max(1, math.ceil(q * total))


@dataclass(frozen=True, slots=True)
class Histogram:
    """Counts per bucket; immutable, so rollups and summaries can share one safely."""

    counts: tuple[int, ...] = (0,) * BUCKETS

    def __post_init__(self) -> None:
        if len(self.counts) != BUCKETS:
            raise ValueError(f"a histogram has {BUCKETS} buckets, got {len(self.counts)}")

    @classmethod
    def of(cls, latencies_ms: Iterable[float]) -> Histogram:
        """The histogram of some latencies."""
        counts = [0] * BUCKETS
        for ms in latencies_ms:
            counts[bucket_index(ms)] += 1
        return cls(tuple(counts))

    @property
    def total(self) -> int:
        return sum(self.counts)

    def add(self, ms: float, n: int = 1) -> Histogram:
        """This histogram with `n` more observations of `ms`."""
        counts = list(self.counts)
        counts[bucket_index(ms)] += n
        return Histogram(tuple(counts))

    def merge(self, *others: Histogram) -> Histogram:
        """The histogram of all observations of this one and `others` (exact)."""
        return merge_all((self, *others))

    def quantile(self, q: float) -> float | None:
        """The q-quantile's bucket representative in ms, None when empty (see module doc)."""
        total = self.total
        if total == 0:
            return None
        rank = nearest_rank(q, total)
        seen = 0
        for index, count in enumerate(self.counts):
            seen += count
            if seen >= rank:
                return REPRESENTATIVE_MS[index]
        raise AssertionError("unreachable: rank <= total")

    def encode(self) -> bytes:
        """Compact BLOB: a version byte, then (bucket, varint count) per non-empty bucket."""
        return encode_counts(self.counts)

    @classmethod
    def decode(cls, blob: bytes) -> Histogram:
        """The histogram `encode` wrote; ValueError on anything else."""
        return cls(tuple(_decode_counts(blob)))

    @classmethod
    def sum_encoded(cls, blobs: Iterable[bytes | None]) -> Histogram:
        """The merge of encoded histograms (None or empty counts as none): what the SQL
        aggregate `hist_sum` gives, without the encoding it then goes through."""
        counts = [0] * BUCKETS
        for blob in blobs:
            if blob:
                _decode_counts(blob, counts)
        return cls(tuple(counts))


def merge_all(histograms: Iterable[Histogram]) -> Histogram:
    """The exact merge of many histograms."""
    counts = [0] * BUCKETS
    for histogram in histograms:
        for index, count in enumerate(histogram.counts):
            counts[index] += count
    return Histogram(tuple(counts))


def merge_encoded(blobs: Iterable[bytes | None]) -> bytes:
    """Merge encoded histograms without building intermediate objects: byte for byte what a
    rollup row's histogram becomes when a batch adds to it, on either engine (PostgreSQL's
    `hist_merge` is checked against it).

    Sparse: an hour of one channel fills a few of the 45 buckets, so only those are touched.
    """
    merged: dict[int, int] = {}
    for blob in blobs:
        if blob:
            add_sparse(merged, blob)
    return encode_sparse(merged)


def encode_sparse(counts: Mapping[int, int]) -> bytes:
    """`encode_counts` of the histogram whose bucket `i` holds `counts.get(i, 0)`."""
    out = bytearray((_VERSION,))
    for index in sorted(counts):
        if not 0 <= index < BUCKETS:
            raise ValueError(f"a histogram has {BUCKETS} buckets, not bucket {index}")
        count = counts[index]
        if count:
            out.append(index)
            _put_varint(out, count)
    return bytes(out)


def add_sparse(merged: dict[int, int], blob: bytes) -> None:
    """`add_encoded` into {bucket: count}; the same checks, a one-byte count read inline."""
    if blob[0] != _VERSION:
        raise ValueError("not an encoded histogram (unknown version)")
    position = 1
    end = len(blob)
    while position < end:
        index = blob[position]
        if index >= BUCKETS:
            raise ValueError(f"encoded histogram names bucket {index}, there are {BUCKETS}")
        if position + 1 < end and blob[position + 1] < 0x80:
            count, position = blob[position + 1], position + 2
        else:
            count, position = _get_varint(blob, position + 1)
        merged[index] = merged.get(index, 0) + count


def encode_counts(counts: Sequence[int]) -> bytes:
    """`Histogram.encode` of BUCKETS counts, without making the Histogram first."""
    if len(counts) != BUCKETS:
        raise ValueError(f"a histogram has {BUCKETS} buckets, got {len(counts)}")
    out = bytearray((_VERSION,))
    for index, count in enumerate(counts):
        if count:
            out.append(index)
            _put_varint(out, count)
    return bytes(out)


def add_encoded(counts: list[int], blob: bytes) -> None:
    """Add an encoded histogram's counts into a list of BUCKETS counts, in place."""
    _decode_counts(blob, counts)


def _decode_counts(blob: bytes, counts: list[int] | None = None) -> list[int]:
    if not blob or blob[0] != _VERSION:
        raise ValueError("not an encoded histogram (unknown version)")
    if counts is None:
        counts = [0] * BUCKETS
    # The usual blob, every count under 128 (an hour of one channel), is (bucket, count) byte
    # pairs: the first count of two bytes or more would have its first byte, >= 0x80, among
    # the pairs' second bytes. Read so, it sums a third faster (rollup sums read thousands).
    if len(blob) % 2 == 1:
        indexes, values = blob[1::2], blob[2::2]
        if not values or (max(values) < 0x80 and max(indexes) < BUCKETS):
            for index, count in zip(indexes, values, strict=True):
                counts[index] += count
            return counts
    position = 1
    end = len(blob)
    while position < end:
        index = blob[position]
        if index >= BUCKETS:
            raise ValueError(f"encoded histogram names bucket {index}, there are {BUCKETS}")
        count, position = _get_varint(blob, position + 1)
        counts[index] += count
    return counts


def _put_varint(out: bytearray, value: int) -> None:
    while value >= 0x80:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)


def _get_varint(blob: bytes, position: int) -> tuple[int, int]:
    value = 0
    shift = 0
    while True:
        if position >= len(blob):
            raise ValueError("encoded histogram ends inside a count")
        byte = blob[position]
        position += 1
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            return value, position
        shift += 7
