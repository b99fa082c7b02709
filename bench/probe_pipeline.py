"""Probe pipeline throughput: probe → health → store, beside the raw aiohttp client.

Both sides GET the same loopback page with the same connection limits, the same concurrency and
the same connection mode, and read the whole body, in the same run, so the ratio is what matters
(the machine is shared and noisy). Two connection modes, each measured on its own: `fresh` (a
new connection per request, what a probe of a far site mostly pays) and `pooled` (keep-alive).
The pipeline side runs the real probe (`probes.registry.run_probe`), the real `Monitor` (health
state machine, latency summary) and its periodic flushes into a real SQLite file; the final
flush is inside the timed span too. Not in it: the bot's scheduler and its `/metrics` counter
per result (`Monitor(observe=...)`).

Both sides first make `--warmup` requests untimed (then the pipeline flushes them), so what is
timed is the steady pace a running bot keeps: connections open (pooled mode), and every channel
past its first checks. A bot meets those first checks once per start (the first result of each
channel is a transition, and ten results fill its recent outcomes); left in the timed span of a
short run they were a tenth of it.

Rounds alternate which side goes first, so drift in machine load hits both alike; the median of
the rounds' own ratios is the steadiest rate figure when the machine is shared. Besides the
rates it prints CPU time per request (`time.process_time`, all threads: SQLite's worker thread
counts), the steadier signal on a busy machine.

    .venv/bin/python bench/probe_pipeline.py [--requests 6000] [--warmup 2400]
        [--concurrency 32] [--rounds 5] [--modes fresh,pooled]

Target: pipeline rate ≥ 0.8 × raw rate, in each mode.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import multiprocessing
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from multiprocessing.connection import Connection
from pathlib import Path
from typing import NamedTuple

import aiohttp
from aiohttp import web

from bot.catalog.load import check_data
from bot.clock import SystemClock
from bot.monitor import Monitor, targets_of
from probes.context import ProbeContext, make_session
from probes.registry import run_probe
from storage import open_database
from storage.store import Store

CHANNELS = 200


class Measured(NamedTuple):
    rate: float  # requests per second, wall clock
    cpu_us: float  # CPU time per request in microseconds, all threads of this process


async def measure(
    requests: int,
    concurrency: int,
    one: Callable[[int], Awaitable[None]],
    finish: Callable[[], Awaitable[None]] | None = None,
    *,
    warmup: int = 0,
) -> Measured:
    """Run `one(i)` for every i with `concurrency` workers, then `finish()`, all timed; before
    that, untimed, `warmup` requests and `finish()`."""
    if warmup:
        await _each(warmup, concurrency, one)
        if finish is not None:
            await finish()
    # Garbage the other side (or the warm-up) left behind is not this side's cost.
    gc.collect()
    started, cpu = time.perf_counter(), time.process_time()
    await _each(requests, concurrency, one)
    if finish is not None:
        await finish()
    return Measured(
        requests / (time.perf_counter() - started),
        (time.process_time() - cpu) / requests * 1e6,
    )


async def _each(requests: int, concurrency: int, one: Callable[[int], Awaitable[None]]) -> None:
    counter = iter(range(requests))

    async def worker() -> None:
        for i in counter:
            await one(i)

    await asyncio.gather(*(worker() for _ in range(concurrency)))


def serve(port_out: Connection) -> None:
    """The target site, in its own process: the measured side is the client."""

    async def page(request: web.Request) -> web.Response:
        return web.Response(text="<html>support is here</html>")

    async def forever() -> None:
        app = web.Application()
        app.router.add_get("/{name}", page)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port_out.send(runner.addresses[0][1])
        await asyncio.Event().wait()

    asyncio.run(forever())


def catalog_for(port: int) -> dict[str, object]:
    channels = [
        {
            "id": f"c{i}",
            "kind": "help_center",
            "mode": "self_service",
            "name": f"Page {i}",
            "url": f"http://127.0.0.1:{port}/p{i}",
            "probe": {"kind": "http", "url": f"http://127.0.0.1:{port}/p{i}", "interval_s": 60},
        }
        for i in range(CHANNELS)
    ]
    return {
        "exchanges": [
            {
                "id": "bench",
                "name": "Bench",
                "official_domains": ["bench.example"],
                "channels": channels,
            }
        ]
    }


async def raw_rate(
    port: int, requests: int, concurrency: int, fresh: bool, warmup: int = 0
) -> Measured:
    """A bare aiohttp client (its defaults: a cookie jar, a 5-minute timer per request) with the
    probe session's limits and connection mode."""
    connector = aiohttp.TCPConnector(
        force_close=fresh, limit=concurrency, limit_per_host=concurrency
    )
    async with aiohttp.ClientSession(connector=connector) as session:

        async def one(i: int) -> None:
            async with session.get(f"http://127.0.0.1:{port}/p{i % CHANNELS}") as response:
                await response.read()

        return await measure(requests, concurrency, one, warmup=warmup)


