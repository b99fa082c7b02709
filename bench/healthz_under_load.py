"""/healthz under 1,000 concurrent page requests: before (no page cache, a database query per
health check) and after (render cache + ETags, health from the supervisor's background check).

Three processes, so no side's event loop measures another's: the web side (the real
`build_app` over the shipped catalog, a real SQLite file and a monitor fed every channel's
results), a load process keeping 1,000 requests for `/` in flight, and this one, which asks
`/healthz` every 100 ms on a fresh connection — as a load balancer does — and records how long
each answer took. Both modes run in the same invocation; compare the ratio, not the absolute
figures (the machine is shared and noisy).

    .venv/bin/python bench/healthz_under_load.py [--concurrency 1000] [--seconds 10]

Target: /healthz p99 well under a load balancer's usual 5 s timeout, with the pages loaded.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import statistics
import tempfile
import time
from datetime import timedelta
from multiprocessing.connection import Connection
from pathlib import Path

import aiohttp

from bot.catalog import load_catalog
from bot.clock import SystemClock
from bot.metrics import Metrics
from bot.monitor import Monitor, targets_of
from bot.settings import SHIPPED_CATALOG
from bot.status import StatusService
from bot.supervisor import Supervisor
from bot.web import build_app, start_web, stop_web
from probes.result import ProbeResult
from storage import open_database
from storage.store import Store


def serve(folder: str, cached: bool, port_out: Connection) -> None:
    """The web side in its own process; `cached` picks the after (True) or before mode."""

    async def forever() -> None:
        clock = SystemClock()
        catalog = load_catalog(SHIPPED_CATALOG)
        db = await open_database(Path(folder) / f"bench-{cached}.sqlite3")
        store = Store(db, now=clock.now)
        monitor = Monitor(catalog, store, clock)
        for back in range(3, 0, -1):
            for target in targets_of(catalog):
                at = clock.now() - timedelta(seconds=30 * back)
                monitor.on_result(ProbeResult(target.channel, at, True, 120.0 + back))
        await monitor.flush()
        status = StatusService(catalog, monitor, store, clock)
        await status.warm()
        supervisor = Supervisor()

        async def database_check() -> None:
            await store.count_subscriptions()

        async def every_5_s() -> None:
            await asyncio.sleep(5)

        async def health_after() -> tuple[bool, str]:
            problems = supervisor.problems()
            return (False, "; ".join(problems)) if problems else (True, "ok")

        async def health_before() -> tuple[bool, str]:
            await store.count_subscriptions()  # what /healthz did on every call before
            return True, "ok"

        if cached:
            supervisor.loop("database", database_check, every_5_s)
        app = build_app(
            status,
            catalog,
            Metrics(),
            health_after if cached else health_before,
            page_cache_s=5.0 if cached else 0.0,
        )
        server = await start_web(app, "127.0.0.1", 0)
        port_out.send(server.port)
        try:
            await asyncio.Event().wait()
        finally:
            await stop_web(server)

    asyncio.run(forever())


def load(port: int, concurrency: int, seconds: float, done_out: Connection) -> None:
    """Keep `concurrency` requests for the status page in flight for `seconds`."""

    async def run() -> tuple[int, int]:
        connector = aiohttp.TCPConnector(limit=0)
        timeout = aiohttp.ClientTimeout(total=120)
        ok = failed = 0
        deadline = time.monotonic() + seconds
        async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:

            async def worker() -> None:
                nonlocal ok, failed
                while time.monotonic() < deadline:
                    try:
                        async with session.get(f"http://127.0.0.1:{port}/") as response:
                            await response.read()
                            ok += response.status == 200
                    except (aiohttp.ClientError, TimeoutError):
                        failed += 1

            await asyncio.gather(*(worker() for _ in range(concurrency)))
        return ok, failed

    done_out.send(asyncio.run(run()))


async def probe_health(port: int, seconds: float) -> list[float]:
    """GET /healthz every 100 ms on a fresh connection; each answer's time in ms."""
    latencies: list[float] = []
    deadline = time.monotonic() + seconds
    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(force_close=True), timeout=timeout
    ) as session:
        while time.monotonic() < deadline:
            started = time.perf_counter()
            async with session.get(f"http://127.0.0.1:{port}/healthz") as response:
                await response.read()
                assert response.status == 200, response.status
            latencies.append((time.perf_counter() - started) * 1000)
            await asyncio.sleep(0.1)
    return latencies


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def one_mode(folder: str, cached: bool, concurrency: int, seconds: float) -> dict[str, float]:
    receive, send = multiprocessing.Pipe(duplex=False)
    server = multiprocessing.Process(target=serve, args=(folder, cached, send), daemon=True)
    server.start()
    port: int = receive.recv()
    done_in, done_out = multiprocessing.Pipe(duplex=False)
    loader = multiprocessing.Process(
        target=load, args=(port, concurrency, seconds, done_out), daemon=True
    )
    try:
        loader.start()
        time.sleep(1.0)  # let the load build up first
        latencies = asyncio.run(probe_health(port, seconds - 2.0))
        pages, failed = done_in.recv()
        loader.join()
    finally:
        server.terminate()
        server.join()
    return {
        "p50": statistics.median(latencies),
        "p99": percentile(latencies, 0.99),
        "checks": len(latencies),
        "pages_per_s": pages / seconds,
        "failed": failed,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--concurrency", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()
    results = {}
    with tempfile.TemporaryDirectory() as folder:
        for cached in (False, True):
            results[cached] = one_mode(folder, cached, args.concurrency, args.seconds)
    print(f"/healthz under {args.concurrency} concurrent page requests, {args.seconds:.0f} s each")
    for cached, label in ((False, "before (no page cache, DB query per check)"),
                          (True, "after  (render cache + ETag, background DB check)")):  # fmt: skip
        r = results[cached]
        print(
            f"  {label}: /healthz p50 {r['p50']:8.1f} ms  p99 {r['p99']:8.1f} ms "
            f"({r['checks']:.0f} checks); pages {r['pages_per_s']:7.0f}/s, "
            f"{r['failed']:.0f} failed"
        )
    before, after = results[False], results[True]
    print(
        f"  ratio before/after: p50 {before['p50'] / after['p50']:.0f}x, "
        f"p99 {before['p99'] / after['p99']:.0f}x; pages/s "
        f"{after['pages_per_s'] / max(before['pages_per_s'], 1):.0f}x"
    )


if __name__ == "__main__":
    main()
