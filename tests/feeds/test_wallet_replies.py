"""`/wallet` and the API section of `/status`, answered from a fake exchange API on loopback,
in English and Chinese: what a trader reads."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from bot.clock import FakeClock
from bot.commands.dispatch import Core
from bot.wallet import system_view, under_maintenance
from bot.web.api import reason_json
from probes.context import ProbeContext, make_session
from probes.feeds import bybit
from probes.feeds.facts import FeedFacts, Scope, SystemPart
from probes.feeds.runner import FeedRunner
from tests.answers.fakes import FakeLive
from tests.feeds import fixtures as fx
from tests.feeds.fake_api import FakeApi
from tests.feeds.world import ask, world_catalog, world_core

FOOTER = (
    "This is what KuCoin reports for everyone. A single withdrawal can still be held for "
    "account or risk reasons: /urgent kucoin withdrawal"
)
BUTTON = (
    "[⏳ Stuck withdrawal: /urgent kucoin withdrawal_stuck]  "
    "[🔔 Alerts for USDT: /subscribe kucoin usdt]"
)


@pytest.fixture
async def api() -> AsyncIterator[FakeApi]:
    async with FakeApi() as fake:
        fake.set("/api/v1/status", fx.KUCOIN_OPEN)
        fake.set("/api/v3/currencies", fx.KUCOIN_CURRENCIES)
        fake.set("/0/public/SystemStatus", fx.KRAKEN_ONLINE)
        fake.set("/0/public/Assets", fx.KRAKEN_ASSETS)
        fake.set("/sapi/v1/system/status", fx.BINANCE_NORMAL)
        fake.set("/api/v5/system/status", fx.OKX_EVENTS)
        yield fake


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()  # 2026-11-24 19:00 UTC


@pytest.fixture
async def world(api: FakeApi, clock: FakeClock) -> AsyncIterator[tuple[Core, FeedRunner]]:
    session = make_session()
    try:
        ctx = ProbeContext(session=session, now=clock.now)
        yield world_core(world_catalog(api.base_url), ctx, clock)
    finally:
        await session.close()


@pytest.fixture
async def core(world: tuple[Core, FeedRunner]) -> Core:
    core, runner = world
    await runner.read_all()
    return core


async def test_it_answers_every_kucoin_network_of_a_coin_in_english(core: Core) -> None:
    assert await ask(core, "/wallet kucoin usdt") == "\n".join(
        [
            "KuCoin · USDT — from KuCoin's public API, 19:00 UTC",
            "TRC20   deposits ✅ open   withdrawals ⛔ suspended",
            "ERC20   deposits ✅ open   withdrawals ✅ open",
            "BEP20   deposits ❔ unknown   withdrawals ❔ unknown",
            "",
            FOOTER,
            "",
            BUTTON,
        ]
    )


async def test_it_answers_one_network_by_a_common_name_in_chinese(core: Core) -> None:
    assert await ask(core, "/wallet KuCoin USDT tron", "zh") == "\n".join(
        [
            "KuCoin · USDT — 来自 KuCoin 公开 API，19:00 UTC",
            "TRC20   充值 ✅ 开放   提币 ⛔ 暂停",
            "",
            "以上是 KuCoin 对所有用户公布的状态。单笔提币仍可能因账户或风控原因被暂缓："
            "/urgent kucoin withdrawal",
            "",
            "[⏳ 提币未到账: /urgent kucoin withdrawal_stuck]  "
            "[🔔 TRC20 提币恢复时通知我: /subscribe kucoin usdt trx]",
        ]
    )


@pytest.mark.parametrize("network", ["trc20", "TRX", "Tron", "波场"])
async def test_network_aliases_name_the_same_network(core: Core, network: str) -> None:
    answer = await ask(core, f"/wallet kucoin usdt {network}")
    assert "TRC20   deposits ✅ open   withdrawals ⛔ suspended" in answer
    assert "ERC20" not in answer


async def test_the_chinese_command_name_works_too(core: Core) -> None:
    answer = await ask(core, "/充提 kucoin usdt erc20", "zh")
    assert "ERC20   充值 ✅ 开放   提币 ✅ 开放" in answer


async def test_an_unknown_coin_is_named(core: Core) -> None:
    assert await ask(core, "/wallet kucoin xyz") == (
        "KuCoin · XYZ\nKuCoin's public API lists no coin “XYZ” (checked 19:00 UTC)."
    )
    assert await ask(core, "/wallet kucoin xyz", "zh") == (
        "KuCoin · XYZ\nKuCoin 公开 API 中没有币种“XYZ”（19:00 UTC 检测）。"
    )


async def test_an_unknown_network_lists_the_coins_networks(core: Core) -> None:
    answer = await ask(core, "/wallet kucoin usdt solana")
    assert answer.splitlines()[1] == (
        "KuCoin lists USDT on TRC20, ERC20, BEP20; none of them is “solana”."
    )
    assert "TRC20   deposits ✅ open   withdrawals ⛔ suspended" in answer


async def test_without_a_coin_it_says_how_to_ask(core: Core) -> None:
    assert await ask(core, "/wallet kucoin") == "Which coin? For example: /wallet kucoin usdt trc20"
    assert await ask(core, "/wallet kucoin", "zh") == (
        "查询哪个币种？例如：/wallet kucoin usdt trc20"
    )


async def test_mexc_is_answered_honestly_without_guessing(core: Core) -> None:
    assert await ask(core, "/wallet mexc usdt trc20") == "\n".join(
        [
            "MEXC · USDT — no public per-network status",
            "MEXC publishes no public deposit/withdrawal status per network (its API needs a "
            "personal key), so we can't check it, and we won't guess.",
            "Check MEXC's official deposit/withdrawal page or its notices:",
            "Help center (https://www.mexc.com/support)",
            "",
            "[⏳ Stuck withdrawal: /urgent mexc withdrawal_stuck]",
        ]
    )
    zh = await ask(core, "/wallet mexc usdt", "zh")
    assert zh.splitlines()[:2] == [
        "MEXC · USDT — 没有公开的分网络充提状态",
        "MEXC 没有公开的分网络充提状态（其 API 需要个人密钥），我们无法核实，也不做猜测。",
    ]


async def test_kraken_speaks_per_asset_and_knows_btc_as_xbt(core: Core) -> None:
    assert await ask(core, "/wallet kraken btc trc20") == "\n".join(
        [
            "Kraken · XBT — from Kraken's public API, 19:00 UTC",
            "All networks   deposits ✅ open   withdrawals ✅ open",
            "Kraken's public API reports this per coin, for all its networks together.",
            "",
            "This is what Kraken reports for everyone. A single withdrawal can still be held "
            "for account or risk reasons: /urgent kraken withdrawal",
            "",
            "[⏳ Stuck withdrawal: /urgent kraken withdrawal_stuck]  "
            "[🔔 Alerts for XBT: /subscribe kraken xbt]",
        ]
    )


async def test_before_any_read_it_says_it_has_no_reading(world: tuple[Core, FeedRunner]) -> None:
    core, _ = world
    assert await ask(core, "/wallet kucoin usdt") == (
        "KuCoin · USDT\nWe have no fresh reading of KuCoin's API, so we can't say."
    )


async def test_before_any_read_status_does_not_call_it_a_failed_read(
    world: tuple[Core, FeedRunner],
) -> None:
    core, _ = world
    answer = await ask(core, "/status kraken")
    section = answer[answer.index("Kraken's own API") :].splitlines()
    assert section[:2] == [
        "Kraken's own API",
        "We have no fresh reading of Kraken's API, so we can't say.",
    ]
    assert "Could not read it" not in answer


async def test_a_failed_read_is_said_next_to_the_last_good_reading(
    core: Core, api: FakeApi, clock: FakeClock, world: tuple[Core, FeedRunner]
) -> None:
    _, runner = world
    clock.advance(60)
    api.set("/api/v3/currencies", {"code": "400100", "msg": "Service busy"}, 503)
    await runner.read_all()
    answer = await ask(core, "/wallet kucoin usdt trc20")
    assert answer.splitlines()[:3] == [
        "KuCoin · USDT — from KuCoin's public API, 19:00 UTC",
        "TRC20   deposits ✅ open   withdrawals ⛔ suspended",
        "The last read failed: HTTP 503: 400100 Service busy.",
    ]
    # Three intervals (120 s each) later without a good read, the old flags are not shown.
    clock.advance(400)
    await runner.read_all()
    assert await ask(core, "/wallet kucoin usdt") == "\n".join(
        [
            "KuCoin · USDT",
            "We have no fresh reading of KuCoin's API, so we can't say.",
            "Last good reading: 19:00 UTC.",
            "The last read failed: HTTP 503: 400100 Service busy.",
        ]
    )


async def test_a_flag_flip_in_the_api_is_what_the_next_answer_says(
    core: Core, api: FakeApi, clock: FakeClock, world: tuple[Core, FeedRunner]
) -> None:
    _, runner = world
    doc = {
        "code": "200000",
        "data": [{"currency": "USDT", "chains": [fx.kucoin_chain("TRC20", "trx", True, True)]}],
    }
    api.set("/api/v3/currencies", doc)
    clock.advance(120)
    await runner.read_all()
    assert "TRC20   deposits ✅ open   withdrawals ✅ open" in await ask(
        core, "/wallet kucoin usdt"
    )


async def test_status_shows_kraken_maintenance_from_its_api(
    core: Core, api: FakeApi, clock: FakeClock, world: tuple[Core, FeedRunner]
) -> None:
    _, runner = world
    api.set("/0/public/SystemStatus", fx.KRAKEN_MAINTENANCE)
    clock.advance(30)
    await runner.read_all()
    # Six days before the window: not "upcoming" yet (72 h at most).
    assert "Funding gateway upgrade" not in await ask(core, "/status kraken")
    clock.current = datetime(2026, 11, 29, 3, 0, tzinfo=UTC)
    await runner.read_all()
    answer = await ask(core, "/status kraken")
    section = answer[answer.index("Kraken's own API") :].splitlines()
    assert section[:6] == [
        "Kraken's own API",
        "🛠 Trading: the exchange is in maintenance",
        "⚠️ Open incident: Delayed ETH withdrawals",
        "🗓 Upcoming: Funding gateway upgrade, Tue 02:00 UTC – Tue 04:00 UTC · "
        "https://status.kraken.com/incidents/abc",
        "From Kraken's public API, checked just now.",
        "Deposits and withdrawals per network: /wallet kraken <coin>",
    ]
    zh = await ask(core, "/status kraken", "zh")
    assert "🛠 交易：交易所维护中" in zh
    assert "🗓 即将进行：Funding gateway upgrade，周二 02:00 UTC – 周二 04:00 UTC" in zh


async def test_maintenance_mode_without_events_is_not_called_unannounced(
    core: Core, api: FakeApi, clock: FakeClock, world: tuple[Core, FeedRunner]
) -> None:
    _, runner = world
    api.set("/0/public/SystemStatus", {"error": [], "result": {"status": "maintenance"}})
    clock.advance(30)
    await runner.read_all()
    answer = await ask(core, "/status kraken")
    section = answer[answer.index("Kraken's own API") :].splitlines()
    assert section[:3] == [
        "Kraken's own API",
        "🛠 Trading: the exchange is in maintenance",
        "From Kraken's public API, checked just now.",
    ]


async def test_status_says_cancel_only_in_plain_words(
    core: Core, api: FakeApi, clock: FakeClock, world: tuple[Core, FeedRunner]
) -> None:
    _, runner = world
    api.set("/api/v1/status", fx.KUCOIN_CANCEL_ONLY)
    clock.advance(30)
    await runner.read_all()
    answer = await ask(core, "/status kucoin")
    assert "⚠️ Trading: cancel only (open orders can be cancelled; nothing new is matched)" in answer
    assert "Remark: upgrade match engine" in answer


async def test_exchange_wide_maintenance_from_the_api_puts_channels_in_maintenance(
    core: Core, api: FakeApi, clock: FakeClock, world: tuple[Core, FeedRunner]
) -> None:
    _, runner = world
    before = await core.status.exchange_status(core.catalog.exchanges[1])
    assert before.channels[0].verdict.value == "live"
    api.set("/0/public/SystemStatus", fx.KRAKEN_MAINTENANCE)
    clock.advance(30)
    await runner.read_all()
    view = await core.status.exchange_status(core.catalog.exchanges[1])
    (help_center,) = view.channels
    assert help_center.verdict.value == "maintenance"
    assert help_center.reasons[0].code.value == "api_maintenance"
    channels = await ask(core, "/channels kraken")
    assert "Why: Kraken's own API reports maintenance" in channels
    # Back online: the verdict follows the next reading.
    api.set("/0/public/SystemStatus", fx.KRAKEN_ONLINE)
    clock.advance(30)
    await runner.read_all()
    after = await core.status.exchange_status(core.catalog.exchanges[1])
    assert after.channels[0].verdict.value == "live"


async def test_binance_has_no_network_source_but_its_system_status_is_said(core: Core) -> None:
    answer = await ask(core, "/wallet binance usdt trc20")
    assert answer.splitlines()[0] == "Binance · USDT — no public per-network status"
    assert "Binance's API does report the system: normal (checked just now)." in answer
    status = await ask(core, "/status binance")
    assert "✅ Trading: normal" in status
    assert "/wallet binance" not in status  # no per-network source to point to


async def test_status_shows_okx_maintenance_under_way_and_upcoming(
    core: Core, clock: FakeClock, world: tuple[Core, FeedRunner]
) -> None:
    _, runner = world
    clock.current = datetime(2026, 11, 30, 3, 0, tzinfo=UTC)  # 47 h before the events' start
    await runner.read_all()
    answer = await ask(core, "/status okx")
    section = answer[answer.index("OKX's own API") :].splitlines()
    assert section[:4] == [
        "OKX's own API",
        "🛠 Under way: Spot matching upgrade · https://www.okx.com/help/upgrade",
        "🗓 Upcoming: Trading account upgrade, Tue 02:00 UTC – Tue 04:00 UTC",
        "From OKX's public API, checked just now.",
    ]


async def test_an_event_in_an_unknown_state_that_has_begun_is_not_upcoming(
    core: Core, api: FakeApi, clock: FakeClock, world: tuple[Core, FeedRunner]
) -> None:
    _, runner = world
    event = {**fx.OKX_EVENTS["data"][0], "state": "in_progress", "title": "Odd word"}
    api.set("/api/v5/system/status", {"code": "0", "msg": "", "data": [event]})
    clock.current = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)  # between its begin and end
    await runner.read_all()
    answer = await ask(core, "/status okx")
    assert "🛠 Under way: Odd word (expected end 04:00 UTC)" in answer
    assert "Upcoming" not in answer


@pytest.mark.parametrize(
    ("path", "doc", "line"),
    [
        ("/api/v3/currencies", {"code": "200000", "data": []}, "/wallet kucoin usdt"),
        ("/api/v3/currencies", {"code": "200000", "data": [1, "x", None]}, "/wallet kucoin usdt"),
        ("/0/public/Assets", {"error": [], "result": {}}, "/wallet kraken btc"),
    ],
)
async def test_an_empty_currency_list_is_a_failed_read_not_every_coin_unlisted(
    core: Core,
    api: FakeApi,
    clock: FakeClock,
    world: tuple[Core, FeedRunner],
    path: str,
    doc: object,
    line: str,
) -> None:
    _, runner = world
    clock.advance(60)
    api.set(path, doc)
    await runner.read_all()
    answer = await ask(core, line)
    assert "public API lists no coin" not in answer
    assert "deposits ✅ open" in answer  # the last good reading, still fresh
    assert "The last read failed: answer lists no coins." in answer


async def test_a_failed_read_is_worded_in_chinese_not_in_the_readers_english(
    core: Core, api: FakeApi, clock: FakeClock, world: tuple[Core, FeedRunner]
) -> None:
    _, runner = world
    clock.advance(60)
    api.set("/api/v3/currencies", {"code": "400100", "msg": "Service busy"}, 503)
    api.set("/api/v1/status", b"<html>oops</html>")
    await runner.read_all()
    wallet = await ask(core, "/wallet kucoin usdt", "zh")
    assert "最近一次读取失败：返回错误页面。" in wallet
    status = await ask(core, "/status kucoin", "zh")
    assert "无法读取：页面无法读取。" in status
    assert "HTTP" not in wallet + status and "not JSON" not in status


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


async def test_while_we_are_blind_an_unreachable_api_is_our_problem_not_the_exchanges(
    core: Core, clock: FakeClock, world: tuple[Core, FeedRunner]
) -> None:
    _, runner = world
    gone = f"http://127.0.0.1:{_closed_port()}"
    runner.feeds = tuple(
        replace(f, api=f.api.model_copy(update={"base_url": gone})) for f in runner.feeds
    )
    clock.advance(60)
    await runner.read_all()
    live = core.status.live
    assert isinstance(live, FakeLive)
    seen = await ask(core, "/wallet kucoin usdt")
    (detail,) = [line for line in seen.splitlines() if line.startswith("The last read failed")]
    assert "refused" in detail
    live.blind = clock.now()
    wallet = await ask(core, "/wallet kucoin usdt")
    assert "The last read failed: we can't check from here right now." in wallet
    status = await ask(core, "/status kucoin")
    assert "Could not read it: we can't check from here right now." in status
    assert detail not in wallet + status and "refused" not in wallet + status


async def test_an_unknown_coin_close_to_a_listed_one_offers_it(core: Core) -> None:
    assert await ask(core, "/wallet kucoin usdtt") == "\n".join(
        [
            "KuCoin · USDTT",
            "KuCoin's public API lists no coin “USDTT” (checked 19:00 UTC).",
            "Did you mean USDT?",
            "",
            "[USDT: /wallet kucoin usdt]",
        ]
    )
    assert "您要找的是不是 USDT？" in await ask(core, "/wallet kucoin usdtt", "zh")


def why_line(answer: str) -> str:
    """The help center's "Why" line in `/channels`."""
    return next(line for line in answer.splitlines() if line.startswith(("Why:", "原因：")))


