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
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("PTB_TIMEDELTA", "1")

from bot.adapters.telegram import TelegramAdapter  # noqa: E402
from bot.catalog import load_catalog  # noqa: E402
from bot.clock import SystemClock  # noqa: E402
from bot.commands.context import Core  # noqa: E402
from bot.monitor import Monitor  # noqa: E402
from bot.settings import SHIPPED_CATALOG, load_settings  # noqa: E402
from bot.status import StatusService  # noqa: E402
from probes.result import ProbeResult  # noqa: E402
from storage import open_database  # noqa: E402
from storage.store import Store  # noqa: E402
from tests.fakes.telegram_api import FakeTelegram  # noqa: E402

TOKEN = "123456789:AAHbenchTokenNotARealOne_abcdefghijk"
FIRST_USER = 10_000


def commands_for(exchanges: list[str]) -> list[str]:
    lines = []
    for exchange in exchanges:
        lines += [f"/status {exchange}", f"/urgent {exchange} withdrawal", f"/channels {exchange}"]
    return [*lines, "/help"]


async def run(users: int, rounds: int, sends_per_s: float, folder: Path) -> dict[str, float]:
    clock = SystemClock()
    catalog = load_catalog(SHIPPED_CATALOG)
    async with FakeTelegram(token=TOKEN) as tg:
        settings = load_settings(
            telegram_bot_token=TOKEN,
            telegram_api_base_url=tg.base_url,
            database_path=folder / f"bench-{sends_per_s}.sqlite3",
        )
        db = await open_database(settings.database_path)
        store = Store(db, clock.now)
        monitor = Monitor(catalog, store, clock)
        for _ in range(2):
            for exchange, channel in catalog.channels():
                if channel.probe is not None:
                    monitor.on_result(ProbeResult(exchange.key(channel), clock.now(), True, 150))
        await monitor.flush()
        core = Core(catalog, StatusService(catalog, monitor, store, clock), store, clock, settings)
        adapter = TelegramAdapter(settings, core, store, clock, sends_per_s=sends_per_s)
        await adapter.start()
        assert await adapter.wait_ready(10)
        lines = commands_for([e.id for e in catalog.exchanges])
        pushed: dict[int, list[float]] = defaultdict(list)
        began = time.monotonic()
        try:
            for round_ in range(rounds):
                for user in range(users):
                    chat = FIRST_USER + user
                    line = lines[(user + round_) % len(lines)]
                    tg.push_message(line, chat_id=chat, language_code="zh" if user % 3 else "en")
                    pushed[chat].append(time.monotonic())
                await tg.wait_for_messages(users * (round_ + 1), timeout=120)
        finally:
            await adapter.stop()
            await db.close()
        replies: dict[int, list[float]] = defaultdict(list)
        for call in tg.calls("sendMessage"):
            if call.ok:
                replies[int(call.params["chat_id"])].append(call.at)
    latencies = [
        (replies[chat][i] - at) * 1000
        for chat, times in pushed.items()
        for i, at in enumerate(times)
    ]
    last = max(max(times) for times in replies.values())
    quantiles = statistics.quantiles(latencies, n=100)
    return {
        "replies": len(latencies),
        "p50_ms": statistics.median(latencies),
        "p99_ms": quantiles[98],
        "max_ms": max(latencies),
        "per_s": len(latencies) / (last - began),
        "limited": adapter.stats.limited,
        "failed": adapter.stats.failed_sends,
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
