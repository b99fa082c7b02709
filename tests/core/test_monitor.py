"""The monitor's batches: a stop in the middle of a write loses nothing."""

from __future__ import annotations

import asyncio
import random
from dataclasses import replace
from datetime import datetime, timedelta

import pytest

from bot.catalog.models import catalog_from_data
from bot.clock import FakeClock
from bot.health import HealthState, Transition, advance, initial
from bot.latency import LatencyWindow
from bot.monitor import Monitor
from bot.vocab import Health
from probes.result import ErrorKind, ProbeResult
from storage import DatabaseUnavailable
from storage.store import Store
from tests.alerts.conftest import CATALOG_DATA, START
from tests.core.conftest import live_chat_times_out


async def test_a_stop_in_the_middle_of_a_write_keeps_the_outage_for_the_final_flush(
    store: Store,
) -> None:
    clock = FakeClock(current=START)
    monitor = Monitor(catalog_from_data(CATALOG_DATA), store, clock)
    written: list[Transition] = []
    entered = asyncio.Event()

    async def slow_sink(transition: Transition) -> None:
        entered.set()
        await asyncio.Event().wait()  # the database is busy when the stop comes

    async def sink(transition: Transition) -> None:
        written.append(transition)

    monitor.on_transition = slow_sink

    async def run() -> None:
        while True:
            await monitor.flush()
            await monitor.wait_for_batch(0.01)

    running = asyncio.create_task(run())
    live_chat_times_out(monitor)
    await asyncio.wait_for(entered.wait(), 2)
    running.cancel()  # what `supportlive run` does on SIGTERM
    await asyncio.gather(running, return_exceptions=True)

    monitor.on_transition = sink
    await monitor.flush()  # the final flush
    # The help center checks the same URL: it shares the results, and the outage.
    assert [(t.channel, t.new) for t in written] == [
        ("mexc/live_chat", Health.DOWN),
        ("mexc/help_center", Health.DOWN),
    ]
    stored = await store.load_health()
    assert "mexc/live_chat" in stored


async def test_a_first_batch_that_failed_once_is_stored_by_the_next_flush(store: Store) -> None:
    clock = FakeClock(current=START)
    monitor = Monitor(catalog_from_data(CATALOG_DATA), store, clock)
    failures = [OSError("disk full")]
    written: list[Transition] = []

    async def sink(transition: Transition) -> None:
        if failures:
            raise failures.pop()
        written.append(transition)

    monitor.on_transition = sink
    live_chat_times_out(monitor)
    with pytest.raises(OSError, match="disk full"):
        await monitor.flush()
    await monitor.flush()
    assert [t.new for t in written] == [Health.DOWN, Health.DOWN]  # live chat, help center
    results = await store.recent_results("mexc/live_chat")
    assert len(results) == 3


