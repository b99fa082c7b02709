"""The whole `supportlive run` process with a Telegram token: probes a loopback site, answers
/status through the fake Bot API, stops cleanly on SIGTERM, never prints the token."""

from __future__ import annotations

import asyncio
import re
import signal
import sys
import time
from pathlib import Path

import aiohttp

from tests.fakes.telegram_api import ApiError, FakeTelegram, JsonDict
from tests.support.process import BotProcess, bot_env, get_health
from tests.support.site import SupportSite, write_catalog
from tests.telegram.conftest import TOKEN
from tests.test_cli import env_for


async def test_supportlive_run_answers_status_on_telegram(
    tmp_path: Path, database_target: str | Path
) -> None:
    """On SQLite and, in a second run, on PostgreSQL (DATABASE_URL)."""
    on_postgresql = {"DATABASE_URL": database_target} if isinstance(database_target, str) else {}
    async with SupportSite() as site, FakeTelegram(token=TOKEN) as tg:
        env = env_for(
            tmp_path,
            write_catalog(tmp_path, site.port),
            **on_postgresql,
            TELEGRAM_BOT_TOKEN=TOKEN,
            TELEGRAM_API_BASE_URL=tg.base_url,
            ADMIN_USER_IDS="telegram:7",
            PORT="0",
            NO_PROXY="127.0.0.1,localhost",
            PTB_TIMEDELTA="1",
        )
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", env=env, cwd=tmp_path,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        try:
            await tg.wait_for_calls("setMyCommands", n=2, timeout=20)
            deadline = time.monotonic() + 20
            while min(site.hits.get("chat", 0), site.hits.get("help", 0)) < 3:
                assert time.monotonic() < deadline, "the probes never reached the site"
                await asyncio.sleep(0.1)
            tg.push_message("/status loopex", chat_id=42)
            [sent] = await tg.wait_for_messages(1, chat_id=42, timeout=10)
            tg.push_message("/status@supportlive_bot", chat_id=-100555, user_id=42,
                            chat_type="supergroup")  # fmt: skip
            [in_group] = await tg.wait_for_messages(1, chat_id=-100555, timeout=10)
        finally:
            if process.returncode is None:
                process.send_signal(signal.SIGTERM)
            started = time.monotonic()
            _, err = await asyncio.wait_for(process.communicate(), 15)
            stopped_in = time.monotonic() - started
    log = err.decode()
    assert sent["text"].startswith("<b>Loopex — support is live now ✅</b>\n"), log
    # The same answer in the group; a check may land between the two, so figures may move.
    assert _figures_out(in_group["text"]) == _figures_out(sent["text"])
    assert tg.commands()[0]["command"] == "status"
    assert process.returncode == 0, log
    assert stopped_in < 5
    assert TOKEN not in log and TOKEN.split(":")[1] not in log
    if on_postgresql:
        assert str(database_target).split(":")[2].split("@")[0] not in log  # the password


async def test_healthz_says_starting_until_the_probes_begin(tmp_path: Path) -> None:
    """The web side answers first; a slow chat adapter start is not a stuck scheduler."""
    release = asyncio.Event()

    async def slow_get_me(_: JsonDict) -> JsonDict:
        await release.wait()
        raise ApiError(502, "Bad Gateway")

    async with SupportSite() as site, FakeTelegram(token=TOKEN) as tg:
        tg.register_method("getMe", slow_get_me)
        async with (
            BotProcess(bot_env(tmp_path, site, tg), tmp_path) as bot,
            aiohttp.ClientSession() as http,
        ):
            base = await bot.web_base()
            deadline = time.monotonic() + 30
            while not tg.calls("getMe"):  # asked, not yet answered
                assert time.monotonic() < deadline, bot.log
                await asyncio.sleep(0.05)
            during_start = await get_health(http, base)
            release.set()
            assert await bot.stop() == 0, bot.log
    assert during_start == (503, "starting: the probes have not begun yet"), bot.log


async def test_supportlive_run_in_webhook_mode_answers_what_telegram_delivers(
    tmp_path: Path,
) -> None:
    """The real process in webhook mode, at DEBUG: it registers the webhook, answers an update
    Telegram delivers, stops cleanly, and its log never shows the secret."""
    secret = "process_Webhook-secret-42"
    async with SupportSite() as site, FakeTelegram(token=TOKEN) as tg:
        env = {
            **bot_env(tmp_path, site, tg),
            "TELEGRAM_WEBHOOK_URL": "https://bot.example.org/",
            "TELEGRAM_WEBHOOK_SECRET": secret,
            "LOG_LEVEL": "DEBUG",
        }
        async with BotProcess(env, tmp_path) as bot:
            tg.route_webhook(await bot.web_base())
            [registered] = await tg.wait_for_calls("setWebhook", timeout=30)
            tg.push_message("/status loopex", chat_id=42)
            deadline = time.monotonic() + 30
            while tg.pending_updates:  # 503 until the bot is up; Telegram delivers again
                assert time.monotonic() < deadline, bot.log
                if await tg.deliver_pending() != [200]:
                    await asyncio.sleep(0.2)
            [sent] = await tg.wait_for_messages(1, chat_id=42, timeout=20)
            code = await bot.stop()
    log = bot.log + "".join(bot.out)
    assert code == 0, log
    assert registered.params["url"].startswith("https://bot.example.org/telegram/")
    assert registered.params["secret_token"] == secret
    assert sent["text"].startswith("<b>Loopex — "), sent["text"]
    assert not tg.calls("getUpdates")
    assert "takes updates by webhook under https://bot.example.org" in log
    assert secret not in log


def _figures_out(reply: str) -> str:
    """A reply with its numbers (latencies, seconds ago, times) blanked."""
    return re.sub(r"\d+", "#", reply)
