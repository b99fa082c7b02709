"""/report through the command core with a real store: what each kind of line gets."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.catalog import Catalog
from bot.clock import FakeClock
from bot.commands.dispatch import Core, Request, handle
from bot.render.plain import to_plain
from bot.reports import WaitBook
from bot.settings import Settings
from bot.status import StatusService
from bot.vocab import Platform
from storage import Store, open_database
from tests.answers.fakes import FakeLive, FakeStore


@pytest.fixture
async def core(
    catalog: Catalog, clock: FakeClock, settings: Settings, tmp_path: Path
) -> AsyncIterator[Core]:
    db = await open_database(tmp_path / "supportlive.sqlite3")
    store = Store(db, clock.now)
    status = StatusService(catalog, FakeLive(), FakeStore(), clock, reports=WaitBook(store, clock))
    try:
        yield Core(catalog, status, store, clock, settings)
    finally:
        await db.close()


async def ask(core: Core, line: str, platform: Platform = Platform.TELEGRAM) -> str:
    return to_plain(await handle(Request(platform, "chat", "user-1", "en", line), core))


async def test_the_console_cannot_report(core: Core) -> None:
    assert await ask(core, "/report mexc live_chat 5", Platform.CONSOLE) == (
        "Reports come from Telegram or Discord users: send /report there."
    )


async def test_without_a_database_there_is_nothing_to_report_to(core: Core) -> None:
    bare = Core(
        core.catalog,
        StatusService(core.catalog, FakeLive(), None, core.clock),
        None,
        core.clock,
        core.settings,
    )
    assert await ask(bare, "/report mexc live_chat 5") == "This needs the running bot's database."


async def test_no_words_with_several_exchanges_asks_which(core: Core) -> None:
    text = await ask(core, "/report")
    assert text.startswith("Which exchange?\nUsage: /report <exchange> <channel> <minutes|none>")
    assert text.endswith("\n[MEXC: /report mexc]  [Nova: /report nova]")


async def test_a_wait_without_a_channel_asks_which_and_keeps_the_wait(core: Core) -> None:
    text = await ask(core, "/report mexc 10")
    assert text.splitlines()[0] == "Which MEXC channel did you wait on?"
    assert "/report mexc live_chat 10]" in text
    assert "/report mexc email 10]" in text
    assert "help_center" not in text and "/report mexc x" not in text


async def test_an_announcement_account_cannot_be_reported_on(core: Core) -> None:
    text = await ask(core, "/report mexc x 5")
    assert "Reports are only for channels a person answers." in text


async def test_an_unknown_exchange_gets_the_closest_match(core: Core) -> None:
    text = await ask(core, "/report mexx live_chat 5")
    assert text.startswith("I don't know the exchange “mexx”.\nDid you mean MEXC?")


async def test_a_wait_of_zero_minutes_reads_as_minutes(core: Core) -> None:
    assert (await ask(core, "/report mexc live_chat 0")).splitlines()[0] == (
        "Thanks! Noted: MEXC Online customer service answered you in 0 min."
    )


async def test_a_channel_and_wait_without_the_exchange_asks_which_and_keeps_them(
    core: Core,
) -> None:
    text = await ask(core, "/report live_chat 5")
    assert text.splitlines()[0] == "Which exchange?"
    assert text.endswith("\n[MEXC: /report mexc live_chat 5]  [Nova: /report nova live_chat 5]")
