"""Alerts from the status APIs, end to end: a chat subscribes to a coin's network in chat, the
fake exchange API flips that network's withdrawal flag, the subscriber hears it once, in its
language, through the real outbox, drainer and a recording notifier; exchange-wide maintenance
goes to every subscriber of the exchange."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.alerts.drainer import Drainer, DrainerSettings
from bot.alerts.feeds import feed_sink, maintenance_edge, moved, record_feed, wallet_changes
from bot.alerts.notifier import RecordingNotifier
from bot.alerts.pacing import PacingSettings
from bot.clock import FakeClock
from bot.commands.dispatch import Core, Request, handle
from bot.feeds import feed_targets
from bot.render.plain import to_plain
from bot.settings import load_settings
from bot.status import StatusService
from bot.vocab import Platform
from probes.context import ProbeContext, make_session
from probes.feeds import kucoin
from probes.feeds.facts import Coin, FeedFacts, Flag, Network, Scope, WalletPart
from probes.feeds.runner import FeedRunner
from storage import Conn, Database
from storage.store import Store
from tests.alerts.conftest import FakeLive
from tests.feeds import fixtures as fx
from tests.feeds.fake_api import FakeApi
from tests.feeds.world import sleep_nothing, world_catalog

NOW = datetime(2026, 11, 24, 19, 5, tzinfo=UTC)


def currencies(trc20_withdraw: Any, erc20_deposit: Any = True) -> dict[str, Any]:
    chains = [
        fx.kucoin_chain("TRC20", "trx", True, trc20_withdraw),
        fx.kucoin_chain("ERC20", "eth", erc20_deposit, True),
    ]
    return {"code": "200000", "data": [{"currency": "USDT", "chains": chains}]}


@dataclass
class World:
    api: FakeApi
    clock: FakeClock
    store: Store
    core: Core
    runner: FeedRunner
    drainer: Drainer
    notifier: RecordingNotifier

    async def say(self, chat: str, line: str, lang: str = "en") -> str:
        request = Request(Platform.TELEGRAM, chat, chat, lang, line)
        return to_plain(await handle(request, self.core))

    async def read_and_send(self, seconds: float = 60) -> None:
        self.clock.advance(seconds)
        await self.runner.read_all()
        await self.drainer.run_once()

    def heard(self, chat: str) -> list[str]:
        return self.notifier.texts(chat)


@pytest.fixture
async def world(database: Database) -> AsyncIterator[World]:
    """The bot's wallet alerts end to end, on SQLite and on PostgreSQL."""
    async with FakeApi() as api:
        api.set("/api/v1/status", fx.KUCOIN_OPEN)
        api.set("/api/v3/currencies", currencies(trc20_withdraw=False))
        api.set("/0/public/SystemStatus", fx.KRAKEN_ONLINE)
        api.set("/0/public/Assets", fx.KRAKEN_ASSETS)
        clock = FakeClock()
        db = database
        session = make_session()
        try:
            store = Store(db, clock.now)
            catalog = world_catalog(api.base_url)
            ctx = ProbeContext(session=session, now=clock.now)
            runner = FeedRunner(
                ctx,
                feed_targets(catalog, allow_local=True),
                on_facts=feed_sink(store, catalog, clock.now),
                sleep=sleep_nothing,
            )
            status = StatusService(catalog, FakeLive(clock), store, clock, feeds=runner)
            core = Core(catalog, status, store, clock, load_settings())
            notifier = RecordingNotifier()
            drainer = Drainer(
                store,
                {notifier.platform: notifier},
                catalog,
                clock,
                PacingSettings.off(),
                DrainerSettings(maintenance_every_s=0.0),
                live=FakeLive(clock),
            )
            await runner.read_all()
            yield World(api, clock, store, core, runner, drainer, notifier)
        finally:
            await session.close()


async def test_a_subscriber_hears_once_when_withdrawals_on_its_network_reopen(
    world: World,
) -> None:
    assert await world.say("1", "/subscribe kucoin usdt trc20") == (
        "✅ Alerts here when KuCoin's API says USDT on tron deposits and withdrawals are "
        "suspended or reopened."
    )
    assert "USDT on tron deposits and withdrawals" in await world.say("1", "/subscriptions")
    await world.say("2", "/subscribe kucoin usdt erc20")  # another network: not this news
    await world.say("3", "/subscribe kucoin usdt 波场", "zh")
    await world.say("4", "/subscribe kucoin")  # the whole exchange: not coin news

    world.api.set("/api/v3/currencies", currencies(trc20_withdraw=True))
    await world.read_and_send()
    await world.read_and_send()  # nothing changed: nothing more

    assert world.heard("1") == [
        "✅ KuCoin USDT on TRC20: withdrawals reopened\n"
        "From KuCoin's public API at 19:01 UTC; it applies to everyone.\n"
        "Latest: /wallet kucoin usdt"
    ]
    assert world.heard("3") == [
        "✅ KuCoin USDT（TRC20）：提币已恢复\n"
        "来自 KuCoin 公开 API，北京时间 03:01；适用于所有用户。\n"
        "最新状态：/wallet kucoin usdt"
    ]
    assert world.heard("2") == []
    assert world.heard("4") == []
    stop = world.notifier.sent[0].reply.buttons[0][0]
    assert stop.action == "/unsubscribe kucoin wallet:USDT:tron"
    assert await world.say("1", stop.action) == "🔕 Alerts off: 1 stopped."


