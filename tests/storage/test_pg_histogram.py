"""PostgreSQL's hist_merge and hist_sum (PL/pgSQL, postgresql/0001_core.sql) give, byte for
byte, what storage/histogram.py's `merge_encoded` gives (the rollups' merge on SQLite), on the
real server, for any encoded histograms; and refuse what Python refuses.

Hypothesis drives a synchronous test, so the server is reached through a private event loop.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable, Iterator
from typing import Any

import asyncpg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from storage.histogram import BUCKETS, _put_varint, encode_counts, merge_encoded
from tests.pg import apply_pg_migrations

Query = Callable[..., Any]

# What encode_counts writes: up to 45 counts, mostly small, some huge (sums stay < 2**63).
counts = st.lists(
    st.one_of(st.just(0), st.integers(0, 300), st.integers(0, 2**58)),
    min_size=BUCKETS,
    max_size=BUCKETS,
)
canonical = counts.map(encode_counts)


def _raw(pairs: list[tuple[int, int]]) -> bytes:
    out = bytearray((1,))
    for bucket, count in pairs:
        out.append(bucket)
        _put_varint(out, count)
    return bytes(out)


# What the decoder also takes: buckets in any order, repeated, zero counts.
raw = st.lists(st.tuples(st.integers(0, BUCKETS - 1), st.integers(0, 2**58)), max_size=12).map(_raw)
blob = st.one_of(canonical, raw, st.none(), st.just(b""))


@pytest.fixture
def query(pg_dsn: str) -> Iterator[Query]:
    """`query(sql, *args)`: the first value of the first row, run on a migrated database."""
    loop = asyncio.new_event_loop()
    loop.run_until_complete(apply_pg_migrations(pg_dsn))
    conn = loop.run_until_complete(asyncpg.connect(pg_dsn))

    def run(sql: str, *args: Any) -> Any:
        return loop.run_until_complete(conn.fetchval(sql, *args))

    try:
        yield run
    finally:
        loop.run_until_complete(conn.close())
        loop.close()


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(a=blob, b=blob)
def test_hist_merge_is_byte_for_byte_pythons(
    query: Query, a: bytes | None, b: bytes | None
) -> None:
    assert query("SELECT hist_merge($1::bytea, $2::bytea)", a, b) == merge_encoded((a, b))


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(blobs=st.lists(blob, max_size=20))
def test_hist_sum_is_byte_for_byte_pythons(query: Query, blobs: list[bytes | None]) -> None:
    summed = query("SELECT hist_sum(h) FROM unnest($1::bytea[]) AS t(h)", blobs)
    assert summed == merge_encoded(blobs)


def test_hist_sum_of_no_rows_is_the_empty_histogram_as_in_sqlite(query: Query) -> None:
    assert query("SELECT hist_sum(h) FROM unnest($1::bytea[]) AS t(h)", []) == b"\x01"
    assert merge_encoded([]) == b"\x01"


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (b"\x02\x00\x01", "not an encoded histogram (unknown version)"),
        (b"\x01\x2d\x01", "encoded histogram names bucket 45, there are 45"),
        (b"\x01\x00", "encoded histogram ends inside a count"),
        (b"\x01\x00\x80", "encoded histogram ends inside a count"),
    ],
)
def test_it_refuses_what_python_refuses(query: Query, bad: bytes, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message.split(",")[0])):
        merge_encoded([bad])
    with pytest.raises(asyncpg.RaiseError, match=re.escape(message)):
        query("SELECT hist_merge($1::bytea, NULL)", bad)


def test_a_count_too_big_for_bigint_raises_rather_than_wraps(query: Query) -> None:
    huge = _raw([(3, 2**63)])
    with pytest.raises(asyncpg.RaiseError, match="does not fit in 63 bits"):
        query("SELECT hist_merge($1::bytea, NULL)", huge)
    biggest = _raw([(3, 2**63 - 1)])
    assert query("SELECT hist_merge($1::bytea, NULL)", biggest) == merge_encoded([biggest])
