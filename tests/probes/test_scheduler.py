"""The scheduler with recording fake probes: bounds, one run per channel, jitter, re-tests."""

from __future__ import annotations

import asyncio
import random
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from aiohttp import web

from probes.context import ProbeContext, Target
from probes.result import ErrorKind, ProbeResult
from probes.scheduler import LatenessStats, Scheduler, probe_all_once
from probes.spec import HttpProbe, TcpProbe
from tests.probes.conftest import Serve, target_for


def _target(name: str, interval_s: float = 30.0) -> Target:
    # model_copy skips validation, so tests may use intervals under the catalog's 1 s floor.
    spec = TcpProbe(host="127.0.0.1", port=1).model_copy(update={"interval_s": interval_s})
    return Target(f"x/{name}", spec, ("mexc.test",), allow_local=True)


def _result(target: Target, ok: bool = True) -> ProbeResult:
    error = None if ok else ErrorKind.CONNECT
    return ProbeResult(target.channel, datetime.now(UTC), ok, 1.0, error)


class Recorder:
    """A fake `run`: records starts, tracks concurrency, sleeps or fails as told."""

    def __init__(self, sleep_s: float = 0.0, fail: Callable[[Target, int], bool] | None = None):
        self.sleep_s = sleep_s
        self.fail = fail or (lambda _t, _n: False)
        self.starts: list[tuple[str, float]] = []
        self.running: Counter[str] = Counter()
        self.max_total = 0
        self.max_per_channel = 0

    async def __call__(self, target: Target) -> ProbeResult:
        self.starts.append((target.channel, time.monotonic()))
        self.running[target.channel] += 1
        self.max_total = max(self.max_total, sum(self.running.values()))
        self.max_per_channel = max(self.max_per_channel, self.running[target.channel])
        try:
            await asyncio.sleep(self.sleep_s)
        finally:
            self.running[target.channel] -= 1
        count = sum(1 for channel, _ in self.starts if channel == target.channel)
        return _result(target, ok=not self.fail(target, count))

    def runs(self, channel: str) -> int:
        return sum(1 for name, _ in self.starts if name == channel)


async def _wait_for(condition: Callable[[], bool], timeout_s: float = 3.0) -> None:
    async with asyncio.timeout(timeout_s):
        while not condition():
            await asyncio.sleep(0.01)


async def _running(scheduler: Scheduler, seconds: float) -> None:
    scheduler.start()
    try:
        await asyncio.sleep(seconds)
    finally:
        await scheduler.stop()


async def test_it_never_runs_more_than_the_concurrency_bound() -> None:
    run = Recorder(sleep_s=0.03)
    targets = [_target(str(n), interval_s=0.2) for n in range(20)]
    results: list[ProbeResult] = []
    scheduler = Scheduler(targets, run, results.append, concurrency=3, jitter=False)
    await _running(scheduler, 0.5)
    assert run.max_total == 3
    assert {channel for channel, _ in run.starts} == {t.channel for t in targets}
    assert len(results) >= 20


async def test_it_never_runs_one_channel_twice_at_once() -> None:
    run = Recorder(sleep_s=0.25)  # longer than the interval
    scheduler = Scheduler([_target("slow", interval_s=0.05)], run, lambda _: None, jitter=False)
    await _running(scheduler, 0.8)
    assert run.max_per_channel == 1
    assert run.runs("x/slow") >= 2


