"""`/status` and `/urgent` answer time: 2,000 channels, 30 days of rollups, 48 h of raw results.

Builds a catalog of 200 exchanges x 10 channels, a real SQLite store with 30 days of hourly
rollups, 48 h of raw results (60 s interval) and 30 days of traders' wait reports (48 a day
per exchange), and a `Monitor` fed the last hour of results (the live view). Then answers
`/status <exchange>` and `/urgent <exchange> <case>` through the same `handle` the chat
adapters call, and prints p50/p99. Every SQL statement run while answering is traced: none
may touch `probe_results` (budget: p99 < 10 ms, no raw-row scan). Last, `/status` with the
wait-report figures read from the database for every answer against kept a minute (as
`supportlive run` does), the two interleaved so both meet the same machine load.

The same data and requests run on SQLite and on PostgreSQL (a throw-away local server
started from Debian's package, as the tests start it; skipped with one line saying why when
the binaries are missing), one after the other in one run; the last lines give each figure
on both and the ratio PostgreSQL/SQLite. The budgets apply to both engines. First answers and
warm() are also given in CPU time, this process's plus the PostgreSQL server's: on a shared
machine the two engines' wall times can meet different loads, their CPU times much less so.

    .venv/bin/python bench/status.py [--exchanges 200] [--requests 2000] [--raw-hours 48]
        [--reports-per-day 48] [--database sqlite|postgresql|both]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.catalog import Catalog
from bot.catalog.load import check_data
from bot.clock import FakeClock
from bot.commands.dispatch import Core, Request, handle
from bot.monitor import Monitor
from bot.reports import WaitBook
from bot.reports.book import FIGURES_FOR
from bot.settings import load_settings
from bot.status import StatusService
from bot.vocab import Case, Platform
from probes.result import ErrorKind, ProbeResult
from storage import Histogram, Store, open_database
from storage.engine import Conn, Database, Params, insert_rows

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.support.engines import DATABASE_ARGUMENT, Engine, bench_engines, ratio_line

DAYS = 30
INTERVAL_S = 60
NOW = datetime(2026, 11, 24, 19, 0, 30, tzinfo=UTC)
CHANNELS: list[dict[str, Any]] = [
    {"id": "live_chat", "kind": "live_chat", "mode": "live", "hours": "24/7", "probe": "http"},
    {"id": "phone", "kind": "phone", "mode": "live", "probe": "tcp",
     "hours": {"tz": "Asia/Shanghai", "weekly": ["mon-fri 09:00-18:00"]}},
    {"id": "help_center", "kind": "help_center", "mode": "self_service", "probe": "http"},
    {"id": "faq", "kind": "help_center", "mode": "self_service", "probe": "http"},
    {"id": "ticket", "kind": "ticket", "mode": "async", "probe": "http"},
    {"id": "email", "kind": "email", "mode": "async", "probe": "dns"},
    {"id": "status", "kind": "status_page", "mode": "self_service", "probe": "http"},
    {"id": "verify", "kind": "verify_tool", "mode": "self_service", "probe": "http"},
    {"id": "x", "kind": "x", "mode": "broadcast", "probe": "http"},
    {"id": "telegram", "kind": "telegram", "mode": "broadcast", "probe": "http"},
]  # fmt: skip


def catalog_data(exchanges: int) -> dict[str, Any]:
    """200 exchanges like MEXC: 10 channels each, a route for every case."""
    return {"exchanges": [_exchange(n) for n in range(exchanges)]}


def _exchange(n: int) -> dict[str, Any]:
    domain = f"ex{n:03d}.example"
    channels = []
    for spec in CHANNELS:
        channel: dict[str, Any] = {
            "id": spec["id"],
            "kind": spec["kind"],
            "mode": spec["mode"],
            "name": {"en": f"{spec['id'].replace('_', ' ').title()}", "zh": f"渠道 {spec['id']}"},
            "source": f"https://{domain}/help",
            "confidence": "high",
        }
        if "hours" in spec:
            channel["hours"] = spec["hours"]
        if spec["kind"] == "email":
            channel["address"] = f"support@{domain}"
            channel["expected_reply"] = {"en": "1–3 business days", "zh": "1–3 个工作日"}
            channel["probe"] = {"kind": "dns", "name": domain, "record": "MX", "interval_s": 60}
        elif spec["probe"] == "tcp":
            channel["where"] = {"en": "call the number in the app", "zh": "拨打 App 内的电话"}
            channel["probe"] = {"kind": "tcp", "host": domain, "interval_s": 60}
        else:
            host = {"x": "x.com", "telegram": "t.me"}.get(spec["kind"], domain)
            channel["url"] = f"https://{host}/{domain}/{spec['id']}"
            probe_url = f"https://{domain}/{spec['id']}"
            channel["probe"] = {"kind": "http", "url": probe_url, "interval_s": 60}
        channels.append(channel)
    steps = {"en": ["Contact live chat first."], "zh": ["先联系在线客服。"]}
    ready = {"en": ["UID", "TxID", "time"], "zh": ["UID", "TxID", "时间"]}
    routes = {
        case.value: {
            "channels": ["live_chat", "ticket", "email"],
            "steps": steps,
            "have_ready": ready,
            "source": f"https://{domain}/help",
            "confidence": "high",
        }
        for case in Case
    }
    return {
        "id": f"ex{n:03d}",
        "name": f"Exchange {n:03d}",
        "official_domains": [domain],
        "channels": channels,
        "routes": routes,
    }


def keys_of(catalog: Catalog) -> list[str]:
    return [e.key(c) for e, c in catalog.channels() if c.probe is not None]


def result(key: str, at: datetime, rng: random.Random, n: int) -> ProbeResult:
    if rng.random() < 0.02:
        return ProbeResult(key, at, False, None, ErrorKind.TIMEOUT, "timeout after 10 s")
    return ProbeResult(key, at, True, rng.lognormvariate(0, 0.35) * (80 + n % 400))


async def write_rollups(db: Database, keys: list[str], hours: int) -> None:
    """Hourly rollups as 60 checks an hour make them, straight into the rollups table."""
    rng = random.Random(1)
    async with db.reading() as conn:
        ids = {str(k): int(i) for k, i in await conn.fetchall("SELECT key, id FROM channels")}
    pool = [
        (sum(s), Histogram.of(s).encode())
        for s in ([rng.lognormvariate(0, 0.35) * 200 for _ in range(60)] for _ in range(16))
    ]
    first = int((NOW - timedelta(days=DAYS)).timestamp()) // 3600 * 3600
    for index in range(hours):
        rows = []
        for key in keys:
            latency_sum, blob = rng.choice(pool)
            failures = 1 if rng.random() < 0.05 else 0
            rows.append((ids[key], first + index * 3600, 60, failures, 0, latency_sum, blob))
        async with db.transaction() as conn:
            await conn.executemany(
                "INSERT INTO rollups (channel_id, hour, count, failures, slow, "
                "latency_sum_ms, histogram) VALUES (?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (channel_id, hour) DO UPDATE SET count = excluded.count, "
                "failures = excluded.failures, slow = excluded.slow, "
                "latency_sum_ms = excluded.latency_sum_ms, histogram = excluded.histogram",
                rows,
            )


async def fill(store: Store, db: Database, keys: list[str], raw_hours: int) -> None:
    """30 days of rollups, then `raw_hours` of raw results written as the bot writes them."""
    rng = random.Random(2)
    await store.write_results([result(k, NOW - timedelta(days=DAYS), rng, 0) for k in keys])
    await write_rollups(db, keys, DAYS * 24 - raw_hours)
    ticks = raw_hours * 3600 // INTERVAL_S
    start = NOW - timedelta(seconds=ticks * INTERVAL_S)
    for tick in range(ticks):
        at = start + timedelta(seconds=tick * INTERVAL_S)
        await store.write_results([result(k, at, rng, n) for n, k in enumerate(keys)])


async def write_reports(db: Database, catalog: Catalog, per_day: int) -> None:
    """`per_day` wait reports a day on each exchange's contact channels, over 30 days."""
    rng = random.Random(5)
    rows: list[tuple[object, ...]] = []
    for exchange in catalog.exchanges:
        contacts = [c.id for c in exchange.channels if c.contact]
        for n in range(DAYS * per_day):
            at = NOW.timestamp() - n * 86400 / per_day - rng.random() * 60
            wait = None if rng.random() < 0.2 else rng.randrange(0, 120)
            rows.append((f"p{rng.randrange(10**6)}", exchange.id, rng.choice(contacts), at, wait))
    async with db.transaction() as conn:
        head = "INSERT INTO wait_reports (person, exchange, channel, at, wait_min)"
        await insert_rows(conn, head, rows)


