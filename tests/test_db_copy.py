"""`supportlive db copy --to postgresql://…`: a real SQLite install, with rows in every table,
copied into the test PostgreSQL server; rows compared table by table, counts printed, the
disposable tables skipped with the reason, a non-empty target refused, ids continued, and every
failure one line with exit status 2 (never the password)."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from storage.copier import SKIPPED, copy_database
from storage.engine import open_database
from tests.pg import PgServer
from tests.test_bad_starts import env_for, one_line, supportlive

# One or more rows for every table, ids with gaps (ids are kept, not renumbered).
ROWS = {
    "channels": [
        "(id, key) VALUES (1, 'mexc/live_chat'), (2, 'mexc/email'), (5, 'okx/live_chat')",
    ],
    "probe_results": [
        "(channel_id, at_ms, ok, slow, latency_us, error, detail) "
        "VALUES (1, 1000, 1, 0, 1500, NULL, ''), (2, 2000, 0, 0, NULL, 'timeout', 'after 10 s')",
    ],
    "rollups": [
        "(channel_id, hour, count, failures, slow, latency_sum_ms, histogram) VALUES "
        "(1, 3600, 10, 1, 0, 123.5, x'0100050103'), (1, 7200, 2, 0, 1, 9.25, x'010002'), "
        "(2, 3600, 1, 1, 0, 0.0, x'01'), (5, 0, 4, 0, 0, 4.0, x'010404')",
    ],
    "health_state": [
        "(channel, state, updated_at) VALUES ('mexc/live_chat', '{\"health\": \"down\"}', 1.5)",
    ],
    "transitions": [
        "(id, channel, exchange, at, old, new, reason, detail, flapping, error) VALUES "
        "(3, 'mexc/live_chat', 'mexc', 100.25, 'up', 'down', 'timeout', 'after 10 s', 0, "
        "'timeout'), (4, 'mexc/email', 'mexc', 101.0, 'down', 'up', '', '', 1, NULL)",
    ],
    "subscriptions": [
        "(id, platform, chat_id, exchange, channel, locale, include_degraded, active, "
        "created_at, deactivated_at, deactivated_reason) VALUES "
        "(7, 'telegram', '-1001', 'mexc', '*', 'zh', 0, 1, 10.0, NULL, NULL), "
        "(8, 'discord', '123456789012345678', 'mexc', 'live_chat', 'en', 1, 0, 11.0, 12.0, "
        "'blocked')",
    ],
    "preferences": ["(platform, user_id, locale, updated_at) VALUES ('telegram', '42', 'zh', 5.0)"],
    "maintenance": [
        "(id, exchange, channel, starts_at, ends_at, reason, created_by, created_at, source, "
        "reasons) VALUES (2, 'mexc', '*', 1000.0, 2000.0, 'upgrade', 'telegram:1', 900.0, "
        '\'catalog:mexc@1000\', \'{"en": "upgrade", "zh": "升级"}\')',
    ],
    "outbox": [
        "(id, subscription_id, platform, chat_id, transition_id, exchange, channel, kind, "
        "payload, locale, created_at, due_at, attempts, state, claimed_at, sent_at, "
        "superseded_by, last_error) VALUES "
        "(11, 7, 'telegram', '-1001', 3, 'mexc', 'live_chat', 'down', '{}', 'zh', 100.0, "
        "100.0, 0, 'pending', NULL, NULL, NULL, NULL), "
        "(12, 8, 'discord', '123456789012345678', NULL, 'mexc', '', 'wallet', '{\"coin\": "
        "\"USDT\"}', 'en', 90.0, 95.0, 2, 'sent', 96.0, 97.0, 4, 'HTTP 502')",
    ],
    "maintenance_alerts": ["(maintenance_id, edge, at) VALUES (2, 'started', 1000.0)"],
    "upstream_incidents": [
        "(id, exchange, name, impact, opened_at, resolved_at) "
        "VALUES (4, 'mexc', 'API degraded', 'minor', 50.0, NULL)",
    ],
    "held_down": [
        "(channel, exchange, transition_id, at, payload) "
        "VALUES ('mexc/email', 'mexc', 3, 100.0, '{}')",
    ],
    "wait_reports": [
        "(id, person, exchange, channel, at, wait_min) VALUES "
        "(9, 'k1', 'mexc', 'live_chat', 99.0, 15), (10, 'k2', 'mexc', 'live_chat', 98.5, NULL)",
    ],
    "sight": ["(id, blind_since, updated_at) VALUES (1, 4.0, 5.0)"],
    "telegram_updates": ["(bot_id, update_id, received_at) VALUES (1, 100, 5.0)"],
    "region_sightings": [
        "(channel, region, at, ok, health, error, detail) "
        "VALUES ('mexc/live_chat', 'eu', 5.0, 1, 'up', NULL, '')",
    ],
}


async def make_install(path: Path) -> None:
    """A migrated SQLite file (the engine's own opening) with rows in every table."""
    await (await open_database(path)).close()
    with closing(sqlite3.connect(path, isolation_level=None)) as conn:
        conn.execute("PRAGMA foreign_keys = ON")
        for table, inserts in ROWS.items():
            for values in inserts:
                conn.execute(f"INSERT INTO {table} {values}")
        tables = sqlite_tables(path)
        empty = [t for t in tables if not conn.execute(f"SELECT 1 FROM {t}").fetchone()]
    assert not empty, f"give these tables rows in ROWS: {empty}"


def sqlite_tables(path: Path) -> list[str]:
    with closing(sqlite3.connect(path)) as conn:
        # SQLite's own tables aside (sqlite_stat1: the planner statistics kept at stop).
        return [
            r[0]
            for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'"
            )
        ]


