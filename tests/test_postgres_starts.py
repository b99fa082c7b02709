"""A PostgreSQL `DATABASE_URL` that cannot be used stops `run` and `check` with one line and
exit 2, and never shows the password; a usable one is migrated at start."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from storage import open_database
from tests.pg import PgServer
from tests.support.process import ROOT
from tests.test_bad_starts import env_for, one_line, supportlive

PASSWORD = "s3cret-pw"


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.mark.parametrize("command", [["run"], ["check"]])
def test_an_unreachable_server_is_one_line_and_exit_2(tmp_path: Path, command: list[str]) -> None:
    port = closed_port()
    url = f"postgresql://bot:{PASSWORD}@127.0.0.1:{port}/supportlive"
    env = env_for(tmp_path, DATABASE_URL=url)
    code, _, stderr = supportlive(*command, env=env, cwd=tmp_path)
    assert code == 2, stderr
    assert one_line(stderr) == (
        f"supportlive: cannot reach PostgreSQL database supportlive at 127.0.0.1:{port}: "
        "Connection refused"
    )
    assert PASSWORD not in stderr


@pytest.mark.parametrize("command", [["run"], ["check"], ["db", "copy"]])
@pytest.mark.parametrize("password", ["p", PASSWORD])
def test_a_host_that_does_not_resolve_is_one_line_naming_it_and_exit_2(
    tmp_path: Path, command: list[str], password: str
) -> None:
    """The resolver's own code (-2) is no errno: it once read "Unknown error -2"."""
    url = f"postgresql://u:{password}@no-such-host.invalid/db"
    env = env_for(tmp_path, DATABASE_URL=url, PYTHONPATH=str(ROOT))
    asyncio.run(_make_sqlite(Path(env["DATABASE_PATH"])))  # what `db copy` copies
    done = subprocess.run(
        [sys.executable, "-m", "tests.support.no_names", *command],
        env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    said = "supportlive: db copy: " if command == ["db", "copy"] else "supportlive: "
    assert one_line(done.stderr) == (
        f"{said}cannot resolve the database host no-such-host.invalid (Name or service not known)"
    )
    assert f"u:{password}" not in done.stdout + done.stderr


async def _make_sqlite(path: Path) -> None:
    db = await open_database(path)
    await db.close()


@pytest.mark.parametrize("command", [["run"], ["check"]])
def test_a_refused_login_is_one_line_and_exit_2(
    tmp_path: Path, pg_server: PgServer, command: list[str]
) -> None:
    url = f"postgresql://postgres:{PASSWORD}@127.0.0.1:{pg_server.port}/postgres"
    code, _, stderr = supportlive(*command, env=env_for(tmp_path, DATABASE_URL=url), cwd=tmp_path)
    assert code == 2, stderr
    line = one_line(stderr)
    assert line.startswith(
        f"supportlive: PostgreSQL database postgres at 127.0.0.1:{pg_server.port} "
        "refused the login: password authentication failed"
    ), line
    assert PASSWORD not in stderr


def test_a_database_that_does_not_exist_is_one_line_and_exit_2(
    tmp_path: Path, pg_server: PgServer
) -> None:
    url = pg_server.dsn("no_such_database")
    code, _, stderr = supportlive("run", env=env_for(tmp_path, DATABASE_URL=url), cwd=tmp_path)
    assert code == 2, stderr
    assert "the database does not exist" in one_line(stderr)
    assert pg_server.password not in stderr