def live_view(catalog: Catalog, store: Store, clock: FakeClock) -> Monitor:
    """The real monitor, fed the last hour of results (every 30th channel down)."""
    monitor = Monitor(catalog, store, clock, batch_max=10**9)
    rng = random.Random(3)
    keys = keys_of(catalog)
    for tick in range(60, 0, -1):
        at = NOW - timedelta(seconds=tick * INTERVAL_S)
        for n, key in enumerate(keys):
            ok = n % 30 != 0 or tick > 5
            monitor.on_result(result(key, at, rng, n) if ok else ProbeResult(key, at, False, None))
    return monitor


async def timed(
    runs: int, line: Callable[[int], str], answer: Callable[[str], Awaitable[object]]
) -> list[float]:
    """Milliseconds per answer."""
    took = []
    for n in range(runs):
        began = time.perf_counter()
        await answer(line(n))
        took.append((time.perf_counter() - began) * 1000)
    return took


async def compare_report_figures(
    catalog: Catalog,
    monitor: Monitor,
    store: Store,
    clock: FakeClock,
    settings: Any,
    requests: int,
    measured: dict[str, float],
) -> None:
    """`/status` with each exchange's wait-report figures kept a minute (every answer finds
    them kept: the clock stands still) against read from the database for every answer,
    interleaved so both meet the same machine load."""
    cores = []
    for keep in (timedelta(0), FIGURES_FOR):
        status = StatusService(catalog, monitor, store, clock, reports=WaitBook(store, clock, keep))
        await status.warm()
        cores.append(Core(catalog, status, store, clock, settings))
    rng = random.Random(6)
    ids = [e.id for e in catalog.exchanges]
    took: list[list[float]] = [[], []]
    for n in range(2 * requests):
        line = f"/status {rng.choice(ids)}"
        began = time.perf_counter()
        await handle(Request(Platform.TELEGRAM, "1", "1", "en", line), cores[n % 2])
        took[n % 2].append((time.perf_counter() - began) * 1000)
    print(figures("/status, wait figures read every answer", took[0], measured))
    print(figures("/status, wait figures kept a minute", took[1], measured))