async def test_the_wallet_button_subscribes_to_the_reopening(world: World) -> None:
    request = Request(Platform.TELEGRAM, "5", "5", "en", "/wallet kucoin usdt tron")
    reply = await handle(request, world.core)
    button = reply.buttons[0][1]
    assert button.label == "🔔 Tell me when TRC20 withdrawals reopen"
    assert await world.say("5", button.action) == (
        "✅ Alerts here when KuCoin's API says USDT on tron deposits and withdrawals are "
        "suspended or reopened."
    )
    world.api.set("/api/v3/currencies", currencies(trc20_withdraw=True))
    await world.read_and_send()
    assert world.heard("5")[0].startswith("✅ KuCoin USDT on TRC20: withdrawals reopened")


async def test_a_suspension_and_a_coin_subscription_cover_every_network(world: World) -> None:
    await world.say("1", "/subscribe kucoin usdt")
    world.api.set("/api/v3/currencies", currencies(trc20_withdraw=False, erc20_deposit=False))
    await world.read_and_send()
    assert world.heard("1") == [
        "⛔ KuCoin USDT on ERC20: deposits suspended\n"
        "From KuCoin's public API at 19:01 UTC; it applies to everyone.\n"
        "Latest: /wallet kucoin usdt"
    ]


async def test_a_failed_read_or_unknown_flag_is_not_news(world: World) -> None:
    await world.say("1", "/subscribe kucoin usdt trc20")
    world.api.set("/api/v3/currencies", {"code": "500000", "msg": "busy"}, 503)
    await world.read_and_send()
    world.api.set("/api/v3/currencies", currencies(trc20_withdraw=None))
    await world.read_and_send()
    assert world.heard("1") == []


async def test_an_unknown_coin_is_refused_when_the_list_is_fresh(world: World) -> None:
    assert await world.say("1", "/subscribe kucoin nope") == (
        "KuCoin's public API lists no coin “NOPE” (checked 19:00 UTC)."
    )
    assert "USDT" not in await world.say("1", "/subscriptions")


async def test_a_network_the_coin_is_not_on_is_refused_when_the_list_is_fresh(
    world: World,
) -> None:
    assert await world.say("1", "/subscribe kucoin usdt solana") == (
        "KuCoin lists USDT on TRC20, ERC20; none of them is “solana”."
    )
    assert "USDT" not in await world.say("1", "/subscriptions")
    assert "tron" in await world.say("1", "/subscribe kucoin usdt tron")


async def test_exchange_wide_maintenance_goes_to_the_exchanges_subscribers(world: World) -> None:
    await world.say("1", "/subscribe kraken")
    await world.say("2", "/subscribe kraken btc", "zh")
    world.api.set("/0/public/SystemStatus", fx.KRAKEN_MAINTENANCE)
    await world.read_and_send()
    world.api.set("/0/public/SystemStatus", fx.KRAKEN_ONLINE)
    await world.read_and_send()
    assert world.heard("1") == [
        "🛠 Kraken's API reports the exchange in maintenance\n"
        "From Kraken's public API at 19:01 UTC; it applies to everyone.\n"
        "Latest: /status kraken",
        "✅ Kraken's API reports the maintenance is over\n"
        "From Kraken's public API at 19:02 UTC; it applies to everyone.\n"
        "Latest: /status kraken",
    ]
    assert world.heard("2")[0].startswith("🛠 Kraken API 报告交易所进入维护")


def test_only_moves_between_known_flags_count() -> None:
    assert moved(Flag.OPEN, Flag.SUSPENDED)
    assert moved(Flag.DELAYED, Flag.OPEN)
    assert not moved(Flag.OPEN, Flag.OPEN)
    assert not moved(Flag.OPEN, Flag.UNKNOWN)
    assert not moved(Flag.UNKNOWN, Flag.SUSPENDED)
    old = kucoin.parse_wallet(fx.body(currencies(trc20_withdraw=False)))
    new = kucoin.parse_wallet(fx.body(currencies(trc20_withdraw=True)))
    ((coin, was, now),) = wallet_changes(old, new)
    assert (coin.code, was.withdraw, now.withdraw) == ("USDT", Flag.SUSPENDED, Flag.OPEN)
    assert list(wallet_changes(new, new)) == []


def test_no_edge_without_two_good_readings(world: World) -> None:
    facts = world.runner.facts("kraken")
    assert facts is not None
    assert maintenance_edge(facts, facts) is None


