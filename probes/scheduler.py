"""Run every probed channel at its interval: one timer loop, a bounded pool of workers.

Built to stay cheap at 10,000 channels: the channels wait in one heap ordered by due time (not
one sleeping task each); the timer loop moves due channels to a queue; `concurrency` workers
run them. A channel is back in the heap only after its run ends, so one channel never has two
probes at once. First runs are spread over the interval with jitter; a fresh failure gets one
quick re-test (`retest_delay_s`) before the channel returns to its cadence.

Lateness (actual start minus due time) goes into a constant-memory histogram; `last_tick`
lets a health check see that the timer loop is alive.
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import heapq
import inspect
import itertools
import logging
import math
import random
import time
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from probes.context import ProbeContext, Target
from probes.registry import run_probe
from probes.result import ErrorKind, ProbeResult

RunFn = Callable[[Target], Awaitable[ProbeResult]]
ResultSink = Callable[[ProbeResult], Awaitable[None] | None]

# The timer loop wakes at least this often, so `last_tick` proves it is alive.
MAX_SLEEP_S = 1.0
STOP_TIMEOUT_S = 5.0

log = logging.getLogger(__name__)


def _bucket_bounds(first: float = 1e-4, ratio: float = 1.05, last: float = 600.0) -> list[float]:
    """Upper bounds of log-spaced buckets: 5 % resolution from 0.1 ms to 10 minutes."""
    count = math.ceil(math.log(last / first) / math.log(ratio)) + 1
    return [first * ratio**i for i in range(count)]


BUCKET_BOUNDS = _bucket_bounds()


@dataclass
class LatenessStats:
    """A histogram of scheduling lateness in seconds; a few kilobytes whatever the run length."""

    counts: list[int] = field(default_factory=lambda: [0] * (len(BUCKET_BOUNDS) + 1))
    count: int = 0
    total: float = 0.0
    max: float = 0.0

    def add(self, seconds: float) -> None:
        """Count one lateness sample (negative values, from clock granularity, count as 0)."""
        seconds = max(seconds, 0.0)
        self.counts[bisect.bisect_left(BUCKET_BOUNDS, seconds)] += 1
        self.count += 1
        self.total += seconds
        self.max = max(self.max, seconds)

    def percentile(self, q: float) -> float:
        """The q-quantile (0..1) within 5 %, from above; 0.0 when there are no samples."""
        if self.count == 0:
            return 0.0
        rank = max(1, math.ceil(q * self.count))
        seen = 0
        for index, n in enumerate(self.counts):
            seen += n
            if seen >= rank:
                bound = BUCKET_BOUNDS[index] if index < len(BUCKET_BOUNDS) else self.max
                return min(bound, self.max)
        return self.max

    def reset(self) -> None:
        """Forget every sample (the benchmark drops its warm-up)."""
        self.counts = [0] * (len(BUCKET_BOUNDS) + 1)
        self.count, self.total, self.max = 0, 0.0, 0.0


@dataclass
class SchedulerStats:
    """What the scheduler has done, for /healthz, metrics and the benchmark."""

    lateness: LatenessStats = field(default_factory=LatenessStats)
    runs: int = 0
    retests: int = 0
    failures: int = 0
    crashes: int = 0
    in_flight: int = 0
    last_tick: float = 0.0


@dataclass(eq=False, slots=True)
class _Slot:
    """One channel's place in the schedule. `base` anchors the cadence across re-tests."""

    target: Target
    due: float = 0.0
    base: float = 0.0
    retest: bool = False
    last_ok: bool | None = None
    scheduled: bool = False
    running: bool = False
    active: bool = True


