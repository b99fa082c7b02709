"""Facts a reviewer checks in the shipped catalog (bot/catalog/catalog.yaml).

Plain YAML reading on purpose: these checks hold whatever the pydantic models look like.
The facts come from research/exchanges.md; this file pins the ones that protect users
(official links only, no look-alikes, no unverified contacts, both languages present).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

CATALOG_PATH = Path(__file__).resolve().parent.parent / "bot" / "catalog" / "catalog.yaml"

EXCHANGES = ("mexc", "binance", "okx", "bybit", "kraken", "coinbase", "kucoin", "gate")
CASES = ("account_compromised", "withdrawal_stuck", "deposit_missing", "order_failed", "kyc")
KINDS = {
    "live_chat",
    "help_center",
    "ticket",
    "email",
    "telegram",
    "x",
    "phone",
    "status_page",
    "verify_tool",
}
MODES = {"live", "async", "self_service", "broadcast"}
CONFIDENCE = {"high", "medium", "low", "unverified"}
PLATFORM_HOSTS = {"telegram": {"t.me"}, "x": {"x.com"}}
SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]*$")

# Fields shown to users in two languages; `name` is localized on channels only.
TEXT_FIELDS = ("name", "where", "note", "expected_reply")
ROUTE_TEXT_FIELDS = ("freeze",)
ROUTE_LIST_FIELDS = ("steps", "have_ready", "facts")
# Provenance for reviewers, not user-facing: may cite third-party or mirror copies.
SOURCE_FIELDS = {"source", "hours_source", "status_page_source"}

# Research section 1.3: exchanges whose own pages claim 24/7 support (High or Medium).
OFFICIAL_24_7 = {"binance", "kraken", "kucoin"}
# Research section 1.5: self-service freeze verified. None found for MEXC and Gate;
# Kraken locks accounts through its live chat, which is not self-service.
HAS_SELF_FREEZE = {"binance", "coinbase", "kucoin", "okx", "bybit"}
STATUSPAGES = {"kraken": "https://status.kraken.com", "coinbase": "https://status.coinbase.com"}

# Research says: do not use these (third-party only, contradicted, or a known scam vector).
FORBIDDEN_ANYWHERE = (
    "support@mexc.com",
    "binance_support",
    "phishing@binance.com",
    "support@mail.gate.io",
    "support@gate.io",
    "support@bybit.com",
    "support@kucoin.com",
    "t.me/mexc",  # MEXC Telegram accounts: Low confidence, mentioned nowhere
    "status.mexc.com",
    "support.mexc.com",
    "908-7930",  # Coinbase phone numbers: link the page, never print them
    "613-1499",
    "6894",
)
PHONE_NUMBER = re.compile(r"\+\d[\d\s().-]{6,}\d")

# Research 1.1 (unrecognised copies) and section 11 (unconfirmed mirrors): never shown to users.
MIRRORS = (
    "mexc.co",
    "mexc.fm",
    "mexc.io",
    "mexc.kr",
    "mexc.us",
    "alookzone.com",
    "winappnet.com",
    "linkappmarketing.com",
    "bytick.com",
    "bybit.tr",
    "chouyi.army",
    "chouyi.pink",
    "tbwghfetck.com",
    "growthweb.systems",
    "zhgwexpouy.net",
    "zhgwexpouy.info",
    "oucnyi.com",
    "oxyizhgwne.org",
    "cnoyu.net",
    "ouyigw.life",
    "xqmnobxky.com",
    "gwcnouiex.me",
    "marketnode.io",
    "okx.huicker.com",
    "gate.ac",
    "gateex.cc",
    "gateio.rocks",
    "gatenode.info",
    "gateweb.work",
    "gateioservicefront.com",
    "bi.live",
    "gatemt.com",
)
DOMAIN = re.compile(r"(?<![\w@.-])(?:[a-z0-9-]+\.)+[a-z]{2,}(?![\w-])", re.IGNORECASE)
EMAIL_DOMAIN = re.compile(r"@((?:[a-z0-9-]+\.)+[a-z]{2,})", re.IGNORECASE)
CJK = re.compile(r"[\u4e00-\u9fff]")
# Traditional-only characters: zh text is written for Simplified Chinese readers.
TRADITIONAL = set("線帳戶與於請這個們時間後錢幣號碼點關聯發單證驗護認為過還給")
TRADITIONAL |= set("問題開無務網頁臺區應處")
TRADITIONAL |= set("買賣轉帶凍結額擊鎖員錄態視頻實現體條達傳遞數據讓說會從動")


def _load() -> dict[str, Any]:
    with CATALOG_PATH.open(encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    assert isinstance(data, dict)
    return data


CATALOG = _load()
BY_ID: dict[str, dict[str, Any]] = {e["id"]: e for e in CATALOG["exchanges"]}


def within(host: str, domains: list[str] | set[str]) -> bool:
    host = host.lower().rstrip(".")
    return any(host == d.lower() or host.endswith("." + d.lower()) for d in domains)


def channels() -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    for exchange in CATALOG["exchanges"]:
        for channel in exchange["channels"]:
            yield exchange, channel


def channel_ids() -> list[str]:
    return [f"{e['id']}/{c['id']}" for e, c in channels()]


def strings(node: object, skip: frozenset[str] | set[str] = frozenset()) -> Iterator[str]:
    """Every string in a YAML tree, leaving out the keys in `skip`."""
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for key, value in node.items():
            if key not in skip:
                yield from strings(value, skip)
    elif isinstance(node, list):
        for item in node:
            yield from strings(item, skip)


def localized(exchange: dict[str, Any]) -> Iterator[tuple[str, object, bool]]:
    """(place, value, is_list) for every user-facing localized field of an exchange."""
    for channel in exchange["channels"]:
        for field in TEXT_FIELDS:
            if channel.get(field) is not None:
                yield f"{exchange['id']}/{channel['id']}.{field}", channel[field], False
    for case, route in exchange["routes"].items():
        for field in ROUTE_TEXT_FIELDS:
            if route.get(field) is not None:
                yield f"{exchange['id']}/routes/{case}.{field}", route[field], False
        for field in ROUTE_LIST_FIELDS:
            if route.get(field) is not None:
                yield f"{exchange['id']}/routes/{case}.{field}", route[field], True


# ---------------------------------------------------------------- shape


def test_the_eight_exchanges_are_there_once() -> None:
    ids = [e["id"] for e in CATALOG["exchanges"]]
    assert sorted(ids) == sorted(EXCHANGES)
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("exchange_id", EXCHANGES)
def test_ids_are_slugs_and_channel_ids_are_unique(exchange_id: str) -> None:
    exchange = BY_ID[exchange_id]
    assert SLUG.match(exchange["id"])
    ids = [c["id"] for c in exchange["channels"]]
    assert all(SLUG.match(i) for i in ids), ids
    assert len(ids) == len(set(ids)), ids


@pytest.mark.parametrize("key", channel_ids())
def test_every_channel_has_kind_mode_source_date_and_confidence(key: str) -> None:
    exchange_id, channel_id = key.split("/")
    channel = next(c for c in BY_ID[exchange_id]["channels"] if c["id"] == channel_id)
    assert channel["kind"] in KINDS
    assert channel["mode"] in MODES
    assert isinstance(channel.get("source"), str)
    assert channel["source"].strip()
    assert isinstance(channel.get("verified_on"), dt.date)
    assert channel.get("confidence") in CONFIDENCE
    if channel["kind"] == "email":
        assert channel.get("address")
    else:
        assert channel.get("url") or channel.get("where"), "needs a link or a 'where'"


# ---------------------------------------------------------------- routes


@pytest.mark.parametrize("exchange_id", EXCHANGES)
def test_every_exchange_has_the_five_routes(exchange_id: str) -> None:
    assert sorted(BY_ID[exchange_id]["routes"]) == sorted(CASES)


@pytest.mark.parametrize("exchange_id", EXCHANGES)
def test_route_channels_exist_and_are_never_broadcast_accounts(exchange_id: str) -> None:
    exchange = BY_ID[exchange_id]
    kinds = {c["id"]: c["kind"] for c in exchange["channels"]}
    for case, route in exchange["routes"].items():
        assert route["channels"], case
        for channel_id in route["channels"]:
            assert channel_id in kinds, f"{case} names {channel_id}"
            # Nobody in trouble should be sent to X or Telegram with account details.
            assert kinds[channel_id] not in ("x", "telegram"), f"{case} → {channel_id}"
        if route.get("freeze_channel") is not None:
            assert route["freeze_channel"] in kinds


@pytest.mark.parametrize("exchange_id", EXCHANGES)
def test_routes_state_confidence_and_unverified_ones_carry_no_facts(exchange_id: str) -> None:
    for case, route in BY_ID[exchange_id]["routes"].items():
        assert route.get("confidence") in CONFIDENCE, case
        if route["confidence"] == "unverified":
            assert not route.get("facts"), f"{case}: unverified route with facts"
            assert not route.get("freeze"), f"{case}: unverified route with a freeze step"
        else:
            assert route.get("source"), f"{case}: a sourced route needs its source"


@pytest.mark.parametrize("exchange_id", EXCHANGES)
def test_freeze_step_only_where_research_verifies_one(exchange_id: str) -> None:
    route = BY_ID[exchange_id]["routes"]["account_compromised"]
    assert bool(route.get("freeze")) == (exchange_id in HAS_SELF_FREEZE)


# ---------------------------------------------------------------- official links only


@pytest.mark.parametrize("exchange_id", EXCHANGES)
def test_official_domains_are_bare_and_not_look_alikes(exchange_id: str) -> None:
    exchange = BY_ID[exchange_id]
    assert exchange["official_domains"]
    for domain in exchange["official_domains"]:
        assert DOMAIN.fullmatch(domain), domain
        assert not within(domain, exchange.get("never_link") or [])
        assert not within(domain, MIRRORS), domain


@pytest.mark.parametrize("key", channel_ids())
def test_links_and_addresses_are_on_official_domains(key: str) -> None:
    exchange_id, channel_id = key.split("/")
    exchange = BY_ID[exchange_id]
    channel = next(c for c in exchange["channels"] if c["id"] == channel_id)
    official = exchange["official_domains"]
    if channel.get("url"):
        parts = urlsplit(channel["url"])
        assert parts.scheme == "https"
        assert not parts.username and not parts.password
        host = parts.hostname or ""
        platform = PLATFORM_HOSTS.get(channel["kind"], set())
        if host in platform:
            assert channel["confidence"] in ("high", "medium"), "off-domain account needs medium+"
        else:
            assert within(host, official), f"{host} is not official for {exchange_id}"
    if channel.get("address"):
        assert channel["kind"] == "email"
        local, _, domain = channel["address"].partition("@")
        assert local
        assert within(domain, official)


@pytest.mark.parametrize("key", channel_ids())
def test_probe_targets_are_on_official_domains(key: str) -> None:
    exchange_id, channel_id = key.split("/")
    exchange = BY_ID[exchange_id]
    channel = next(c for c in exchange["channels"] if c["id"] == channel_id)
    probe = channel.get("probe")
    if probe is None:
        return
    assert probe["kind"] in ("http", "dns", "tls", "tcp", "statuspage")
    assert channel["kind"] not in ("x", "telegram"), "X/Telegram pages are not probed"
    if probe["kind"] in ("http", "statuspage"):
        parts = urlsplit(probe["url"])
        assert parts.scheme == "https"
        host = parts.hostname or ""
    else:
        host = probe["name"] if probe["kind"] == "dns" else probe["host"]
    assert within(host, exchange["official_domains"]), host


@pytest.mark.parametrize("exchange_id", EXCHANGES)
def test_nothing_from_never_link_appears_anywhere(exchange_id: str) -> None:
    never = BY_ID[exchange_id].get("never_link") or []
    everything = json.dumps(CATALOG, ensure_ascii=False, default=str).lower()
    listed = json.dumps(never).lower()
    for domain in never:
        # It may appear in its own never_link list and nowhere else.
        assert everything.count(domain.lower()) == listed.count(domain.lower()), domain


@pytest.mark.parametrize("exchange_id", EXCHANGES)
def test_user_facing_text_names_only_official_domains(exchange_id: str) -> None:
    """Domains written in names, notes, steps, ... are official (sources excluded)."""
    exchange = BY_ID[exchange_id]
    official = exchange["official_domains"]
    # status_api hosts are read by the bot, never shown (bot/catalog/rules.py checks them).
    hidden = ("never_link", "channels", "status_api")
    visible = {k: v for k, v in exchange.items() if k not in hidden}
    texts = list(strings(visible, skip=SOURCE_FIELDS))
    for channel in exchange["channels"]:
        allowed = set(official) | PLATFORM_HOSTS.get(channel["kind"], set())
        for text in strings(channel, skip=SOURCE_FIELDS):
            for domain in DOMAIN.findall(text) + EMAIL_DOMAIN.findall(text):
                assert within(domain, allowed), f"{channel['id']}: {domain} in {text!r}"
    for text in texts:
        for domain in DOMAIN.findall(text) + EMAIL_DOMAIN.findall(text):
            assert within(domain, official), f"{domain} in {text!r}"


def test_no_mirror_domain_is_shown_to_users() -> None:
    for exchange in CATALOG["exchanges"]:
        visible = {k: v for k, v in exchange.items() if k != "never_link"}
        for text in strings(visible, skip=SOURCE_FIELDS):
            for domain in DOMAIN.findall(text):
                assert not within(domain, MIRRORS), f"{exchange['id']}: {domain}"


def test_contacts_the_research_rules_out_appear_nowhere() -> None:
    raw = CATALOG_PATH.read_text(encoding="utf-8").lower()
    for forbidden in FORBIDDEN_ANYWHERE:
        assert forbidden not in raw, forbidden
    assert not PHONE_NUMBER.search(raw), PHONE_NUMBER.search(raw)


def test_no_channel_prints_a_phone_number() -> None:
    for exchange, channel in channels():
        assert "phone" not in channel, f"{exchange['id']}/{channel['id']}"


# ---------------------------------------------------------------- MEXC, the seed exchange


def mexc_channel(kind: str) -> dict[str, Any]:
    found = [c for c in BY_ID["mexc"]["channels"] if c["kind"] == kind]
    assert len(found) == 1, kind
    return found[0]


def test_mexc_email_is_service_at_mexc_com() -> None:
    email = mexc_channel("email")
    assert email["address"] == "service@mexc.com"
    assert email["confidence"] == "high"
    assert email["expected_reply"]["en"].startswith("1–3 business days")


def test_mexc_has_the_required_channels() -> None:
    assert mexc_channel("live_chat")["mode"] == "live"
    assert mexc_channel("help_center")["url"] == "https://www.mexc.com/support"
    assert mexc_channel("ticket")["confidence"] in ("unverified", "low")  # old footer copy only
    x = mexc_channel("x")
    assert x["url"] == "https://x.com/MEXC_Official"
    assert x["mode"] == "broadcast"
    assert mexc_channel("verify_tool")["url"] == "https://www.mexc.com/official-verify"
    assert not [c for c in BY_ID["mexc"]["channels"] if c["kind"] == "telegram"]
    assert BY_ID["mexc"]["status_page"] is None
    assert "mexc-crypto.com" in BY_ID["mexc"]["never_link"]


def test_mexc_compromised_route_states_the_24h_lock_and_no_freeze() -> None:
    route = BY_ID["mexc"]["routes"]["account_compromised"]
    assert route["channels"][0] == "live_chat"
    assert "email" in route["channels"]
    assert any("24 h" in fact for fact in route["facts"]["en"])
    assert route["confidence"] == "high"


# ---------------------------------------------------------------- hours and status pages


@pytest.mark.parametrize("key", channel_ids())
def test_24_7_only_where_the_exchange_itself_claims_it(key: str) -> None:
    exchange_id, channel_id = key.split("/")
    channel = next(c for c in BY_ID[exchange_id]["channels"] if c["id"] == channel_id)
    hours = channel.get("hours")
    if hours is None:
        return
    assert channel.get("hours_source"), "hours need their source"
    if hours == "24/7":
        assert exchange_id in OFFICIAL_24_7
        assert channel["kind"] == "live_chat"
    else:
        assert isinstance(hours, dict)
        assert set(hours) <= {"tz", "weekly"}


@pytest.mark.parametrize("exchange_id", EXCHANGES)
def test_statuspages_only_for_kraken_and_coinbase(exchange_id: str) -> None:
    exchange = BY_ID[exchange_id]
    expected = STATUSPAGES.get(exchange_id)
    assert exchange.get("status_page") == expected
    pages = [c for c in exchange["channels"] if c["kind"] == "status_page"]
    if expected is None:
        assert not pages
        return
    assert exchange.get("status_page_source")
    assert len(pages) == 1
    assert pages[0]["url"] == expected
    assert pages[0]["probe"]["kind"] == "statuspage"
    assert pages[0]["probe"]["url"] == expected


# ---------------------------------------------------------------- two languages


@pytest.mark.parametrize("exchange_id", EXCHANGES)
def test_every_localized_text_has_english_and_simplified_chinese(exchange_id: str) -> None:
    for place, value, is_list in localized(BY_ID[exchange_id]):
        assert isinstance(value, dict), place
        assert set(value) == {"en", "zh"}, place
        en, zh = value["en"], value["zh"]
        if is_list:
            assert isinstance(en, list) and isinstance(zh, list), place
            assert en and len(en) == len(zh), f"{place}: en and zh differ in length"
            items = [*en, *zh]
            zh_text = " ".join(str(item) for item in zh)
        else:
            items = [en, zh]
            zh_text = str(zh)
        assert all(str(item).strip() for item in items), place
        assert CJK.search(zh_text), f"{place}: zh has no Chinese"
        assert not (set(zh_text) & TRADITIONAL), f"{place}: traditional characters in zh"
        assert en != zh, place
