"""Telegram webhook: 200 users' commands delivered through the webhook, each delivered twice.

    .venv/bin/python bench/telegram_webhook.py [--users 200] [--rounds 3] [--connections 40]

The real adapter in webhook mode behind the real web side (bot/web, with the webhook route),
a real SQLite store for the claims, the shipped catalog with every probed channel fed two
good results, sends unpaced. Each round every user sends one command at once; the updates are
POSTed as Telegram does (JSON, the secret header, at most `--connections` at a time: Telegram's
default max_connections is 40), and each one is POSTed a second time right after its first 200,
as when Telegram did not see our answer. Measured:

- ack: from a POST's start to its 200 (the claim is one SQLite transaction);
- reply: from the first POST's start to the reply's sendMessage at the fake Bot API;
- replies and duplicates: every update answered once, every copy acknowledged and dropped.

Then the same commands through long polling (the same adapter, no webhook) for comparison:
reply latency from the update being queued at the fake to the sendMessage.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("PTB_TIMEDELTA", "1")

from bench.telegram_replies import (  # noqa: E402
    TOKEN,
    Answering,
    answering,
    command_rounds,
    reply_latencies,
)
from bot.adapters.telegram.webhook import Webhook  # noqa: E402
from bot.metrics import Metrics  # noqa: E402
from bot.web import build_app, start_web, stop_web  # noqa: E402
from tests.fakes.telegram_api import FakeTelegram, JsonDict  # noqa: E402

SECRET = "bench_webhook_secret"


@dataclass
class Running:
    bot: Answering
    webhook: Webhook | None
    base: str  # the web side, in webhook mode


@asynccontextmanager
async def bot(tg: FakeTelegram, folder: Path, webhook: bool) -> AsyncIterator[Running]:
    """The adapter (and in webhook mode the web side serving its webhook) until the block ends."""
    extra: dict[str, Any] = (
        {"telegram_webhook_url": "https://bot.example.org", "telegram_webhook_secret": SECRET}
        if webhook
        else {}
    )
    database = folder / f"bench-{'webhook' if webhook else 'polling'}.sqlite3"
    async with answering(tg, database, 0, **extra) as answers:
        if not webhook:
            yield Running(answers, None, "")
            return
        hook = answers.adapter.webhook(answers.store)

        async def healthy() -> tuple[bool, str]:
            return True, "ok"

        routes = hook.routes()
        app = build_app(answers.status, answers.catalog, Metrics(), healthy, routes=routes)
        server = await start_web(app, "127.0.0.1", 0)
        try:
            yield Running(answers, hook, f"http://127.0.0.1:{server.port}")
        finally:
            await stop_web(server)


async def by_webhook(users: int, rounds: int, connections: int, folder: Path) -> dict[str, Any]:
    """Every update POSTed twice, at most `connections` requests at a time."""
    acks: list[float] = []
    statuses: list[int] = []
    started: dict[int, list[float]] = defaultdict(list)
    headers = {"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": SECRET}
    async with FakeTelegram(token=TOKEN) as tg, bot(tg, folder, webhook=True) as running:
        assert running.webhook is not None
        url = running.base + running.webhook.path
        connector = aiohttp.TCPConnector(limit=connections)
        async with aiohttp.ClientSession(connector=connector) as http:

            async def deliver(update: JsonDict) -> None:
                body = json.dumps(update)
                for attempt in range(2):  # the second is a redelivery
                    began = time.monotonic()
                    if attempt == 0:
                        started[update["message"]["chat"]["id"]].append(began)
                    async with http.post(url, data=body, headers=headers) as response:
                        statuses.append(response.status)
                    acks.append((time.monotonic() - began) * 1000)

            async def deliver_all(batch: list[JsonDict]) -> None:
                await asyncio.gather(*(deliver(update) for update in batch))

            catalog = running.bot.catalog
            elapsed = await command_rounds(tg, catalog, users, rounds, started, deliver_all)
        counts = running.webhook.counts
        return {
            "replies": len(tg.sent_messages()),
            "taken": counts.taken,
            "duplicate": counts.duplicate,
            "other": counts.refused + counts.unavailable,
            "not_200": len([s for s in statuses if s != 200]),
            "ack": acks,
            "reply": reply_latencies(tg, started),
            "per_s": users * rounds / elapsed,
        }


async def by_polling(users: int, rounds: int, folder: Path) -> dict[str, Any]:
    """The same commands queued at the fake for the long poll, each once."""
    started: dict[int, list[float]] = defaultdict(list)
    async with FakeTelegram(token=TOKEN) as tg, bot(tg, folder, webhook=False) as running:
        elapsed = await command_rounds(tg, running.bot.catalog, users, rounds, started)
        return {
            "replies": len(tg.sent_messages()),
            "reply": reply_latencies(tg, started),
            "per_s": users * rounds / elapsed,
        }


def spread(values: list[float]) -> str:
    p99 = statistics.quantiles(values, n=100)[98]
    return f"p50 {statistics.median(values):.0f} ms · p99 {p99:.0f} ms · max {max(values):.0f} ms"


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=40)
    args = parser.parse_args()
    print(
        f"{args.users} users x {args.rounds} rounds, commands sent at once each round, unpaced; "
        f"webhook: each update POSTed twice, {args.connections} connections"
    )
    with tempfile.TemporaryDirectory() as folder:
        hook = await by_webhook(args.users, args.rounds, args.connections, Path(folder))
        poll = await by_polling(args.users, args.rounds, Path(folder))
    print(
        f"webhook: {hook['replies']} replies to {args.users * args.rounds} commands · "
        f"taken {hook['taken']} · duplicates dropped {hook['duplicate']} · "
        f"refused or unavailable {hook['other']} · non-200 answers {hook['not_200']}"
    )
    print(f"  200 answer (claim included): {spread(hook['ack'])}")
    print(f"  reply: {spread(hook['reply'])} · {hook['per_s']:.1f} commands/s")
    print(f"polling: {poll['replies']} replies · reply: {spread(poll['reply'])} · "
          f"{poll['per_s']:.1f} commands/s")  # fmt: skip
    ratio = statistics.median(hook["reply"]) / statistics.median(poll["reply"])
    print(f"webhook / polling, median reply latency: {ratio:.2f}")


if __name__ == "__main__":
    asyncio.run(main())
