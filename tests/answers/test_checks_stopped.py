"""When the checks a replica answers from have stopped (a standby whose leader went silent:
bot/following.py), every answer says so once at the top, and no channel is called live or
down from its last check."""

from __future__ import annotations

from datetime import timedelta

from bot.catalog import Catalog
from bot.clock import FakeClock
from bot.commands.dispatch import Core
from bot.settings import Settings
from bot.status import BlindCause, StatusService
from tests.answers.conftest import plain
from tests.answers.fakes import FakeLive, FakeStore
from tests.answers.scenes import chat_down


def stopped_core(
    catalog: Catalog, live: FakeLive, store: FakeStore, clock: FakeClock, settings: Settings
) -> Core:
    """The live chat was down at the last check; the checks stopped 40 s ago."""
    chat_down(live, store, clock.now())
    stopped = clock.now() - timedelta(seconds=40)
    status = StatusService(catalog, live, store, clock, stopped=lambda: stopped)
    return Core(catalog, status, None, clock, settings)


async def test_status_says_the_checks_stopped_and_calls_nothing_down_or_live(
    catalog: Catalog, live: FakeLive, store: FakeStore, clock: FakeClock, settings: Settings
) -> None:
    core = stopped_core(catalog, live, store, clock, settings)
    english, chinese = await plain(core, "/status mexc"), await plain(core, "/status mexc", "zh")
    assert english.split("\n\n")[:2] == [
        "MEXC — we can't check from here right now ⚠️\n"
        "⚠️ We can't check right now: our checks stopped at 18:59 UTC.\n"
        "Nothing below is confirmed since then: check again in a few minutes.",
        "Channels\n"
        "❔ Online customer service — unknown · checked 30 s ago\n"
        "❔ Help center — unknown · checked 40 s ago\n"
        "❔ E-mail — unknown · checked 1 min ago\n"
        "ℹ️ X @MEXC_Official — announcements only — never send account details",
    ]
    assert chinese.split("\n\n")[0] == (
        "MEXC — 我们这边暂时无法检测 ⚠️\n"
        "⚠️ 目前无法检测：我们的检测在 18:59 UTC 停止了。\n"
        "此后以下内容均未再确认，请几分钟后再查看。"
    )


async def test_a_channel_says_its_last_check_is_too_old_to_trust(
    catalog: Catalog, live: FakeLive, store: FakeStore, clock: FakeClock, settings: Settings
) -> None:
    core = stopped_core(catalog, live, store, clock, settings)
    detail = await plain(core, "/channels mexc live_chat")
    assert "❔ Online customer service — unknown\n" in detail
    assert "Why: last check 30 s ago, too old to trust\n" in detail
    assert "原因：最近一次检测在 30 秒前，已不可靠" in await plain(
        core, "/channels mexc live_chat", "zh"
    )


async def test_the_status_carries_why_we_cannot_check(
    catalog: Catalog, live: FakeLive, store: FakeStore, clock: FakeClock
) -> None:
    chat_down(live, store, clock.now())
    live.blind = clock.now() - timedelta(minutes=5)  # the leader's last stored blind spell
    stopped = clock.now() - timedelta(seconds=40)
    status = StatusService(catalog, live, store, clock, stopped=lambda: stopped)
    mexc = catalog.exchange("mexc")
    assert mexc is not None
    view = await status.exchange_status(mexc)
    assert (view.blind_since, view.blind_cause) == (stopped, BlindCause.CHECKS_STOPPED)
    assert [c.verdict.value for c in view.channels if c.channel.probe is not None] == [
        "unknown"
    ] * 3
    going = StatusService(catalog, live, store, clock, stopped=lambda: None)
    view = await going.exchange_status(mexc)
    assert (view.blind_since, view.blind_cause) == (live.blind, BlindCause.CONNECTION)
