"""Benchmark: 10,000 channels at a 30 s interval against one loopback server.

Budget (docs/design.md section 10): scheduling lateness p99 < 1 s in one process; peak RSS under
150 MB. The server runs in a child process so the figures are the scheduler's own.

    .venv/bin/python bench/scheduler.py                  # 90 s, http probes, kept connections
    .venv/bin/python bench/scheduler.py --seconds 20 --kind tcp
    .venv/bin/python bench/scheduler.py --fresh          # a new connection per probe
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import resource
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection

from aiohttp import web

from probes.context import ProbeContext, Target, make_session
from probes.registry import run_probe
from probes.result import ProbeResult
from probes.scheduler import Scheduler
from probes.spec import HttpProbe, TcpProbe


def _serve(port_out: Connection) -> None:
    """Child process: a loopback HTTP server answering every path with a small page."""

    async def page(_: web.Request) -> web.Response:
        return web.Response(text="<html>support center</html>")

    async def main() -> None:
        app = web.Application()
        app.router.add_get("/{tail:.*}", page)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0, backlog=1024)
        await site.start()
        port_out.send(runner.addresses[0][1])
        await asyncio.Event().wait()

    asyncio.run(main())


def _targets(kind: str, port: int, count: int, interval_s: float) -> list[Target]:
    """count channels on the loopback server, each with its own URL."""
    targets = []
    for n in range(count):
        spec: HttpProbe | TcpProbe
        if kind == "http":
            url = f"http://127.0.0.1:{port}/c/{n}"
            spec = HttpProbe(url=url, interval_s=interval_s, keyword="support")
        else:
            spec = TcpProbe(host="127.0.0.1", port=port, interval_s=interval_s)
        targets.append(Target(f"bench/c{n}", spec, ("bench.test",), allow_local=True))
    return targets


@dataclass
class Tally:
    """Counts results as they arrive (the cheapest possible on_result)."""

    ok: int = 0
    failed: int = 0
    first_failure: str = ""

    def __call__(self, result: ProbeResult) -> None:
        if result.ok:
            self.ok += 1
        else:
            self.failed += 1
            self.first_failure = self.first_failure or f"{result.error}: {result.detail}"


async def _loop_lag(stop: asyncio.Event, samples: list[float]) -> None:
    """How late a 100 ms sleep wakes: a direct view of event-loop blocking."""
    while not stop.is_set():
        started = time.perf_counter()
        await asyncio.sleep(0.1)
        samples.append(time.perf_counter() - started - 0.1)


async def bench(args: argparse.Namespace, port: int) -> None:
    targets = _targets(args.kind, port, args.channels, args.interval)
    session = make_session(
        limit=args.concurrency, limit_per_host=args.concurrency, fresh_connections=args.fresh
    )
    ctx = ProbeContext(session=session)
    tally = Tally()

    async def run(target: Target) -> ProbeResult:
        return await run_probe(ctx, target)

    scheduler = Scheduler(targets, run, tally, concurrency=args.concurrency)
    stop = asyncio.Event()
    lags: list[float] = []
    lag_task = asyncio.create_task(_loop_lag(stop, lags))
    wall0, cpu0 = time.perf_counter(), time.process_time()
    scheduler.start()
    try:
        await asyncio.sleep(args.seconds)
    finally:
        stop_started = time.perf_counter()
        await scheduler.stop()
        stop_s = time.perf_counter() - stop_started
        stop.set()
        await lag_task
        await session.close()
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    _report(args, scheduler, tally, wall, cpu, stop_s, lags)


def _report(
    args: argparse.Namespace,
    scheduler: Scheduler,
    tally: Tally,
    wall: float,
    cpu: float,
    stop_s: float,
    lags: list[float],
) -> None:
    lateness = scheduler.stats.lateness
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    lags.sort()
    mode = "fresh connection per probe" if args.fresh else "kept connections"
    print(f"channels        {args.channels} x {args.kind} every {args.interval:g} s ({mode})")
    print(f"run             {wall:.1f} s, concurrency {args.concurrency}")
    print(f"probes          {scheduler.stats.runs} ({scheduler.stats.runs / wall:.0f}/s)")
    print(f"results         ok {tally.ok}, failed {tally.failed} {tally.first_failure}")
    print(
        f"lateness        p50 {lateness.percentile(0.50) * 1000:.1f} ms, "
        f"p99 {lateness.percentile(0.99) * 1000:.1f} ms, max {lateness.max * 1000:.1f} ms "
        f"({lateness.count} samples)"
    )
    if lags:
        p99_lag = lags[min(len(lags) - 1, int(0.99 * len(lags)))]
        print(f"loop lag        p99 {p99_lag * 1000:.1f} ms, max {lags[-1] * 1000:.1f} ms")
    print(f"cpu share       {cpu / wall * 100:.1f} % of one core")
    print(f"peak rss        {peak_mb:.1f} MB")
    print(f"stop            {stop_s * 1000:.0f} ms")
    verdict = "PASS" if lateness.percentile(0.99) < 1.0 and peak_mb < 150 else "FAIL"
    print(f"budget          {verdict} (p99 lateness < 1 s, peak RSS < 150 MB)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=90.0)
    parser.add_argument("--channels", type=int, default=10_000)
    parser.add_argument("--interval", type=float, default=30.0)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--kind", choices=("http", "tcp"), default="http")
    parser.add_argument("--fresh", action="store_true", help="new connection per probe")
    args = parser.parse_args()

    port_in, port_out = multiprocessing.Pipe(duplex=False)
    server = multiprocessing.get_context("spawn").Process(
        target=_serve, args=(port_out,), daemon=True
    )
    server.start()
    try:
        port = port_in.recv()
        asyncio.run(bench(args, port))
    finally:
        server.terminate()
        server.join(5)


if __name__ == "__main__":
    main()
