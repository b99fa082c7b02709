from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from typing import Any

import pytest

from probes.result import ProbeResult
from storage import Conn, Database, PruneReport, Store, prune_and_report
from storage import retention as retention_module
from storage.times import hour_start, to_unix

from .conftest import NOW


async def counts(store: Store) -> tuple[int, int]:
    async with store.db.reading() as conn:
        row = await conn.fetchone(
            "SELECT (SELECT count(*) FROM probe_results), (SELECT count(*) FROM rollups)"
        )
    assert row is not None
    return row[0], row[1]


async def test_it_deletes_exactly_the_rows_past_retention(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(retention_module, "CHUNK_ROWS", 7)  # several chunks per table
    raw_cutoff = NOW - timedelta(hours=48)
    ages = [timedelta(minutes=m) for m in range(-30, 31, 2)]
    results = [
        ProbeResult(f"x/c{n}", raw_cutoff + age, True, 10.0) for age in ages for n in range(3)
    ]
    rollup_cutoff = NOW - timedelta(days=400)
    hours = [rollup_cutoff + timedelta(hours=h) for h in range(-5, 5)]
    results += [ProbeResult("x/old", hour, True, 10.0) for hour in hours]
    await store.write_results(results)
    raw_before, rollups_before = await counts(store)

    report = await store.prune(NOW)

    old_raw = sum(1 for r in results if r.at < raw_cutoff)
    # A rollup goes when its hour started before the cutoff (the 19:00 hour of a 19:30 cutoff).
    old_rollups = sum(1 for hour in hours if hour_start(hour) < to_unix(rollup_cutoff))
    assert old_rollups == 6
    assert report == PruneReport(raw_deleted=old_raw, rollups_deleted=old_rollups)
    assert await counts(store) == (raw_before - old_raw, rollups_before - old_rollups)
    kept = await store.recent_results("x/c0", limit=1000)
    assert min(r.at for r in kept) == raw_cutoff
    assert await store.prune(NOW) == PruneReport(0, 0)


async def test_a_round_reports_what_it_deleted(caplog: pytest.LogCaptureFixture) -> None:
    class Recorder:
        async def prune(self, now: datetime) -> PruneReport:
            return PruneReport(3, 1)

    caplog.set_level("INFO", logger="storage.retention")
    assert await prune_and_report(Recorder(), NOW) == PruneReport(3, 1)
    assert (
        "retention: 3 raw results, 1 rollups, 0 wait reports, 0 Telegram update claims and "
        "0 finished outbox rows deleted" in caplog.text
    )


OUTBOX_CUTOFF = to_unix(NOW - timedelta(days=7))


async def add_alert(store: Store, state: str, created_at: float, chat: str = "7") -> int:
    """One outbox row of the chat in `state`, written at `created_at`; returns its id."""
    async with store.db.transaction() as conn:
        row_id = await conn.fetchval(
            "INSERT INTO outbox (subscription_id, platform, chat_id, exchange, channel, kind, "
            "payload, locale, created_at, due_at, state) "
            "VALUES (1, 'telegram', ?, 'mexc', 'live_chat', 'down', '{}', 'en', ?, ?, ?) "
            "RETURNING id",
            (chat, created_at, created_at, state),
        )
    return int(row_id)


async def outbox_ids(store: Store) -> set[int]:
    async with store.db.reading() as conn:
        return {row[0] for row in await conn.fetchall("SELECT id FROM outbox")}


async def test_finished_alerts_go_after_a_week_and_unfinished_ones_stay(store: Store) -> None:
    await store.subscribe("telegram", 7, "mexc", None, "en")
    old = OUTBOX_CUTOFF - 60
    finished_old = [await add_alert(store, state, old) for state in ("sent", "superseded", "dead")]
    # Written before the cutoff but not finished: a platform down for a week, a send in flight.
    unfinished_old = [await add_alert(store, state, old) for state in ("pending", "sending")]
    at_cutoff = [await add_alert(store, state, OUTBOX_CUTOFF) for state in ("sent", "dead")]
    recent = [await add_alert(store, "sent", to_unix(NOW) - 60)]

    report = await store.prune(NOW)

    assert report.outbox_deleted == 3
    assert await outbox_ids(store) == {*unfinished_old, *at_cutoff, *recent}
    assert not set(finished_old) & await outbox_ids(store)
    assert (await store.prune(NOW)).outbox_deleted == 0


async def test_the_newest_alert_stays_so_no_id_is_handed_out_twice(store: Store) -> None:
    await store.subscribe("telegram", 7, "mexc", None, "en")
    ids = [await add_alert(store, "sent", OUTBOX_CUTOFF - 60) for _ in range(3)]

    assert (await store.prune(NOW)).outbox_deleted == 2
    assert await outbox_ids(store) == {ids[-1]}
    assert await add_alert(store, "pending", to_unix(NOW)) > ids[-1]


class ChunkSpy:
    """A Database whose write transactions note how many outbox rows each one deleted."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self.outbox_deletes: list[list[int]] = []  # per write transaction

    def __getattr__(self, name: str) -> Any:
        return getattr(self._db, name)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Conn]:
        deletes: list[int] = []
        async with self._db.transaction() as conn:
            yield _DeleteCounter(conn, deletes)
        self.outbox_deletes.append(deletes)


class _DeleteCounter:
    def __init__(self, conn: Conn, deletes: list[int]) -> None:
        self._conn = conn
        self._deletes = deletes

    def __getattr__(self, name: str) -> Any:
        return getattr(self._conn, name)

    async def execute(self, sql: str, params: Any = ()) -> int:
        changed = await self._conn.execute(sql, params)
        if sql.startswith("DELETE FROM outbox"):
            self._deletes.append(changed)
        return changed


async def test_a_large_outbox_prune_commits_chunk_by_chunk(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(retention_module, "CHUNK_ROWS", 7)
    store = Store(db, now=lambda: NOW)
    await store.subscribe("telegram", 7, "mexc", None, "en")
    async with db.transaction() as conn:  # 40 alerts sent over a week ago, then a recent one
        await conn.executemany(
            "INSERT INTO outbox (subscription_id, platform, chat_id, exchange, kind, payload, "
            "locale, created_at, due_at, state) "
            "VALUES (1, 'telegram', '7', 'mexc', 'down', '{}', 'en', ?, ?, 'sent')",
            [(OUTBOX_CUTOFF - 3600 + n, OUTBOX_CUTOFF - 3600 + n) for n in range(40)],
        )
    await add_alert(store, "sent", to_unix(NOW))
    spy = ChunkSpy(db)

    report = await Store(spy, now=lambda: NOW).prune(NOW)  # type: ignore[arg-type]

    assert report.outbox_deleted == 40
    chunks = [deletes for deletes in spy.outbox_deletes if deletes]
    # Each write transaction deletes one chunk at most, so a writer waits for one chunk only.
    assert chunks == [[7], [7], [7], [7], [7], [5]]
    assert len(await outbox_ids(store)) == 1