def test_first_runs_are_spread_over_the_interval() -> None:
    targets = [_target(str(n), interval_s=30.0) for n in range(200)]
    scheduler = Scheduler(
        targets, Recorder(), lambda _: None, clock=lambda: 1000.0, rng=random.Random(7)
    )
    dues = [scheduler.next_due(t.channel) for t in targets]
    assert all(d is not None and 1000.0 <= d < 1030.0 for d in dues)
    per_tenth = Counter(int(((d or 0) - 1000.0) // 3.0) for d in dues)
    assert sorted(per_tenth) == list(range(10))  # every tenth of the interval gets some
    assert max(per_tenth.values()) < 40  # and none gets a burst (20 expected)


def test_without_jitter_everything_is_due_at_once() -> None:
    targets = [_target(str(n)) for n in range(5)]
    scheduler = Scheduler(targets, Recorder(), lambda _: None, clock=lambda: 5.0, jitter=False)
    assert {scheduler.next_due(t.channel) for t in targets} == {5.0}


async def test_a_fresh_failure_gets_one_quick_retest() -> None:
    run = Recorder(fail=lambda _t, _n: True)  # always down
    results: list[ProbeResult] = []
    scheduler = Scheduler(
        [_target("down", interval_s=30.0)], run, results.append, retest_delay_s=0.1, jitter=False
    )
    await _running(scheduler, 0.5)
    assert run.runs("x/down") == 2  # the run and one re-test, then back to the 30 s cadence
    assert scheduler.stats.retests == 1
    assert scheduler.stats.failures == 2
    gap = run.starts[1][1] - run.starts[0][1]
    assert 0.08 < gap < 0.4


async def test_after_a_retest_the_cadence_resumes() -> None:
    run = Recorder(fail=lambda _t, n: n == 1)  # fails once, then recovers
    target = _target("flaky", interval_s=0.4)
    scheduler = Scheduler([target], run, lambda _: None, retest_delay_s=0.05, jitter=False)
    scheduler.start()
    try:
        await _wait_for(lambda: run.runs("x/flaky") >= 3)
    finally:
        await scheduler.stop()
    first, retest, third = (at for _, at in run.starts[:3])
    assert retest - first < 0.2
    assert 0.3 < third - first < 0.6  # on the original cadence, not 0.4 s after the re-test


async def test_stop_is_quick_even_with_hanging_probes() -> None:
    run = Recorder(sleep_s=3600)
    targets = [_target(str(n), interval_s=1.0) for n in range(10)]
    scheduler = Scheduler(targets, run, lambda _: None, concurrency=4, jitter=False)
    scheduler.start()
    await _wait_for(lambda: run.max_total == 4)
    started = time.monotonic()
    await scheduler.stop()
    assert time.monotonic() - started < 1.0
    assert scheduler.stats.in_flight == 0


async def test_a_hanging_probe_does_not_stall_the_others() -> None:
    class HangOne(Recorder):
        async def __call__(self, target: Target) -> ProbeResult:
            if target.channel == "x/hang":
                self.starts.append((target.channel, time.monotonic()))
                await asyncio.sleep(3600)
            return await super().__call__(target)

    run = HangOne()
    targets = [_target("hang", 0.1), *(_target(str(n), 0.1) for n in range(3))]
    scheduler = Scheduler(targets, run, lambda _: None, concurrency=2, jitter=False)
    await _running(scheduler, 0.6)
    assert run.runs("x/hang") == 1
    assert all(run.runs(f"x/{n}") >= 3 for n in range(3))


async def test_async_and_failing_result_sinks_are_fine() -> None:
    seen: list[str] = []

    async def sink(result: ProbeResult) -> None:
        await asyncio.sleep(0)
        seen.append(result.channel)
        if len(seen) == 1:
            raise RuntimeError("storage hiccup")

    scheduler = Scheduler([_target("a", 0.1)], Recorder(), sink, jitter=False)
    await _running(scheduler, 0.35)
    assert len(seen) >= 3
    assert scheduler.stats.crashes == 1


async def test_a_raising_run_becomes_a_failed_result() -> None:
    async def broken(_target: Target) -> ProbeResult:
        raise ValueError("bug")

    results: list[ProbeResult] = []
    scheduler = Scheduler([_target("b")], broken, results.append, jitter=False)
    scheduler.start()
    try:
        await _wait_for(lambda: bool(results))
    finally:
        await scheduler.stop()
    assert (results[0].ok, results[0].error, results[0].detail) == (
        False,
        ErrorKind.OTHER,
        "ValueError: bug",
    )


async def test_update_targets_adds_and_removes_channels() -> None:
    run = Recorder()
    scheduler = Scheduler([_target("old", 0.1)], run, lambda _: None, jitter=False)
    scheduler.start()
    try:
        await _wait_for(lambda: run.runs("x/old") >= 1)
        scheduler.update_targets([_target("new", 0.1)])
        await _wait_for(lambda: run.runs("x/new") >= 2)
        old_runs = run.runs("x/old")
        await asyncio.sleep(0.25)
        assert run.runs("x/old") == old_runs
        assert scheduler.channels() == ["x/new"]
    finally:
        await scheduler.stop()


async def test_it_measures_lateness_and_ticks() -> None:
    scheduler = Scheduler([_target("a", 0.1)], Recorder(), lambda _: None, jitter=False)
    before = time.monotonic()
    await _running(scheduler, 0.35)
    assert scheduler.stats.lateness.count >= 3
    assert scheduler.stats.lateness.percentile(0.99) < 0.1
    assert scheduler.last_tick >= before


def test_lateness_percentiles_are_within_five_percent() -> None:
    stats = LatenessStats()
    for n in range(1, 1001):
        stats.add(n / 1000)  # 1 ms .. 1 s
    assert stats.percentile(0.5) == pytest.approx(0.5, rel=0.05)
    assert stats.percentile(0.99) == pytest.approx(0.99, rel=0.05)
    assert stats.percentile(1.0) == pytest.approx(1.0)
    stats.reset()
    assert stats.percentile(0.5) == 0.0


async def test_probe_all_once_returns_results_in_order(ctx: ProbeContext, serve: Serve) -> None:
    async def page(request: web.Request) -> web.Response:
        return web.Response(status=200 if request.path == "/up" else 503)

    app = web.Application()
    app.router.add_get("/{name}", page)
    base = await serve(app)
    targets = [
        target_for(HttpProbe(url=f"{base}/{name}")) for name in ("up", "down", "up", "down", "up")
    ]
    results = await probe_all_once(ctx, targets, concurrency=2)
    assert [r.ok for r in results] == [True, False, True, False, True]


async def test_a_scheduler_starts_once() -> None:
    scheduler = Scheduler([_target("a")], Recorder(), lambda _: None)
    scheduler.start()
    await scheduler.stop()
    with pytest.raises(RuntimeError):
        scheduler.start()
