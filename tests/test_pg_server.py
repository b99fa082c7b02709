"""The test PostgreSQL server itself (tests/pg.py): it answers, isolates tests, stops and starts,
cleans up after its session (even a failed or killed one), and says why when it cannot run.

The session-level behaviour is tested on inner pytest sessions run in a subprocess, each with
a server of its own (`-p tests.pg` loads the fixtures there); those tests ask for `pg_server`
only to be skipped like every PostgreSQL test where the binaries are missing.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import asyncpg
import pytest

from tests.pg import PgServer

REPO = Path(__file__).resolve().parent.parent

# Two tests that each create the same table in their own database and note where it lives.
ISOLATION_TESTS = """
from pathlib import Path

def _note(pg_server, pg_dsn, tag):
    pg_server.psql("CREATE TABLE t (x int); INSERT INTO t VALUES (1)", pg_dsn.rsplit("/", 1)[1])
    Path("{tag}-" + tag).write_text(f"{{pg_server.root}} {{pg_server._process.pid}} {{pg_dsn}}")

def test_one(pg_server, pg_dsn):
    _note(pg_server, pg_dsn, "one")

def test_two(pg_server, pg_dsn):
    _note(pg_server, pg_dsn, "two")
    {ending}
"""


def inner_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "SUPPORTLIVE_PG_BIN")}
    env["PYTHONPATH"] = str(REPO)
    env.update(extra)
    return env


def run_inner(
    pytester: pytest.Pytester, source: str, env: dict[str, str]
) -> subprocess.CompletedProcess[str]:
    test_file = pytester.makepyfile(test_inner=source)
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "tests.pg", "-rs", "-p", "no:cacheprovider",
         str(test_file)],
        cwd=pytester.path, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def server_gone(root: Path, pid: int) -> bool:
    """The server's directory is deleted and its postmaster has exited (a zombie counts)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1][0]
    except (FileNotFoundError, IndexError):
        state = "X"
    return not root.exists() and state in ("Z", "X")


def wait_for(condition: Callable[[], bool], timeout_s: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


async def test_it_answers_on_the_dsn_with_its_password(pg_server: PgServer, pg_dsn: str) -> None:
    conn = await asyncpg.connect(pg_dsn)
    try:
        database = await conn.fetchval("SELECT current_database()")
        tables = await conn.fetchval(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"
        )
        superuser = await conn.fetchval("SELECT current_setting('is_superuser')")
    finally:
        await conn.close()
    password, port = pg_server.password, pg_server.port
    assert pg_dsn == f"postgresql://postgres:{password}@127.0.0.1:{port}/{database}"
    assert database.startswith("test_")
    assert tables == 0
    assert superuser == "on"
    wrong = pg_dsn.replace(pg_server.password, "wrong")
    with pytest.raises(asyncpg.InvalidPasswordError):
        await asyncpg.connect(wrong)


def test_it_runs_the_server_as_an_unprivileged_user(pg_server: PgServer) -> None:
    owner = pg_server.data_dir.stat().st_uid
    assert owner != 0
    assert pg_server.psql("SHOW fsync") == "off"


async def test_a_stopped_server_refuses_and_comes_back_with_its_data(
    pg_server: PgServer, pg_dsn: str
) -> None:
    conn = await asyncpg.connect(pg_dsn)
    await conn.execute("CREATE TABLE kept (x int); INSERT INTO kept VALUES (7)")
    pg_server.stop()
    with pytest.raises((asyncpg.PostgresConnectionError, ConnectionError, OSError)):
        await conn.fetchval("SELECT 1")
    with pytest.raises(OSError):
        await asyncpg.connect(pg_dsn, timeout=10)
    pg_server.start()
    again = await asyncpg.connect(pg_dsn)
    try:
        assert await again.fetchval("SELECT x FROM kept") == 7
    finally:
        await again.close()
        conn.terminate()


def test_each_test_gets_its_own_empty_database_and_the_session_cleans_up(
    pytester: pytest.Pytester, pg_server: PgServer
) -> None:
    done = run_inner(pytester, ISOLATION_TESTS.format(tag="db", ending=""), inner_env())
    assert done.returncode == 0, done.stdout + done.stderr
    assert "2 passed" in done.stdout
    one = (pytester.path / "db-one").read_text().split()
    two = (pytester.path / "db-two").read_text().split()
    assert one[0] == two[0]  # one server for the session...
    assert one[2] != two[2]  # ...a database per test (CREATE TABLE t twice did not clash)
    assert server_gone(Path(one[0]), int(one[1]))


def test_a_failed_session_still_stops_and_removes_its_server(
    pytester: pytest.Pytester, pg_server: PgServer
) -> None:
    source = ISOLATION_TESTS.format(tag="db", ending="assert False, 'this test fails'")
    done = run_inner(pytester, source, inner_env())
    assert done.returncode == 1, done.stdout + done.stderr
    root, pid, _ = (pytester.path / "db-two").read_text().split()
    assert server_gone(Path(root), int(pid))


def test_a_killed_session_takes_its_server_with_it(
    pytester: pytest.Pytester, pg_server: PgServer
) -> None:
    source = ISOLATION_TESTS.format(tag="db", ending="import time; time.sleep(120)")
    test_file = pytester.makepyfile(test_inner=source)
    inner = subprocess.Popen(
        [sys.executable, "-m", "pytest", "-p", "tests.pg", "-p", "no:cacheprovider",
         str(test_file)],
        cwd=pytester.path, env=inner_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        assert wait_for(lambda: (pytester.path / "db-two").exists(), 60)
        root, pid, _ = (pytester.path / "db-two").read_text().split()
        inner.send_signal(signal.SIGKILL)
        inner.wait(30)
        # pdeathsig stops the postmaster; the directory stays (nobody was left to delete it).
        assert wait_for(lambda: server_gone(Path("/nonexistent"), int(pid)))
    finally:
        inner.kill()
        inner.wait()
        subprocess.run(["rm", "-rf", root], check=False)


def test_without_binaries_the_postgresql_tests_are_skipped_with_the_reason(
    pytester: pytest.Pytester, tmp_path: Path
) -> None:
    source = "def test_needs_pg(pg_dsn):\n    pass\n"
    done = run_inner(pytester, source, inner_env(SUPPORTLIVE_PG_BIN=str(tmp_path)))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 skipped" in done.stdout
    assert (
        f"PostgreSQL server binaries not found (no initdb and postgres in "
        f"SUPPORTLIVE_PG_BIN={tmp_path}); install Debian's postgresql package" in done.stdout
    )


def test_under_ci_missing_binaries_fail_instead(pytester: pytest.Pytester, tmp_path: Path) -> None:
    source = "def test_needs_pg(pg_dsn):\n    pass\n"
    env = inner_env(SUPPORTLIVE_PG_BIN=str(tmp_path), CI="true")
    done = run_inner(pytester, source, env)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "1 error" in done.stdout
    assert "(CI installs it: see .ci/run)" in done.stdout
