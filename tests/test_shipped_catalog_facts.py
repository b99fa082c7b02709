"""Facts a reviewer checks in the shipped catalog (bot/catalog/catalog.yaml).

Plain YAML reading on purpose: these checks hold whatever the pydantic models look like.
The facts and their sources are restated in docs/sources.md; this file pins the ones that
protect users (official links only, no look-alikes, no unverified contacts, both languages
present) and the corrections of the 2026-11-29 review.
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
SOURCE_FIELDS = {"source", "hours_source", "status_page_source", "phone_support_source"}

# Exchanges whose own pages claim 24/7 support (high or medium; docs/sources.md).
OFFICIAL_24_7 = {"binance", "kraken", "kucoin"}
# A self-service freeze or lock is verified. None found for MEXC and Gate; Kraken's is the
# lock link in its new-withdrawal-address e-mail (else its live chat locks the account).
HAS_SELF_FREEZE = {"binance", "coinbase", "kucoin", "okx", "bybit", "kraken"}
STATUSPAGES = {"kraken": "https://status.kraken.com", "coinbase": "https://status.coinbase.com"}

# Do not use these (third-party only, contradicted, or a known scam vector).
FORBIDDEN_ANYWHERE = (
    "support@mexc.com",
    "binance_support",
    "phishing@binance.com",
    "support@mail.gate.io",
    "support@gate.io",
    "support@bybit.com",
    "support@kucoin.com",
    # MEXC Telegram accounts: only in copies of the mexc.com footer (2023, mid-2026), never
    # confirmed on a live MEXC page; not shipped until MEXC Verify confirms them.
    "t.me/mexc",
    "status.mexc.com",
    "support.mexc.com",
    "908-7930",  # Coinbase phone numbers: link the page, never print them
    "613-1499",
    "6894",
)
PHONE_NUMBER = re.compile(r"\+\d[\d\s().-]{6,}\d")

# Unrecognised copies and unconfirmed mirrors (docs/sources.md): never shown to users.
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
def test_freeze_step_only_where_a_source_verifies_one(exchange_id: str) -> None:
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
    assert mexc_channel("ticket")["confidence"] == "medium"  # a mid-2026 footer copy
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


# ---------------------------------------------------------------- the 2026-11-29 review


def route(exchange_id: str, case: str = "account_compromised") -> dict[str, Any]:
    return BY_ID[exchange_id]["routes"][case]


def texts(node: object) -> str:
    return " ".join(strings(node))


def channel(exchange_id: str, channel_id: str) -> dict[str, Any]:
    return next(c for c in BY_ID[exchange_id]["channels"] if c["id"] == channel_id)


@pytest.mark.parametrize("exchange_id", EXCHANGES)
def test_every_high_fact_cites_a_page_on_the_exchange_own_domains(exchange_id: str) -> None:
    exchange = BY_ID[exchange_id]
    nodes = [*exchange["channels"], *exchange["routes"].values()]
    for node in nodes:
        if node.get("confidence") != "high":
            continue
        parts = urlsplit(node.get("source") or "")
        assert parts.scheme == "https", node.get("source")
        assert within(parts.hostname or "", exchange["official_domains"]), node["source"]


def test_kraken_says_where_its_real_phone_number_is_not_that_none_exists() -> None:
    facts = texts(route("kraken")["facts"])
    assert "no phone support" not in facts
    assert "only real phone number is the one shown at the bottom of support.kraken.com" in facts
    assert "页面底部" in facts
    kraken = BY_ID["kraken"]
    assert "bottom of support.kraken.com" in kraken["phone_support"]["en"]
    assert kraken["phone_support_source"] == (
        "https://support.kraken.com/hc/en-us/articles/115012482487-Beware-of-phone-scams"
    )


def test_kraken_locks_from_its_withdrawal_address_email_and_names_all_sender_domains() -> None:
    freeze = route("kraken")["freeze"]
    assert "new withdrawal address" in freeze["en"] and "lock" in freeze["en"]
    assert "no self-service lock" not in texts(route("kraken")).lower()
    note = channel("kraken", "ticket")["note"]["en"]
    for sender in ("@futures.kraken.com", "@email2.kraken.com", "@marketing.kraken.com"):
        assert sender in note
    assert "complaint-handling-process" not in channel("kraken", "ticket")["source"]


@pytest.mark.parametrize(
    ("exchange_id", "beside"), [("bybit", "Delete Account"), ("okx", "Close account")]
)
def test_freezes_warn_about_the_delete_button_and_say_to_change_password_and_2fa(
    exchange_id: str, beside: str
) -> None:
    steps = route(exchange_id)
    assert beside in steps["freeze"]["en"]
    assert any("change your password and 2FA" in step for step in steps["steps"]["en"])
    assert "Only Bybit Support can reactivate" not in texts(steps)


def test_bybit_reactivation_after_24_h_is_said_and_the_route_is_medium() -> None:
    assert any("24 h" in fact for fact in route("bybit")["facts"]["en"])
    assert route("bybit")["confidence"] == "medium"  # the reactivation page is not bybit.com


def test_coinbase_promises_no_callback_and_says_it_never_calls_first() -> None:
    everything = texts(BY_ID["coinbase"])
    assert "5 minutes" not in everything and "calls back" not in everything
    assert any("never calls you first" in f for f in route("coinbase")["facts"]["en"])
    note = channel("coinbase", "phone_line")["note"]["en"]
    assert "may not reach a person" not in note
    assert "automated system or a live agent" in note


def test_gate_copy_trading_telegram_is_unverified_unlinked_and_never_recommended() -> None:
    group = channel("gate", "copy_trading_reports")
    assert group["confidence"] == "unverified"
    assert "url" not in group
    assert group["mode"] == "broadcast"
    assert "Gateio_Copy_Trading" not in json.dumps(BY_ID["gate"], default=str)
    for case, steps in BY_ID["gate"]["routes"].items():
        assert "copy_trading_reports" not in steps["channels"], case


def test_gate_live_chat_from_the_gate_us_page_is_medium() -> None:
    chat = channel("gate", "live_chat")
    assert "/en-us/" in chat["source"]
    assert chat["confidence"] == "medium"


def test_weak_sources_are_fixed_or_lowered() -> None:
    withdrawal = route("binance", "withdrawal_stuck")
    assert withdrawal["confidence"] == "unverified" and withdrawal["source"] is None
    assert channel("binance", "verify")["confidence"] == "medium"
    assert "square" not in (route("binance")["source"] or "")
    assert "WhatsApp" not in texts(route("binance"))  # now on the X channel (medium, Square)
    assert "WhatsApp" in channel("binance", "x")["note"]["en"]
    assert route("okx", "kyc")["confidence"] == "unverified"
    assert "ouzhyi" not in json.dumps(route("okx", "kyc"))
    coinbase = BY_ID["coinbase"]
    assert coinbase["status_page_source"] == "https://status.coinbase.com"
    assert channel("coinbase", "status_page")["source"] == "https://status.coinbase.com"
    assert BY_ID["kraken"]["status_page_source"] == "https://docs.kraken.com/home/support.md"


def test_deposit_recovery_fees_and_scope_are_stated() -> None:
    mexc = texts(route("mexc", "deposit_missing")["facts"]["en"])
    assert "fee" in mexc and "wrong token, network or memo" in mexc
    gate = texts(route("gate", "deposit_missing")["facts"]["en"])
    assert "fee in USDT" in gate and "100 USDT" in gate and "memo" in gate


def test_known_look_alikes_from_the_review_are_on_never_link() -> None:
    expected = {
        "binance": {"bc-binance.com", "ft-binance.com", "fo-binance.com", "xnb-binance.com.cn"},
        "kraken": {"krakenlogin.co.com"},
        "gate": {"help-gate-io.pages.dev"},
        "okx": {"okxwebsite.com", "47.74.183.27"},
    }
    for exchange_id, domains in expected.items():
        assert domains <= set(BY_ID[exchange_id]["never_link"]), exchange_id
    assert "wap.xnb-binance.com.cn" not in BY_ID["binance"]["never_link"]


def test_gate_support_email_and_security_reset_are_medium() -> None:
    email = channel("gate", "email")
    assert email["address"] == "support@gate.com"
    assert email["confidence"] == "medium"
    reset = channel("gate", "security_reset")
    assert reset["url"] == "https://www.gate.com/security_reset"
    assert reset["confidence"] == "medium"
    assert any("anti-phishing code" in f for f in route("gate")["facts"]["en"])