def figures(label: str, ms: list[float], measured: dict[str, float] | None = None) -> str:
    """One line of p50/p99/max; with `measured`, p50 and p99 are kept there under `label`."""
    p50, p99 = statistics.median(ms), statistics.quantiles(ms, n=100, method="inclusive")[98]
    if measured is not None:
        measured[f"{label}: p50"], measured[f"{label}: p99"] = p50, p99
    return (
        f"{label:<44} n={len(ms):>5}  p50 {p50:6.2f} ms  p99 {p99:6.2f} ms  max {max(ms):6.2f} ms"
    )


class TracedConn:
    """A `Conn` that records the text of each statement it runs while `seen` is on."""

    def __init__(self, conn: Conn, seen: Traced) -> None:
        self._conn = conn
        self._seen = seen
        self.dialect = conn.dialect

    async def execute(self, sql: str, params: Params = ()) -> int:
        self._seen.record(sql)
        return await self._conn.execute(sql, params)

    async def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        self._seen.record(sql)
        await self._conn.executemany(sql, rows)

    async def fetchall(self, sql: str, params: Params = ()) -> list[tuple[Any, ...]]:
        self._seen.record(sql)
        return await self._conn.fetchall(sql, params)

    async def fetchone(self, sql: str, params: Params = ()) -> tuple[Any, ...] | None:
        self._seen.record(sql)
        return await self._conn.fetchone(sql, params)

    async def fetchval(self, sql: str, params: Params = ()) -> Any:
        self._seen.record(sql)
        return await self._conn.fetchval(sql, params)


class Traced:
    """The database `db` as storage code sees it, recording the SQL it is given (once `on`).

    The same on both engines (SQLite's own trace callback has no PostgreSQL twin).
    """

    def __init__(self, db: Database) -> None:
        self.db = db
        self.on = False
        self.statements: list[str] = []
        self.dialect = db.dialect
        self.name = db.name

    def record(self, sql: str) -> None:
        if self.on:
            self.statements.append(sql)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[TracedConn]:
        async with self.db.transaction() as conn:
            yield TracedConn(conn, self)

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[TracedConn]:
        async with self.db.reading() as conn:
            yield TracedConn(conn, self)

    def __getattr__(self, name: str) -> Any:  # verify, stop_waiting, close
        return getattr(self.db, name)


