"""A drainer process for the crash test: drains the outbox to a (fake) Bot API, then exits.

    python -m tests.alerts.drain_worker DB_PATH BASE_URL RATE_PER_S [LEASE_S]

The parent sets PTB_TIMEDELTA=1. Exits 0 once no row is pending or in flight. The crash
test kills it with SIGKILL mid-way. With LEASE_S, claims are leased as `supportlive run`
leases them (several workers may drain one outbox); without, a start reclaims every row
left in `sending`.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from telegram import Bot
from telegram.request import HTTPXRequest

from bot.alerts.drainer import Drainer, DrainerSettings
from bot.alerts.pacing import TELEGRAM, Pace, PacingSettings
from bot.alerts.telegram_notifier import TelegramNotifier
from bot.catalog.models import catalog_from_data
from bot.clock import SystemClock
from bot.vocab import Platform
from storage import open_database
from storage.store import Store
from tests.alerts.conftest import CATALOG_DATA

TOKEN = "123:ABC"


async def main(path: Path, base_url: str, rate: float, lease_s: float | None = None) -> None:
    db = await open_database(path)
    store = Store(db)
    pace = Pace(per_s=rate, chat_gap_s=TELEGRAM.chat_gap_s, group_gap_s=TELEGRAM.group_gap_s)
    # A test may hold sends at its fake Bot API for a while: wait for the answer rather than
    # time out after PTB's default 5 s and send again.
    request = HTTPXRequest(read_timeout=150.0)
    async with Bot(TOKEN, base_url=base_url, request=request) as bot:
        drainer = Drainer(
            store,
            {Platform.TELEGRAM: TelegramNotifier(bot)},
            catalog_from_data(CATALOG_DATA),
            SystemClock(),
            PacingSettings(paces={Platform.TELEGRAM: pace}),
            DrainerSettings(batch=100, max_in_flight=100, poll_s=0.05)
            if lease_s is None
            else DrainerSettings(
                batch=100,
                max_in_flight=100,
                poll_s=0.05,
                reclaim_after_s=lease_s,
                stuck_after_s=lease_s,
                renew_every_s=lease_s / 4,
            ),
        )
        task = asyncio.create_task(drainer.run())
        print("started", flush=True)
        while True:
            await asyncio.sleep(0.05)
            depth = await drainer.depth()
            if depth["pending"] == 0 and depth["sending"] == 0:
                break
        await drainer.stop()
        await task
    await db.close()


if __name__ == "__main__":
    lease = float(sys.argv[4]) if len(sys.argv) > 4 else None
    asyncio.run(main(Path(sys.argv[1]), sys.argv[2], float(sys.argv[3]), lease))
