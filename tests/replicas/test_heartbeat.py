"""The leader's heartbeat (bot/following.py) says its checks run: it is written every
BEAT_EVERY_S while the scheduler ticks, and not once the scheduler has stalled."""

from __future__ import annotations

import asyncio
import time
from datetime import datetime
from pathlib import Path

import pytest

from bot.app import SCHEDULER_STALL_S, running
from bot.catalog import load_catalog
from bot.clock import SystemClock
from bot.following import BEAT_EVERY_S
from bot.settings import load_settings
from storage.store import Store
from tests.support.site import SupportSite, write_catalog

pytestmark = pytest.mark.timeout(120)


async def next_beat(store: Store, after: datetime | None, timeout: float = 30) -> datetime:
    """The stored heartbeat once it is newer than `after`."""
    deadline = time.monotonic() + timeout
    while True:
        beat = await store.load_heartbeat()
        if beat is not None and (after is None or beat > after):
            return beat
        assert time.monotonic() < deadline, f"no heartbeat after {after}"
        await asyncio.sleep(0.1)


async def test_the_leader_beats_while_its_scheduler_ticks_and_not_once_it_stalls(
    tmp_path: Path,
) -> None:
    async with SupportSite() as site:
        settings = load_settings(
            catalog_path=write_catalog(tmp_path, site.port, interval_s=1.0),
            database_path=tmp_path / "bot.sqlite3",
            allow_local_targets=True,
            canary_urls="",
            web_enabled=False,
        )
        catalog = load_catalog(settings.catalog_path, allow_local=True)
        async with running(settings, catalog, SystemClock()) as runtime:
            first = await next_beat(runtime.store, None)
            second = await next_beat(runtime.store, first)
            third = await next_beat(runtime.store, second)
            assert (third - first).total_seconds() >= BEAT_EVERY_S, "a beat every 2 s"

            await runtime.scheduler.stop()  # its timer loop wakes no more: a stall
            stalled = asyncio.get_running_loop().time() - SCHEDULER_STALL_S - 1
            runtime.scheduler.stats.last_tick = stalled
            # A beat decided before the stall may still land (a write held up on a loaded
            # machine): give it two periods before taking the last one.
            await asyncio.sleep(BEAT_EVERY_S * 2)
            last = await runtime.store.load_heartbeat()
            await asyncio.sleep(BEAT_EVERY_S * 3)
            assert await runtime.store.load_heartbeat() == last, "no beat from a stalled scheduler"
