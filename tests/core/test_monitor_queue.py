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
from bot.health import HealthState, Transition
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
        assert monitor._queued == [], "taken at once"
        state = monitor.health("mexc/live_chat")
        assert state is not None and state.last_at == START
    finally:
        asyncio.run(store.db.close())


async def _stored(store: Store, channel: str) -> HealthState:
    return HealthState.from_json((await store.load_health())[channel].state)


async def test_the_final_flush_stores_a_state_whose_last_check_was_still_queued(
    store: Store,
) -> None:
    """At stop the scheduler ends, then the final flush runs, often within the queue's delay
    and with no read between: the last check, still queued, is stored too."""
    clock = FakeClock(current=START)
    monitor = Monitor(catalog_from_data(CATALOG_DATA), store, clock, save_every_s=60)
    monitor.on_result(ok("mexc/live_chat", 0))
    monitor.on_result(timeout("mexc/live_chat", 5))
    await monitor.flush()
    assert (await _stored(store, "mexc/live_chat")).consecutive_failures == 1
    monitor.on_result(timeout("mexc/live_chat", 10))  # queued: nothing reads
    await monitor.flush_everything()
    live = monitor.health("mexc/live_chat")
    assert live is not None and live.consecutive_failures == 2
    assert await _stored(store, "mexc/live_chat") == live, "the final flush stores the last check"


async def test_a_timer_left_by_a_closed_loop_does_not_hold_results_in_the_next(
    store: Store,
) -> None:
    """Results queued under a loop that ends before its timer fires: under the next loop a
    result still gets a timer of its own."""
    monitor = Monitor(catalog_from_data(CATALOG_DATA), store, FakeClock(current=START))

    def in_another_loop() -> None:
        async def hand_over() -> None:
            monitor.on_result(ok("mexc/live_chat", 0))

        asyncio.run(hand_over())  # that loop closes at once

    await asyncio.to_thread(in_another_loop)
    monitor.on_result(ok("mexc/live_chat", 10))
    await asyncio.sleep(0.2)  # four times the queue's delay
    assert monitor._queued == [], "taken by this loop's timer"


async def test_after_leading_again_normal_checks_still_reach_what_readers_see(
    store: Store,
) -> None:
    """A replica that stepped down and leads again restores the stored states: the normal
    checks after that must move the channels readers see (before, the fast path kept
    counting on the channels `restore` had replaced, and a channel down before stayed down
    through any number of successes)."""
    clock = FakeClock(current=START)
    monitor = Monitor(catalog_from_data(CATALOG_DATA), store, clock, save_every_s=60)
    for second in range(0, 900, 30):
        monitor.on_result(ok("mexc/email", second))
    await monitor.flush_everything()  # stepping down
    await monitor.restore()  # leading again
    for second in range(900, 990, 30):
        monitor.on_result(timeout("mexc/email", second))
    down = monitor.health("mexc/email")
    assert down is not None and down.health is Health.DOWN
    for second in range(990, 1290, 30):
        monitor.on_result(ok("mexc/email", second))
    state = monitor.health("mexc/email")
    assert state is not None and state.health is Health.UP
    assert state.last_at == START + timedelta(seconds=1260)


async def test_a_replica_stepping_down_drops_the_queued_results_with_its_batch(
    store: Store,
) -> None:
    monitor = Monitor(catalog_from_data(CATALOG_DATA), store, FakeClock(current=START))
    for second in range(0, 50, 10):
        monitor.on_result(timeout("mexc/live_chat", second))  # queued, and a change to down
    results, transitions = monitor.drop_unwritten()
    assert results >= 5 and transitions >= 1
    await monitor.flush()
    async with store.db.reading() as conn:
        assert await conn.fetchval("SELECT count(*) FROM probe_results") == 0
        assert await conn.fetchval("SELECT count(*) FROM transitions") == 0
