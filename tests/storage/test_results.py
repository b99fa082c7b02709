from __future__ import annotations

import asyncio
import math
import random
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from probes.result import ErrorKind, ProbeResult
from storage import Database, DatabaseError, Histogram, RollupSummary, Store, open_database
from storage.histogram import BUCKETS, MAX_RELATIVE_ERROR, _put_varint, bucket_index
from storage.results import _SUMMARIES

from .conftest import NOW

HOUR = timedelta(hours=1)
START = datetime(2026, 11, 24, 0, 0, tzinfo=UTC)


def ok(channel: str, at: datetime, ms: float) -> ProbeResult:
    return ProbeResult(channel, at, True, ms)


def failed(channel: str, at: datetime) -> ProbeResult:
    return ProbeResult(channel, at, False, None, ErrorKind.TIMEOUT, "timeout after 10 s")


@pytest.mark.sqlite_only("traces SQLite's statements")
async def test_a_batch_is_one_transaction(store: Store) -> None:
    statements: list[str] = []
    await store.db.raw.set_trace_callback(statements.append)  # type: ignore[attr-defined]
    await store.write_results([ok(f"mexc/c{n}", NOW, 100.0 + n) for n in range(50)])
    await store.db.raw.set_trace_callback(None)  # type: ignore[attr-defined]
    control = [s for s in statements if s.split()[0] in {"BEGIN", "COMMIT", "ROLLBACK"}]
    assert control == ["BEGIN IMMEDIATE", "COMMIT"]


@pytest.mark.parametrize("size", [1, 5, 1023, 1024, 1025, 3100])
async def test_a_batch_of_any_size_is_stored_whole_and_in_order(store: Store, size: int) -> None:
    at = [START + timedelta(milliseconds=n) for n in range(size)]
    await store.write_results([ok("mexc/live_chat", t, 100.0 + n) for n, t in enumerate(at)])
    async with store.db.reading() as conn:
        rows = await conn.fetchall("SELECT at_ms, latency_us FROM probe_results ORDER BY id")
    assert [tuple(r) for r in rows] == [
        (round(t.timestamp() * 1000), (100 + n) * 1000) for n, t in enumerate(at)
    ]


@pytest.mark.sqlite_only("traces SQLite's statements")
async def test_batches_of_many_sizes_use_few_statement_texts(store: Store) -> None:
    """The driver prepares each text once: a batch's rest goes in powers of two, not in one
    statement of its own size (a new text, prepared afresh, for nearly every batch)."""
    sizes = (1, 3, 100, 700, 999, 1500, 2049, 3333)
    statements: list[str] = []
    await store.db.raw.set_trace_callback(statements.append)  # type: ignore[attr-defined]
    for size in sizes:
        await store.write_results([ok("mexc/live_chat", NOW, 100.0)] * size)
    await store.db.raw.set_trace_callback(None)  # type: ignore[attr-defined]
    inserts = [s for s in statements if s.startswith("INSERT INTO probe_results")]
    rows_each = [s.count("), (") + 1 for s in inserts]  # the rows of each, values filled in
    assert sum(rows_each) == sum(sizes)
    assert set(rows_each) <= {1 << n for n in range(11)}  # 1,024 rows and its halves


async def test_every_kind_of_row_is_stored_as_it_was(store: Store) -> None:
    """Plain successes go in statements of their own (`_PLAIN_VALUES`): each kind of row, in
    one batch or a region's, reads back with every column as it was."""
    rows = [
        ok("mexc/live_chat", NOW, 101.5),
        ProbeResult("mexc/live_chat", NOW + timedelta(seconds=1), True, 2500.0, slow=True),
        failed("mexc/help_center", NOW + timedelta(seconds=2)),
        ProbeResult("mexc/email", NOW + timedelta(seconds=3), True, None, detail="MX ok"),
        ok("mexc/help_center", NOW + timedelta(seconds=4), 99.0),
    ]
    await store.write_results(rows)
    await store.write_results([ok("mexc/live_chat", NOW + timedelta(seconds=5), 7.0)], region="eu")
    async with store.db.reading() as conn:
        stored = await conn.fetchall(
            "SELECT c.key, r.at_ms, r.ok, r.slow, r.latency_us, r.error, r.detail, r.region "
            "FROM probe_results r JOIN channels c ON c.id = r.channel_id ORDER BY r.at_ms"
        )
    at = round(NOW.timestamp() * 1000)
    assert [tuple(r) for r in stored] == [
        ("mexc/live_chat", at, 1, 0, 101_500, None, "", None),
        ("mexc/live_chat", at + 1000, 1, 1, 2_500_000, None, "", None),
        ("mexc/help_center", at + 2000, 0, 0, None, "timeout", "timeout after 10 s", None),
        ("mexc/email", at + 3000, 1, 0, None, None, "MX ok", None),
        ("mexc/help_center", at + 4000, 1, 0, 99_000, None, "", None),
        ("mexc/live_chat", at + 5000, 1, 0, 7_000, None, "", "eu"),
    ]


