"""Answer tests: a small catalog, a fake clock at 03:00 in Shanghai, fakes at the boundaries."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.catalog import Catalog, load_catalog
from bot.clock import FakeClock
from bot.commands.dispatch import Core, Request, handle
from bot.render.plain import to_plain
from bot.reply import Reply
from bot.settings import Settings, load_settings
from bot.status import StatusService
from bot.vocab import Platform
from storage import open_database
from storage.store import Store
from tests.answers.fakes import FakeLive, FakeStore

CATALOG = Path(__file__).with_name("catalog.yaml")


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return load_catalog(CATALOG)


@pytest.fixture(scope="session")
def settings() -> Settings:
    return load_settings()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()  # 2026-11-24 19:00 UTC: Wednesday 03:00 in Shanghai


@pytest.fixture
def live() -> FakeLive:
    return FakeLive()


@pytest.fixture
def store() -> FakeStore:
    return FakeStore()


@pytest.fixture
def core(
    catalog: Catalog, live: FakeLive, store: FakeStore, clock: FakeClock, settings: Settings
) -> Core:
    return Core(catalog, StatusService(catalog, live, store, clock), None, clock, settings)


def request(text: str, lang: str | None = "en", **fields: object) -> Request:
    return Request(Platform.TELEGRAM, "chat-1", "user-1", lang, text, **fields)  # type: ignore[arg-type]


async def reply_to(core: Core, text: str, lang: str | None = "en", **fields: object) -> Reply:
    return await handle(request(text, lang, **fields), core)


async def plain(core: Core, text: str, lang: str | None = "en", **fields: object) -> str:
    return to_plain(await reply_to(core, text, lang, **fields))


@pytest.fixture
async def real_store(tmp_path: Path, clock: FakeClock) -> AsyncIterator[Store]:
    """The real SQLite store in a temporary folder."""
    db = await open_database(tmp_path / "supportlive.sqlite3")
    try:
        yield Store(db, clock.now)
    finally:
        await db.close()


@pytest.fixture
def stored_core(
    catalog: Catalog, live: FakeLive, real_store: Store, clock: FakeClock, settings: Settings
) -> Core:
    """A core over the real store, as the running bot has it."""
    status = StatusService(catalog, live, real_store, clock)
    return Core(catalog, status, real_store, clock, settings)