class Scheduler:
    """Runs targets at their intervals with `run` and hands each result to `on_result`.

    `run` is expected never to raise (see `probes.registry.run_probe`); if it does, the
    scheduler reports an `other` failure and goes on. `on_result` may be sync or async; its
    errors are logged and do not stop the scheduler.
    """

    def __init__(
        self,
        targets: Iterable[Target],
        run: RunFn,
        on_result: ResultSink,
        *,
        concurrency: int = 64,
        retest_delay_s: float = 5.0,
        jitter: bool = True,
        clock: Callable[[], float] = time.monotonic,
        rng: random.Random | None = None,
    ) -> None:
        if concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        self._run = run
        self._on_result = on_result
        self._concurrency = concurrency
        self._retest_delay_s = retest_delay_s
        self._jitter = jitter
        self._clock = clock
        self._rng = rng or random.Random()
        self._slots: dict[str, _Slot] = {}
        self._heap: list[tuple[float, int, _Slot]] = []
        self._seq = itertools.count()
        self._queue: asyncio.Queue[_Slot] = asyncio.Queue()
        self._wake = asyncio.Event()
        self._sleep_until = math.inf
        self._tasks: list[asyncio.Task[None]] = []
        self._started = False
        self.stats = SchedulerStats()
        self.update_targets(targets)

    @property
    def last_tick(self) -> float:
        """Monotonic time of the timer loop's latest wake-up (at most `MAX_SLEEP_S` ago)."""
        return self.stats.last_tick

    def channels(self) -> list[str]:
        """The channels now scheduled."""
        return [key for key, slot in self._slots.items() if slot.active]

    def next_due(self, channel: str) -> float | None:
        """When channel's next run is due (clock time), or None when it is running or gone."""
        slot = self._slots.get(channel)
        return slot.due if slot and slot.active and slot.scheduled else None

    def start(self) -> None:
        """Start the timer loop and the workers; call from a running event loop, once."""
        if self._started:
            # A stop drops in-flight runs from the schedule, so a restart would lose channels.
            raise RuntimeError("a scheduler starts once; make a new one")
        self._started = True
        self.stats.last_tick = self._clock()
        self._tasks.append(asyncio.create_task(self._tick_loop(), name="scheduler-timer"))
        for n in range(self._concurrency):
            self._tasks.append(asyncio.create_task(self._work(), name=f"scheduler-worker-{n}"))

    async def stop(self, timeout_s: float = STOP_TIMEOUT_S) -> None:
        """Cancel the timer loop and the workers (in-flight probes too); wait up to timeout_s."""
        tasks, self._tasks = self._tasks, []
        for task in tasks:
            task.cancel()
        if not tasks:
            return
        _done, pending = await asyncio.wait(tasks, timeout=timeout_s)
        if pending:
            log.warning("%d scheduler tasks did not stop within %s s", len(pending), timeout_s)

    def update_targets(self, targets: Iterable[Target]) -> None:
        """Replace the set of targets: new ones start jittered, kept ones keep their cadence."""
        wanted = {target.channel: target for target in targets}
        for key, slot in self._slots.items():
            if key not in wanted:
                slot.active = False
        now = self._clock()
        for key, target in wanted.items():
            slot = self._slots.setdefault(key, _Slot(target))
            slot.target, slot.active = target, True
            if not slot.scheduled and not slot.running:
                offset = self._rng.uniform(0.0, target.spec.interval_s) if self._jitter else 0.0
                self._push(slot, now + offset, retest=False)
        self._slots = {k: s for k, s in self._slots.items() if s.active or s.running}

    def _push(self, slot: _Slot, due: float, *, retest: bool) -> None:
        """Put slot in the heap for `due`; wake the timer loop if it sleeps past that."""
        slot.due, slot.retest, slot.scheduled = due, retest, True
        if not retest:
            slot.base = due
        heapq.heappush(self._heap, (due, next(self._seq), slot))
        if due < self._sleep_until:
            self._wake.set()

    async def _tick_loop(self) -> None:
        """Move due slots to the work queue; sleep until the next one is due."""
        while True:
            now = self._clock()
            self.stats.last_tick = now
            while self._heap and self._heap[0][0] <= now:
                _due, _seq, slot = heapq.heappop(self._heap)
                self._queue.put_nowait(slot)
            delay = self._heap[0][0] - now if self._heap else MAX_SLEEP_S
            delay = min(max(delay, 0.0), MAX_SLEEP_S)
            self._sleep_until = now + delay
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(delay):
                    await self._wake.wait()
            self._sleep_until = math.inf

    async def _work(self) -> None:
        """One worker: take a due slot, probe it, deliver the result, schedule its next run."""
        while True:
            slot = await self._queue.get()
            slot.scheduled = False
            if not slot.active:
                self._forget(slot)
                continue
            self.stats.lateness.add(self._clock() - slot.due)
            slot.running = True
            self.stats.in_flight += 1
            try:
                result = await self._run_safely(slot)
            finally:
                slot.running = False
                self.stats.in_flight -= 1
            await self._deliver(result)
            self._after(slot, result.ok)

    async def _run_safely(self, slot: _Slot) -> ProbeResult:
        """Run slot's probe; a raising `run` becomes an `other` failure, not a dead worker."""
        self.stats.runs += 1
        self.stats.retests += slot.retest
        try:
            result = await self._run(slot.target)
        except Exception as exc:
            self.stats.crashes += 1
            log.exception("run of %s raised", slot.target.channel)
            result = ProbeResult(
                channel=slot.target.channel,
                at=datetime.now(UTC),
                ok=False,
                latency_ms=None,
                error=ErrorKind.OTHER,
                detail=f"{type(exc).__name__}: {exc}"[:200],
            )
        self.stats.failures += not result.ok
        return result

    async def _deliver(self, result: ProbeResult) -> None:
        """Hand a result to on_result; its failure is logged, never fatal to the worker."""
        try:
            returned = self._on_result(result)
            if inspect.isawaitable(returned):
                await returned
        except Exception:
            self.stats.crashes += 1
            log.exception("on_result failed for %s", result.channel)

    def _after(self, slot: _Slot, ok: bool) -> None:
        """Schedule slot's next run: a quick re-test after a fresh failure, else the cadence."""
        if not slot.active:
            self._forget(slot)
            return
        now = self._clock()
        fresh_failure = not ok and not slot.retest and slot.last_ok is not False
        slot.last_ok = ok
        interval = slot.target.spec.interval_s
        if fresh_failure:
            # Never later than the next regular run would have been.
            self._push(slot, now + min(self._retest_delay_s, interval), retest=True)
            return
        due = slot.base + interval
        if due < now - interval:
            # More than a whole interval behind (overload, or a probe slower than its
            # interval): restart the cadence now rather than firing a burst of missed runs.
            due = now
        self._push(slot, due, retest=False)

    def _forget(self, slot: _Slot) -> None:
        """Drop a removed slot once nothing refers to it any more."""
        if self._slots.get(slot.target.channel) is slot and not slot.active:
            del self._slots[slot.target.channel]


async def probe_all_once(
    ctx: ProbeContext, targets: Sequence[Target], concurrency: int = 32
) -> list[ProbeResult]:
    """Probe every target once (for `supportlive check`); results in the order of targets."""
    one = limited(ctx, concurrency)
    return list(await asyncio.gather(*(one(target) for target in targets)))


def limited(ctx: ProbeContext, concurrency: int) -> Callable[[Target], Awaitable[ProbeResult]]:
    """`run_probe` with at most `concurrency` of its calls running at once."""
    limit = asyncio.Semaphore(concurrency)

    async def one(target: Target) -> ProbeResult:
        async with limit:
            return await run_probe(ctx, target)

    return one