async def measure(
    target: str | Path,
    exchanges: int,
    requests: int,
    raw_hours: int,
    reports_per_day: int,
    cpu_s: Callable[[], float] = time.process_time,
) -> dict[str, float]:
    """Every figure on the database at `target`, printed as measured; returned (ms, s) for
    the comparison. `cpu_s` reads the CPU time used so far by this process and the database
    server (`Engine.cpu_s`): first answers and warm() are also given in CPU time, which the
    machine's load changes much less than wall time."""
    measured: dict[str, float] = {}
    catalog = check_data(Path("bench"), catalog_data(exchanges))
    keys = keys_of(catalog)
    clock = FakeClock(NOW)
    settings = load_settings()
    traced = Traced(await open_database(target))
    db: Database = traced  # type: ignore[assignment]
    store = Store(db, clock.now)
    try:
        began = time.perf_counter()
        await fill(store, db, keys, raw_hours)
        await write_reports(db, catalog, reports_per_day)
        async with db.reading() as conn:
            raw = await conn.fetchval("SELECT count(*) FROM probe_results")
            rollups = await conn.fetchval("SELECT count(*) FROM rollups")
            reports = await conn.fetchval("SELECT count(*) FROM wait_reports")
        measured["data built, s"] = time.perf_counter() - began
        if db.dialect == "postgresql":
            # A running install's tables were analyzed by autovacuum while 30 days of data
            # came in; data written a moment ago has no statistics yet, and plans would be
            # guesses no real install makes.
            async with db.reading() as conn:
                await conn.execute("ANALYZE")
        print(
            f"data: {len(catalog.exchanges)} exchanges, {len(keys):,} probed channels, "
            f"{rollups:,} rollup rows, {raw:,} raw rows, {reports:,} wait reports "
            f"(built in {measured['data built, s']:.0f} s)",
            flush=True,
        )
        monitor = live_view(catalog, store, clock)
        book = WaitBook(store, clock)  # as `supportlive run` wires it
        status = StatusService(catalog, monitor, store, clock, reports=book)
        core = Core(catalog, status, store, clock, settings)
        traced.on = True

        async def answer(line: str) -> object:
            return await handle(Request(Platform.TELEGRAM, "1", "1", "en", line), core)

        rng = random.Random(4)
        ids = [e.id for e in catalog.exchanges]
        used = cpu_s()
        cold = await timed(len(ids), lambda n: f"/status {ids[n]}", answer)
        cold_cpu_ms = (cpu_s() - used) * 1000 / len(ids)
        print(figures("/status, first answer per exchange this hour", cold, measured))
        measured["/status, first answer, CPU (this process + server)"] = cold_cpu_ms
        print(f"/status, first answer: {cold_cpu_ms:.2f} ms of CPU each (this process + server)")

        status = StatusService(catalog, monitor, store, clock, reports=book)
        core = Core(catalog, status, store, clock, settings)
        began, used = time.perf_counter(), cpu_s()
        await status.warm()
        measured["warm(), s"] = time.perf_counter() - began
        measured["warm(), CPU (this process + server), s"] = cpu_s() - used
        print(
            f"warm(): every channel's rollups for the hour in {measured['warm(), s']:.2f} s, "
            f"{measured['warm(), CPU (this process + server), s']:.2f} s of CPU"
        )
        mark = len(traced.statements)
        cases = [c.value for c in Case]
        warm = await timed(requests, lambda n: f"/status {rng.choice(ids)}", answer)
        urgent = await timed(
            requests, lambda n: f"/urgent {rng.choice(ids)} {rng.choice(cases)}", answer
        )
        print(figures("/status, rollups cached (warm)", warm, measured))
        print(figures("/urgent <case>, rollups cached (warm)", urgent, measured))
        warm_sql = len(traced.statements) - mark
        await compare_report_figures(catalog, monitor, store, clock, settings, requests, measured)
        statements = traced.statements
        raw_reads = [s for s in statements if "probe_results" in s]
        print(
            f"SQL: {warm_sql / (2 * requests):.1f} statements per warm answer; "
            f"{len(raw_reads)} of {len(statements)} traced touch probe_results",
            flush=True,
        )
    finally:
        await db.close()
    return measured


def main(arguments: argparse.Namespace) -> None:
    by_engine: dict[str, dict[str, float]] = {}
    with bench_engines(arguments.database) as engines:  # in the main thread: see tests/pg.py
        for engine in engines:
            print(f"== {engine.label} ==", flush=True)
            by_engine[engine.label] = asyncio.run(measure_on(engine, arguments))
    if len(by_engine) > 1:
        print("== compared, one run ==")
        first = next(iter(by_engine.values()))
        for key in first:
            unit = " s" if key.endswith(", s") else " ms"
            label = key.removesuffix(", s")
            print(ratio_line(label, {e: m[key] for e, m in by_engine.items()}, unit))


async def measure_on(engine: Engine, arguments: argparse.Namespace) -> dict[str, float]:
    return await measure(
        engine.new_database("bench"),
        arguments.exchanges,
        arguments.requests,
        arguments.raw_hours,
        arguments.reports_per_day,
        engine.cpu_s,
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--exchanges", type=int, default=200)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--raw-hours", type=int, default=48)
    parser.add_argument("--reports-per-day", type=int, default=48)
    parser.add_argument("--database", **DATABASE_ARGUMENT)
    main(parser.parse_args())