async def test_a_failure_mid_batch_writes_nothing(store: Store) -> None:
    await store.write_results([ok("mexc/live_chat", NOW, 100.0)])
    bad = ProbeResult("mexc/new_channel", NOW, True, 120.0, detail=object())  # type: ignore[arg-type]
    with pytest.raises(DatabaseError, match=r"binding parameter|invalid input for query argument"):
        await store.write_results([ok("mexc/live_chat", NOW, 100.0)] * 10 + [bad])
    async with store.db.reading() as conn:
        rows = await conn.fetchall(
            "SELECT (SELECT count(*) FROM probe_results), (SELECT sum(count) FROM rollups), "
            "(SELECT count(*) FROM channels)"
        )
    assert [tuple(r) for r in rows] == [(1, 1, 1)]
    # The channel id made by the rolled-back batch is not remembered.
    await store.write_results([ok("mexc/new_channel", NOW, 100.0)])
    summary = await store.rollup_summary("mexc/new_channel", NOW - HOUR, NOW + HOUR)
    assert summary.count == 1


async def test_it_rolls_results_up_per_channel_and_hour(store: Store) -> None:
    a, b = "mexc/live_chat", "mexc/help_center"
    await store.write_results(
        [ok(a, START + timedelta(minutes=m), 100.0 + m) for m in range(0, 120, 10)]
        + [failed(a, START + timedelta(minutes=5)), ok(b, START, 2_000.0)]
    )
    first = await store.rollup_summary(a, START, START + HOUR)
    assert (first.count, first.failures) == (7, 1)
    assert first.histogram == Histogram.of([100.0 + m for m in range(0, 60, 10)])
    assert first.latency_sum_ms == pytest.approx(sum(100.0 + m for m in range(0, 60, 10)))
    assert first.uptime == pytest.approx(6 / 7)
    both = await store.rollup_summaries(None, START, START + 2 * HOUR)
    assert set(both) == {a, b}
    assert both[a].count == 13 and both[b].count == 1
    assert both[a].mean_latency_ms == pytest.approx(sum(100.0 + m for m in range(0, 120, 10)) / 12)


async def test_batches_into_the_same_hour_merge_exactly(store: Store) -> None:
    values = [random.Random(3).lognormvariate(5, 1) for _ in range(300)]
    results = [ok("x/y", START + timedelta(seconds=i), v) for i, v in enumerate(values)]
    for chunk in range(0, 300, 37):
        await store.write_results(results[chunk : chunk + 37])
    summary = await store.rollup_summary("x/y", START, START + HOUR)
    assert summary.histogram == Histogram.of(values)
    assert summary.count == 300


