"""Fan-out of one transition to 100,000 subscriptions (docs/design.md section 10).

    .venv/bin/python bench/fanout.py [--subscribers 100000] [--paced-seconds 20]
        [--database sqlite|postgresql|both]

Prints: time to write the outbox (budget < 2 s); drain rate with pacing off against a recording
notifier (budget >= 5,000 sends/s); with Telegram pacing on against the fake Bot API enforcing
Telegram's limits: sent rate vs the configured pace (budget within 5 %), the largest number of
sends in any one-second window as the fake Bot API saw them (budget <= the pace, 25), and 429s
(budget 0); peak RSS.

The same workload runs on SQLite and on PostgreSQL (a throw-away local server started from
Debian's package, as the tests start it; skipped with one line saying why when the binaries
are missing), one after the other in one run; the last lines give each figure on both and the
ratio PostgreSQL/SQLite. The budgets apply to both engines.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("PTB_TIMEDELTA", "1")

from telegram import Bot  # noqa: E402

from bot.alerts.drainer import Drainer, DrainerSettings  # noqa: E402
from bot.alerts.notifier import RecordingNotifier  # noqa: E402
from bot.alerts.pacing import PacingSettings  # noqa: E402
from bot.alerts.record import record_transition  # noqa: E402
from bot.alerts.telegram_notifier import TelegramNotifier  # noqa: E402
from bot.catalog.models import catalog_from_data  # noqa: E402
from bot.clock import SystemClock  # noqa: E402
from bot.settings import Settings  # noqa: E402
from bot.vocab import Platform  # noqa: E402
from storage import open_database  # noqa: E402
from storage.store import Store  # noqa: E402
from tests.alerts.conftest import CATALOG_DATA, FakeLive, down  # noqa: E402
from tests.fakes.telegram_api import FakeTelegram, most_in_a_second  # noqa: E402
from tests.support.engines import DATABASE_ARGUMENT, Engine, bench_engines, ratio_line  # noqa: E402

TOKEN = "123:ABC"


async def fresh_store(engine: Engine, name: str, subscribers: int) -> Store:
    db = await open_database(engine.new_database(name))
    now = time.time()
    async with db.transaction() as conn:
        await conn.executemany(
            "INSERT INTO subscriptions (platform, chat_id, exchange, channel, locale, "
            "created_at) VALUES ('telegram', ?, 'mexc', ?, ?, ?)",
            (
                (str(100_000_000 + i), "*" if i % 4 else "live_chat", "zh" if i % 3 else "en", now)
                for i in range(subscribers)
            ),
        )
    return Store(db)


async def write_outbox(store: Store) -> tuple[float, int]:
    clock = SystemClock()
    live = FakeLive(clock)  # type: ignore[arg-type]
    catalog = catalog_from_data(CATALOG_DATA)
    started = time.perf_counter()
    recorded = await record_transition(store, catalog, down(at=clock.now()), live)
    return time.perf_counter() - started, recorded.rows


async def drain_unpaced(store: Store, rows: int) -> tuple[float, int]:
    notifier = RecordingNotifier(keep=False)
    drainer = Drainer(
        store,
        {Platform.TELEGRAM: notifier},
        catalog_from_data(CATALOG_DATA),
        SystemClock(),
        PacingSettings.off(),
        DrainerSettings(batch=2000, max_in_flight=4000),
    )
    await drainer.start()
    started = time.perf_counter()
    task = asyncio.create_task(drainer.run())
    while notifier.delivered < rows:
        await asyncio.sleep(0.01)
    elapsed = time.perf_counter() - started
    await drainer.stop()
    await task
    return elapsed, notifier.delivered


async def drain_paced(store: Store, seconds: float) -> tuple[float, float, int, int, int]:
    pacing = PacingSettings.from_settings(Settings(_env_file=None))
    pace = pacing.pace(Platform.TELEGRAM).per_s
    async with FakeTelegram(token=TOKEN) as tg:
        tg.enforce_limits(per_chat_per_s=1, global_per_s=30, group_per_min=20)
        async with Bot(TOKEN, base_url=tg.base_url) as bot:
            drainer = Drainer(
                store,
                {Platform.TELEGRAM: TelegramNotifier(bot)},
                catalog_from_data(CATALOG_DATA),
                SystemClock(),
                pacing,
            )
            task = asyncio.create_task(drainer.run())
            await asyncio.sleep(seconds)
            await drainer.stop()
            await task
        sent = [c.at for c in tg.calls("sendMessage") if c.ok]
        rate = (len(sent) - 1) / (sent[-1] - sent[0]) if len(sent) > 1 else 0.0
        return pace, rate, len(sent), most_in_a_second(sent), tg.too_many_count


async def measure(engine: Engine, subscribers: int, paced_seconds: float) -> dict[str, float]:
    """Every figure on one engine, printed as measured; returned for the comparison."""
    print(f"== {engine.label} ==", flush=True)
    store = await fresh_store(engine, "unpaced", subscribers)
    write_s, rows = await write_outbox(store)
    print(f"outbox write: {rows} rows in {write_s:.3f} s (budget < 2 s)", flush=True)
    drain_s, delivered = await drain_unpaced(store, rows)
    print(
        f"drain, pacing off, recording notifier: {delivered} sends in {drain_s:.2f} s "
        f"= {delivered / drain_s:,.0f} sends/s (budget >= 5,000)",
        flush=True,
    )
    await store.db.close()

    store = await fresh_store(engine, "paced", subscribers)
    await write_outbox(store)
    pace, rate, sent, most, too_many = await drain_paced(store, paced_seconds)
    off = abs(rate - pace) / pace * 100
    print(
        f"drain, Telegram pacing on, fake Bot API enforcing limits: {sent} sends in "
        f"{paced_seconds:.0f} s at {rate:.2f}/s vs pace {pace:.0f}/s ({off:.1f} % off, "
        f"budget 5 %); 429s: {too_many} (budget 0)"
    )
    print(f"largest number of sends in any one-second window: {most} (budget <= {pace:.0f})")
    await store.db.close()
    return {"write_s": write_s, "drain_rate": delivered / drain_s, "paced_rate": rate}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--subscribers", type=int, default=100_000)
    parser.add_argument("--paced-seconds", type=float, default=20.0)
    parser.add_argument("--database", **DATABASE_ARGUMENT)
    args = parser.parse_args()
    measured: dict[str, dict[str, float]] = {}
    with bench_engines(args.database) as engines:  # in the main thread: see tests/pg.py
        for engine in engines:
            measured[engine.label] = asyncio.run(
                measure(engine, args.subscribers, args.paced_seconds)
            )
    if len(measured) > 1:
        print("== compared, one run ==")
        for key, label, unit in (
            ("write_s", "outbox write", " s"),
            ("drain_rate", "drain, pacing off", " sends/s"),
            ("paced_rate", "drain, Telegram pacing on", " sends/s"),
        ):
            print(ratio_line(label, {e: m[key] for e, m in measured.items()}, unit))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"peak RSS: {peak:.0f} MB" + (" (the whole run, both engines)" if len(measured) > 1 else "")
    )


if __name__ == "__main__":
    main()
