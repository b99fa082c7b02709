"""The catalog's `status_api`: only on official (or listed API) hosts, https, known kinds,
no faster than the API allows; loopback only when local targets are allowed."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from bot.catalog import CatalogError, load_catalog
from bot.catalog.load import check_data
from bot.settings import SHIPPED_CATALOG
from probes.feeds.registry import FEEDS
from tests.catalog.test_rules import GOOD


def with_api(api: dict[str, Any], **exchange: Any) -> dict[str, Any]:
    data = copy.deepcopy(GOOD)
    data["exchanges"][0]["status_api"] = api
    data["exchanges"][0].update(exchange)
    return data


def problems_of(data: dict[str, Any], *, allow_local: bool = False) -> list[str]:
    with pytest.raises(CatalogError) as caught:
        check_data(Path("test.yaml"), data, allow_local=allow_local)
    return [str(p) for p in caught.value.problems]


def test_it_accepts_an_api_on_an_official_subdomain_with_defaults() -> None:
    catalog = check_data(
        Path("t.yaml"), with_api({"kind": "kucoin", "base_url": "https://api.mexc.com"})
    )
    exchange = catalog.exchange("mexc")
    assert exchange is not None and exchange.status_api is not None
    assert exchange.status_api.interval_s == 60.0
    assert exchange.status_api.kind == "kucoin"


@pytest.mark.parametrize(
    ("api", "expected"),
    [
        (
            {"kind": "kucoin", "base_url": "https://api.mexc-crypto.com"},
            "mexc / status_api / base_url: https://api.mexc-crypto.com is on mexc's "
            "never_link list",
        ),
        (
            {"kind": "kucoin", "base_url": "https://api.kucoin.example"},
            "mexc / status_api / base_url: host api.kucoin.example is not an official domain "
            "of mexc (mexc.com)",
        ),
        (
            {"kind": "kucoin", "base_url": "http://api.mexc.com"},
            "mexc / status_api / base_url: http://api.mexc.com is not https",
        ),
        (
            {"kind": "kucoin", "base_url": "https://api.mexc.com?key=1"},
            "mexc / status_api / base_url: https://api.mexc.com?key=1 must not carry a query "
            "or fragment",
        ),
        (
            {"kind": "kucoin", "base_url": "http://127.0.0.1:8080"},
            "mexc / status_api / base_url: http://127.0.0.1:8080 is not https",
        ),
    ],
)
def test_it_refuses_an_api_off_the_official_domains(api: dict[str, Any], expected: str) -> None:
    assert problems_of(with_api(api)) == [expected]


def test_it_refuses_an_unknown_kind_naming_the_place() -> None:
    problems = problems_of(with_api({"kind": "mexc", "base_url": "https://api.mexc.com"}))
    assert problems[0].startswith("mexc / status_api / kind: 'mexc' is not one of 'kraken'")


def test_it_refuses_an_interval_below_ten_seconds() -> None:
    api = {"kind": "okx", "base_url": "https://www.mexc.com", "interval_s": 4}
    problems = problems_of(with_api(api))
    assert problems[0] == "mexc / status_api / interval_s: must be at least 10"


def test_it_refuses_an_interval_faster_than_the_kind_allows(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from dataclasses import replace

    monkeypatch.setitem(FEEDS, "okx", replace(FEEDS["okx"], min_gap_s=30.0))
    api = {"kind": "okx", "base_url": "https://www.mexc.com", "interval_s": 20}
    assert problems_of(with_api(api)) == [
        "mexc / status_api / interval_s: 20 s is faster than okx allows (at least 30 s)"
    ]


def test_it_accepts_a_listed_api_domain_but_not_one_on_never_link() -> None:
    good = with_api(
        {"kind": "gate", "base_url": "https://api.gateio.ws", "api_domains": ["gateio.ws"]}
    )
    check_data(Path("t.yaml"), good)
    bad = with_api(
        {"kind": "gate", "base_url": "https://api.gateio.ws", "api_domains": ["gateio.ws"]},
        never_link=["gateio.ws"],
    )
    assert problems_of(bad) == [
        "mexc / status_api / api_domains: gateio.ws is on never_link",
        "mexc / status_api / base_url: https://api.gateio.ws is on mexc's never_link list",
    ]


def test_it_allows_loopback_only_with_local_targets() -> None:
    data = with_api({"kind": "kraken", "base_url": "http://127.0.0.1:9"})
    assert problems_of(data) == ["mexc / status_api / base_url: http://127.0.0.1:9 is not https"]
    catalog = check_data(Path("t.yaml"), data, allow_local=True)
    assert catalog.exchanges[0].status_api is not None


def test_the_shipped_catalog_reads_every_api_with_a_public_endpoint() -> None:
    catalog = load_catalog(SHIPPED_CATALOG)
    kinds = {e.id: e.status_api.kind for e in catalog.exchanges if e.status_api is not None}
    # MEXC publishes no keyless status API; every other watched exchange has one kind.
    assert kinds == {
        "binance": "binance",
        "okx": "okx",
        "bybit": "bybit",
        "kraken": "kraken",
        "coinbase": "coinbase",
        "kucoin": "kucoin",
        "gate": "gate",
    }
    for exchange in catalog.exchanges:
        if exchange.status_api is not None:
            assert exchange.status_api.base_url.startswith("https://")
            assert exchange.status_api.source
