"""A leader stepping down whose final write fails (the database gone) drops what it could not
store: written later, should it lead again, its old transitions would contradict the states it
restores then (an old down alert, or one already sent by the leader in between)."""

from __future__ import annotations

import pytest

from bot.catalog.models import catalog_from_data
from bot.clock import FakeClock
from bot.health import Transition
from bot.monitor import Monitor
from storage.store import Store
from tests.alerts.conftest import CATALOG_DATA, START
from tests.core.conftest import live_chat_times_out


async def test_a_batch_dropped_on_stepping_down_is_never_written(store: Store) -> None:
    clock = FakeClock(current=START)
    monitor = Monitor(catalog_from_data(CATALOG_DATA), store, clock)
    written: list[Transition] = []

    async def gone(transition: Transition) -> None:
        raise OSError("the database is gone")

    async def sink(transition: Transition) -> None:
        written.append(transition)

    monitor.on_transition = gone
    live_chat_times_out(monitor)
    with pytest.raises(OSError):
        await monitor.flush()  # the final flush on stepping down
    # The help center checks the same URL: it shares the results, and the outage.
    assert monitor.drop_unwritten() == (6, 2)
    assert monitor.drop_unwritten() == (0, 0)

    monitor.on_transition = sink
    await monitor.restore()  # elected again later: from the stored states
    await monitor.flush()
    assert written == [], "no transition from the earlier term"
    assert await store.recent_results("mexc/live_chat") == []