async def test_an_api_maintenance_under_way_gives_its_title_and_expected_end(
    core: Core, api: FakeApi, clock: FakeClock, world: tuple[Core, FeedRunner]
) -> None:
    _, runner = world
    api.set("/0/public/SystemStatus", fx.KRAKEN_MAINTENANCE_UNDER_WAY)
    clock.advance(30)
    await runner.read_all()
    assert why_line(await ask(core, "/channels kraken")) == (
        "Why: Kraken's own API reports maintenance: Spot engine upgrade, expected to end 21:00 UTC"
    )
    assert why_line(await ask(core, "/channels kraken", "zh")) == (
        "原因：Kraken 官方 API 报告维护中：Spot engine upgrade，预计 21:00 UTC 结束"
    )
    view = await core.status.exchange_status(core.catalog.exchanges[1])
    assert reason_json(view.channels[0].reasons[0]) == {
        "code": "api_maintenance",
        "params": {"until": "2026-11-24T21:00:00Z", "note": "Spot engine upgrade"},
    }
    # Past its expected end the event is no longer under way; the API's mode still holds.
    clock.current = datetime(2026, 11, 24, 21, 0, 30, tzinfo=UTC)
    await runner.read_all()
    assert why_line(await ask(core, "/channels kraken")) == (
        "Why: Kraken's own API reports maintenance"
    )