def sqlite_rows(path: Path, table: str) -> list[tuple[Any, ...]]:
    with closing(sqlite3.connect(path)) as conn:
        return conn.execute(f"SELECT * FROM {table} ORDER BY 1, 2").fetchall()


async def pg_rows(dsn: str, table: str) -> list[tuple[Any, ...]]:
    conn = await asyncpg.connect(dsn)
    try:
        return [tuple(r) for r in await conn.fetch(f"SELECT * FROM {table} ORDER BY 1, 2")]
    finally:
        await conn.close()


def copy_command(tmp_path: Path, source: Path, *args: str) -> tuple[int, str, str]:
    return supportlive(
        "db", "copy", "--from", str(source), *args, env=env_for(tmp_path), cwd=tmp_path
    )


async def test_every_kept_table_arrives_row_for_row(tmp_path: Path, pg_dsn: str) -> None:
    source = tmp_path / "install.sqlite3"
    await make_install(source)
    code, out, err = copy_command(tmp_path, source, "--to", pg_dsn)
    assert code == 0, err
    kept = [table for table in sqlite_tables(source) if table not in SKIPPED]
    assert "install_secrets" in kept  # the source's key replaced the one the target made
    for table in kept:
        assert await pg_rows(pg_dsn, table) == sqlite_rows(source, table), table
    for table in SKIPPED:
        assert await pg_rows(pg_dsn, table) == [], table
    assert "  rollups                       4 copied, 4 counted there" in out
    assert "  outbox                        2 copied, 2 counted there" in out
    assert "  probe_results        skipped: raw probe results, kept 48 h" in out
    rows = sum(len(sqlite_rows(source, table)) for table in kept)
    assert f"Copied {len(kept)} tables, {rows} rows" in out
    assert "Copying database file" in out
    assert "into PostgreSQL database test_" in out


async def test_ids_continue_after_the_copied_ones(tmp_path: Path, pg_dsn: str) -> None:
    source = tmp_path / "install.sqlite3"
    await make_install(source)
    code, _, err = copy_command(tmp_path, source, "--to", pg_dsn)
    assert code == 0, err
    conn = await asyncpg.connect(pg_dsn)
    try:
        new = await conn.fetchval(
            "INSERT INTO subscriptions (platform, chat_id, exchange, locale, created_at) "
            "VALUES ('telegram', '5', 'okx', 'en', 1.0) RETURNING id"
        )
        channel = await conn.fetchval("INSERT INTO channels (key) VALUES ('x/y') RETURNING id")
    finally:
        await conn.close()
    assert (new, channel) == (9, 6)


