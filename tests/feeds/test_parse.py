"""Each kind's parser on documented answers, error envelopes and garbage.

What a parser must never do: call a flag open that the API did not say is open.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from probes.feeds import binance, bybit, coinbase, gate, kraken, kucoin, okx
from probes.feeds.facts import Event, EventState, Flag, Network, System, TradingMode
from probes.feeds.parse import FeedError
from tests.feeds import fixtures as fx
from tests.feeds.fixtures import body

BEGIN = datetime(2026, 12, 1, 2, tzinfo=UTC)
END = datetime(2026, 12, 1, 4, tzinfo=UTC)


def networks(wallet: Any, code: str) -> dict[str, tuple[Flag, Flag]]:
    return {n.name: (n.deposit, n.withdraw) for n in wallet[code].networks}


# ---------------------------------------------------------------- Kraken


def test_kraken_online_is_normal_with_no_events() -> None:
    assert kraken.parse_system(body(fx.KRAKEN_ONLINE)) == System(TradingMode.NORMAL)


def test_kraken_maintenance_carries_upcoming_window_and_open_incident() -> None:
    system = kraken.parse_system(body(fx.KRAKEN_MAINTENANCE))
    assert system.mode is TradingMode.MAINTENANCE
    assert system.events == (
        Event(
            "Funding gateway upgrade",
            EventState.SCHEDULED,
            BEGIN,
            END,
            "https://status.kraken.com/incidents/abc",
        ),
        Event("Delayed ETH withdrawals", EventState.ONGOING, incident=True),
    )


@pytest.mark.parametrize(
    ("status", "mode"),
    [
        ("cancel_only", TradingMode.CANCEL_ONLY),
        ("post_only", TradingMode.POST_ONLY),
        ("limit_only", TradingMode.LIMIT_ONLY),
        ("reduce_only_tomorrow", TradingMode.UNKNOWN),
        (None, TradingMode.UNKNOWN),
        (3, TradingMode.UNKNOWN),
    ],
)
def test_kraken_modes_and_unknown_words(status: Any, mode: TradingMode) -> None:
    doc = {"error": [], "result": {"status": status}}
    assert kraken.parse_system(body(doc)).mode is mode


def test_kraken_error_list_is_a_failed_read() -> None:
    with pytest.raises(FeedError, match="Kraken says EService:Unavailable"):
        kraken.parse_system(body(fx.KRAKEN_ERROR))
    with pytest.raises(FeedError, match="Kraken says EService:Unavailable"):
        kraken.parse_wallet(body(fx.KRAKEN_ERROR))


def test_kraken_error_as_a_bare_string_is_a_failed_read_too() -> None:
    doc = {"error": "EService:Unavailable", "result": {"status": "online"}}
    with pytest.raises(FeedError, match="Kraken says EService:Unavailable"):
        kraken.parse_system(body(doc))
    with pytest.raises(FeedError, match="Kraken says EService:Unavailable"):
        kraken.parse_wallet(body({**doc, "result": {"XXBT": {"altname": "XBT"}}}))


def test_kraken_assets_map_to_both_directions_and_unknown_words_stay_unknown() -> None:
    wallet = kraken.parse_wallet(body(fx.KRAKEN_ASSETS))
    assert networks(wallet, "XBT") == {"all": (Flag.OPEN, Flag.OPEN)}
    assert networks(wallet, "USDT") == {"all": (Flag.OPEN, Flag.SUSPENDED)}
    assert networks(wallet, "ETH") == {"all": (Flag.SUSPENDED, Flag.OPEN)}
    assert networks(wallet, "DOT") == {"all": (Flag.SUSPENDED, Flag.SUSPENDED)}
    assert networks(wallet, "NEW") == {"all": (Flag.UNKNOWN, Flag.UNKNOWN)}
    assert "ODD" not in wallet


# ---------------------------------------------------------------- Binance


def test_binance_status_zero_is_normal_and_one_maintenance() -> None:
    assert binance.parse_system(body(fx.BINANCE_NORMAL)).mode is TradingMode.NORMAL
    assert binance.parse_system(body(fx.BINANCE_MAINTENANCE)).mode is TradingMode.MAINTENANCE
    assert binance.parse_system(body({"status": "0"})).mode is TradingMode.UNKNOWN
    assert binance.parse_system(body({"status": True})).mode is TradingMode.UNKNOWN


def test_binance_error_envelope_is_a_failed_read() -> None:
    with pytest.raises(FeedError, match=r"Binance says Too many requests\."):
        binance.parse_system(body(fx.BINANCE_ERROR))


# ---------------------------------------------------------------- OKX


def test_okx_keeps_live_events_not_over_and_drops_demo_and_completed() -> None:
    system = okx.parse_system(body(fx.OKX_EVENTS))
    assert system.mode is None
    assert system.events == (
        Event("Trading account upgrade", EventState.SCHEDULED, BEGIN, END, None),
        Event(
            "Spot matching upgrade",
            EventState.ONGOING,
            BEGIN,
            None,
            "https://www.okx.com/help/upgrade",
        ),
    )


def test_okx_empty_data_means_nothing_announced() -> None:
    assert okx.parse_system(body({"code": "0", "msg": "", "data": []})) == System()


def test_okx_data_without_the_envelope_code_is_a_failed_read_not_nothing_announced() -> None:
    with pytest.raises(FeedError, match="no data list"):
        okx.parse_system(body({"data": []}))


def test_okx_code_other_than_zero_is_a_failed_read_and_its_rate_limit_asks_to_wait() -> None:
    with pytest.raises(FeedError) as caught:
        okx.parse_system(body(fx.OKX_RATE_LIMITED))
    assert caught.value.detail == "OKX says 50011 Too Many Requests"
    assert caught.value.retry_after_s == 10.0
    with pytest.raises(FeedError, match="OKX says 50001"):
        okx.parse_system(body({"code": "50001", "msg": "Service temporarily unavailable"}))


# ---------------------------------------------------------------- Bybit


def test_bybit_events_read_numbers_and_strings_alike() -> None:
    system = bybit.parse_system(body(fx.BYBIT_EVENTS))
    assert system.events == (
        Event("Spot upgrade", EventState.ONGOING, BEGIN, END, "https://announcements.bybit.com/x"),
    )


def test_bybit_ret_code_is_a_failed_read() -> None:
    with pytest.raises(FeedError, match="Bybit says 10006 Too many visits!"):
        bybit.parse_system(body(fx.BYBIT_ERROR))


@pytest.mark.parametrize("envelope", [{}, {"retCode": False}, {"retCode": None}])
def test_bybit_list_without_ret_code_zero_is_a_failed_read(envelope: dict[str, Any]) -> None:
    with pytest.raises(FeedError):
        bybit.parse_system(body({**envelope, "result": {"list": []}}))


def test_bybit_ret_code_zero_as_a_string_is_success() -> None:
    assert bybit.parse_system(body({"retCode": "0", "result": {"list": []}})) == System()


def test_bybit_unknown_state_and_bad_times_stay_unknown() -> None:
    doc = {
        "retCode": 0,
        "result": {"list": [{"title": "X", "state": "paused", "begin": "soon", "end": 5}]},
    }
    assert bybit.parse_system(body(doc)).events == (Event("X", EventState.UNKNOWN),)


# ---------------------------------------------------------------- KuCoin


def test_kucoin_service_status_words() -> None:
    assert kucoin.parse_system(body(fx.KUCOIN_OPEN)) == System(TradingMode.NORMAL)
    cancel = kucoin.parse_system(body(fx.KUCOIN_CANCEL_ONLY))
    assert cancel == System(TradingMode.CANCEL_ONLY, "upgrade match engine")
    closed = {"code": "200000", "data": {"status": "close", "msg": ""}}
    assert kucoin.parse_system(body(closed)).mode is TradingMode.MAINTENANCE


def test_kucoin_chains_with_unknown_values_are_unknown_never_open() -> None:
    wallet = kucoin.parse_wallet(body(fx.KUCOIN_CURRENCIES))
    assert networks(wallet, "USDT") == {
        "TRC20": (Flag.OPEN, Flag.SUSPENDED),
        "ERC20": (Flag.OPEN, Flag.OPEN),
        "BEP20": (Flag.UNKNOWN, Flag.UNKNOWN),
    }
    assert wallet["USDT"].networks[0] == Network("trx", "TRC20", Flag.OPEN, Flag.SUSPENDED)
    # A garbage chain or row is skipped; the rest of the list still counts.
    assert networks(wallet, "ODD") == {"X": (Flag.SUSPENDED, Flag.SUSPENDED)}
    assert set(wallet) == {"USDT", "BTC", "ODD"}


def test_kucoin_error_code_is_a_failed_read() -> None:
    for parse in (kucoin.parse_system, kucoin.parse_wallet):
        with pytest.raises(FeedError, match="KuCoin says 429000 Too Many Requests"):
            parse(body(fx.KUCOIN_ERROR))


def test_kucoin_answer_without_code_or_data_is_a_failed_read() -> None:
    with pytest.raises(FeedError, match="KuCoin says no code"):
        kucoin.parse_wallet(body({"data": []}))
    with pytest.raises(FeedError, match="no data list"):
        kucoin.parse_wallet(body({"code": "200000", "data": {"currency": "USDT"}}))


# ---------------------------------------------------------------- Gate


def test_gate_reads_chains_with_delayed_withdrawals() -> None:
    wallet = gate.parse_wallet(body(fx.GATE_CURRENCIES))
    assert networks(wallet, "USDT") == {
        "TRX": (Flag.OPEN, Flag.DELAYED),
        "ETH": (Flag.OPEN, Flag.OPEN),
        "BSC": (Flag.SUSPENDED, Flag.SUSPENDED),
        # Withdrawals not disabled, but "delayed" unreadable: we cannot say open.
        "SOL": (Flag.OPEN, Flag.UNKNOWN),
    }
    assert networks(wallet, "GT") == {"GTEVM": (Flag.UNKNOWN, Flag.OPEN)}


@pytest.mark.parametrize(
    ("delayed", "withdraw"),
    [
        ("true", Flag.DELAYED),
        ("1", Flag.DELAYED),
        (1, Flag.DELAYED),
        ("false", Flag.OPEN),
        ("0", Flag.OPEN),
        (0, Flag.OPEN),
        (None, Flag.UNKNOWN),
        ("maybe", Flag.UNKNOWN),
    ],
)
def test_gate_reads_withdraw_delayed_in_the_forms_it_reads_the_other_flags(
    delayed: Any, withdraw: Flag
) -> None:
    chain = {"name": "ETH", "withdraw_disabled": "0", "withdraw_delayed": delayed}
    wallet = gate.parse_wallet(body([{"currency": "USDT", "chains": [chain]}]))
    assert networks(wallet, "USDT")["ETH"][1] is withdraw


def test_gate_label_and_message_are_a_failed_read() -> None:
    with pytest.raises(FeedError, match="Gate says TOO_MANY_REQUESTS Request Rate limit Exceeded"):
        gate.parse_wallet(body(fx.GATE_ERROR))
    with pytest.raises(FeedError, match="not a list"):
        gate.parse_wallet(body({"unexpected": True}))


# ---------------------------------------------------------------- Coinbase


def test_coinbase_one_status_per_network_both_ways() -> None:
    wallet = coinbase.parse_wallet(body(fx.COINBASE_CURRENCIES))
    assert networks(wallet, "USDC") == {
        "Ethereum": (Flag.OPEN, Flag.OPEN),
        "Solana": (Flag.SUSPENDED, Flag.SUSPENDED),
        "Base": (Flag.UNKNOWN, Flag.UNKNOWN),
    }


def test_coinbase_message_is_a_failed_read() -> None:
    with pytest.raises(FeedError, match="Coinbase says Internal server error"):
        coinbase.parse_wallet(body(fx.COINBASE_ERROR))


# ---------------------------------------------------------------- garbage


PARSERS = [
    kraken.parse_system,
    kraken.parse_wallet,
    binance.parse_system,
    okx.parse_system,
    bybit.parse_system,
    kucoin.parse_system,
    kucoin.parse_wallet,
    gate.parse_wallet,
    coinbase.parse_wallet,
]


@pytest.mark.parametrize("parse", PARSERS)
@pytest.mark.parametrize(
    "raw", [b"", b"<html>502 Bad Gateway</html>", b"null", b"[]", b"\xff\xfe", b'{"a": 1}', b"42"]
)
def test_garbage_is_a_failed_read_or_nothing_open(parse: Any, raw: bytes) -> None:
    try:
        parsed = parse(raw)
    except FeedError:
        return
    # Garbage must never invent a coin or a mode (an empty list is a failed read).
    assert parsed == System()


@pytest.mark.parametrize("parse", PARSERS)
def test_brackets_nested_beyond_any_parser_are_a_failed_read(parse: Any) -> None:
    with pytest.raises(FeedError):
        parse(b"[" * 100_000 + b"]" * 100_000)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=60, deadline=None)
@given(doc=json_values)
def test_any_json_is_a_failed_read_or_facts_never_a_crash(doc: Any) -> None:
    for parse in PARSERS:
        try:
            parse(body(doc))
        except FeedError:
            continue


@settings(max_examples=60, deadline=None)
@given(deposit=json_values, withdraw=json_values)
def test_a_kucoin_flag_is_open_only_when_the_api_says_true(deposit: Any, withdraw: Any) -> None:
    doc = {
        "code": "200000",
        "data": [{"currency": "C", "chains": [fx.kucoin_chain("N", "n", deposit, withdraw)]}],
    }
    (network,) = kucoin.parse_wallet(body(doc))["C"].networks
    assert (network.deposit is Flag.OPEN) == (deposit is True or deposit in ("true", "1", 1))
    assert (network.withdraw is Flag.OPEN) == (withdraw is True or withdraw in ("true", "1", 1))
