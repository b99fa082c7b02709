"""The read side: rollups cached per hour, no raw rows, the exchange's answer rules."""

from __future__ import annotations

import pytest

from bot.catalog import Catalog
from bot.clock import FakeClock
from bot.status import AnswerKind, StatusService
from tests.answers import scenes
from tests.answers.fakes import FakeLive, FakeStore


async def test_it_reads_rollups_once_per_hour(
    catalog: Catalog, live: FakeLive, store: FakeStore, clock: FakeClock
) -> None:
    status = StatusService(catalog, live, store, clock)
    mexc = catalog.exchanges[0]
    await status.exchange_status(mexc)
    assert store.reads == 3  # 24 h, 7 d, 30 d
    clock.advance(59 * 60)
    await status.exchange_status(mexc)
    assert store.reads == 3
    clock.advance(60)
    await status.exchange_status(mexc)
    assert store.reads == 6


async def test_it_warms_every_channel_in_three_reads(
    catalog: Catalog, live: FakeLive, store: FakeStore, clock: FakeClock
) -> None:
    status = StatusService(catalog, live, store, clock)
    await status.warm()
    for exchange in catalog.exchanges:
        await status.exchange_status(exchange)
    assert store.reads == 3


async def test_it_gives_figures_from_memory_and_rollups(
    catalog: Catalog, live: FakeLive, store: FakeStore, clock: FakeClock
) -> None:
    scenes.all_live(live, store, clock.now())
    view = await StatusService(catalog, live, store, clock).exchange_status(catalog.exchanges[0])
    chat = view.channel("live_chat")
    assert chat is not None
    assert (chat.latency.last, chat.latency.p50_1h, chat.latency.p95_1h) == (182.0, 170.0, 410.0)
    assert (chat.uptime.day, chat.uptime.month) == (1.0, 0.99)
    assert chat.uptime.week == pytest.approx(1 - 20 / 10080)
    assert view.answer.kind is AnswerKind.LIVE
    assert view.answer.subject is chat


async def test_it_falls_back_to_the_fastest_written_channel_when_chat_is_down(
    catalog: Catalog, live: FakeLive, store: FakeStore, clock: FakeClock
) -> None:
    scenes.chat_down(live, store, clock.now())
    view = await StatusService(catalog, live, store, clock).exchange_status(catalog.exchanges[0])
    assert view.answer.kind is AnswerKind.DOWN
    assert view.answer.fallback is not None
    assert view.answer.fallback.channel.id == "email"


async def test_it_says_when_staffed_hours_resume(
    catalog: Catalog, live: FakeLive, store: FakeStore, clock: FakeClock
) -> None:
    scenes.nova_night(live, store, clock.now())
    view = await StatusService(catalog, live, store, clock).exchange_status(catalog.exchanges[1])
    assert view.answer.kind is AnswerKind.CLOSED
    assert view.answer.opens_at is not None
    assert view.answer.opens_at.isoformat() == "2026-11-25T01:00:00+00:00"  # 09:00 in Shanghai
