"""Database size budget: 2,000 channels x 30 days must stay under 500 MB (docs/design.md §10).

Writes 30 days of hourly rollups, then raw results at a 60 s interval through
`Store.write_results` (one batch per tick, as the scheduler does) for a share of the 48 h
raw retention (`--raw-share`, default 0.25), and prints the file size measured and
extrapolated to the full 48 h, plus write throughput and rollup read times.

    .venv/bin/python bench/db_size.py [--channels 2000] [--raw-share 0.25]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from probes.result import ErrorKind, ProbeResult
from storage import Database, Histogram, Store, open_database

DAYS = 30
RAW_HOURS = 48
INTERVAL_S = 60
MB = 1024 * 1024


def latency(rng: random.Random, base: float) -> float:
    return rng.lognormvariate(0, 0.35) * base


def file_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in path.parent.glob(path.name + "*")) / MB


async def checkpoint(db: Database) -> None:
    await db.raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # type: ignore[attr-defined]


async def write_rollups(db: Database, keys: list[str], start: datetime, hours: int) -> float:
    """Hourly rollups as 60 checks an hour would make them; returns seconds taken."""
    rng = random.Random(1)
    async with db.reading() as conn:
        channel_rows = await conn.fetchall("SELECT key, id FROM channels")
    ids: dict[str, int] = {str(key): int(channel_id) for key, channel_id in channel_rows}
    # 60 checks an hour per channel; a pool of such hours per latency level keeps this fast.
    pool = {
        base: [
            (sum(s), Histogram.of(s).encode())
            for s in ([latency(rng, base) for _ in range(60)] for _ in range(8))
        ]
        for base in range(80, 480, 20)
    }
    began = time.perf_counter()
    first_hour = int(start.timestamp()) // 3600 * 3600
    for hour_index in range(hours):
        hour = first_hour + hour_index * 3600
        rows = []
        for n, key in enumerate(keys):
            latency_sum, blob = rng.choice(pool[80 + n % 400 // 20 * 20])
            failures = 1 if rng.random() < 0.05 else 0
            rows.append((ids[key], hour, 60, failures, 0, latency_sum, blob))
        async with db.transaction() as conn:
            await conn.executemany(
                "INSERT INTO rollups (channel_id, hour, count, failures, slow, "
                "latency_sum_ms, histogram) VALUES (?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (channel_id, hour) DO UPDATE SET count = excluded.count, "
                "failures = excluded.failures, slow = excluded.slow, "
                "latency_sum_ms = excluded.latency_sum_ms, histogram = excluded.histogram",
                rows,
            )
    return time.perf_counter() - began


def tick(keys: list[str], at: datetime, rng: random.Random) -> list[ProbeResult]:
    results = []
    for n, key in enumerate(keys):
        if rng.random() < 0.02:
            results.append(
                ProbeResult(key, at, False, None, ErrorKind.TIMEOUT, "timeout after 10 s")
            )
        else:
            results.append(ProbeResult(key, at, True, latency(rng, 80 + n % 400)))
    return results


async def main(channels: int, raw_share: float) -> None:
    keys = [f"ex{n // 10:03d}/channel_{n % 10}" for n in range(channels)]
    now = datetime(2026, 11, 24, 19, 0, tzinfo=UTC)
    raw_ticks = round(RAW_HOURS * 3600 / INTERVAL_S * raw_share)
    raw_start = now - timedelta(seconds=raw_ticks * INTERVAL_S)
    rollup_hours = DAYS * 24 - round(RAW_HOURS * raw_share)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.sqlite3"
        db = await open_database(path)
        store = Store(db, now=lambda: now)
        try:
            rng = random.Random(2)
            await store.write_results(tick(keys, now - timedelta(days=DAYS), rng))
            took = await write_rollups(db, keys, now - timedelta(days=DAYS), rollup_hours)
            await checkpoint(db)
            rollups_mb = file_mb(path)
            print(
                f"rollups: {channels * rollup_hours:,} rows in {took:.1f} s, "
                f"file {rollups_mb:.1f} MB"
            )

            began = time.perf_counter()
            for n in range(raw_ticks):
                await store.write_results(tick(keys, raw_start + timedelta(seconds=n * 60), rng))
            took = time.perf_counter() - began
            rows = raw_ticks * channels
            await checkpoint(db)
            total_mb = file_mb(path)
            print(
                f"raw: {rows:,} results in {raw_ticks} batches of {channels} in {took:.1f} s "
                f"= {rows / took:,.0f} results/s ({took / raw_ticks * 1000:.1f} ms a batch)"
            )
            full_mb = rollups_mb + (total_mb - rollups_mb) / raw_share
            print(f"measured: {total_mb:.1f} MB with {raw_share:.0%} of 48 h raw")
            print(
                f"extrapolated: {full_mb:.1f} MB for {channels:,} channels x {DAYS} days "
                f"with 48 h raw ({channels * RAW_HOURS * 60:,} rows); budget 500 MB"
            )

            for label, span in (("24 h", timedelta(hours=24)), ("30 d", timedelta(days=30))):
                for with_latency in (True, False):
                    began = time.perf_counter()
                    summaries = await store.rollup_summaries(
                        None, now - span, now, with_latency=with_latency
                    )
                    took = time.perf_counter() - began
                    print(
                        f"rollup_summaries(all, {label}, with_latency={with_latency}): "
                        f"{len(summaries):,} channels in {took * 1000:.0f} ms"
                    )

            began = time.perf_counter()
            report = await store.prune(now + timedelta(hours=RAW_HOURS))
            print(f"prune of {report.raw_deleted:,} raw rows: {time.perf_counter() - began:.1f} s")
        finally:
            await db.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--channels", type=int, default=2000)
    parser.add_argument("--raw-share", type=float, default=0.25)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.channels, arguments.raw_share))
