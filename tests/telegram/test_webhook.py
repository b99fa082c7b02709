"""Telegram webhook mode, end to end: the real app (`bot.app.running`) on loopback with its web
side, the fake Bot API delivering updates as Telegram does, real SQLite in a temporary folder.

Nothing polls: the fake answers getUpdates with 409 while a webhook is set, so every reply
below came through the webhook.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
import sqlite3
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, closing
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.app import Runtime, running
from bot.catalog import load_catalog
from bot.clock import SystemClock
from bot.settings import Settings, load_settings
from tests.fakes.telegram_api import FakeTelegram, JsonDict
from tests.support.site import SupportSite, write_catalog
from tests.telegram.conftest import TOKEN

SECRET = "w3bhook_Secret-for-tests"
PUBLIC = "https://bot.example.org"
PATH = "/telegram/" + hashlib.sha256(SECRET.encode()).hexdigest()[:32]
CHAT = 42
OTHER_CHAT = 777


@pytest.fixture(autouse=True)
def _ptb_timedelta(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "1")


@pytest.fixture
async def site() -> AsyncIterator[SupportSite]:
    async with SupportSite() as serving:
        yield serving


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram(token=TOKEN) as fake:
        yield fake


def settings_for(tmp_path: Path, site: SupportSite, tg: FakeTelegram, **extra: Any) -> Settings:
    values: dict[str, Any] = {
        "catalog_path": write_catalog(tmp_path, site.port),
        "database_path": tmp_path / "bot.sqlite3",
        "allow_local_targets": True,
        "canary_urls": (),
        "telegram_bot_token": TOKEN,
        "telegram_api_base_url": tg.base_url,
        "web_host": "127.0.0.1",
        "port": 0,
        "telegram_webhook_url": PUBLIC,
        "telegram_webhook_secret": SECRET,
    }
    values.update(extra)
    return load_settings(**values)


@asynccontextmanager
async def app(settings: Settings, tg: FakeTelegram) -> AsyncIterator[Runtime]:
    """The whole bot running; the fake delivers its webhook requests to this one."""
    catalog = load_catalog(settings.catalog_path, allow_local=True)
    async with running(settings, catalog, SystemClock()) as runtime:
        if settings.telegram_webhook_url is not None:
            tg.route_webhook(base(runtime))
        yield runtime


def base(runtime: Runtime) -> str:
    return f"http://127.0.0.1:{runtime.web_port}"


async def delivered(tg: FakeTelegram) -> None:
    """Deliver every queued update and see each answered 200 (the first try may meet a bot
    still starting: 503, delivered again, as Telegram does)."""
    deadline = time.monotonic() + 20
    while tg.pending_updates:
        statuses = await tg.deliver_pending()
        assert set(statuses) <= {200, 503}, statuses
        assert time.monotonic() < deadline, f"not delivered: {statuses}"
        if tg.pending_updates:
            await asyncio.sleep(0.2)


async def ask(tg: FakeTelegram, line: str, chat_id: int = CHAT) -> JsonDict:
    """Type a line as a user; Telegram delivers it; return the bot's next message there."""
    before = len(tg.sent_messages(chat_id))
    tg.push_message(line, chat_id=chat_id)
    await delivered(tg)
    return (await tg.wait_for_messages(before + 1, chat_id=chat_id, timeout=20))[before]


async def post(
    url: str, body: bytes | str, *, secret: str | None = SECRET, method: str = "POST"
) -> tuple[int, str]:
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers["X-Telegram-Bot-Api-Secret-Token"] = secret
    async with (
        aiohttp.ClientSession() as http,
        http.request(method, url, data=body, headers=headers) as response,
    ):
        return response.status, await response.text()


async def health(runtime: Runtime) -> tuple[int, str]:
    async with aiohttp.ClientSession() as http, http.get(f"{base(runtime)}/healthz") as response:
        return response.status, (await response.json())["reason"]


async def webhook_metrics(runtime: Runtime) -> dict[str, int]:
    """telegram_webhook_requests_total by outcome, as /metrics shows it."""
    async with aiohttp.ClientSession() as http, http.get(f"{base(runtime)}/metrics") as response:
        text = await response.text()
    found = re.findall(r'^telegram_webhook_requests_total\{outcome="(\w+)"\} (\S+)$', text, re.M)
    return {outcome: int(float(value)) for outcome, value in found}


async def until(what: str, check: Callable[[], Any], timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not await check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.1)


