from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest

from storage import DatabaseDamaged, StorageError, Store
from storage.sqlite import MIGRATIONS_DIR, open_sqlite

TABLES = {
    "channels", "probe_results", "rollups", "health_state", "transitions",
    "subscriptions", "preferences", "maintenance",
}  # fmt: skip


def schema(path: Path) -> tuple[int, set[str]]:
    with closing(sqlite3.connect(path)) as conn:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    return version, names


@contextmanager
def held_lock(path: Path) -> Iterator[None]:
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("CREATE TABLE IF NOT EXISTS other (x)")
        conn.execute("BEGIN EXCLUSIVE")
        conn.execute("INSERT INTO other VALUES (1)")
        yield
    finally:
        conn.execute("ROLLBACK")
        conn.close()


def migrations_with(tmp_path: Path, extra: dict[str, str]) -> Path:
    folder = tmp_path / "migrations"
    folder.mkdir(exist_ok=True)
    shutil.copy(MIGRATIONS_DIR / "0001_core.sql", folder)
    for name, sql in extra.items():
        (folder / name).write_text(sql)
    return folder


async def test_it_creates_the_folder_and_applies_every_migration(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "er" / "db.sqlite3"
    db = await open_sqlite(path)
    try:
        pragmas = {
            name: (await db.raw.execute_fetchall(f"PRAGMA {name}"))[0][0]  # type: ignore[index]
            for name in ("journal_mode", "foreign_keys", "busy_timeout", "synchronous")
        }
    finally:
        await db.close()
    assert pragmas == {"journal_mode": "wal", "foreign_keys": 1, "busy_timeout": 5000,
                       "synchronous": 1}  # fmt: skip
    version, names = schema(path)
    assert version == len(list(MIGRATIONS_DIR.glob("*.sql")))
    assert names >= TABLES


async def test_opening_again_changes_nothing_and_keeps_data(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    db = await open_sqlite(path)
    async with db.transaction() as conn:
        await conn.execute("INSERT INTO channels (key) VALUES ('mexc/live_chat')")
    await db.close()
    before = schema(path)
    db = await open_sqlite(path)
    rows = await db.raw.execute_fetchall("SELECT key FROM channels")
    await db.close()
    assert schema(path) == before
    assert [tuple(r) for r in rows] == [("mexc/live_chat",)]


async def test_a_failed_migration_changes_nothing_and_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    folder = migrations_with(tmp_path, {})
    await (await open_sqlite(path, migrations_dir=folder)).close()
    before = schema(path)
    assert before[0] == 1
    (folder / "0002_broken.sql").write_text(
        "CREATE TABLE half_done (x INTEGER);\nINSERT INTO half_done VALUES (1);\nCREAT TABLE oops;"
    )
    with pytest.raises(StorageError, match=r"migration 0002_broken\.sql failed: .*CREAT"):
        await open_sqlite(path, migrations_dir=folder)
    assert schema(path) == before


async def test_a_broken_first_migration_leaves_an_empty_file_at_version_0(tmp_path: Path) -> None:
    folder = tmp_path / "migrations"
    folder.mkdir()
    (folder / "0001_core.sql").write_text("CREATE TABLE a (x);\nSELECT * FROM missing;")
    with pytest.raises(StorageError, match=r"0001_core\.sql"):
        await open_sqlite(tmp_path / "db.sqlite3", migrations_dir=folder)
    assert schema(tmp_path / "db.sqlite3") == (0, set())


@pytest.mark.parametrize(
    ("names", "message"),
    [(["0001_core.sql", "0003_late.sql"], "0003_late.sql should be numbered 0002"),
     (["0001_core.sql", "2_bad.sql"], "2_bad.sql is not named")],
)  # fmt: skip
async def test_it_refuses_misnumbered_migrations(
    tmp_path: Path, names: list[str], message: str
) -> None:
    folder = migrations_with(tmp_path, dict.fromkeys(names[1:], "SELECT 1;"))
    with pytest.raises(StorageError, match=message):
        await open_sqlite(tmp_path / "db.sqlite3", migrations_dir=folder)


async def test_it_refuses_a_database_newer_than_the_program(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    with closing(sqlite3.connect(path)) as conn:
        conn.execute("PRAGMA user_version = 99")
    with pytest.raises(StorageError, match="schema version 99, newer"):
        await open_sqlite(path)


@pytest.mark.parametrize("wal_already", [True, False])
async def test_a_database_locked_by_another_process_is_a_clear_error(
    tmp_path: Path, wal_already: bool
) -> None:
    path = tmp_path / "db.sqlite3"
    if wal_already:
        await (await open_sqlite(path)).close()
    with held_lock(path), pytest.raises(StorageError, match=f"{path} is locked by another"):
        await open_sqlite(path, lock_timeout_s=0.05)


async def test_a_file_that_is_not_a_database_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("these are my notes, not a database\n" * 100)
    with pytest.raises(StorageError, match=r"notes\.txt is not a SQLite database"):
        await open_sqlite(path)


async def test_a_transaction_rolls_back_on_error_and_joins_when_nested(tmp_path: Path) -> None:
    db = await open_sqlite(tmp_path / "db.sqlite3")
    try:
        with pytest.raises(RuntimeError):
            async with db.transaction() as conn:
                await conn.execute("INSERT INTO channels (key) VALUES ('a/b')")
                async with db.transaction() as inner:
                    assert inner is conn
                    await inner.execute("INSERT INTO channels (key) VALUES ('a/c')")
                raise RuntimeError("boom")
        assert not db.raw.in_transaction
        async with db.transaction() as conn:
            await conn.execute("INSERT INTO channels (key) VALUES ('a/d')")
        rows = await db.raw.execute_fetchall("SELECT key FROM channels")
    finally:
        await db.close()
    assert [tuple(r) for r in rows] == [("a/d",)]


async def test_close_on_a_full_disk_says_one_line_and_closes(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    db = await open_sqlite(tmp_path / "full.sqlite3")
    await db.raw.execute("CREATE TABLE t (a INTEGER, b TEXT)")
    await db.raw.execute("CREATE INDEX t_a ON t (a)")
    await db.raw.executemany("INSERT INTO t VALUES (?, ?)", [(i % 50, "x") for i in range(5000)])
    await db.raw.execute_fetchall("SELECT * FROM t WHERE a = 3")  # statistics would help
    # No page may be added any more: the statistics PRAGMA optimize writes need one.
    ((pages,),) = await db.raw.execute_fetchall("PRAGMA page_count")
    await db.raw.execute(f"PRAGMA max_page_count = {pages}")

    with caplog.at_level("DEBUG", logger="storage.sqlite"):
        await db.close()

    assert [r.getMessage() for r in caplog.records] == [
        f"database file {tmp_path / 'full.sqlite3'}: statistics not saved at stop: "
        "database or disk is full"
    ]
    assert all(r.exc_info is None for r in caplog.records)
    with pytest.raises(ValueError, match="no active connection"):
        await db.raw.execute("SELECT 1")


async def test_a_page_a_statement_found_damaged_fails_the_database_check(tmp_path: Path) -> None:
    """The background check (`verify`, every 5 s, hence /healthz) reads no transitions: a read
    that meets a damaged page makes it fail too, naming the file, until a restart."""
    path = tmp_path / "bot.sqlite3"
    db = await open_sqlite(path)
    await db.verify()  # a sound file passes
    await db.close()
    with closing(sqlite3.connect(path)) as raw:
        page_size = raw.execute("PRAGMA page_size").fetchone()[0]
        root = "SELECT rootpage FROM sqlite_master WHERE name = 'transitions_exchange_at'"
        page = raw.execute(root).fetchone()[0]
    data = bytearray(path.read_bytes())
    data[(page - 1) * page_size : page * page_size] = b"\x5a" * page_size
    path.write_bytes(bytes(data))

    db = await open_sqlite(path)
    try:
        await db.verify()  # nothing has read the damaged page yet
        store = Store(db)
        at = datetime(2026, 11, 29, 3, 0, tzinfo=UTC)
        with pytest.raises(DatabaseDamaged):
            await store.transitions("mexc", at)
        with pytest.raises(StorageError, match=f"database file {path} is damaged"):
            await db.verify()
        with pytest.raises(StorageError, match="is damaged"):
            await db.verify()  # still: a file does not mend itself
    finally:
        await db.close()
