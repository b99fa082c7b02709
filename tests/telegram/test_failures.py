"""Abuse and failure: rate limits, a failing Bot API, blocked users, bugs, and the token."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any

import pytest

from bot.adapters.telegram import adapter as adapter_module
from bot.logs import RedactSecrets
from bot.render.en import EN
from bot.supervisor import Supervisor
from tests.fakes.telegram_api import ApiError, FakeTelegram, JsonDict
from tests.support.process import until
from tests.telegram.conftest import TOKEN, Bot
from tests.telegram.test_commands import STATUS

SLOW_DOWN = (
    "<b>You're sending commands faster than I can answer. "
    "Please wait a few seconds, then try again.</b>"
)


async def test_a_user_over_the_limit_is_told_once_then_ignored_until_it_frees_up(
    bot: Bot,
) -> None:
    for _ in range(10):
        bot.tg.push_message("/help", chat_id=42)
    await bot.tg.wait_for_messages(9, chat_id=42)
    assert await bot.quiet(42, since=9)
    texts = [m["text"] for m in bot.tg.sent_messages(42)]
    assert texts[-1] == SLOW_DOWN
    assert texts[:8] == [texts[0]] * 8
    assert bot.adapter.stats.limited == 2
    bot.clock.advance(10)
    assert (await bot.ask("/help"))["text"] == texts[0]


async def test_the_limit_is_per_user(bot: Bot) -> None:
    for _ in range(9):
        bot.tg.push_message("/help", chat_id=42)
    await bot.tg.wait_for_messages(9, chat_id=42)
    assert (await bot.ask("/status loopex", chat_id=43))["text"] == STATUS


async def test_a_chinese_user_over_the_limit_is_told_in_chinese(bot: Bot) -> None:
    for _ in range(9):
        bot.tg.push_message("/help", chat_id=42, language_code="zh-CN")
    [*_, last] = await bot.tg.wait_for_messages(9, chat_id=42)
    assert last["text"] == "<b>您发送命令的速度太快了，请稍等几秒再试。</b>"


async def test_polling_rides_out_a_dropped_connection_and_429_then_answers(bot: Bot) -> None:
    bot.tg.fail_next("getUpdates", 0)  # connection dropped (PTB: NetworkError, as for 5xx)
    bot.tg.fail_next("getUpdates", 429, retry_after=1)
    await bot.ask("/help")  # ends the long poll in flight; the next two fail
    while [c.status for c in bot.tg.calls("getUpdates") if c.status in (0, 429)] != [0, 429]:
        await asyncio.sleep(0.02)
    bot.tg.push_message("/status loopex", chat_id=42)
    [*_, sent] = await bot.tg.wait_for_messages(2, chat_id=42, timeout=8)
    assert sent["text"] == STATUS


async def test_a_reply_that_fails_with_5xx_or_429_is_sent_again(bot: Bot) -> None:
    bot.tg.fail_next("sendMessage", 502)
    bot.tg.fail_next("sendMessage", 429, retry_after=1)
    started = time.monotonic()
    assert (await bot.ask("/status loopex", chat_id=42))["text"] == STATUS
    assert time.monotonic() - started >= 1.0  # it waited for retry_after
    assert [c.status for c in bot.tg.calls("sendMessage")] == [502, 429, 200]


async def test_if_telegram_refuses_our_html_the_user_still_gets_plain_text(bot: Bot) -> None:
    bot.tg.fail_next("sendMessage", 400, "Bad Request: can't parse entities: unsupported tag")
    sent = await bot.ask("/lang")
    assert sent == {
        "chat_id": 42,
        "text": "Language: English. Switch with /lang zh.",
        "reply_markup": {
            "inline_keyboard": [
                [
                    {"text": "English", "callback_data": "/lang en"},
                    {"text": "中文", "callback_data": "/lang zh"},
                ]
            ]
        },
        "link_preview_options": {"is_disabled": True},
    }


async def test_a_user_who_blocked_the_bot_does_not_stop_it(bot: Bot) -> None:
    bot.tg.block_chat(42)
    bot.tg.push_message("/status loopex", chat_id=42)
    [call] = await bot.tg.wait_for_calls("sendMessage")
    assert call.status == 403
    assert (await bot.ask("/status loopex", chat_id=43))["text"] == STATUS
    assert bot.adapter.stats.failed_sends == 1


async def test_the_bot_api_down_at_start_delays_the_bot_but_does_not_fail_it(
    tg: FakeTelegram, world: Callable[..., Any]
) -> None:
    tg.fail_next("getMe", 502, times=2)
    started = time.monotonic()
    running: Bot = await world()
    assert time.monotonic() - started < 1.0  # start() returned; it retries in the background
    assert running.adapter.bot is None
    assert await running.adapter.wait_ready(8)
    assert (await running.ask("/status loopex"))["text"] == STATUS


async def test_an_unexpected_error_while_reconnecting_is_retried_and_named_in_healthz(
    tg: FakeTelegram,
    world: Callable[..., Any],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    tg.fail_next("getMe", 502, times=4)  # unreachable at start and for three retries (3.5 s)
    set_menus, tries = adapter_module._set_menus, []

    async def broken_once(bot: Any) -> None:
        tries.append(bot)
        if len(tries) == 1:
            raise KeyError("result")  # a bug on the way to connecting
        await set_menus(bot)

    monkeypatch.setattr(adapter_module, "_set_menus", broken_once)
    supervisor = Supervisor()
    running: Bot = await world(supervisor=supervisor)

    unreachable = ": ConnectionError: Telegram Bot API unreachable (NetworkError)"
    seen: list[str] = []

    async def named() -> bool:
        seen.extend(supervisor.problems())
        return any(problem.endswith(unreachable) for problem in seen)

    await until("/healthz to name the Telegram bot", named, timeout=10)
    assert seen[-1].startswith("telegram is down for "), seen
    assert await running.adapter.wait_ready(30), "it kept trying after the bug"
    assert not supervisor.problems()
    assert (await running.ask("/status loopex"))["text"] == STATUS
    [bug] = [r for r in caplog.records if r.getMessage().startswith("telegram failed (KeyError")]
    assert bug.exc_info is not None, "a bug gets its traceback, once"


async def test_a_rejected_token_leaves_the_bot_off_and_unsaid(
    tg: FakeTelegram, world: Callable[..., Any], caplog: pytest.LogCaptureFixture
) -> None:
    async def unauthorized(_: JsonDict) -> JsonDict:
        raise ApiError(401, "Unauthorized")

    tg.register_method("getMe", unauthorized)
    supervisor = Supervisor(backoff_first_s=0.05, backoff_max_s=0.1)
    running: Bot = await world(supervisor=supervisor)
    assert running.adapter.bot is None
    assert "Telegram rejected TELEGRAM_BOT_TOKEN; the Telegram bot stays off" in caplog.text
    await asyncio.sleep(1.2)
    assert len(tg.calls("getMe")) == 1  # no retrying a token Telegram said is wrong
    # Off is not healthy: /healthz names the rejected token (and never the token itself).
    [problem] = supervisor.problems()
    assert problem.startswith("telegram is down for "), problem
    assert problem.endswith(
        ": TokenRejected: Telegram rejected TELEGRAM_BOT_TOKEN; the Telegram bot is off"
    ), problem
    assert TOKEN not in caplog.text and TOKEN not in problem


async def test_an_unexpected_error_gets_an_apology_and_a_log_line_never_a_traceback(
    bot: Bot, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    async def broken(*_: Any) -> Any:
        raise RuntimeError("core exploded")

    monkeypatch.setattr(adapter_module, "handle", broken)
    sent = await bot.ask("/status loopex")
    assert sent["text"] == f"<b>{EN.internal_error}</b>"
    assert "Traceback" not in sent["text"] and "exploded" not in sent["text"]
    assert any("core exploded" in r.getMessage() for r in caplog.records if r.levelname == "ERROR")
    monkeypatch.undo()
    assert (await bot.ask("/status loopex"))["text"] == STATUS


@pytest.mark.parametrize("httpx_level", [logging.WARNING, logging.INFO])
async def test_the_token_never_reaches_the_logs(
    bot: Bot, caplog: pytest.LogCaptureFixture, httpx_level: int
) -> None:
    """As `configure_logging` sets it up (HTTP client at WARNING) nothing logs the token even
    unfiltered; with the HTTP client at INFO its request URLs carry it, and the filter cuts it."""
    caplog.set_level(logging.DEBUG)
    for name in ("httpx", "httpcore"):
        caplog.set_level(httpx_level, logger=name)  # restored after the test
    # pytest keeps one capture handler for the whole session: the filter must go again, or
    # it rewrites every later test's records (a traceback becomes text, exc_info None).
    redact = RedactSecrets([TOKEN])
    if httpx_level < logging.WARNING:
        caplog.handler.addFilter(redact)
    try:
        bot.tg.fail_next("getUpdates", 502)
        bot.tg.fail_next("sendMessage", 0)
        bot.tg.block_chat(13)
        bot.tg.push_message("/status loopex", chat_id=13)
        assert (await bot.ask("/status loopex", chat_id=42))["text"] == STATUS
        await bot.adapter.stop()
    finally:
        caplog.handler.removeFilter(redact)
    assert caplog.records
    assert TOKEN not in caplog.text
    assert TOKEN.split(":")[1] not in caplog.text
    assert ("[redacted]" in caplog.text) is (httpx_level < logging.WARNING)


async def test_stop_is_quick_even_with_a_long_poll_in_flight(world: Callable[..., Any]) -> None:
    running: Bot = await world(poll_timeout_s=30)
    assert await running.adapter.wait_ready(5)
    while not running.tg.calls("getUpdates"):
        await asyncio.sleep(0.01)
    await asyncio.sleep(0.1)
    assert running.tg.calls("getUpdates")[-1].status == -1  # a long poll is in flight
    started = time.monotonic()
    await running.adapter.stop()
    assert time.monotonic() - started < 2.0
