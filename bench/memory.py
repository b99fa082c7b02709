"""Memory at 10,000 channels with full latency windows (docs/design.md section 10: RSS < 150 MB).

Builds what `supportlive run` holds for its channels: the validated catalog, the `Monitor` with
its health states and last-hour latency windows, and a real SQLite store it flushes into.
Then it feeds every channel an hour of successful checks (`--per-minute` a minute, so every
minute of every window is filled), flushing once per simulated minute as the running bot
does, reads every channel's p50/p95, and prints the process's RSS before and after.

    .venv/bin/python bench/memory.py [--channels 10000] [--per-minute 1]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import resource
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.catalog.load import check_data
from bot.clock import FakeClock
from bot.latency import LatencyWindow
from bot.monitor import Monitor
from probes.result import ProbeResult
from storage import open_database
from storage.store import Store

PER_EXCHANGE = 10
START = datetime(2026, 11, 29, 3, 0, tzinfo=UTC)


def rss_mb() -> float:
    """The current resident set size in MB (Linux)."""
    with open("/proc/self/statm") as statm:
        pages = int(statm.read().split()[1])
    return pages * resource.getpagesize() / 2**20


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def catalog_data(channels: int) -> dict[str, object]:
    """`channels` probed help-center pages, ten per exchange."""
    exchanges = []
    for e in range(channels // PER_EXCHANGE):
        url = "http://127.0.0.1:9/p"
        exchanges.append(
            {
                "id": f"ex{e:04d}",  # one width: no exchange's name is inside another's
                "name": f"Exchange {e:04d}",
                "official_domains": [f"ex{e:04d}.example"],
                "channels": [
                    {
                        "id": f"c{c}",
                        "kind": "help_center",
                        "mode": "self_service",
                        "name": f"Page {c}",
                        "url": url,
                        "probe": {"kind": "http", "url": url, "interval_s": 60},
                    }
                    for c in range(PER_EXCHANGE)
                ],
            }
        )
    return {"exchanges": exchanges}


def window_bytes() -> int:
    """What one channel's latency window holds, in bytes (its buffers and itself)."""
    import sys

    window = LatencyWindow()
    parts = (window, window._counts, window._total, window._fastest, window._slowest)
    return sum(sys.getsizeof(part) for part in parts)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--channels", type=int, default=10_000)
    parser.add_argument("--per-minute", type=int, default=1)
    args = parser.parse_args()
    began = time.perf_counter()
    start_rss = rss_mb()
    catalog = check_data(Path("bench.yaml"), catalog_data(args.channels), allow_local=True)
    keys = [exchange.key(channel) for exchange, channel in catalog.channels()]
    clock = FakeClock(current=START)
    with tempfile.TemporaryDirectory() as folder:
        db = await open_database(Path(folder) / "memory.sqlite3")
        try:
            monitor = Monitor(catalog, Store(db), clock, batch_max=10**9)
            gc.collect()
            empty_rss = rss_mb()
            step = timedelta(minutes=1) / args.per_minute
            for n in range(60 * args.per_minute):
                at = START + step * n
                for i, key in enumerate(keys):
                    monitor.on_result(ProbeResult(key, at, True, 50.0 + (i + n) % 900))
                if (n + 1) % args.per_minute == 0:
                    await monitor.flush()
            clock.current = START + timedelta(minutes=59, seconds=59)
            answered = sum(monitor.recent_latency(key).quantile(0.95) is not None for key in keys)
            gc.collect()
            full_rss = rss_mb()
        finally:
            await db.close()
    checks = len(keys) * 60 * args.per_minute
    print(
        f"channels {len(keys)} · {checks:,} checks fed ({args.per_minute} per channel a minute "
        f"for an hour) in {time.perf_counter() - began:.0f} s · p95 answered for {answered}"
    )
    print(
        f"RSS: start {start_rss:.1f} MB · catalog + monitor {empty_rss:.1f} MB · "
        f"full windows {full_rss:.1f} MB · peak {peak_rss_mb():.1f} MB"
    )
    per_channel = (full_rss - empty_rss) * 2**20 / len(keys)
    print(
        f"latency window: {window_bytes()} bytes a channel, constant; RSS growth while filling "
        f"{per_channel / 1024:.1f} KB a channel"
    )
    verdict = "PASS" if peak_rss_mb() < 150 else "FAIL"
    print(f"budget {verdict} (peak RSS < 150 MB)")


if __name__ == "__main__":
    asyncio.run(main())