async def test_the_bot_registers_its_webhook_and_answers_what_telegram_delivers(
    tmp_path: Path, site: SupportSite, tg: FakeTelegram
) -> None:
    async with app(settings_for(tmp_path, site, tg), tg):
        [registered] = tg.calls("setWebhook")
        status = await ask(tg, "/status loopex")
        subscribed = await ask(tg, "/subscribe loopex", chat_id=OTHER_CHAT)
        # A button press comes the same way and works as when polling.
        tg.push_callback_query("/unsubscribe loopex", chat_id=OTHER_CHAT)
        await delivered(tg)
        [_, unsubscribed] = await tg.wait_for_messages(2, chat_id=OTHER_CHAT, timeout=20)

    assert registered.params == {
        "url": f"{PUBLIC}{PATH}",
        "secret_token": SECRET,
        "allowed_updates": ["message", "callback_query", "my_chat_member"],
        "drop_pending_updates": False,
    }
    assert status["text"].startswith("<b>Loopex — "), status["text"]
    assert subscribed["text"].startswith("<b>🔔 Alerts on: you'll hear here when any Loopex")
    assert unsubscribed["text"] == "<b>🔕 Alerts off: 1 stopped.</b>"
    assert [c.params["callback_query_id"] for c in tg.calls("answerCallbackQuery")] == ["cq1"]
    assert tg.calls("getUpdates") == [], "nothing polls in webhook mode"
    assert tg.calls("deleteWebhook") == [], "stopping leaves the webhook to the other replicas"


async def test_a_request_without_the_right_secret_is_refused_and_not_answered(
    tmp_path: Path, site: SupportSite, tg: FakeTelegram
) -> None:
    async with app(settings_for(tmp_path, site, tg), tg) as runtime:
        update = tg.push_message("/status loopex", chat_id=CHAT)
        tg.clear_pending()
        body = json.dumps(update)
        url = base(runtime) + PATH
        answers = {
            "no header": await post(url, body, secret=None),
            "a wrong secret": await post(url, body, secret=SECRET + "x"),
            "a secret's prefix": await post(url, body, secret=SECRET[:-1]),
            "not a POST": await post(url, "", method="GET"),
            "not JSON": await post(url, "update_id=1"),
            "JSON without update_id": await post(url, json.dumps({"message": {}})),
            "an update_id that is text": await post(url, json.dumps({"update_id": "7"})),
            "fields no update has": await post(url, json.dumps({"update_id": 9, "message": 5})),
            "an update_id no database holds": await post(url, json.dumps({"update_id": 2**63})),
            "a body over the cap": await post(url, " " * 300_000),
        }
        # A round trip through the same door: whatever was let in has been answered by now.
        await ask(tg, "/help", chat_id=OTHER_CHAT)
        counted = await webhook_metrics(runtime)

    assert {case: status for case, (status, _) in answers.items()} == {
        "no header": 401,
        "a wrong secret": 401,
        "a secret's prefix": 401,
        "not a POST": 405,
        "not JSON": 400,
        "JSON without update_id": 400,
        "an update_id that is text": 400,
        "fields no update has": 400,
        "an update_id no database holds": 400,
        "a body over the cap": 413,
    }
    assert answers["no header"][1] == "401: unauthorized\n"
    assert tg.sent_messages(CHAT) == []
    # 405 is the router's, before the webhook sees the request.
    assert counted == {"taken": 1, "duplicate": 0, "refused": 9, "unavailable": 0}


async def test_an_update_delivered_twice_is_answered_once(
    tmp_path: Path, site: SupportSite, tg: FakeTelegram
) -> None:
    async with app(settings_for(tmp_path, site, tg), tg) as runtime:
        update = tg.push_message("/status loopex", chat_id=CHAT)
        await delivered(tg)
        again = await tg.deliver(update)  # Telegram did not see our 200, say
        await tg.wait_for_messages(1, chat_id=CHAT, timeout=20)
        await ask(tg, "/help", chat_id=OTHER_CHAT)  # a later update, answered after it
        async with runtime.store.db.reading() as conn:
            rows = await conn.fetchall("SELECT update_id FROM telegram_updates ORDER BY update_id")
        counted = await webhook_metrics(runtime)

    assert again == 200, "a copy is acknowledged, so Telegram stops sending it"
    assert len(tg.sent_messages(CHAT)) == 1
    assert [row[0] for row in rows] == [update["update_id"], update["update_id"] + 1]
    assert counted == {"taken": 2, "duplicate": 1, "refused": 0, "unavailable": 0}