async def test_an_api_maintenance_without_an_event_under_way_says_only_that(
    core: Core, api: FakeApi, clock: FakeClock, world: tuple[Core, FeedRunner]
) -> None:
    _, runner = world
    # An open incident and a window days away: neither is the maintenance under way.
    api.set("/0/public/SystemStatus", fx.KRAKEN_MAINTENANCE)
    clock.advance(30)
    await runner.read_all()
    assert why_line(await ask(core, "/channels kraken")) == (
        "Why: Kraken's own API reports maintenance"
    )
    assert why_line(await ask(core, "/channels kraken", "zh")) == "原因：Kraken 官方 API 报告维护中"
    view = await core.status.exchange_status(core.catalog.exchanges[1])
    assert reason_json(view.channels[0].reasons[0]) == {"code": "api_maintenance", "params": {}}


OKX_TRADING_UNDER_WAY = {
    "code": "0",
    "msg": "",
    "data": [
        {
            "title": "Trading service upgrade",
            "state": "ongoing",
            "begin": str(fx.UNDER_WAY_BEGIN_MS),
            "end": str(fx.UNDER_WAY_END_MS),
            "href": "",
            "serviceType": "5",
            "maintType": "1",
            "env": "1",
        }
    ],
}


async def test_an_okx_trading_maintenance_is_shown_but_leaves_support_channels_alone(
    core: Core, api: FakeApi, clock: FakeClock, world: tuple[Core, FeedRunner]
) -> None:
    _, runner = world
    api.set("/api/v5/system/status", OKX_TRADING_UNDER_WAY)
    clock.advance(30)
    await runner.read_all()
    okx = next(e for e in core.catalog.exchanges if e.id == "okx")
    view = await core.status.exchange_status(okx)
    assert [c.verdict.value for c in view.channels] == ["live"]
    answer = await ask(core, "/status okx")
    assert any(line.startswith("✅ Help center — open") for line in answer.splitlines())
    section = answer[answer.index("OKX's own API") :].splitlines()
    assert section[:3] == [
        "OKX's own API",
        "🛠 Under way: Trading service upgrade (expected end 21:00 UTC)",
        "From OKX's public API, checked just now.",
    ]
    zh = await ask(core, "/status okx", "zh")
    assert any(line.startswith("✅ 帮助中心 — 可访问") for line in zh.splitlines())
    section = zh[zh.index("OKX 官方 API") :].splitlines()
    assert section[:3] == [
        "OKX 官方 API",
        "🛠 进行中：Trading service upgrade（预计 21:00 UTC 结束）",
        "来自 OKX 公开 API，刚刚检测。",
    ]


def test_a_bybit_event_under_way_never_counts_as_the_whole_exchange_in_maintenance() -> None:
    # Spot and futures, trading and market data: parts of trading, never the platform.
    rows = fx.BYBIT_EVENTS["result"]["list"]
    event = {**rows[0], "serviceTypes": [1, 2, 3, 4, 5], "product": [1, 2, 3, 4]}
    system = bybit.parse_system(fx.body({**fx.BYBIT_EVENTS, "result": {"list": [event]}}))
    now = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)
    facts = FeedFacts("bybit", "bybit", Scope.NONE, 60, system=SystemPart(at=now, data=system))
    exchange = world_catalog("http://127.0.0.1:1").exchanges[0]
    view = system_view(exchange, facts, now)
    assert view is not None and [e.title for e in view.ongoing] == ["Spot upgrade"]
    assert not under_maintenance(view)
