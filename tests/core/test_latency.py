"""The last hour's latency: p50/p95 within histogram precision, in constant memory per channel."""

from __future__ import annotations

import gc
import tracemalloc
from datetime import timedelta

from hypothesis import given
from hypothesis import strategies as st

from bot.catalog.models import catalog_from_data
from bot.clock import FakeClock
from bot.latency import ExactQuantiles, LatencyWindow
from bot.monitor import Monitor
from probes.result import ProbeResult
from storage.histogram import MAX_RELATIVE_ERROR
from storage.store import Store
from tests.alerts.conftest import CATALOG_DATA, START

NOW = 1_740_000_000.0  # the start of a five-minute slot

latency = st.floats(min_value=1.0, max_value=60_000.0, allow_nan=False)


def within_precision(answer: float | None, exact: float | None) -> bool:
    assert answer is not None and exact is not None
    return abs(answer - exact) <= exact * MAX_RELATIVE_ERROR + 1e-9


@given(st.lists(st.tuples(st.floats(0, 3_299), latency), min_size=1, max_size=300))
def test_p50_and_p95_of_the_hour_are_within_histogram_precision(
    checks: list[tuple[float, float]],
) -> None:
    now = NOW + 299
    window = LatencyWindow()
    for seconds_ago, ms in checks:
        window.add(now - seconds_ago, ms)
    exact = ExactQuantiles([ms for _, ms in checks])
    answer = window.quantiles(now)
    for q in (0.5, 0.95):
        assert within_precision(answer.quantile(q), exact.quantile(q))


def test_equal_latencies_are_answered_exactly() -> None:
    window = LatencyWindow()
    window.add(NOW, 180.0)
    window.add(NOW + 1, 180.0)
    assert window.quantiles(NOW + 2).quantile(0.95) == 180.0


def test_checks_older_than_an_hour_leave_the_window() -> None:
    window = LatencyWindow()
    window.add(NOW - 4_000, 5_000.0)  # slow, long ago
    window.add(NOW - 3_300, 100.0)  # the oldest five minutes still in the hour
    window.add(NOW, 100.0)
    assert window.quantiles(NOW).quantile(0.95) == 100.0
    assert window.quantiles(NOW + 299).histogram.total == 2
    assert window.quantiles(NOW + 300).histogram.total == 1
    assert window.quantiles(NOW + 3_600).quantile(0.5) is None
    window.add(NOW - 5, 100.0)  # arrives after its time left the hour: dropped
    assert window.quantiles(NOW + 3_600).quantile(0.5) is None


def test_a_late_check_within_the_hour_still_counts() -> None:
    window = LatencyWindow()
    window.add(NOW + 600, 100.0)
    window.add(NOW, 2_000.0)
    assert within_precision(window.quantiles(NOW + 600).quantile(1.0), 2_000.0)


async def test_the_monitor_answers_the_last_hour(store: Store) -> None:
    clock = FakeClock(current=START)
    monitor = Monitor(catalog_from_data(CATALOG_DATA), store, clock)
    monitor.on_result(ProbeResult("mexc/live_chat", START, True, 900.0))
    for minute in range(1, 61):
        at = START + timedelta(minutes=minute)
        monitor.on_result(ProbeResult("mexc/live_chat", at, True, 150.0 + minute))
    clock.current = START + timedelta(minutes=60)
    recent = monitor.recent_latency("mexc/live_chat")
    assert within_precision(recent.quantile(0.5), 180.0)
    assert within_precision(recent.quantile(1.0), 210.0)  # the 900 ms of an hour ago left
    assert monitor.recent_latency("mexc/email").quantile(0.5) is None


async def test_the_monitor_keeps_constant_memory_per_channel(store: Store) -> None:
    """A channel probed every second for an hour costs what one probed once costs."""
    clock = FakeClock(current=START)
    monitor = Monitor(catalog_from_data(CATALOG_DATA), store, clock)
    channels = ["mexc/live_chat", "mexc/help_center"]

    async def feed(seconds: range) -> None:
        for second in seconds:
            at = START + timedelta(seconds=second)
            for channel in channels:
                monitor.on_result(ProbeResult(channel, at, True, 100.0 + second % 500))
        await monitor.flush()  # the raw results leave memory for the database

    await feed(range(60))
    # Only what the monitor's own code keeps (the database and the test allocate too).
    mine = [
        tracemalloc.Filter(True, "*/bot/monitor.py"),
        tracemalloc.Filter(True, "*/bot/latency.py"),
    ]
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.take_snapshot().filter_traces(mine)
        await feed(range(60, 3_600))
        gc.collect()
        after = tracemalloc.take_snapshot().filter_traces(mine)
    finally:
        tracemalloc.stop()
    grown = sum(stat.size_diff for stat in after.compare_to(before, "filename"))
    # The old per-sample window grew by ~12 KB per channel here (its tuples alone).
    assert grown < 1_000
    clock.current = START + timedelta(seconds=3_599)
    assert within_precision(monitor.recent_latency("mexc/live_chat").quantile(1.0), 599.0)