async def test_an_update_the_database_cannot_claim_is_left_to_telegram_to_deliver_again(
    tmp_path: Path, site: SupportSite, tg: FakeTelegram, caplog: pytest.LogCaptureFixture
) -> None:
    async with app(settings_for(tmp_path, site, tg), tg) as runtime:
        tg.push_message("/status loopex", chat_id=CHAT)
        # Another process holds the write lock past our busy timeout.
        with closing(sqlite3.connect(tmp_path / "bot.sqlite3", isolation_level=None)) as other:
            other.execute("BEGIN IMMEDIATE")
            # The claim waits its turn and SQLite's busy timeout (5 s), then gives up.
            statuses = await tg.deliver_pending(timeout=45)
            other.execute("ROLLBACK")
        info = tg.webhook
        await delivered(tg)  # Telegram's next try
        [answer] = await tg.wait_for_messages(1, chat_id=CHAT, timeout=20)
        counted = await webhook_metrics(runtime)

    assert statuses == [503]
    assert info is not None and info.last_error_message == (
        "Wrong response from the webhook: 503 Service Unavailable"
    )
    assert answer["text"].startswith("<b>Loopex — ")
    assert counted == {"taken": 1, "duplicate": 0, "refused": 0, "unavailable": 1}
    assert len(tg.sent_messages(CHAT)) == 1
    assert (
        "Telegram update 1 not taken, its claim could not be recorded "
        "(DatabaseUnavailable/SQLITE_BUSY); Telegram delivers it again" in caplog.text
    )


async def test_two_instances_on_one_database_answer_an_update_once(
    tmp_path: Path, site: SupportSite, tg: FakeTelegram
) -> None:
    settings = settings_for(tmp_path, site, tg)
    async with app(settings, tg) as first, app(settings, tg) as second:
        update = tg.push_message("/status loopex", chat_id=CHAT)
        tg.clear_pending()
        body = json.dumps(update)
        # The load balancer hands one copy to each replica, at the same moment.
        answers = await asyncio.gather(
            post(base(first) + PATH, body), post(base(second) + PATH, body)
        )
        await tg.wait_for_messages(1, chat_id=CHAT, timeout=20)
        tg.route_webhook(base(first))
        await ask(tg, "/help", chat_id=OTHER_CHAT)
        tg.route_webhook(base(second))
        await ask(tg, "/help", chat_id=OTHER_CHAT)

    assert [status for status, _ in answers] == [200, 200]
    assert len(tg.sent_messages(CHAT)) == 1
    assert len(tg.calls("setWebhook")) == 2, "each replica registers the same webhook"


async def test_switching_back_to_polling_deletes_the_webhook(
    tmp_path: Path, site: SupportSite, tg: FakeTelegram
) -> None:
    async with app(settings_for(tmp_path, site, tg), tg):
        await ask(tg, "/help")
    assert tg.webhook is not None

    polling = settings_for(tmp_path, site, tg, telegram_webhook_url=None)
    async with app(polling, tg):
        tg.push_message("/status loopex", chat_id=CHAT)
        [_, by_polling] = await tg.wait_for_messages(2, chat_id=CHAT, timeout=20)

    assert tg.webhook is None
    [deleted] = tg.calls("deleteWebhook")
    assert deleted.params == {}, "pending updates are kept (Telegram's default)"
    assert by_polling["text"].startswith("<b>Loopex — ")


async def test_a_webhook_telegram_refuses_keeps_the_bot_reported_down_until_it_is_taken(
    tmp_path: Path, site: SupportSite, tg: FakeTelegram
) -> None:
    tg.fail_next(
        "setWebhook",
        400,
        "Bad Request: bad webhook: Failed to resolve host: Name or service not known",
        times=1000,  # until the operator fixes it (below)
    )
    async with app(settings_for(tmp_path, site, tg), tg) as runtime:
        seen: list[tuple[int, str]] = []

        async def named() -> bool:
            seen.append(await health(runtime))
            return "telegram is down" in seen[-1][1]

        await until("/healthz to name the refused webhook", named)
        refused = await post(base(runtime) + PATH, json.dumps({"update_id": 1}))
        tg.clear_failures()  # e.g. the DNS name resolves now

        async def registered() -> bool:
            return any(c.ok for c in tg.calls("setWebhook"))

        await until("the webhook to be registered", registered, timeout=40)
        await until("the bot to be reported up", lambda: _up(runtime))
        answered = await ask(tg, "/help")

    status, reason = seen[-1]
    assert status == 503
    assert "Telegram refused the webhook: Bad webhook: failed to resolve host" in reason, reason
    assert SECRET not in reason
    assert refused[0] == 503, "not ready yet: Telegram delivers it again later"
    assert answered["text"]


async def _up(runtime: Runtime) -> bool:
    _, reason = await health(runtime)
    return "telegram" not in reason
