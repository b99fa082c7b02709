"""Outbox retention: what its index costs the fan-out, and how long a prune holds the write lock.

    .venv/bin/python bench/outbox_retention.py [--subscribers 100000] [--rounds 2]
        [--database sqlite|postgresql|both]

Per engine, rounds alternate a fresh database with the index `outbox_finished` (migration 0012,
finished rows by age) and one where it was dropped, and run on each bench/fanout.py's work:
one transition fanned out to every subscriber (the outbox write), the drain with pacing off
(each send settles its row: the row enters the index then), then the retention pass a week
later that deletes every row (its longest chunk is the longest the write lock is held).
The last lines give the medians, with and without the index.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.fanout import drain_unpaced, fresh_store, write_outbox  # noqa: E402
from storage.engine import Conn, Database  # noqa: E402
from storage.store import Store  # noqa: E402
from tests.support.engines import DATABASE_ARGUMENT, Engine, bench_engines  # noqa: E402

WITH, WITHOUT = "with the index", "without it"


class TimedTransactions:
    """A Database whose write transactions are timed, entry to commit (the write lock held)."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self.seconds: list[float] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self._db, name)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Conn]:
        started = time.perf_counter()
        async with self._db.transaction() as conn:
            yield conn
        self.seconds.append(time.perf_counter() - started)


async def one_round(engine: Engine, subscribers: int, variant: str, name: str) -> dict[str, float]:
    store = await fresh_store(engine, name, subscribers)
    if variant == WITHOUT:
        async with store.db.transaction() as conn:
            await conn.execute("DROP INDEX outbox_finished")
    write_s, rows = await write_outbox(store)
    drain_s, delivered = await drain_unpaced(store, rows)
    timed = TimedTransactions(store.db)
    later = datetime.now(UTC) + timedelta(days=8)
    started = time.perf_counter()
    report = await Store(timed, now=lambda: later).prune(later)  # type: ignore[arg-type]
    prune_s = time.perf_counter() - started
    longest = max(timed.seconds)
    print(
        f"{variant}: outbox write {rows} rows in {write_s:.3f} s · drain {delivered / drain_s:,.0f}"
        f" sends/s · prune {report.outbox_deleted} rows in {prune_s:.2f} s, "
        f"{len(timed.seconds)} transactions, longest {longest * 1000:.0f} ms",
        flush=True,
    )
    await store.db.close()
    return {"write_s": write_s, "drain_rate": delivered / drain_s, "chunk_ms": longest * 1000}


async def measure(engine: Engine, subscribers: int, rounds: int) -> None:
    print(f"== {engine.label} ==", flush=True)
    figures: dict[str, list[dict[str, float]]] = {WITH: [], WITHOUT: []}
    for n in range(rounds):
        for variant in (WITH, WITHOUT):
            name = f"round{n}{'with' if variant == WITH else 'without'}"
            figures[variant].append(await one_round(engine, subscribers, variant, name))
    for key, label, unit in (
        ("write_s", "outbox write", "s"),
        ("drain_rate", "drain, pacing off", "sends/s"),
        ("chunk_ms", "prune, longest transaction", "ms"),
    ):
        mid = {v: statistics.median(f[key] for f in figures[v]) for v in figures}
        print(
            f"{engine.label} {label}, median of {rounds}: {WITH} {mid[WITH]:,.3f} {unit} · "
            f"{WITHOUT} {mid[WITHOUT]:,.3f} {unit} · ratio {mid[WITH] / mid[WITHOUT]:.2f}x",
            flush=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--subscribers", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--database", **DATABASE_ARGUMENT)
    args = parser.parse_args()
    with bench_engines(args.database) as engines:  # in the main thread: see tests/pg.py
        for engine in engines:
            asyncio.run(measure(engine, args.subscribers, args.rounds))


if __name__ == "__main__":
    main()
