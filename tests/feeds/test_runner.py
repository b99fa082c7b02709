"""Reading APIs on loopback: facts held in memory, failures kept with the last good data,
429 and Retry-After honoured, requests spaced, answers capped, hosts checked."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from probes.context import ProbeContext, make_session
from probes.feeds.facts import Flag, TradingMode
from probes.feeds.kind import FeedKind, WalletEndpoint
from probes.feeds.read import FeedTarget
from probes.feeds.registry import FEEDS
from probes.feeds.runner import FeedRunner
from probes.feeds.spec import StatusApi
from tests.feeds import fixtures as fx
from tests.feeds.fake_api import FakeApi

NOW = datetime(2026, 11, 29, 3, 0, tzinfo=UTC)


@pytest.fixture
async def api() -> AsyncIterator[FakeApi]:
    async with FakeApi() as fake:
        yield fake


@pytest.fixture
async def ctx() -> AsyncIterator[ProbeContext]:
    session = make_session()
    try:
        yield ProbeContext(session=session, now=lambda: NOW)
    finally:
        await session.close()


def feed(
    api: FakeApi,
    kind: str,
    *,
    local: bool = True,
    feed_kind: FeedKind | None = None,
    interval_s: float = 60.0,
) -> FeedTarget:
    spec = StatusApi(kind=kind, base_url=api.base_url, interval_s=interval_s)  # type: ignore[arg-type]
    return FeedTarget("loopex", spec, feed_kind or FEEDS[kind], ("loopex.example",), local)


class Sleeps:
    """A sleep that records how long it was asked to wait and returns at once."""

    def __init__(self, api: FakeApi | None = None, stop_after: int = 1000) -> None:
        self.waits: list[float] = []
        self.api = api
        self.stop_after = stop_after

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)
        if self.api is not None:
            self.api.log.append((f"sleep {seconds:g}", 0.0))
        if len(self.waits) >= self.stop_after:
            raise asyncio.CancelledError
        await asyncio.sleep(0)


async def test_it_holds_kucoin_facts_in_memory_after_one_round(
    api: FakeApi, ctx: ProbeContext
) -> None:
    api.set("/api/v1/status", fx.KUCOIN_OPEN)
    api.set("/api/v3/currencies", fx.KUCOIN_CURRENCIES)
    runner = FeedRunner(ctx, [feed(api, "kucoin")], sleep=Sleeps())
    await runner.read_all()
    facts = runner.facts("loopex")
    assert facts is not None and facts.system is not None and facts.wallet is not None
    assert facts.system.data is not None and facts.system.data.mode is TradingMode.NORMAL
    assert facts.wallet.data is not None
    trc20 = facts.wallet.data["USDT"].networks[0]
    assert (trc20.name, trc20.withdraw) == ("TRC20", Flag.SUSPENDED)
    assert facts.wallet.at == NOW and not facts.wallet.failing
    assert api.user_agents[0].startswith("supportlive/")
    assert runner.facts("mexc") is None


async def test_a_failed_read_keeps_the_last_good_facts_and_says_why(
    api: FakeApi, ctx: ProbeContext
) -> None:
    api.set("/api/v1/status", fx.KUCOIN_OPEN)
    api.set("/api/v3/currencies", fx.KUCOIN_CURRENCIES)
    runner = FeedRunner(ctx, [feed(api, "kucoin")], sleep=Sleeps())
    await runner.read_all()
    api.set("/api/v3/currencies", {"code": "500000", "msg": "Internal error"}, status=503)
    await runner.read_all()
    facts = runner.facts("loopex")
    assert facts is not None and facts.wallet is not None
    assert facts.wallet.failing
    assert facts.wallet.error == "HTTP 503: 500000 Internal error"
    assert facts.wallet.data is not None and "USDT" in facts.wallet.data  # last good, kept
    assert facts.system is not None and not facts.system.failing


async def test_a_429_stops_the_round_and_honours_retry_after(
    api: FakeApi, ctx: ProbeContext
) -> None:
    api.set(
        "/api/v1/status",
        {"code": "429000", "msg": "Too Many Requests"},
        429,
        **{"Retry-After": "120"},
    )
    api.set("/api/v3/currencies", fx.KUCOIN_CURRENCIES)
    sleeps = Sleeps(stop_after=3)
    runner = FeedRunner(ctx, [feed(api, "kucoin")], sleep=sleeps)
    with pytest.raises(asyncio.CancelledError):
        await runner._loop(runner.feeds[0])
    facts = runner.facts("loopex")
    assert facts is not None and facts.system is not None
    assert facts.system.error == "HTTP 429: rate limited, retry after 120 s"
    # First spread, then the wait the API asked for (over the 60 s interval), not sooner.
    assert sleeps.waits[1] == 120.0
    assert api.hits("/api/v3/currencies") == 0  # nothing more asked of a limiting API
    # ... and /wallet can say why it has no fresh list.
    assert facts.wallet is not None and facts.wallet.failing
    assert facts.wallet.error == "HTTP 429: rate limited, retry after 120 s"


async def test_a_429_without_retry_after_pauses_a_minute_at_least(
    api: FakeApi, ctx: ProbeContext
) -> None:
    api.set("/0/public/SystemStatus", b"", 429)
    runner = FeedRunner(ctx, [feed(api, "kraken", interval_s=10)], sleep=Sleeps())
    assert await runner.read_feed(runner.feeds[0]) == 60.0


async def test_a_retry_after_date_is_read_too(api: FakeApi, ctx: ProbeContext) -> None:
    api.set(
        "/sapi/v1/system/status",
        fx.BINANCE_ERROR,
        429,
        **{"Retry-After": "Sun, 29 Nov 2026 03:05:00 GMT"},
    )
    runner = FeedRunner(ctx, [feed(api, "binance")], sleep=Sleeps())
    assert await runner.read_feed(runner.feeds[0]) == 300.0


@pytest.mark.parametrize("header", ["Wed, 21 Oct 2015 07:28:00 GMT", "0", "-5", "soon", "1e9", "²"])
async def test_a_retry_after_in_the_past_or_unreadable_pauses_a_minute_and_says_no_wait(
    api: FakeApi, ctx: ProbeContext, header: str
) -> None:
    api.set("/api/v5/system/status", fx.OKX_RATE_LIMITED, 429, **{"Retry-After": header})
    runner = FeedRunner(ctx, [feed(api, "okx")], sleep=Sleeps())
    assert await runner.read_feed(runner.feeds[0]) == 60.0
    facts = runner.facts("loopex")
    assert facts is not None and facts.system is not None
    assert facts.system.error == "HTTP 429: rate limited"


async def test_requests_to_one_api_are_spaced_by_its_gap(api: FakeApi, ctx: ProbeContext) -> None:
    api.set("/0/public/SystemStatus", fx.KRAKEN_ONLINE)
    api.set("/0/public/Assets", fx.KRAKEN_ASSETS)
    runner = FeedRunner(ctx, [feed(api, "kraken")], sleep=Sleeps(api))
    await runner.read_all()
    assert [entry for entry, _ in api.log] == [
        "/0/public/SystemStatus",
        "sleep 1.5",
        "/0/public/Assets",
    ]


async def test_rounds_follow_the_interval_and_okx_never_faster_than_its_limit(
    api: FakeApi, ctx: ProbeContext
) -> None:
    api.set("/api/v5/system/status", fx.OKX_EVENTS)
    sleeps = Sleeps(stop_after=4)
    runner = FeedRunner(ctx, [feed(api, "okx", interval_s=10)], sleep=sleeps)
    with pytest.raises(asyncio.CancelledError):
        await runner._loop(runner.feeds[0])
    assert sleeps.waits[1:] == [10.0, 10.0, 10.0]
    assert min(sleeps.waits[1:]) >= FEEDS["okx"].min_gap_s
    assert api.hits("/api/v5/system/status") == 3


async def test_an_answer_over_its_cap_is_a_failed_read(api: FakeApi, ctx: ProbeContext) -> None:
    small = replace(
        FEEDS["gate"],
        wallet=WalletEndpoint("/api/v4/spot/currencies", FEEDS["gate"].wallet.parse, 1024),  # type: ignore[union-attr]
    )
    api.set("/api/v4/spot/currencies", [fx.GATE_CURRENCIES[0]] * 50)
    runner = FeedRunner(ctx, [feed(api, "gate", feed_kind=small)], sleep=Sleeps())
    await runner.read_all()
    facts = runner.facts("loopex")
    assert facts is not None and facts.wallet is not None
    assert facts.wallet.error == "answer larger than 1 KiB"
    assert facts.wallet.data is None


async def test_an_http_error_names_the_exchange_message(api: FakeApi, ctx: ProbeContext) -> None:
    api.set("/api/v4/spot/currencies", fx.GATE_ERROR, 429)
    api.set("/currencies", fx.COINBASE_ERROR, 500)
    runner = FeedRunner(ctx, [feed(api, "gate")], sleep=Sleeps())
    await runner.read_all()
    gate = runner.facts("loopex")
    assert gate is not None and gate.wallet is not None
    assert gate.wallet.error == "HTTP 429: rate limited"
    other = FeedRunner(ctx, [feed(api, "coinbase")], sleep=Sleeps())
    await other.read_all()
    coinbase = other.facts("loopex")
    assert coinbase is not None and coinbase.wallet is not None
    assert coinbase.wallet.error == "HTTP 500: Internal server error"


async def test_an_error_page_nested_beyond_reading_is_a_plain_http_error(
    api: FakeApi, ctx: ProbeContext
) -> None:
    api.set("/currencies", b"[" * 30_000 + b"]" * 30_000, 503)
    runner = FeedRunner(ctx, [feed(api, "coinbase")], sleep=Sleeps())
    await runner.read_all()
    coinbase = runner.facts("loopex")
    assert coinbase is not None and coinbase.wallet is not None
    assert coinbase.wallet.error == "HTTP 503"


async def test_a_loopback_api_is_refused_without_local_targets(
    api: FakeApi, ctx: ProbeContext
) -> None:
    api.set("/api/v1/status", fx.KUCOIN_OPEN)
    runner = FeedRunner(ctx, [feed(api, "kucoin", local=False)], sleep=Sleeps())
    await runner.read_all()
    facts = runner.facts("loopex")
    assert facts is not None and facts.system is not None
    assert facts.system.error.startswith("http scheme in")
    assert api.log == []


async def test_a_hanging_api_times_out_as_a_failed_read(api: FakeApi, ctx: ProbeContext) -> None:
    api.hang.add("/sapi/v1/system/status")
    spec = StatusApi(kind="binance", base_url=api.base_url, timeout_s=0.5)
    runner = FeedRunner(
        ctx, [FeedTarget("loopex", spec, FEEDS["binance"], (), True)], sleep=Sleeps()
    )
    await asyncio.wait_for(runner.read_all(), timeout=20)
    facts = runner.facts("loopex")
    assert facts is not None and facts.system is not None
    assert facts.system.error == "timeout after 0.5 s"


async def test_a_closed_port_is_a_failed_read(ctx: ProbeContext) -> None:
    spec = StatusApi(kind="binance", base_url="http://127.0.0.1:9")
    runner = FeedRunner(
        ctx, [FeedTarget("loopex", spec, FEEDS["binance"], (), True)], sleep=Sleeps()
    )
    await runner.read_all()
    facts = runner.facts("loopex")
    assert facts is not None and facts.system is not None
    assert facts.system.error == "connection refused"


async def test_it_tells_the_listener_old_and_new_facts_after_the_first_round(
    api: FakeApi, ctx: ProbeContext
) -> None:
    api.set("/api/v4/spot/currencies", fx.GATE_CURRENCIES)
    seen: list[tuple[object, object]] = []

    async def listen(old: object, new: object) -> None:
        seen.append((old, new))

    runner = FeedRunner(ctx, [feed(api, "gate")], on_facts=listen, sleep=Sleeps())
    await runner.read_all()
    assert seen == []
    await runner.read_all()
    assert len(seen) == 1


async def test_a_reader_bug_is_a_failed_read_not_a_dead_loop(
    api: FakeApi, ctx: ProbeContext
) -> None:
    def broken(_: bytes) -> dict[str, object]:
        raise KeyError("chains")

    kind = replace(FEEDS["gate"], wallet=WalletEndpoint("/api/v4/spot/currencies", broken))
    api.set("/api/v4/spot/currencies", fx.GATE_CURRENCIES)
    runner = FeedRunner(ctx, [feed(api, "gate", feed_kind=kind)], sleep=Sleeps())
    await runner.read_all()
    facts = runner.facts("loopex")
    assert facts is not None and facts.wallet is not None
    assert facts.wallet.error == "KeyError"


async def test_metrics_say_how_old_each_reading_is_and_whether_it_fails(
    api: FakeApi, ctx: ProbeContext
) -> None:
    from bot.metrics import Metrics

    api.set("/api/v1/status", fx.KUCOIN_OPEN)
    api.set("/api/v3/currencies", {"code": "500000", "msg": "busy"}, 503)
    runner = FeedRunner(ctx, [feed(api, "kucoin")], sleep=Sleeps())
    await runner.read_all()
    metrics = Metrics([])
    metrics.watch_feeds(runner.all_facts, lambda: NOW + timedelta(seconds=30))
    text = (await metrics.scrape()).decode()
    assert 'status_api_age_seconds{exchange="loopex",part="system"} 30.0' in text
    assert 'status_api_failing{exchange="loopex",part="system"} 0.0' in text
    assert 'status_api_failing{exchange="loopex",part="wallet"} 1.0' in text
    assert 'status_api_age_seconds{exchange="loopex",part="wallet"}' not in text
