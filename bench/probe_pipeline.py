"""Probe pipeline throughput: probe → health → store, beside the raw aiohttp client.

Both sides GET the same loopback page with a fresh connection per request and the same
concurrency, in the same run, so the ratio is what matters (the machine is shared and noisy).
The pipeline side runs the real probe (`probes.registry.run_probe`), the real `Monitor`
(health state machine, latency ring) and flushes batches into a real SQLite file.

    .venv/bin/python bench/probe_pipeline.py [--requests 6000] [--concurrency 32]

Target: pipeline rate ≥ 0.8 × raw rate.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import tempfile
import time
from multiprocessing.connection import Connection
from pathlib import Path

import aiohttp
from aiohttp import web

from bot.catalog.load import check_data
from bot.clock import SystemClock
from bot.monitor import Monitor, targets_of
from probes.context import ProbeContext, make_session
from probes.registry import run_probe
from storage.db import open_database
from storage.store import Store

CHANNELS = 200


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


async def raw_rate(port: int, requests: int, concurrency: int) -> float:
    """Requests per second of a bare aiohttp client, fresh connection each."""
    connector = aiohttp.TCPConnector(force_close=True, limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:
        counter = iter(range(requests))

        async def worker() -> None:
            for i in counter:
                async with session.get(f"http://127.0.0.1:{port}/p{i % CHANNELS}") as response:
                    await response.read()

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return requests / (time.perf_counter() - started)


async def pipeline_rate(port: int, requests: int, concurrency: int, folder: Path) -> float:
    """Requests per second through probe → Monitor → SQLite (flushed as the bot does)."""
    catalog = check_data(Path("bench.yaml"), catalog_for(port), allow_local=True)
    targets = targets_of(catalog, allow_local=True)
    db = await open_database(folder / "bench.sqlite3")
    store = Store(db)
    monitor = Monitor(catalog, store, SystemClock())
    flusher = asyncio.create_task(monitor.run(every_s=1.0))
    session = make_session(fresh_connections=True, limit=concurrency, limit_per_host=concurrency)
    try:
        ctx = ProbeContext(session=session)
        counter = iter(range(requests))

        async def worker() -> None:
            for i in counter:
                monitor.on_result(await run_probe(ctx, targets[i % CHANNELS]))

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        await monitor.flush()
        elapsed = time.perf_counter() - started
        rows = await db.conn.execute_fetchall("SELECT count(*) FROM probe_results")
        assert next(iter(rows))[0] == requests, "every result must be stored"
        return requests / elapsed
    finally:
        flusher.cancel()
        await asyncio.gather(flusher, return_exceptions=True)
        await session.close()
        await db.close()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=6000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    receive, send = multiprocessing.Pipe(duplex=False)
    server = multiprocessing.Process(target=serve, args=(send,), daemon=True)
    server.start()
    port: int = receive.recv()
    try:
        with tempfile.TemporaryDirectory() as folder:
            raws, pipes = [], []
            # Alternate the two sides so drift in machine load hits both alike.
            for round_no in range(args.rounds):
                raws.append(await raw_rate(port, args.requests, args.concurrency))
                pipes.append(
                    await pipeline_rate(
                        port, args.requests, args.concurrency, Path(folder) / str(round_no)
                    )
                )
    finally:
        server.terminate()
        server.join()
    raw, pipe = max(raws), max(pipes)
    print(f"requests per side per round: {args.requests}, concurrency {args.concurrency}")
    print(f"raw aiohttp client:        {raw:8.0f} req/s  (rounds: {_rounded(raws)})")
    print(f"probe→health→store:        {pipe:8.0f} req/s  (rounds: {_rounded(pipes)})")
    print(f"ratio (best of each):      {pipe / raw:8.2f}  (target ≥ 0.80)")


def _rounded(values: list[float]) -> str:
    return ", ".join(f"{v:.0f}" for v in values)


if __name__ == "__main__":
    asyncio.run(main())
