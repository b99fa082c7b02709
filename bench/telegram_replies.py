"""Telegram replies: 200 users sending commands at once through the fake Bot API.

    .venv/bin/python bench/telegram_replies.py [--users 200] [--rounds 3]

The real adapter (python-telegram-bot, long polling) answers /status, /urgent, /channels and
/help on the shipped catalog (every probed channel fed two good results) with a real SQLite
store. Each round, every user sends one command at the same moment. Latency is measured from
the update being queued at the fake Bot API (a long poll is waiting, so that is when it is
delivered) to the fake receiving the reply's sendMessage. Two runs:

- paced: as deployed, every send waits its turn at Telegram's ~30 messages/s;
- unpaced: no send pace, which shows what the adapter itself costs.

The fake server runs in the same process and event loop as the bot, so its work (parsing,
HTML validation) is counted in the figures too.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("PTB_TIMEDELTA", "1")

from bot.adapters.telegram import TelegramAdapter  # noqa: E402
from bot.catalog import Catalog, load_catalog  # noqa: E402
from bot.clock import SystemClock  # noqa: E402
from bot.commands.context import Core  # noqa: E402
from bot.monitor import Monitor  # noqa: E402
from bot.settings import SHIPPED_CATALOG, load_settings  # noqa: E402
from bot.status import StatusService  # noqa: E402
from probes.result import ProbeResult  # noqa: E402
from storage import open_database  # noqa: E402
from storage.store import Store  # noqa: E402
from tests.fakes.telegram_api import FakeTelegram, JsonDict  # noqa: E402

TOKEN = "123456789:AAHbenchTokenNotARealOne_abcdefghijk"
FIRST_USER = 10_000
# Hands a round's updates to the bot and notes when each went out (the webhook's POSTs).
Deliver = Callable[[list[JsonDict]], Awaitable[None]]


@dataclass
class Answering:
    """The bot being measured: its adapter and what it answers from."""

    adapter: TelegramAdapter
    store: Store
    status: StatusService
    catalog: Catalog


@asynccontextmanager
async def answering(
    tg: FakeTelegram, database: Path, sends_per_s: float, **settings: Any
) -> AsyncIterator[Answering]:
    """The real adapter on the shipped catalog, every probed channel fed two good results, a
    real SQLite store at `database`, taking updates from `tg` (by long polling, or by webhook
    with `telegram_webhook_url` among `settings`) until the block ends."""
    clock = SystemClock()
    catalog = load_catalog(SHIPPED_CATALOG)
    configured = load_settings(
        telegram_bot_token=TOKEN,
        telegram_api_base_url=tg.base_url,
        database_path=database,
        **settings,
    )
    db = await open_database(database)
    store = Store(db, clock.now)
    monitor = Monitor(catalog, store, clock)
    for _ in range(2):
        for exchange, channel in catalog.channels():
            if channel.probe is not None:
                monitor.on_result(ProbeResult(exchange.key(channel), clock.now(), True, 150))
    await monitor.flush()
    status = StatusService(catalog, monitor, store, clock)
    core = Core(catalog, status, store, clock, configured)
    adapter = TelegramAdapter(configured, core, store, clock, sends_per_s=sends_per_s)
    await adapter.start()
    assert await adapter.wait_ready(10)
    try:
        yield Answering(adapter, store, status, catalog)
    finally:
        await adapter.stop()
        await db.close()


def commands(catalog: Catalog, users: int, round_: int) -> list[tuple[int, str]]:
    """(chat, command line) of every user in a round: different commands, all exchanges."""
    lines = []
    for exchange in catalog.exchanges:
        lines += [f"/status {exchange.id}", f"/urgent {exchange.id} withdrawal"]
        lines.append(f"/channels {exchange.id}")
    lines.append("/help")
    return [(FIRST_USER + user, lines[(user + round_) % len(lines)]) for user in range(users)]


async def command_rounds(
    tg: FakeTelegram,
    catalog: Catalog,
    users: int,
    rounds: int,
    started: dict[int, list[float]],
    deliver: Deliver | None = None,
) -> float:
    """Drive the bot as `users` people would: each round every user sends one command at once
    (two in three in Chinese), then the round waits for every reply. The fake's long poll
    hands the updates over, noting in `started` when each was queued; or `deliver` does, and
    notes it. Returns how many seconds the rounds took."""
    began = time.monotonic()
    for round_ in range(rounds):
        batch = []
        for chat, line in commands(catalog, users, round_):
            language = "zh" if (chat - FIRST_USER) % 3 else "en"
            batch.append(tg.push_message(line, chat_id=chat, language_code=language))
            if deliver is None:
                started[chat].append(time.monotonic())
        if deliver is not None:
            tg.clear_pending()  # delivered by `deliver`, not by the fake
            await deliver(batch)
        await tg.wait_for_messages(users * (round_ + 1), timeout=120)
    return time.monotonic() - began


def reply_latencies(tg: FakeTelegram, started: dict[int, list[float]]) -> list[float]:
    """Per command: ms from its start to the reply to its chat (one reply per command)."""
    replies: dict[int, list[float]] = defaultdict(list)
    for call in tg.calls("sendMessage"):
        if call.ok:
            replies[int(call.params["chat_id"])].append(call.at)
    return [
        (replies[chat][i] - at) * 1000
        for chat, times in started.items()
        for i, at in enumerate(times)
    ]


async def run(users: int, rounds: int, sends_per_s: float, folder: Path) -> dict[str, float]:
    started: dict[int, list[float]] = defaultdict(list)
    async with FakeTelegram(token=TOKEN) as tg:
        database = folder / f"bench-{sends_per_s}.sqlite3"
        async with answering(tg, database, sends_per_s) as bot:
            elapsed = await command_rounds(tg, bot.catalog, users, rounds, started)
        latencies = reply_latencies(tg, started)
    quantiles = statistics.quantiles(latencies, n=100)
    return {
        "replies": len(latencies),
        "p50_ms": statistics.median(latencies),
        "p99_ms": quantiles[98],
        "max_ms": max(latencies),
        "per_s": len(latencies) / elapsed,
        "limited": bot.adapter.stats.limited,
        "failed": bot.adapter.stats.failed_sends,
        "http_429": tg.too_many_count,
    }


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    print(f"{args.users} users x {args.rounds} rounds, commands sent at once each round")
    with tempfile.TemporaryDirectory() as folder:
        for name, pace in (("paced 30/s", 30.0), ("unpaced", 0.0)):
            r = await run(args.users, args.rounds, pace, Path(folder))
            print(
                f"{name:>11}: {r['replies']:.0f} replies · latency p50 {r['p50_ms']:.0f} ms · "
                f"p99 {r['p99_ms']:.0f} ms · max {r['max_ms']:.0f} ms · "
                f"{r['per_s']:.1f} replies/s · rate-limited users {r['limited']:.0f} · "
                f"failed sends {r['failed']:.0f} · 429s {r['http_429']:.0f}"
            )


if __name__ == "__main__":
    asyncio.run(main())