async def test_window_sums_add_every_hours_histogram_as_written(store: Store) -> None:
    """Hours holding counts of one byte and of several, buckets repeated or out of order (the
    decoder takes them all): each engine's sum over the window, for every channel and for
    named ones, holds per bucket the sum of what the hours hold, not one count more or less."""
    rng = random.Random(11)
    expected: dict[str, list[int]] = {}
    rows = []
    await store.write_results([ok(f"x/c{n}", START, 10.0) for n in range(3)])  # the channels
    async with store.db.reading() as conn:
        ids = dict(await conn.fetchall("SELECT key, id FROM channels"))
    for key, channel_id in ids.items():
        counts = expected.setdefault(key, [0] * BUCKETS)
        counts[bucket_index(10.0)] += 1
        for hour in range(1, 30):
            pairs = [(rng.randrange(BUCKETS), rng.choice((1, 5, 127, 128, 300, 2**33)))
                     for _ in range(rng.randrange(6))]  # fmt: skip
            for index, count in pairs:
                counts[index] += count
            at = int((START + hour * HOUR).timestamp())
            rows.append((channel_id, at, 1, 0, 0, 1.0, _pairs_blob(pairs)))
    async with store.db.transaction() as conn:
        await conn.executemany(
            "INSERT INTO rollups (channel_id, hour, count, failures, slow, latency_sum_ms, "
            "histogram) VALUES (?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
    until = START + 30 * HOUR

    every = await store.rollup_summaries(None, START, until)
    named = await store.rollup_summaries(list(ids), START, until)

    assert {key: s.histogram.counts for key, s in every.items()} == {
        key: tuple(counts) for key, counts in expected.items()
    }
    assert named == every


def _pairs_blob(pairs: list[tuple[int, int]]) -> bytes:
    out = bytearray((1,))
    for index, count in pairs:
        out.append(index)
        _put_varint(out, count)
    return bytes(out)


async def test_the_window_is_whole_hours_from_sinces_hour_up_to_until(store: Store) -> None:
    await store.write_results([ok("x/y", START + h * HOUR + timedelta(minutes=30), 10.0)
                               for h in range(5)])  # fmt: skip
    summary = await store.rollup_summary("x/y", START + 1.5 * HOUR, START + 4 * HOUR)
    assert summary.count == 3  # hours 1, 2, 3
    empty = await store.rollup_summaries(["x/y", "never/seen"], START - 5 * HOUR, START)
    assert empty == {"x/y": RollupSummary(), "never/seen": RollupSummary()}
    assert empty["never/seen"].uptime is None


async def test_long_windows_can_skip_latency(store: Store) -> None:
    await store.write_results([ok("x/y", START, 10.0), failed("x/y", START)])
    summary = await store.rollup_summary("x/y", START, START + HOUR)
    lean = (await store.rollup_summaries(None, START, START + HOUR, with_latency=False))["x/y"]
    assert (lean.count, lean.failures, lean.uptime) == (summary.count, summary.failures, 0.5)
    assert lean.histogram.total == 0


async def test_it_reads_a_channels_recent_results_newest_first(store: Store) -> None:
    results = [ok("x/y", START + timedelta(minutes=m), 100.25 + m) for m in range(5)]
    results.append(failed("x/y", START + timedelta(minutes=9)))
    await store.write_results(results)
    recent = await store.recent_results("x/y", limit=3)
    assert [r.at for r in recent] == [START + timedelta(minutes=m) for m in (9, 4, 3)]
    assert recent[0] == results[-1]
    assert recent[1].latency_ms == 104.25 and recent[1].ok


async def test_a_raw_row_says_what_the_check_said(database: Database) -> None:
    """On both engines: a check without error, or of no region, stores NULL (written as ''
    through NULLIF)."""
    store = Store(database)
    at = START + timedelta(seconds=1.2345)
    await store.write_results(
        [ok("x/y", at, 12.3456), failed("x/y", at), ProbeResult("x/y", at, True, math.inf)]
    )
    async with store.db.reading() as conn:
        rows = await conn.fetchall(
            "SELECT at_ms, ok, slow, latency_us, error, detail, region FROM probe_results "
            "ORDER BY id"
        )
    at_ms = round(at.timestamp() * 1000)
    assert rows == [
        (at_ms, 1, 0, 12346, None, "", None),  # no error, no region: NULL, not an empty text
        (at_ms, 0, 0, None, "timeout", "timeout after 10 s", None),
        (at_ms, 1, 0, None, None, "", None),  # a latency that is no number is none
    ]


async def test_it_refuses_naive_datetimes(store: Store) -> None:
    with pytest.raises(ValueError, match="no time zone"):
        await store.write_results([ok("x/y", datetime(2026, 1, 1), 1.0)])


@settings(max_examples=20, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 5 * 3600 - 1), st.floats(0.1, 70_000), st.booleans()),
        min_size=1,
        max_size=200,
    ),
    st.integers(1, 50),
    st.sampled_from([0.5, 0.95]),
)
def test_rollup_percentiles_match_a_direct_computation(
    checks: list[tuple[int, float, bool]], batch: int, q: float
) -> None:
    at = [START + timedelta(seconds=s) for s, _, _ in checks]
    results = [
        ok("x/y", when, ms) if good else failed("x/y", when)
        for when, (_, ms, good) in zip(at, checks, strict=True)
    ]

    async def run() -> RollupSummary:
        with tempfile.TemporaryDirectory() as folder:
            db = await open_database(Path(folder) / "db.sqlite3")
            try:
                store = Store(db)
                for n in range(0, len(results), batch):
                    await store.write_results(results[n : n + batch])
                return await store.rollup_summary("x/y", START, START + 5 * HOUR)
            finally:
                await db.close()

    summary = asyncio.run(run())
    latencies = sorted(ms for _, ms, good in checks if good)
    assert summary.count == len(checks)
    assert summary.failures == len(checks) - len(latencies)
    assert summary.histogram == Histogram.of(latencies)
    if not latencies:
        assert summary.quantile(q) is None
        return
    exact = latencies[max(1, math.ceil(q * len(latencies))) - 1]
    estimate = summary.quantile(q)
    assert estimate is not None
    if exact > 60_000:
        assert estimate == 60_000
    elif bucket_index(exact) > 0:
        assert abs(estimate - exact) <= MAX_RELATIVE_ERROR * exact + 1e-9