async def test_a_target_with_data_is_refused_unless_replaced(tmp_path: Path, pg_dsn: str) -> None:
    source = tmp_path / "install.sqlite3"
    await make_install(source)
    assert copy_command(tmp_path, source, "--to", pg_dsn)[0] == 0
    with closing(sqlite3.connect(source, isolation_level=None)) as conn:
        conn.execute("DELETE FROM wait_reports WHERE id = 10")
    code, _, err = copy_command(tmp_path, source, "--to", pg_dsn)
    assert code == 2
    assert one_line(err).startswith("supportlive: db copy: PostgreSQL database test_")
    assert err.rstrip().endswith(
        "already holds data (table channels has rows); copy into an empty database, or add "
        "--replace to empty it first"
    )
    assert len(await pg_rows(pg_dsn, "wait_reports")) == 2  # untouched
    code, out, err = copy_command(tmp_path, source, "--to", pg_dsn, "--replace")
    assert code == 0, err
    assert await pg_rows(pg_dsn, "wait_reports") == sqlite_rows(source, "wait_reports")
    assert "  wait_reports                  1 copied, 1 counted there" in out


async def test_batches_walk_composite_keys_without_losing_a_row(
    tmp_path: Path, pg_dsn: str
) -> None:
    source_path = tmp_path / "install.sqlite3"
    await make_install(source_path)
    source = await open_database(source_path)
    target = await open_database(pg_dsn)
    try:
        copied = await copy_database(source, target, batch_rows=1)
    finally:
        await target.close()
        await source.close()
    assert {c.table: c.target_rows for c in copied}["rollups"] == 4
    assert await pg_rows(pg_dsn, "rollups") == sqlite_rows(source_path, "rollups")
    # Parents before children: a rollup needs its channel first, a held alert its transition.
    order = [c.table for c in copied]
    assert order.index("channels") < order.index("rollups")
    assert order.index("transitions") < order.index("held_down")


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (["--to", "mysql://bot:hunter2-Secret@db/x"],
         "supportlive: db copy: --to must start with postgresql:// or postgres:// (got "
         "'mysql://bot:***@db/x')"),
        ([], "supportlive: db copy: say where to copy to: --to postgresql://… (or set "
         "DATABASE_URL)"),
    ],
)  # fmt: skip
def test_a_bad_target_is_one_line(tmp_path: Path, args: list[str], line: str) -> None:
    source = tmp_path / "install.sqlite3"
    source.write_bytes(b"")
    code, out, err = copy_command(tmp_path, source, *args)
    assert (code, one_line(err)) == (2, line)
    assert "hunter2" not in out + err


def test_a_missing_source_file_is_one_line(tmp_path: Path, pg_dsn: str) -> None:
    code, _, err = copy_command(tmp_path, tmp_path / "nothing.sqlite3", "--to", pg_dsn)
    assert code == 2
    assert one_line(err) == (
        f"supportlive: db copy: no database file at {tmp_path / 'nothing.sqlite3'} "
        "(DATABASE_PATH, or --from)"
    )
    assert not (tmp_path / "nothing.sqlite3").exists()


async def test_a_server_that_is_down_is_one_line_without_the_password(
    tmp_path: Path, pg_server: PgServer, pg_dsn: str
) -> None:
    source = tmp_path / "install.sqlite3"
    await make_install(source)
    wrong = pg_dsn.replace(pg_server.password, "not-the-Password9")
    code, out, err = copy_command(tmp_path, source, "--to", wrong)
    assert code == 2
    assert one_line(err).startswith("supportlive: db copy: PostgreSQL database test_")
    assert "refused the login" in err
    assert "not-the-Password9" not in out + err
    pg_server.stop()
    try:
        code, out, err = copy_command(tmp_path, source, "--to", pg_dsn)
    finally:
        pg_server.start()
    assert code == 2
    assert one_line(err).startswith("supportlive: db copy: cannot reach PostgreSQL database")
    assert pg_server.password not in out + err
