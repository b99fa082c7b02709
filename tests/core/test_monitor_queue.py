"""The monitor takes results in runs (`Monitor.settle`): a result handed over is taken soon
without anyone asking, every read sees it at once, and one that breaks the monitor costs only
itself."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from pathlib import Path

import pytest

from bot.catalog.models import catalog_from_data
from bot.clock import FakeClock
from bot.health import Transition
from bot.monitor import Monitor
from bot.vocab import Health
from probes.result import ErrorKind, ProbeResult
from storage import open_database
from storage.store import Store
from tests.alerts.conftest import CATALOG_DATA, START


def ok(channel: str, seconds: int) -> ProbeResult:
    return ProbeResult(channel, START + timedelta(seconds=seconds), True, 80.0, detail="HTTP 200")


def timeout(channel: str, seconds: int) -> ProbeResult:
    at = START + timedelta(seconds=seconds)
    return ProbeResult(channel, at, False, None, ErrorKind.TIMEOUT, "timeout after 10 s")


async def test_a_health_change_is_taken_and_written_without_any_read(store: Store) -> None:
    """The loop of `supportlive run` waits for a batch, then flushes: an outage handed over
    must wake it within the queue's delay, not after the flush's second (here 30 s)."""
    monitor = Monitor(catalog_from_data(CATALOG_DATA), store, FakeClock(current=START))
    written: list[Transition] = []

    async def sink(transition: Transition) -> None:
        written.append(transition)

    monitor.on_transition = sink
    for second in range(0, 40, 10):  # up, then three failures in a row: down
        monitor.on_result(ok("mexc/live_chat", second))
    await monitor.flush()
    await monitor.wait_for_batch(every_s=0.01)  # the wake-up those first changes left
    written.clear()
    for second in range(40, 70, 10):
        monitor.on_result(timeout("mexc/live_chat", second))

    await asyncio.wait_for(monitor.wait_for_batch(every_s=30.0), timeout=5.0)
    await monitor.flush()
    assert ("mexc/live_chat", Health.DOWN) in [(t.channel, t.new) for t in written]


async def test_every_read_sees_the_results_handed_over_before_it(store: Store) -> None:
    monitor = Monitor(catalog_from_data(CATALOG_DATA), store, FakeClock(current=START))
    monitor.on_result(ok("mexc/live_chat", 0))  # queued: an event loop runs
    state = monitor.health("mexc/live_chat")
    assert state is not None and state.last_at == START
    assert monitor.recent_latency("mexc/live_chat").quantile(0.5) == pytest.approx(80.0, rel=0.2)


async def test_a_result_that_breaks_the_monitor_costs_only_itself(
    store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    monitor = Monitor(catalog_from_data(CATALOG_DATA), store, FakeClock(current=START))
    for second in range(0, 200, 10):  # a steady channel: its normal checks take the fast path
        monitor.on_result(ok("mexc/live_chat", second))
    await monitor.flush()
    # A probe bug: a time without a zone cannot be compared with the channel's last check.
    naive = ProbeResult("mexc/live_chat", START.replace(tzinfo=None), True, 80.0)
    with caplog.at_level(logging.ERROR, logger="bot.monitor"):
        monitor.on_result(naive)
        monitor.on_result(ok("mexc/live_chat", 210))
        state = monitor.health("mexc/live_chat")
    assert state is not None and state.last_at == START + timedelta(seconds=210)
    assert [r.getMessage() for r in caplog.records] == [
        "the monitor could not take a result of mexc/live_chat"
    ]
    await monitor.flush()
    stored = await store.recent_results("mexc/live_chat", 1)
    assert stored[0].at == START + timedelta(seconds=210), "the results after it are stored"


def test_without_an_event_loop_a_result_is_taken_at_once(tmp_path: Path) -> None:
    """A script feeding results by hand has no loop to defer to."""

    async def opened() -> Store:
        return Store(await open_database(tmp_path / "sync.sqlite3"))

    store = asyncio.run(opened())
    try:
        monitor = Monitor(catalog_from_data(CATALOG_DATA), store, FakeClock(current=START))
        monitor.on_result(ok("mexc/live_chat", 0))  # no loop to time a later take
        state = monitor.health("mexc/live_chat")
        assert state is not None and state.last_at == START
    finally:
        asyncio.run(store.db.close())