async def test_a_long_outage_keeps_every_transition_and_only_the_newest_raw_results(
    store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    clock = FakeClock(current=START)
    monitor = Monitor(catalog_from_data(CATALOG_DATA), store, clock, batch_max=10, backlog_max=100)
    written: list[Transition] = []
    outage = True

    async def sink(transition: Transition) -> None:
        if outage:
            raise DatabaseUnavailable("database is locked", code="SQLITE_BUSY")
        written.append(transition)

    monitor.on_transition = sink
    at = START
    for i in range(1_000):
        at += timedelta(seconds=1)
        # The live chat fails throughout; the help center answers.
        monitor.on_result(ProbeResult("mexc/live_chat", at, False, None, ErrorKind.TIMEOUT, "x"))
        monitor.on_result(ProbeResult("mexc/help_center", at, True, 50.0))
        if i % 100 == 0:
            with pytest.raises(DatabaseUnavailable):
                await monitor.flush()
    outage = False
    await monitor.flush()

    changes = [(t.channel, t.new) for t in written]
    assert changes[:2] == [("mexc/help_center", Health.UP), ("mexc/live_chat", Health.DOWN)]
    async with store.db.reading() as conn:
        kept = await conn.fetchval("SELECT count(*) FROM probe_results")
    assert kept <= 100
    assert monitor.dropped >= 2_000 - kept  # (channels sharing a probe add results of their own)
    assert (await store.recent_results("mexc/live_chat", 1))[0].at == at, "the newest are kept"
    lines = [r.getMessage() for r in caplog.records if r.name == "bot.monitor"]
    assert len(lines) == 2, lines  # one when dropping starts, one when the outage ends
    assert (
        lines[1]
        == f"the database takes writes again; {monitor.dropped} probe results were dropped in all"
    )


async def _stored(store: Store, channel: str) -> HealthState:
    return HealthState.from_json((await store.load_health())[channel].state)


async def test_a_burst_of_successes_stores_the_health_row_once_until_it_is_due(
    store: Store,
) -> None:
    clock = FakeClock(current=START)
    monitor = Monitor(catalog_from_data(CATALOG_DATA), store, clock, save_every_s=60)
    for _ in range(20):
        monitor.on_result(ProbeResult("mexc/live_chat", clock.now(), True, 50.0))
        await monitor.flush()
        clock.advance(1)
    live = monitor.health("mexc/live_chat")
    assert live is not None and live.consecutive_successes == 20, "memory stays exact"
    stored = await _stored(store, "mexc/live_chat")
    assert (stored.health, stored.consecutive_successes) == (Health.UP, 1)  # the first only

    clock.advance(40)  # 60 s after that write: due, even with no new result
    await monitor.flush()
    assert await _stored(store, "mexc/live_chat") == live


async def test_a_failure_and_a_transition_are_stored_at_once(store: Store) -> None:
    clock = FakeClock(current=START)
    monitor = Monitor(catalog_from_data(CATALOG_DATA), store, clock, save_every_s=60)
    monitor.on_result(ProbeResult("mexc/live_chat", clock.now(), True, 50.0))
    await monitor.flush()
    for i in range(3):
        clock.advance(1)
        monitor.on_result(
            ProbeResult("mexc/live_chat", clock.now(), False, None, ErrorKind.TIMEOUT, "timeout")
        )
        await monitor.flush()
        stored = await _stored(store, "mexc/live_chat")
        if i == 0:  # the first failure: the last check failed, worth storing
            assert (stored.health, stored.consecutive_failures) == (Health.UP, 1)
    assert (stored.health, stored.consecutive_failures) == (Health.DOWN, 3)
    assert stored == monitor.health("mexc/live_chat")


async def test_a_restart_restores_health_and_counters_at_most_the_save_interval_old(
    store: Store,
) -> None:
    clock = FakeClock(current=START)
    catalog = catalog_from_data(CATALOG_DATA)
    first = Monitor(catalog, store, clock, save_every_s=60)
    for _ in range(70):
        first.on_result(ProbeResult("mexc/live_chat", clock.now(), True, 50.0))
        await first.flush()
        clock.advance(1)
    # Written at the first result and again 60 s later (61 successes then); 9 more since.
    live = first.health("mexc/live_chat")
    assert live is not None and live.consecutive_successes == 70

    second = Monitor(catalog, store, clock, save_every_s=60)  # a crash: no final write
    await second.restore()
    restored = second.health("mexc/live_chat")
    assert restored is not None
    assert (restored.health, restored.consecutive_successes) == (Health.UP, 61)
    assert live.last_at is not None and restored.last_at is not None
    assert live.last_at - restored.last_at <= timedelta(seconds=60)
    # The restored copy counts as stored: the next success is not written before it is due.
    second.on_result(ProbeResult("mexc/live_chat", clock.now(), True, 50.0))
    await second.flush()
    assert (await _stored(store, "mexc/live_chat")).consecutive_successes == 61


async def test_the_final_flush_stores_every_state_as_of_its_last_check(store: Store) -> None:
    """A re-test's failure 5 s after the first changes nothing salient: a plain flush leaves
    it for later; the one at stop must not, or the next start counts one failure too few."""
    clock = FakeClock(current=START)
    catalog = catalog_from_data(CATALOG_DATA)
    first = Monitor(catalog, store, clock, save_every_s=60)
    first.on_result(ProbeResult("mexc/live_chat", clock.now(), True, 50.0))
    for _ in range(2):
        clock.advance(5)
        failed = ProbeResult("mexc/live_chat", clock.now(), False, None, ErrorKind.TIMEOUT, "t")
        first.on_result(failed)
        await first.flush()
    live = first.health("mexc/live_chat")
    assert live is not None and live.consecutive_failures == 2
    assert (await _stored(store, "mexc/live_chat")).consecutive_failures == 1  # not due yet

    await first.flush_everything()
    assert await _stored(store, "mexc/live_chat") == live
    second = Monitor(catalog, store, clock, save_every_s=60)
    await second.restore()
    assert second.health("mexc/live_chat") == live


def _random_check(rng: random.Random, at: datetime, channel: str) -> ProbeResult:
    """Mostly normal checks, some slow, some failing: runs of each, as channels give them."""
    kind = rng.choices(["ok", "slow", "fail"], weights=[8, 1, 2])[0]
    if kind == "fail":
        return ProbeResult(channel, at, False, None, ErrorKind.TIMEOUT, "timeout")
    if kind == "slow":
        return ProbeResult(channel, at, True, 4000.0, detail="HTTP 200", slow=True)
    return ProbeResult(channel, at, True, rng.uniform(20, 300), detail="HTTP 200")


# The first shares its probe with the help center; the second is a channel alone, whose
# normal checks take the monitor's fast path.
@pytest.mark.parametrize("channel", ["mexc/live_chat", "kraken/live_chat"])
@pytest.mark.parametrize("seed", range(12))
async def test_health_in_memory_stored_and_alerted_is_what_advance_gives_check_by_check(
    store: Store, seed: int, channel: str
) -> None:
    """Normal checks of a steady channel are only counted (`_Channel`): what a reader sees,
    what is stored, the transitions and the latency summary are still exactly those of one
    `advance` per check, late checks among them."""
    rng = random.Random(seed)
    clock = FakeClock(current=START)
    monitor = Monitor(catalog_from_data(CATALOG_DATA), store, clock, save_every_s=60)
    written: list[Transition] = []

    async def sink(transition: Transition) -> None:
        if transition.channel == channel:
            written.append(transition)

    monitor.on_transition = sink
    exact, expected, window = initial(channel), [], LatencyWindow()
    checks: list[ProbeResult] = []
    for _ in range(60):
        check = _random_check(rng, clock.now(), channel)
        for _ in range(rng.choice([1, 1, 3, 15])):  # a run of the same outcome
            late = rng.random() < 0.05  # a check that started before the last one taken
            check = replace(check, at=clock.now() - timedelta(seconds=90 if late else 0))
            exact, transition = advance(exact, check)
            expected += [transition] if transition is not None else []
            if check.ok and check.latency_ms is not None:
                window.add(check.at.timestamp(), check.latency_ms)
            monitor.on_result(check)
            checks.append(check)
            if rng.random() < 0.1:  # read now and then: unread, counted checks pile up
                assert monitor.health(channel) == exact
            clock.advance(rng.choice([1, 30, 60]))
        if rng.random() < 0.3:
            await monitor.flush()
    clock.advance(61)  # the state is due to be stored
    await monitor.flush()
    assert written == expected
    assert await _stored(store, channel) == exact
    now = clock.now().timestamp()
    assert monitor.recent_latency(channel) == window.quantiles(now)
    # Stored raw, each check as itself, whichever way the monitor kept it until the flush.
    async with store.db.reading() as conn:
        stored = await conn.fetchall(
            "SELECT at_ms, ok, slow, latency_us, error, detail FROM probe_results "
            "WHERE channel_id = (SELECT id FROM channels WHERE key = ?)",
            (channel,),
        )
    assert sorted(stored) == sorted(_raw_row(check) for check in checks)
    summary = await store.rollup_summary(channel, START, clock.now())
    assert (summary.count, summary.failures, summary.slow) == (
        len(checks),
        sum(not c.ok for c in checks),
        sum(c.slow for c in checks),
    )


def _raw_row(check: ProbeResult) -> tuple[object, ...]:
    latency = check.latency_ms
    return (
        round(check.at.timestamp() * 1000),
        int(check.ok),
        int(check.slow),
        None if latency is None else round(latency * 1000),
        None if check.error is None else str(check.error),
        check.detail,
    )


def _alone(exchange: str) -> dict[str, object]:
    return {
        "id": exchange,
        "name": exchange.title(),
        "official_domains": [f"{exchange}.com"],
        "channels": [
            {
                "id": "help_center",
                "kind": "help_center",
                "mode": "self_service",
                "name": "Help center",
                "url": f"https://{exchange}.com/help",
                "probe": {"kind": "http", "url": f"https://{exchange}.com/help"},
            }
        ],
    }


async def test_steady_channels_that_answer_again_after_a_late_network_failure_end_blindness(
    store: Store,
) -> None:
    """Without canaries, three exchanges whose latest checks failed at the network level make
    the probes blind, even when those checks came back late; their next successes, though
    normal checks of steady channels, end it."""
    exchanges = ["aaa", "bbb", "ccc"]
    catalog = catalog_from_data({"exchanges": [_alone(e) for e in exchanges]})
    clock = FakeClock(current=START)
    monitor = Monitor(catalog, store, clock)
    keys = [f"{e}/help_center" for e in exchanges]
    for _ in range(12):  # steady: up, and ten successes in a row
        for key in keys:
            monitor.on_result(ProbeResult(key, clock.now(), True, 50.0, detail="HTTP 200"))
        clock.advance(30)
    for key in keys:
        late = clock.now() - timedelta(seconds=45)
        monitor.on_result(ProbeResult(key, late, False, None, ErrorKind.CONNECT, "refused"))
    assert monitor.blind_since() is not None
    for key in keys:
        monitor.on_result(ProbeResult(key, clock.now(), True, 50.0, detail="HTTP 200"))
    assert monitor.blind_since() is None
    assert all(monitor.health(key).health is Health.UP for key in keys)  # type: ignore[union-attr]