async def pipeline_rate(
    port: int, requests: int, concurrency: int, fresh: bool, folder: Path, warmup: int = 0
) -> Measured:
    """Probe → Monitor → SQLite, flushed as the bot does; the last flush is timed too."""
    catalog = check_data(Path("bench.yaml"), catalog_for(port), allow_local=True)
    targets = targets_of(catalog, allow_local=True)
    db = await open_database(folder / "bench.sqlite3")
    store = Store(db)
    monitor = Monitor(catalog, store, SystemClock())
    flusher = asyncio.create_task(monitor.run(every_s=1.0))
    session = make_session(fresh_connections=fresh, limit=concurrency, limit_per_host=concurrency)
    try:
        ctx = ProbeContext(session=session)

        async def one(i: int) -> None:
            monitor.on_result(await run_probe(ctx, targets[i % CHANNELS]))

        measured = await measure(requests, concurrency, one, monitor.flush, warmup=warmup)
        async with db.reading() as conn:
            stored = await conn.fetchval("SELECT count(*) FROM probe_results")
        assert stored == warmup + requests, "every result must be stored"
        return measured
    finally:
        flusher.cancel()
        await asyncio.gather(flusher, return_exceptions=True)
        await session.close()
        await db.close()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=6000)
    parser.add_argument(
        "--warmup", type=int, default=12 * CHANNELS, help="untimed requests per side first"
    )
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--modes", default="fresh,pooled", help="fresh, pooled or both")
    args = parser.parse_args()
    modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    if not modes or not set(modes) <= {"fresh", "pooled"}:
        parser.error("--modes takes fresh, pooled or fresh,pooled")
    receive, send = multiprocessing.Pipe(duplex=False)
    server = multiprocessing.Process(target=serve, args=(send,), daemon=True)
    server.start()
    port: int = receive.recv()
    print(
        f"requests per side per round: {args.requests} timed after {args.warmup} untimed, "
        f"concurrency {args.concurrency}"
    )
    try:
        with tempfile.TemporaryDirectory() as folder:
            for mode in modes:
                raws, pipes = await compare(port, args, mode == "fresh", Path(folder) / mode)
                report(mode, raws, pipes)
    finally:
        server.terminate()
        server.join()


async def compare(
    port: int, args: argparse.Namespace, fresh: bool, folder: Path
) -> tuple[list[Measured], list[Measured]]:
    """Rounds of raw and pipeline in one connection mode, alternating which goes first."""
    raws: list[Measured] = []
    pipes: list[Measured] = []
    for round_no in range(args.rounds):
        raw = raw_rate(port, args.requests, args.concurrency, fresh, args.warmup)
        pipe = pipeline_rate(
            port, args.requests, args.concurrency, fresh, folder / str(round_no), args.warmup
        )
        # Alternate which side goes first so drift in machine load hits both alike.
        if round_no % 2:
            pipes.append(await pipe)
            raws.append(await raw)
        else:
            raws.append(await raw)
            pipes.append(await pipe)
    return raws, pipes


def report(mode: str, raws: list[Measured], pipes: list[Measured]) -> None:
    raw_rates, pipe_rates = [m.rate for m in raws], [m.rate for m in pipes]
    raw_cpu = statistics.median(m.cpu_us for m in raws)
    pipe_cpu = statistics.median(m.cpu_us for m in pipes)
    best, median = max(pipe_rates) / max(raw_rates), _median_ratio(pipe_rates, raw_rates)
    print(f"-- {mode} connections")
    print(
        f"raw aiohttp client:        {max(raw_rates):8.0f} req/s  (rounds: {_rounded(raw_rates)})"
    )
    print(
        f"probe→health→store:        {max(pipe_rates):8.0f} req/s  (rounds: {_rounded(pipe_rates)})"
    )
    # Each round runs the two sides back to back, so a round's ratio sees one machine load.
    paired = statistics.median(p / r for p, r in zip(pipe_rates, raw_rates, strict=True))
    print(f"ratio (best of each):      {best:8.2f}  (target ≥ 0.80)")
    print(f"ratio (median of each):    {median:8.2f}")
    print(f"ratio (median of rounds):  {paired:8.2f}")
    print(
        f"CPU per request (median):  raw {raw_cpu:.0f} µs, pipeline {pipe_cpu:.0f} µs, "
        f"ratio {raw_cpu / pipe_cpu:.2f}"
    )


def _median_ratio(pipe: list[float], raw: list[float]) -> float:
    return statistics.median(pipe) / statistics.median(raw)


def _rounded(values: list[float]) -> str:
    return ", ".join(f"{v:.0f}" for v in values)


if __name__ == "__main__":
    asyncio.run(main())
