"""What the monitor's tests share: a real SQLite store in the test's temporary folder, and an
outage of MEXC's live chat."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.monitor import Monitor
from probes.result import ErrorKind, ProbeResult
from storage import open_database
from storage.store import Store
from tests.alerts.conftest import START


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    db = await open_database(tmp_path / "monitor.sqlite3")
    try:
        yield Store(db)
    finally:
        await db.close()


def live_chat_times_out(monitor: Monitor, checks: int = 3) -> None:
    """MEXC's live chat times out `checks` times, 30 s apart from START (three make it down)."""
    for i in range(checks):
        at = START + timedelta(seconds=30 * i)
        monitor.on_result(
            ProbeResult("mexc/live_chat", at, False, None, ErrorKind.TIMEOUT, "timeout")
        )
