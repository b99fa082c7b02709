"""Since when an exchange is watched: from its earliest result, rollup or transition."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from probes.result import ProbeResult
from storage import Store
from storage.records import TransitionRecord
from storage.results import _WATCHING_SINCE

FIRST = datetime(2026, 11, 24, 3, 25, 10, tzinfo=UTC)


def ok(channel: str, at: datetime) -> ProbeResult:
    return ProbeResult(channel, at, True, 120.0)


async def test_a_new_database_watches_nothing(store: Store) -> None:
    assert await store.watching_since("mexc") is None


async def test_it_is_the_first_result_to_the_second(store: Store) -> None:
    await store.write_results([ok("mexc/live_chat", FIRST + timedelta(minutes=m)) for m in (0, 5)])
    await store.write_results([ok("mexc/email", FIRST + timedelta(hours=2))])

    assert await store.watching_since("mexc") == FIRST
    assert await store.watching_since("mexc2") is None  # a longer id, same prefix: not mexc's
    assert await store.watching_since("mex") is None


async def test_after_raw_results_are_pruned_it_is_the_first_rollups_hour(store: Store) -> None:
    await store.write_results([ok("mexc/live_chat", FIRST), ok("mexc/live_chat", FIRST + DAY3)])
    await store.prune(FIRST + DAY3)  # raw rows older than 48 h go; rollups stay

    assert await store.watching_since("mexc") == FIRST.replace(minute=0, second=0)


async def test_an_earlier_transition_counts(store: Store) -> None:
    await store.write_results([ok("mexc/live_chat", FIRST)])
    earlier = FIRST - timedelta(days=2)
    await store.add_transition(TransitionRecord("mexc/ticket", "mexc", earlier, "unknown", "up"))

    assert await store.watching_since("mexc") == earlier


@pytest.mark.sqlite_only("reads SQLite's query plan")
async def test_it_reads_indexes_not_whole_tables(store: Store) -> None:
    async with store.db.reading() as conn:
        plan = await conn.fetchall(
            "EXPLAIN QUERY PLAN " + _WATCHING_SINCE, {"low": "a/", "high": "a0", "exchange": "a"}
        )
    details = [str(row[-1]) for row in plan]
    scans = [d for d in details if d.startswith("SCAN") and d != "SCAN CONSTANT ROW"]
    assert scans == [], details
    assert "SEARCH rollups USING PRIMARY KEY (channel_id=?)" in details


DAY3 = timedelta(days=3)
