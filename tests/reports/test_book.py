"""`WaitBook` over a real SQLite store: each exchange's 24 h figures are read from the database
at most once a minute, and a new report or a clear shows at once."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from bot.catalog import Catalog, Exchange, load_catalog
from bot.clock import FakeClock
from bot.reports import WaitBook
from storage import Store, WaitReport, open_database
from tests.answers.conftest import CATALOG


@pytest.fixture
def mexc() -> Exchange:
    catalog: Catalog = load_catalog(CATALOG)
    found = catalog.exchange("mexc")
    assert found is not None
    return found


@pytest.fixture
async def traced(tmp_path: Path) -> AsyncIterator[tuple[Store, list[str]]]:
    """A real store, and every SQL statement it runs."""
    db = await open_database(tmp_path / "supportlive.sqlite3")
    statements: list[str] = []
    await db.raw.set_trace_callback(statements.append)  # type: ignore[attr-defined]
    try:
        yield Store(db), statements
    finally:
        await db.raw.set_trace_callback(None)  # type: ignore[attr-defined]
        await db.close()


def reads(statements: list[str]) -> int:
    """How many statements read an exchange's reports (not a person's, for the rate limit)."""
    return sum("FROM wait_reports WHERE exchange" in s for s in statements)


async def test_figures_are_read_once_a_minute_and_a_new_report_shows_at_once(
    traced: tuple[Store, list[str]], mexc: Exchange
) -> None:
    store, statements = traced
    clock = FakeClock()
    book = WaitBook(store, clock)
    for person, minutes in (("1", 5), ("2", 10), ("3", 15)):
        await book.record("telegram", person, "mexc", "live_chat", minutes)

    first = await book.summaries(mexc)
    assert first["live_chat"].median_wait_min == 10
    before = reads(statements)
    clock.advance(59)
    assert await book.summaries(mexc) == first
    assert reads(statements) == before  # within the minute: no query

    await book.record("telegram", "4", "mexc", "live_chat", None)
    assert (await book.summaries(mexc))["live_chat"].no_answer == 1  # not the cached figures

    clock.advance(60)
    await book.summaries(mexc)
    assert reads(statements) > before + 1  # the minute is over: read again

    await book.clear("mexc", "live_chat", "telegram:7")
    assert (await book.summaries(mexc))["live_chat"].count == 0


async def test_the_figures_still_go_when_the_window_passes(
    traced: tuple[Store, list[str]], mexc: Exchange
) -> None:
    store, _ = traced
    clock = FakeClock()
    book = WaitBook(store, clock)
    for person in ("1", "2", "3"):
        await book.record("discord", person, "mexc", "live_chat", 10)
    assert (await book.summaries(mexc))["live_chat"].shown
    clock.advance(24 * 3600)
    assert not (await book.summaries(mexc))["live_chat"].shown


class SlowReads:
    """The real store, but an exchange's reports, once read, are held until `go` is set."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.read = asyncio.Event()
        self.go = asyncio.Event()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.store, name)

    async def wait_reports(self, exchange: str, since: datetime) -> list[WaitReport]:
        rows = await self.store.wait_reports(exchange, since)
        self.read.set()
        await self.go.wait()
        return rows


async def test_figures_read_while_a_report_came_in_are_not_kept(
    traced: tuple[Store, list[str]], mexc: Exchange
) -> None:
    store, _ = traced
    slow = SlowReads(store)
    book = WaitBook(slow, FakeClock())
    reading = asyncio.create_task(book.summaries(mexc))
    await asyncio.wait_for(slow.read.wait(), 10)
    await book.record("telegram", "1", "mexc", "live_chat", 10)
    slow.go.set()
    assert (await asyncio.wait_for(reading, 10))["live_chat"].count == 0  # read before it
    assert (await book.summaries(mexc))["live_chat"].count == 1
