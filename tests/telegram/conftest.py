"""End-to-end Telegram tests: the real adapter and python-telegram-bot against the fake Bot API.

Each test gets a fake Bot API server, a real SQLite store in a temporary folder, a small
loopback catalog ("Loopex"), a monitor fed with probe results at a fake clock, and the
adapter polling the fake. `Bot.ask` types a message as a user and returns what the user
receives, as sent on the wire.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bot.adapters.telegram import TelegramAdapter
from bot.catalog import Catalog, load_catalog
from bot.clock import FakeClock
from bot.commands.context import Core
from bot.monitor import Monitor
from bot.settings import Settings, load_settings
from bot.status import StatusService
from probes.result import ProbeResult
from storage import open_database
from storage.store import Store
from tests.fakes.telegram_api import FakeTelegram
from tests.support.site import write_catalog

# Shaped like a real token, so the log redaction's pattern would also catch it.
TOKEN = "123456789:AAHfakeTokenForTestsOnly_abcdefghij"
ADMIN = 7
GROUP = -1001234567890


@pytest.fixture(autouse=True)
def _ptb_timedelta(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "1")


@dataclass
class Bot:
    """A running adapter and everything around it."""

    tg: FakeTelegram
    adapter: TelegramAdapter
    store: Store
    clock: FakeClock
    catalog: Catalog
    core: Core
    monitor: Monitor

    async def ask(
        self, line: str, chat_id: int = 42, *, user_id: int | None = None, **fields: Any
    ) -> dict[str, Any]:
        """Send a message as a user; return the bot's next message to that chat."""
        before = len(self.tg.sent_messages(chat_id))
        self.tg.push_message(line, chat_id=chat_id, user_id=user_id, **fields)
        sent = await self.tg.wait_for_messages(before + 1, chat_id=chat_id)
        return sent[before]

    async def press(
        self, data: str, chat_id: int = 42, *, user_id: int | None = None, **fields: Any
    ) -> dict[str, Any]:
        """Press a button (callback data) on the bot's last message; return the next reply."""
        before = len(self.tg.sent_messages(chat_id))
        self.tg.push_callback_query(data, chat_id=chat_id, user_id=user_id, **fields)
        sent = await self.tg.wait_for_messages(before + 1, chat_id=chat_id)
        return sent[before]

    async def quiet(self, chat_id: int, since: int) -> bool:
        """True when the chat got no message beyond its first `since` (after a round trip)."""
        marker = 999_001
        await self.ask("/help", chat_id=marker)
        return len(self.tg.sent_messages(chat_id)) == since


def feed(monitor: Monitor, clock: FakeClock, latencies: dict[str, float]) -> None:
    """Two good results per channel (enough to be `up`), at the clock's time."""
    for _ in range(2):
        for channel, ms in latencies.items():
            monitor.on_result(ProbeResult(channel, clock.now(), True, ms))


def make_settings(tg: FakeTelegram, tmp_path: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "telegram_bot_token": TOKEN,
        "telegram_api_base_url": tg.base_url,
        "admin_user_ids": f"telegram:{ADMIN}",
        "allow_local_targets": True,
        "database_path": tmp_path / "supportlive.sqlite3",
        "catalog_path": write_catalog(tmp_path, 9),
    }
    values.update(overrides)
    return load_settings(**values)


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram(token=TOKEN) as fake:
        yield fake


@pytest.fixture
def adapter_options() -> dict[str, Any]:
    """Overridden by tests that need other limits."""
    return {}


@pytest.fixture
async def world(tg: FakeTelegram, tmp_path: Path) -> AsyncIterator[Callable[..., Any]]:
    """A factory: `await world()` starts an adapter (more than one may share the store)."""
    clock = FakeClock()
    settings = make_settings(tg, tmp_path)
    catalog = load_catalog(settings.catalog_path, allow_local=True)
    db = await open_database(settings.database_path)
    store = Store(db, clock.now)
    monitor = Monitor(catalog, store, clock)
    feed(monitor, clock, {"loopex/live_chat": 180.0, "loopex/help_center": 95.0})
    await monitor.flush()
    core = Core(catalog, StatusService(catalog, monitor, store, clock), store, clock, settings)
    adapters: list[TelegramAdapter] = []

    async def start(**options: Any) -> Bot:
        options.setdefault("poll_timeout_s", 2)
        adapter = TelegramAdapter(settings, core, store, clock, **options)
        adapters.append(adapter)
        await adapter.start()
        return Bot(tg, adapter, store, clock, catalog, core, monitor)

    try:
        yield start
    finally:
        for adapter in adapters:
            await adapter.stop()
        await db.close()


@pytest.fixture
async def bot(world: Callable[..., Any], adapter_options: dict[str, Any]) -> Bot:
    running: Bot = await world(**adapter_options)
    assert await running.adapter.wait_ready(5)
    return running
