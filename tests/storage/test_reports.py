"""Wait reports in SQLite: people as keyed hashes, reads by exchange and person, clearing,
retention after 30 days."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from pathlib import Path

import pytest

from storage import ConstraintViolation, Store, open_database
from storage.records import WaitReport

from .conftest import NOW


@pytest.mark.sqlite_only("reads the database file's bytes")
async def test_a_person_is_stored_as_a_keyed_hash_never_the_raw_id(store: Store) -> None:
    key = await store.person_key("telegram", "123456789")
    await store.add_wait_report(WaitReport(key, "mexc", "live_chat", NOW, 10))
    assert key == await store.person_key("telegram", "123456789")
    assert key != await store.person_key("discord", "123456789")
    assert len(key) == 32 and int(key, 16) >= 0
    # Not a plain hash of the id: without this install's secret, guessing ids finds nothing.
    plain = hashlib.sha256(b"telegram\x00123456789").hexdigest()[:32]
    assert key != plain
    files = [store.db.path, Path(f"{store.db.path}-wal")]
    raw = b"".join(f.read_bytes() for f in files if f.exists())
    assert b"123456789" not in raw
    assert key.encode() in raw


async def test_each_install_has_its_own_secret(tmp_path: Path, store: Store) -> None:
    other_db = await open_database(tmp_path / "other.sqlite3")
    try:
        other = Store(other_db)
        assert await other.person_key("telegram", "1") != await store.person_key("telegram", "1")
    finally:
        await other_db.close()


async def test_the_secret_outlives_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "again.sqlite3"
    keys = []
    for _ in range(2):
        db = await open_database(path)
        keys.append(await Store(db).person_key("discord", "42"))
        await db.close()
    assert keys[0] == keys[1]


async def test_it_reads_an_exchanges_reports_after_a_moment_oldest_first(store: Store) -> None:
    rows = [
        WaitReport("p1", "mexc", "live_chat", NOW - timedelta(hours=25), 5),
        WaitReport("p2", "mexc", "email", NOW - timedelta(hours=2), None),
        WaitReport("p1", "mexc", "live_chat", NOW - timedelta(hours=1), 15),
        WaitReport("p3", "okx", "live_chat", NOW, 3),
    ]
    for row in reversed(rows):
        await store.add_wait_report(row)
    assert await store.wait_reports("mexc", NOW - timedelta(hours=24)) == rows[1:3]
    assert await store.reports_by("p1", NOW - timedelta(days=2)) == [rows[0], rows[2]]


async def test_a_wait_outside_0_to_1440_minutes_is_refused_by_the_table(store: Store) -> None:
    try:
        await store.add_wait_report(WaitReport("p", "mexc", "live_chat", NOW, 1441))
    except ConstraintViolation:
        pass
    else:
        raise AssertionError("a 1441-minute wait was stored")
    assert await store.wait_reports("mexc", NOW - timedelta(hours=1)) == []


async def test_clearing_a_channel_deletes_its_reports_only(store: Store) -> None:
    for person in ("a", "b"):
        await store.add_wait_report(WaitReport(person, "mexc", "live_chat", NOW, 5))
    await store.add_wait_report(WaitReport("a", "mexc", "email", NOW, 5))
    assert await store.clear_wait_reports("mexc", "live_chat") == 2
    left = await store.wait_reports("mexc", NOW - timedelta(hours=1))
    assert [r.channel for r in left] == ["email"]


async def test_retention_deletes_reports_older_than_30_days(store: Store) -> None:
    cutoff = NOW - timedelta(days=30)
    for minutes in (-2, -1, 0, 1, 2):
        at = cutoff + timedelta(minutes=minutes)
        await store.add_wait_report(WaitReport(f"p{minutes}", "mexc", "live_chat", at, 5))
    report = await store.prune(NOW)
    assert report.reports_deleted == 2
    kept = await store.wait_reports("mexc", cutoff - timedelta(days=1))
    assert [r.at for r in kept] == [cutoff + timedelta(minutes=m) for m in (0, 1, 2)]
