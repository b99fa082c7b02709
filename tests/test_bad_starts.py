"""Every bad start ends with one clear line and a documented exit status, never a traceback.

These run the installed `supportlive` entry point as a user would, in a subprocess.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from storage import open_database
from storage.store import Store
from tests.support.site import write_catalog

SUPPORTLIVE = str(Path(sys.executable).parent / "supportlive")
TOKEN = "123456789:AAEhBOweik6ad9r_QXMENQjcrGbqCr4K-ra"


def env_for(tmp_path: Path, **extra: str) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "CATALOG_PATH": str(write_catalog(tmp_path, 9)),
        "ALLOW_LOCAL_TARGETS": "true",
        "DATABASE_PATH": str(tmp_path / "db" / "bot.sqlite3"),
        "WEB_ENABLED": "false",
        **extra,
    }


def supportlive(
    *args: str, env: dict[str, str], cwd: Path, timeout: float = 60
) -> tuple[int, str, str]:
    done = subprocess.run(
        [SUPPORTLIVE, *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout
    )
    return done.returncode, done.stdout, done.stderr


def one_line(stderr: str) -> str:
    assert "Traceback" not in stderr, stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    return lines[0]


@pytest.mark.parametrize(
    ("setting", "value", "line"),
    [
        ("DNS_NAMESERVERS", "notanip", "DNS_NAMESERVERS: not an IP address: 'notanip'"),
        ("ADMIN_USER_IDS", "%%%,,garbage;;", "ADMIN_USER_IDS: not a user id: '%%%', 'garbage;;'"),
        ("TELEGRAM_BOT_TOKEN", "paste me here", "TELEGRAM_BOT_TOKEN: not a bot token"),
        ("DISCORD_BOT_TOKEN", "Bot abc.def", "DISCORD_BOT_TOKEN: not a bot token"),
        ("TELEGRAM_API_BASE_URL", "api.telegram.org", "TELEGRAM_API_BASE_URL: 'api.telegram.org'"),
        ("DISCORD_GATEWAY_URL", "https://x.example", "DISCORD_GATEWAY_URL: 'https://x.example'"),
        ("LOG_LEVEL", "NOTSET", "LOG_LEVEL: use DEBUG, INFO, WARNING or ERROR"),
        ("WEB_HOST", "my host", "WEB_HOST: 'my host' is not a host name or IP address"),
        ("PORT", "eighty", "PORT: must be a whole number"),
        ("DISCORD_TEST_GUILD_ID", "-4", "DISCORD_TEST_GUILD_ID: must be more than 0"),
        ("TELEGRAM_RATE_PER_S", "nan", "TELEGRAM_RATE_PER_S: must be a number"),
        ("DATABASE_PATH", "", "DATABASE_PATH: is empty (leave it out for the default)"),
        ("CATALOG_PATH", " ", "CATALOG_PATH: is empty (leave it out for the default)"),
    ],
)
def test_a_bad_setting_is_one_line_naming_it_and_exit_2(
    tmp_path: Path, setting: str, value: str, line: str
) -> None:
    code, _, err = supportlive("check", env=env_for(tmp_path, **{setting: value}), cwd=tmp_path)
    assert code == 2
    assert one_line(err).startswith(f"supportlive: configuration: {line}")
    if "TOKEN" in setting:
        assert value not in err


WEBHOOK_SECRET = "a_Good-secret_0123456789"


@pytest.mark.parametrize(
    ("settings", "line"),
    [
        (
            {"TELEGRAM_WEBHOOK_URL": "http://bot.example.org"},
            "TELEGRAM_WEBHOOK_URL: 'http://bot.example.org' must start with https://",
        ),
        (
            {"TELEGRAM_WEBHOOK_URL": "https://bot.example.org:8080"},
            "TELEGRAM_WEBHOOK_URL: port 8080: Telegram delivers only to ports 443, 80, 88 or 8443",
        ),
        (
            {"TELEGRAM_WEBHOOK_URL": "https://bot.example.org/?x=1"},
            "TELEGRAM_WEBHOOK_URL: 'https://bot.example.org/?x=1' has a query or fragment",
        ),
        (
            {"TELEGRAM_WEBHOOK_URL": "bot.example.org"},
            "TELEGRAM_WEBHOOK_URL: 'bot.example.org' is not a URL",
        ),
        (
            {"TELEGRAM_WEBHOOK_SECRET": ""},
            "TELEGRAM_WEBHOOK_URL: needs TELEGRAM_WEBHOOK_SECRET too",
        ),
        (
            {"TELEGRAM_WEBHOOK_SECRET": "with:colon"},
            "TELEGRAM_WEBHOOK_SECRET: must be 1 to 256 characters, each a letter A-Z or a-z",
        ),
        (
            {"TELEGRAM_WEBHOOK_SECRET": "x" * 257},
            "TELEGRAM_WEBHOOK_SECRET: must be 1 to 256 characters",
        ),
        (
            {"WEB_ENABLED": "false"},
            "TELEGRAM_WEBHOOK_URL: needs the web side (WEB_ENABLED=true)",
        ),
    ],
)
def test_a_bad_webhook_setting_is_one_line_naming_it_and_exit_2(
    tmp_path: Path, settings: dict[str, str], line: str
) -> None:
    webhook = {
        "WEB_ENABLED": "true",
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_WEBHOOK_URL": "https://bot.example.org",
        "TELEGRAM_WEBHOOK_SECRET": WEBHOOK_SECRET,
    }
    env = env_for(tmp_path, **{**webhook, **settings})
    code, _, err = supportlive("run", env=env, cwd=tmp_path)
    assert code == 2
    assert one_line(err).startswith(f"supportlive: configuration: {line}"), err
    secret = env["TELEGRAM_WEBHOOK_SECRET"]
    assert not secret or secret not in err, "a secret is never shown, even a wrong one"


def test_a_token_of_the_right_shape_is_accepted(tmp_path: Path) -> None:
    code, out, err = supportlive(
        "catalog", "check", env=env_for(tmp_path, TELEGRAM_BOT_TOKEN=TOKEN), cwd=tmp_path
    )
    assert code == 0, err
    assert "OK" in out


def test_a_dotenv_that_is_not_utf8_is_one_line(tmp_path: Path) -> None:
    (tmp_path / ".env").write_bytes(b"PORT=8080\nWEB_HOST=h\xf4te\n")
    code, _, err = supportlive("check", env=env_for(tmp_path), cwd=tmp_path)
    assert code == 2
    assert one_line(err) == (
        "supportlive: configuration: .env: is not UTF-8 text (byte 0xf4 at offset 20)"
    )


def test_a_catalog_that_is_not_utf8_stops_run_with_its_problem(tmp_path: Path) -> None:
    catalog = tmp_path / "latin1.yaml"
    catalog.write_bytes("exchanges:\n  - id: caf\xe9\n".encode("latin-1"))
    code, _, err = supportlive(
        "run", env=env_for(tmp_path, CATALOG_PATH=str(catalog)), cwd=tmp_path
    )
    assert code == 2
    assert "Traceback" not in err
    assert err.strip().splitlines() == [
        f"catalog {catalog} has 1 problem(s):",
        "  file: is not UTF-8 text (byte 0xe9 at offset 22)",
    ]


def migrated_database(path: Path) -> None:
    """A database as the bot leaves it, made by the real code in a separate process."""
    script = (
        "import asyncio, sys\n"
        "from pathlib import Path\n"
        "from storage import open_database\n"
        "async def main():\n"
        "    db = await open_database(Path(sys.argv[1]))\n"
        "    await db.close()\n"
        "asyncio.run(main())\n"
    )
    subprocess.run([sys.executable, "-c", script, str(path)], check=True, timeout=60)


def test_a_database_with_garbage_pages_is_one_line_and_exit_2(tmp_path: Path) -> None:
    path = tmp_path / "db" / "bot.sqlite3"
    migrated_database(path)
    with sqlite3.connect(path) as db:
        page_size = db.execute("PRAGMA page_size").fetchone()[0]
        root = db.execute("SELECT rootpage FROM sqlite_master WHERE name = 'health_state'")
        page = root.fetchone()[0]
    db.close()
    data = bytearray(path.read_bytes())
    start = (page - 1) * page_size  # the header and the schema stay valid
    data[start : start + page_size] = b"\x5a" * page_size
    path.write_bytes(bytes(data))

    code, _, err = supportlive("run", env=env_for(tmp_path), cwd=tmp_path)
    assert code == 2
    assert one_line(err) == (
        f"supportlive: database file {path} is damaged (database disk image is malformed): "
        "move it away to start with an empty one, or put back a copy"
    )


def test_ask_on_a_database_damaged_since_the_start_is_one_line_and_exit_1(
    tmp_path: Path,
) -> None:
    """The file opens (its header and schema are fine), then a read meets a garbage page."""
    path = tmp_path / "db" / "bot.sqlite3"
    migrated_database(path)
    with sqlite3.connect(path) as db:
        page_size = db.execute("PRAGMA page_size").fetchone()[0]
        # The index /history reads the exchange's transitions through.
        root = "SELECT rootpage FROM sqlite_master WHERE name = 'transitions_exchange_at'"
        page = db.execute(root).fetchone()[0]
    db.close()
    data = bytearray(path.read_bytes())
    data[(page - 1) * page_size : page * page_size] = b"\x5a" * page_size
    path.write_bytes(bytes(data))

    code, out, err = supportlive("ask", "/history", env=env_for(tmp_path), cwd=tmp_path)
    assert (code, out) == (1, "")
    line = one_line(err)
    assert line.startswith(f"supportlive: database: database file {path} is damaged"), line


def test_a_database_path_that_is_a_folder_is_one_line_and_exit_2(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    folder.mkdir()

    code, _, err = supportlive(
        "run", env=env_for(tmp_path, DATABASE_PATH=str(folder)), cwd=tmp_path
    )
    assert code == 2
    assert one_line(err) == f"supportlive: database path {folder} is a folder, not a file"


def test_a_database_file_sqlite_cannot_open_is_one_line_and_exit_2(tmp_path: Path) -> None:
    path = tmp_path / "db" / "bot.sqlite3"
    path.parent.mkdir()
    path.symlink_to(tmp_path / "gone" / "bot.sqlite3")  # SQLite cannot create it there

    code, _, err = supportlive("run", env=env_for(tmp_path, DATABASE_PATH=str(path)), cwd=tmp_path)
    assert code == 2
    assert one_line(err) == (
        f"supportlive: cannot open database file {path}: unable to open database file"
    )


@pytest.mark.skipif(os.geteuid() != 0, reason="a read-only mount needs root")
def test_a_read_only_database_is_one_line_and_exit_2(tmp_path: Path) -> None:
    folder = tmp_path / "db"
    path = folder / "bot.sqlite3"
    migrated_database(path)
    # A connection still open keeps the -wal and -shm files: SQLite then opens the read-only
    # file and fails only at the first write (as after a crash, which leaves them too).
    keep = sqlite3.connect(path)
    keep.execute("PRAGMA journal_mode = WAL")
    keep.execute("CREATE TABLE IF NOT EXISTS leftover (x)")
    keep.commit()
    try:
        command = f"mount --bind -o ro {folder} {folder} && exec {SUPPORTLIVE} run"
        done = subprocess.run(
            ["unshare", "-m", "--propagation", "private", "sh", "-c", command],
            env=env_for(tmp_path), cwd=tmp_path, capture_output=True, text=True, timeout=60,
        )  # fmt: skip
    finally:
        keep.close()
    assert done.returncode == 2
    assert one_line(done.stderr) == (
        f"supportlive: database file {path} is read-only; supportlive must write it"
    )


def test_a_port_in_use_is_one_line_and_exit_2(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = env_for(tmp_path, WEB_ENABLED="true", WEB_HOST="127.0.0.1", PORT=str(port))
        code, _, err = supportlive("run", env=env, cwd=tmp_path)
    assert code == 2
    assert one_line(err) == (
        f"supportlive: configuration: PORT: 127.0.0.1:{port} is already in use by another program"
    )


def test_a_second_run_that_cannot_listen_leaves_the_running_bots_blind_state(
    tmp_path: Path,
) -> None:
    """`supportlive ask` reads the blind state the running bot stored; a failed start keeps it."""
    database = tmp_path / "db" / "bot.sqlite3"
    blind_since = datetime(2026, 11, 29, 4, 15, tzinfo=UTC)
    asyncio.run(_store_blind(database, blind_since))
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = env_for(tmp_path, WEB_ENABLED="true", WEB_HOST="127.0.0.1", PORT=str(port))
        code, _, _ = supportlive("run", env=env, cwd=tmp_path)
    assert code == 2
    assert asyncio.run(_stored_blind(database)) == blind_since


async def _store_blind(path: Path, since: datetime) -> None:
    db = await open_database(path)
    try:
        await Store(db).save_sight(since, since)
    finally:
        await db.close()


async def _stored_blind(path: Path) -> datetime | None:
    db = await open_database(path)
    try:
        return await Store(db).load_sight()
    finally:
        await db.close()


def test_a_web_host_that_is_not_here_is_one_line_and_exit_2(tmp_path: Path) -> None:
    # 192.0.2.1 is reserved for documentation: never an address of this machine.
    env = env_for(tmp_path, WEB_ENABLED="true", WEB_HOST="192.0.2.1", PORT="0")
    code, _, err = supportlive("run", env=env, cwd=tmp_path)
    assert code == 2
    assert one_line(err) == (
        "supportlive: configuration: WEB_HOST: cannot listen on '192.0.2.1': "
        "Cannot assign requested address (not an address of this machine)"
    )


def test_ctrl_c_during_the_imports_is_one_line_and_exit_130(tmp_path: Path) -> None:
    process = subprocess.Popen(
        [SUPPORTLIVE, "catalog", "check"],
        env=env_for(tmp_path), cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    # pydantic's compiled core is mapped early in the imports, long before the check is done.
    deadline = time.monotonic() + 30
    maps = Path(f"/proc/{process.pid}/maps")
    while time.monotonic() < deadline and "_pydantic_core" not in maps.read_text():
        time.sleep(0.005)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 130, err
    assert one_line(err) == "supportlive: interrupted"


def test_a_reader_that_went_away_ends_ask_quietly(tmp_path: Path) -> None:
    # As `supportlive ask "/help" | head -1` when head is gone before we write.
    process = subprocess.Popen(
        [SUPPORTLIVE, "ask", "/help"],
        env=env_for(tmp_path), cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()
    with process.stderr:
        err = process.stderr.read().decode()
    assert process.wait(timeout=60) == 141
    assert err == ""
