from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from probes.result import ProbeResult
from storage import PruneReport, Store, prune_and_report
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
        "retention: 3 raw results, 1 rollups, 0 wait reports and 0 Telegram update claims "
        "deleted" in caplog.text
    )
