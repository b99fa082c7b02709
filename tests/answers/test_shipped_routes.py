"""Every case of every shipped exchange resolves to existing channels and renders in bounds."""

from __future__ import annotations

from datetime import datetime

import pytest

from bot.alerts import compose
from bot.catalog import Catalog, load_catalog
from bot.clock import FakeClock
from bot.commands.dispatch import Core
from bot.render.budget import size
from bot.render.plain import to_plain
from bot.routes import route_view
from bot.settings import SHIPPED_CATALOG, Settings
from bot.status import StatusService
from bot.vocab import Case, Verdict
from tests.answers.conftest import reply_to
from tests.answers.fakes import FakeLive, FakeStore


@pytest.fixture(scope="module")
def shipped() -> Catalog:
    return load_catalog(SHIPPED_CATALOG)


def test_it_resolves_every_route_to_existing_channels(shipped: Catalog) -> None:
    for exchange in shipped.exchanges:
        ids = {c.id for c in exchange.channels}
        for case, route in exchange.routes.items():
            assert route.channels, f"{exchange.id}/{case}: a route needs channels"
            assert set(route.channels) <= ids, f"{exchange.id}/{case}"
            assert route.freeze_channel is None or route.freeze_channel in ids


async def test_it_answers_every_case_of_every_exchange_in_both_languages(
    shipped: Catalog, settings: Settings
) -> None:
    clock = FakeClock()
    status = StatusService(shipped, FakeLive(), FakeStore(), clock)
    core = Core(shipped, status, None, clock, settings)
    for exchange in shipped.exchanges:
        view = await status.exchange_status(exchange)
        for case in Case:
            route = route_view(view, case)
            assert route.channels, f"{exchange.id}/{case}: nothing to recommend"
            for lang in ("en", "zh"):
                reply = await reply_to(core, f"/urgent {exchange.id} {case.value}", lang)
                assert reply.title.startswith("🚨 ")
                assert size(reply) <= 4096


async def test_it_puts_the_freeze_step_first_where_there_is_one(
    shipped: Catalog, settings: Settings
) -> None:
    clock = FakeClock()
    status = StatusService(shipped, FakeLive(), FakeStore(), clock)
    core = Core(shipped, status, None, clock, settings)
    for exchange in shipped.exchanges:
        route = exchange.routes.get(Case.ACCOUNT_COMPROMISED)
        if route is None or route.freeze is None:
            continue
        reply = await reply_to(core, f"/urgent {exchange.id} login")
        assert reply.lines[0][0].text.startswith("First, freeze your account: ")


async def test_a_stuck_withdrawal_points_to_wallet_only_where_the_api_tells(
    shipped: Catalog, settings: Settings
) -> None:
    """MEXC, Binance, OKX and Bybit publish no keyless per-coin withdrawal status: sending a
    trader to /wallet there is a wasted step; Gate, KuCoin, Kraken and Coinbase do."""
    clock = FakeClock()
    core = Core(
        shipped, StatusService(shipped, FakeLive(), FakeStore(), clock), None, clock, settings
    )
    pointed = set()
    for exchange in shipped.exchanges:
        reply = to_plain(await reply_to(core, f"/urgent {exchange.id} withdrawal"))
        if f"/wallet {exchange.id} <coin>" in reply:
            pointed.add(exchange.id)
        assert ("/wallet" in reply) == (exchange.id in pointed)
    assert pointed == {"gate", "kucoin", "kraken", "coinbase"}


def _whole_catalog(live: FakeLive, shipped: Catalog, now: datetime, scene: str) -> None:
    """Every probed channel up, down, or only live chat down (the rest up)."""
    for exchange, channel in shipped.channels():
        if channel.probe is None:
            continue
        key = exchange.key(channel)
        if scene == "all_down" or (scene == "chat_down" and channel.id == "live_chat"):
            live.down(key, now, minutes=12, detail="timeout after 10 s", error="timeout")
        else:
            live.up(key, now, 150)


@pytest.mark.parametrize("scene", ["all_up", "chat_down", "all_down"])
async def test_no_shipped_answer_offers_a_channel_nobody_answers(
    shipped: Catalog, scene: str
) -> None:
    clock = FakeClock()
    live = FakeLive()
    _whole_catalog(live, shipped, clock.now(), scene)
    status = StatusService(shipped, live, FakeStore(), clock)
    for exchange in shipped.exchanges:
        view = await status.exchange_status(exchange)
        answer = view.answer
        offered = [answer.fallback, answer.best_async]
        offered += [route_view(view, case).recommended for case in Case]
        offered += [route_view(view, case).best_async for case in Case]
        meanwhile = compose.meanwhile(shipped, f"{exchange.id}/live_chat", live, clock.now())
        for channel_id in (meanwhile.alternative, meanwhile.write_to):
            offered.append(view.channel(channel_id) if channel_id else None)
        for found in offered:
            assert found is None or found.channel.contact, f"{exchange.id}: {found.channel.id}"
            assert found is None or found.verdict is not Verdict.DOWN, exchange.id
