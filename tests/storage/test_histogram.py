from __future__ import annotations

import math
from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from storage.histogram import (
    BUCKETS,
    MAX_RELATIVE_ERROR,
    OVERFLOW,
    UPPER_BOUNDS_MS,
    Histogram,
    _put_varint,
    bucket_bounds,
    bucket_index,
    encode_counts,
    merge_all,
    merge_encoded,
)
from storage.sqlite import _HistSum

latencies = st.floats(min_value=0, max_value=120_000, allow_nan=False)


def exact_quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[max(1, math.ceil(q * len(ordered))) - 1]


def test_it_has_about_forty_log_scale_buckets_up_to_a_minute() -> None:
    assert 40 <= BUCKETS <= 50
    assert UPPER_BOUNDS_MS[0] == 1.0 and UPPER_BOUNDS_MS[-1] == 60_000.0
    ratios = [b / a for a, b in pairwise(UPPER_BOUNDS_MS)]
    assert all(1.2 <= r <= 1.34 for r in ratios)
    assert MAX_RELATIVE_ERROR < 0.16


@pytest.mark.parametrize(
    ("ms", "index"),
    [(-5.0, 0), (0.0, 0), (1.0, 0), (1.01, 1), (1.3, 1), (100.0, 18), (60_000.0, OVERFLOW - 1),
     (60_000.1, OVERFLOW), (math.inf, OVERFLOW)],
)  # fmt: skip
def test_it_puts_a_latency_in_the_bucket_whose_upper_bound_holds_it(ms: float, index: int) -> None:
    assert bucket_index(ms) == index


def test_it_refuses_nan() -> None:
    with pytest.raises(ValueError, match="NaN"):
        bucket_index(math.nan)


def test_it_answers_none_for_an_empty_histogram() -> None:
    assert Histogram().quantile(0.5) is None
    assert Histogram().total == 0


def test_it_adds_one_observation_at_a_time() -> None:
    histogram = Histogram().add(150.0).add(150.0).add(5_000.0, n=3)
    assert histogram == Histogram.of([150.0, 150.0, 5_000.0, 5_000.0, 5_000.0])
    assert histogram.total == 5


@given(st.lists(latencies, min_size=1, max_size=300), st.floats(min_value=0, max_value=1))
def test_it_finds_the_quantile_within_the_documented_bucket_error(
    values: list[float], q: float
) -> None:
    exact = exact_quantile(values, q)
    estimate = Histogram.of(values).quantile(q)
    assert estimate is not None
    index = bucket_index(exact)
    lower, upper = bucket_bounds(index)
    if index == 0:
        assert abs(estimate - exact) <= 0.5
    elif index == OVERFLOW:
        assert estimate == UPPER_BOUNDS_MS[-1] < exact
    else:
        assert lower < exact <= upper
        assert abs(estimate - exact) <= MAX_RELATIVE_ERROR * exact + 1e-9


@given(st.lists(st.lists(latencies, max_size=50), max_size=10))
def test_merging_parts_equals_the_histogram_of_the_whole(parts: list[list[float]]) -> None:
    whole = Histogram.of(v for part in parts for v in part)
    pieces = [Histogram.of(part) for part in parts]
    assert merge_all(pieces) == whole
    assert Histogram().merge(*pieces) == whole
    assert Histogram.decode(merge_encoded(p.encode() for p in pieces)) == whole


@given(st.lists(st.integers(min_value=0, max_value=2**40), min_size=BUCKETS, max_size=BUCKETS))
def test_it_decodes_what_it_encodes(counts: list[int]) -> None:
    histogram = Histogram(tuple(counts))
    assert Histogram.decode(histogram.encode()) == histogram


def test_it_encodes_a_typical_hour_in_a_few_bytes() -> None:
    histogram = Histogram.of([120.0 + i for i in range(60)])
    assert len(histogram.encode()) <= 10


@given(
    st.lists(
        st.lists(st.integers(min_value=0, max_value=2**40), min_size=BUCKETS, max_size=BUCKETS),
        max_size=4,
    )
)
def test_merging_encoded_histograms_gives_the_encoded_sum(parts: list[list[int]]) -> None:
    """What a batch adds into a rollup row: byte for byte the sum's encoding."""
    summed = [sum(counts) for counts in zip(*parts, strict=True)] if parts else [0] * BUCKETS
    blobs = [encode_counts(counts) for counts in parts]
    assert merge_encoded(blobs) == encode_counts(summed)
    assert merge_encoded([None, *blobs]) == encode_counts(summed)


def _pairs_blob(pairs: list[tuple[int, int]]) -> bytes:
    """An encoded histogram written pair by pair (buckets in any order, repeated, zero counts
    too): what the decoders also take."""
    out = bytearray((1,))
    for index, count in pairs:
        out.append(index)
        _put_varint(out, count)
    return bytes(out)


# Counts around 128, where a count takes a second byte; sometimes a huge one.
pair_lists = st.lists(
    st.tuples(
        st.integers(0, BUCKETS - 1),
        st.one_of(st.integers(0, 300), st.integers(0, 2**40)),
    ),
    max_size=12,
)


@given(st.lists(st.one_of(pair_lists, st.none()), max_size=6))
def test_summing_encoded_histograms_adds_every_pairs_count(parts: list[object]) -> None:
    """PostgreSQL's rollup sums (`Histogram.sum_encoded`, in Python) and SQLite's `hist_sum`
    give the same histogram: each bucket holds the sum of the counts written for it."""
    expected = [0] * BUCKETS
    blobs: list[bytes | None] = []
    for pairs in parts:
        if pairs is None:
            blobs.append(None)
            continue
        assert isinstance(pairs, list)
        for index, count in pairs:
            expected[index] += count
        blobs.append(_pairs_blob(pairs))
    summed = Histogram.sum_encoded(blobs)
    assert summed.counts == tuple(expected)
    sqlite_sum = _HistSum()
    for blob in blobs:
        sqlite_sum.step(blob)
    assert Histogram.decode(sqlite_sum.finalize()) == summed
    assert Histogram.decode(merge_encoded(blobs)) == summed


@pytest.mark.parametrize(
    "blob",
    [
        b"\x01\x2d\x01",  # bucket 45: there are 45 (0..44)
        b"\x01\x03\x01\x2d\x01",  # the same after a good pair
        b"\x01\x03\x81",  # ends inside a count
        b"\x01\x03\x81\x01\x04",  # a two-byte count, then a bucket without a count
    ],
)
def test_a_blob_of_byte_pairs_is_checked_as_any_other(blob: bytes) -> None:
    with pytest.raises(ValueError):
        Histogram.sum_encoded([blob])
    with pytest.raises(ValueError):
        merge_encoded([blob])


@pytest.mark.parametrize("blob", [b"", b"\x02", b"\x01\x99\x01", b"\x01\x03\x80"])
def test_it_refuses_bytes_it_did_not_write(blob: bytes) -> None:
    with pytest.raises(ValueError):
        Histogram.decode(blob)
    if blob:  # an empty or NULL histogram is none: merging skips it
        with pytest.raises(ValueError):
            merge_encoded([blob])
