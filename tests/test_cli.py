"""The `supportlive` command as a user runs it: a subprocess against a loopback site."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import sys
import time
from pathlib import Path

from tests.support.site import SupportSite, write_catalog


def env_for(tmp_path: Path, catalog: Path, **extra: str) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "CATALOG_PATH": str(catalog),
        "ALLOW_LOCAL_TARGETS": "true",
        "DATABASE_PATH": str(tmp_path / "db" / "bot.sqlite3"),
        "WEB_ENABLED": "false",
        "CANARY_URLS": "",  # no internet in tests; the blind tests set their own canary
        **extra,
    }


async def run_cli(
    *args: str, env: dict[str, str], cwd: Path, timeout: float = 30
) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *args,
        env=env,
        cwd=cwd,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def test_check_prints_a_table_and_exits_0_when_all_is_up(tmp_path: Path) -> None:
    async with SupportSite() as site:
        env = env_for(tmp_path, write_catalog(tmp_path, site.port))
        code, out, err = await run_cli("check", env=env, cwd=tmp_path)
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].split() == ["EXCHANGE", "CHANNEL", "VERDICT", "LATENCY", "DETAIL"]
    rows = {line.split()[1]: line.split() for line in lines[1:]}
    assert rows["live_chat"][2] == "live"
    assert rows["live_chat"][4] == "ms"  # "12 ms"
    assert rows["email"][2:4] == ["live", "-"]
    assert "not probed" in lines[-1]


async def test_check_exits_1_when_a_channel_is_down(tmp_path: Path) -> None:
    async with SupportSite() as site:
        site.down.add("chat")
        env = env_for(tmp_path, write_catalog(tmp_path, site.port))
        code, out, _ = await run_cli("check", "LOOPEX", env=env, cwd=tmp_path)
    assert code == 1
    live_chat = next(line for line in out.splitlines() if " live_chat " in line)
    assert live_chat.split()[2] == "down"
    assert live_chat.endswith("HTTP 503")


async def test_check_names_an_unknown_exchange_and_exits_2(tmp_path: Path) -> None:
    env = env_for(tmp_path, write_catalog(tmp_path, 9))
    code, _, err = await run_cli("check", "lopex", env=env, cwd=tmp_path)
    assert code == 2
    assert "unknown exchange 'lopex' (closest: Loopex); known: Loopex" in err


async def test_check_reports_a_broken_catalog_and_exits_2(tmp_path: Path) -> None:
    catalog = tmp_path / "broken.yaml"
    catalog.write_text("exchanges: [{id: x}]\n", encoding="utf-8")
    code, _, err = await run_cli("check", env=env_for(tmp_path, catalog), cwd=tmp_path)
    assert code == 2
    assert "x: missing field 'name'" in err
    assert "Traceback" not in err


async def test_run_probes_stores_and_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    async with SupportSite() as site:
        env = env_for(tmp_path, write_catalog(tmp_path, site.port))
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", env=env, cwd=tmp_path,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        deadline = time.monotonic() + 20
        while site.hits.get("chat", 0) < 3 and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
        await asyncio.sleep(1.5)  # one flush interval
        process.send_signal(signal.SIGTERM)
        started = time.monotonic()
        _, err = await asyncio.wait_for(process.communicate(), 10)
        stopped_in = time.monotonic() - started
    assert process.returncode == 0, err.decode()
    assert stopped_in < 5
    with sqlite3.connect(tmp_path / "db" / "bot.sqlite3") as db:
        stored = db.execute("SELECT count(*) FROM probe_results").fetchone()[0]
        health = dict(db.execute("SELECT channel, state FROM health_state").fetchall())
    assert stored >= 3
    assert '"health":"up"' in health["loopex/live_chat"]


async def test_run_refuses_a_database_that_is_not_one(tmp_path: Path) -> None:
    (tmp_path / "db").mkdir()
    (tmp_path / "db" / "bot.sqlite3").write_text("not a database, just text\n" * 100)
    env = env_for(tmp_path, write_catalog(tmp_path, 9))
    code, _, err = await run_cli("run", env=env, cwd=tmp_path)
    assert code == 2
    assert "not a SQLite database" in err
    assert "Traceback" not in err


async def test_ask_verify_says_a_look_alike_is_not_mexc_in_both_languages(tmp_path: Path) -> None:
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path)}
    code, out, _ = await run_cli("ask", "/verify mexc-support.com", env=env, cwd=tmp_path)
    assert code == 0
    assert out.splitlines()[:3] == [
        "❌ Not MEXC",
        "mexc-support[.]com is not MEXC's website.",
        "MEXC's only website is mexc.com.",
    ]
    code, out, _ = await run_cli(
        "ask", "/验证 mexc-support.com", "--lang", "zh", env=env, cwd=tmp_path
    )
    assert code == 0
    assert out.splitlines()[:3] == [
        "❌ 这不是 MEXC 官方",
        "mexc-support[.]com 不是 MEXC 官方网站。",
        "MEXC 唯一官网是 mexc.com。",
    ]