async def test_a_reading_that_cannot_tell_does_not_swallow_the_reopening(world: World) -> None:
    await world.say("1", "/subscribe kucoin usdt trc20")
    world.api.set("/api/v3/currencies", currencies(trc20_withdraw=None))  # suspended → unknown
    await world.read_and_send()
    world.api.set("/api/v3/currencies", currencies(trc20_withdraw=True))  # unknown → open
    await world.read_and_send()
    world.api.set("/api/v3/currencies", currencies(trc20_withdraw=None))
    await world.read_and_send()
    world.api.set("/api/v3/currencies", currencies(trc20_withdraw=True))  # open all along
    await world.read_and_send()
    heard = world.heard("1")
    assert len(heard) == 1 and heard[0].startswith("✅ KuCoin USDT on TRC20: withdrawals reopened")


async def test_a_coin_missing_from_one_list_does_not_swallow_the_reopening(world: World) -> None:
    await world.say("1", "/subscribe kucoin usdt")
    other = {"currency": "BTC", "chains": [fx.kucoin_chain("BTC", "btc", True, True)]}
    world.api.set("/api/v3/currencies", {"code": "200000", "data": [other]})
    await world.read_and_send()
    world.api.set("/api/v3/currencies", currencies(trc20_withdraw=True))
    await world.read_and_send()
    heard = world.heard("1")
    assert len(heard) == 1 and heard[0].startswith("✅ KuCoin USDT on TRC20: withdrawals reopened")


async def test_an_unknown_mode_between_two_does_not_swallow_the_maintenance(world: World) -> None:
    await world.say("1", "/subscribe kraken")
    world.api.set("/0/public/SystemStatus", {"error": [], "result": {"status": "rebooting"}})
    await world.read_and_send()
    world.api.set("/0/public/SystemStatus", fx.KRAKEN_MAINTENANCE)
    await world.read_and_send()
    heard = world.heard("1")
    assert len(heard) == 1 and heard[0].startswith("🛠 Kraken's API reports the exchange in")


class _CountingConnection:
    """A connection that counts the statements run through it."""

    def __init__(self, conn: Conn, counts: list[str]) -> None:
        self._conn, self._counts = conn, counts
        self.dialect = conn.dialect

    async def execute(self, sql: str, *args: Any) -> Any:
        self._counts.append(sql)
        return await self._conn.execute(sql, *args)

    async def fetchall(self, sql: str, *args: Any) -> Any:
        self._counts.append(sql)
        return await self._conn.fetchall(sql, *args)


class _CountingStore:
    def __init__(self, store: Store) -> None:
        self.store, self.statements = store, list[str]()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Any]:
        async with self.store.transaction() as conn:
            yield _CountingConnection(conn, self.statements)


async def test_a_mass_change_of_thousands_of_coins_costs_queries_only_for_listened_coins(
    world: World,
) -> None:
    await world.say("1", "/subscribe kucoin wallet:C7:tron")
    trx = [Network("trx", "TRC20", Flag.OPEN, Flag.OPEN)]
    others = [Network(f"n{j}", f"N{j}", Flag.OPEN, Flag.OPEN) for j in range(3)]
    old = {f"C{i}": Coin(f"C{i}", (*trx, *others)) for i in range(3000)}
    new = {
        code: Coin(code, tuple(replace(n, withdraw=Flag.SUSPENDED) for n in coin.networks))
        for code, coin in old.items()
    }
    before = FeedFacts("kucoin", "kucoin", Scope.NETWORK, 60.0, None, WalletPart(NOW, data=old))
    after = replace(before, wallet=WalletPart(NOW + timedelta(minutes=1), data=new))
    store = _CountingStore(world.store)
    catalog = world.core.catalog
    assert await record_feed(store, catalog, before, after, NOW) == 1  # type: ignore[arg-type]
    assert len(store.statements) <= 2  # which coins are listened to, then the one insert


async def test_several_networks_of_a_coin_changing_at_once_are_one_alert(world: World) -> None:
    await world.say("1", "/subscribe kucoin usdt")
    await world.say("2", "/subscribe kucoin usdt erc20", "zh")
    world.api.set("/api/v3/currencies", currencies(trc20_withdraw=True, erc20_deposit=False))
    await world.read_and_send()
    assert world.heard("1") == [
        "✅ KuCoin USDT on TRC20: withdrawals reopened\n"
        "⛔ ERC20: deposits suspended\n"
        "From KuCoin's public API at 19:01 UTC; it applies to everyone.\n"
        "Latest: /wallet kucoin usdt"
    ]
    assert world.heard("2") == [
        "✅ KuCoin USDT（TRC20）：提币已恢复\n"
        "⛔ ERC20：充值已暂停\n"
        "来自 KuCoin 公开 API，北京时间 03:01；适用于所有用户。\n"
        "最新状态：/wallet kucoin usdt"
    ]