async def test_a_blind_check_counts_neither_as_a_check_nor_as_a_failure(store: Store) -> None:
    # While every canary failed, a failure proves nothing: it must not lower uptime or
    # colour the hour's bar, as if every exchange had been down during our own outage.
    blind = ProbeResult("x/y", START, False, None, ErrorKind.BLIND, "can't check from here")
    await store.write_results([ok("x/y", START, 10.0), blind, blind])
    summary = await store.rollup_summary("x/y", START, START + HOUR)
    assert (summary.count, summary.failures, summary.uptime) == (1, 0, 1.0)
    assert [r.error for r in await store.recent_results("x/y", limit=5)].count(ErrorKind.BLIND) == 2


@pytest.mark.parametrize("with_latency", [True, False])
async def test_named_channels_sum_as_every_channel_does(store: Store, with_latency: bool) -> None:
    """On PostgreSQL named channels take their own query (a LATERAL one, storage/results.py):
    the same figures as the query for every channel, a channel without rollups in the window
    left out of the one and empty in the other."""
    rng = random.Random(7)
    keys = [f"ex{n}/c{m}" for n in range(3) for m in range(4)]
    results = [
        ok(key, START + timedelta(minutes=m), rng.uniform(50, 900))
        if rng.random() < 0.9
        else failed(key, START + timedelta(minutes=m))
        for key in keys[:-1]  # the last channel is only checked later, outside the window
        for m in range(0, 180, 7)
    ]
    await store.write_results([*results, ok(keys[-1], START + 5 * HOUR, 100.0)])
    since, until = START + timedelta(minutes=30), START + 3 * HOUR

    every = await store.rollup_summaries(None, since, until, with_latency=with_latency)
    named = await store.rollup_summaries(
        [*keys, "never/seen"], since, until, with_latency=with_latency
    )

    def figures(summaries: dict[str, RollupSummary]) -> dict[str, tuple[object, ...]]:
        # Sums of floats may add up in another order: equal to 1e-6 ms.
        return {
            key: (s.count, s.failures, s.slow, round(s.latency_sum_ms, 6), s.histogram)
            for key, s in summaries.items()
        }

    assert set(every) == set(keys[:-1])
    empty = RollupSummary()
    assert figures(named) == figures({**every, keys[-1]: empty, "never/seen": empty})
    assert all(summary.count == 26 for summary in every.values())


async def test_after_a_stop_summing_every_channel_reads_no_other_rollups(tmp_path: Path) -> None:
    """SQLite keeps planner statistics at stop (PRAGMA optimize) for the tables this run's
    queries searched: rollups, not channels. Had it statistics for rollups alone, it would
    take channels for a million rows and read every rollup into a Bloom filter before each
    window's sums (2.5x the time for 500 channels' 30 days)."""
    path = tmp_path / "bot.sqlite3"
    db = await open_database(path)
    store = Store(db)
    await store.write_results(
        [ok(f"ex{n}/c{m}", START + h * HOUR, 100.0) for n in range(5) for m in range(4)
         for h in range(6)]
    )  # fmt: skip
    await store.rollup_summaries(None, START, START + 6 * HOUR)
    await db.close()  # keeps the statistics

    db = await open_database(path)
    try:
        async with db.reading() as conn:
            analyzed = {row[0] for row in await conn.fetchall("SELECT tbl FROM sqlite_stat1")}
            query = _SUMMARIES.format(histogram="hist_sum(r.histogram)", only="")
            plan = [
                str(row[-1]) for row in await conn.fetchall(f"EXPLAIN QUERY PLAN {query}", (0, 1))
            ]
    finally:
        await db.close()
    assert {"rollups", "channels"} <= analyzed
    assert not [step for step in plan if "BLOOM" in step], plan


async def test_batches_across_channels_and_hours_merge_exactly(store: Store) -> None:
    """Batches each spanning two hours and three channels, on rows earlier batches made: every
    (channel, hour) histogram is exactly that of all its checks."""
    rng = random.Random(5)
    checks = [
        (f"x/c{rng.randrange(3)}", START + timedelta(seconds=rng.randrange(7200)),
         rng.lognormvariate(5, 1))
        for _ in range(600)
    ]  # fmt: skip
    for chunk in range(0, 600, 150):
        await store.write_results([ok(c, at, ms) for c, at, ms in checks[chunk : chunk + 150]])
    for channel in ("x/c0", "x/c1", "x/c2"):
        for hour in (START, START + HOUR):
            mine = [ms for c, at, ms in checks if c == channel and hour <= at < hour + HOUR]
            summary = await store.rollup_summary(channel, hour, hour + HOUR)
            assert summary.histogram == Histogram.of(mine)
            assert summary.count == len(mine) > 0
