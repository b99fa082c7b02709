"""Answers from the exchanges' own status APIs, pure: `/wallet` lookups and what `/status`
shows of the API (trading mode, maintenance under way or within 72 h).

Facts older than three read intervals are stale and not shown as current: the answer says
when the API was last read and why it could not be read since.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from bot.catalog import Exchange
from bot.commands.args import normalize
from probes.domains import UrlError, parse_url, within
from probes.feeds.facts import (
    Coin,
    Event,
    EventState,
    FeedFacts,
    Network,
    Part,
    Scope,
    TradingMode,
)
from probes.feeds.registry import FEEDS
from probes.result import ErrorKind

STALE_INTERVALS = 3
# How alike a listed code must be to suggest it (difflib ratio): USDTT → USDT is 0.89.
CLOSE_COIN = 0.75
UPCOMING = timedelta(hours=72)
MAX_EVENTS_SHOWN = 5
# Kinds whose API lists maintenance events (the others give a mode only).
ANNOUNCING_KINDS = frozenset({"okx", "bybit", "kraken"})

# Names people use for one network; an exchange calls it by one of them (TRC20, trx, tron).
# fmt: off
NETWORK_GROUPS: tuple[tuple[str, ...], ...] = (
    ("tron", "trc20", "trx", "波场"),
    ("ethereum", "erc20", "eth", "以太坊"),
    ("bsc", "bep20", "bnb", "bnbsmartchain", "bnbchain", "币安链", "币安智能链"),
    ("solana", "sol", "spl", "索拉纳"),
    ("polygon", "matic", "pol", "polygonpos"),
    ("arbitrum", "arb", "arbitrumone", "arbone", "arbi"),
    ("optimism", "op"),
    ("avalanche", "avaxc", "avax", "avaxcchain", "cchain"),
    ("bitcoin", "btc", "比特币"),
    ("ton", "toncoin"),
    ("base",),
)
NETWORK_NAMES: tuple[frozenset[str], ...] = tuple(frozenset(group) for group in NETWORK_GROUPS)
# Coins some exchanges list under another code.
COIN_NAMES: tuple[frozenset[str], ...] = (
    frozenset({"BTC", "XBT"}),
    frozenset({"DOGE", "XDG"}),
)
# fmt: on


class WalletAnswer(StrEnum):
    FOUND = "found"
    NO_SOURCE = "no_source"  # no keyless per-network source at this exchange
    NOT_READ = "not_read"  # a source, but no fresh reading
    UNKNOWN_COIN = "unknown_coin"
    UNKNOWN_NETWORK = "unknown_network"


@dataclass(frozen=True, slots=True)
class WalletView:
    """What `/wallet` answers: the networks shown and how we know.

    `networks` are the matching ones (all of the coin's when no network was asked, or when
    the asked one is not listed). `error` is the latest failed read, if it came last.
    """

    exchange: Exchange
    answer: WalletAnswer
    coin: str
    network_word: str | None = None
    scope: Scope = Scope.NONE
    networks: tuple[Network, ...] = ()
    checked_at: datetime | None = None
    error: str = ""
    failed_at: datetime | None = None
    error_kind: ErrorKind | None = None
    close: tuple[str, ...] = ()  # for an unknown coin: listed codes that look like it


def fresh(part: Part | None, facts: FeedFacts, now: datetime) -> bool:
    """Whether the part holds data read within three intervals of `now`."""
    if part is None or part.at is None:
        return False
    return now - part.at <= timedelta(seconds=STALE_INTERVALS * facts.interval_s)


def wallet_scope(exchange: Exchange) -> Scope:
    """What the exchange's keyless status API says about deposits and withdrawals: per
    network, per coin, or nothing (no API, or one without wallet status)."""
    api = exchange.status_api
    return FEEDS[api.kind].scope if api is not None else Scope.NONE


def reports_wallets(exchange: Exchange) -> bool:
    """Whether `/wallet` can tell anything at this exchange (its API reports withdrawals)."""
    return wallet_scope(exchange) is not Scope.NONE


def wallet_view(
    exchange: Exchange, facts: FeedFacts | None, coin: str, network: str | None, now: datetime
) -> WalletView:
    """Look up a coin (and a network) in the exchange's last fresh wallet reading."""
    code = coin.strip().upper()
    scope = wallet_scope(exchange)
    if scope is Scope.NONE:
        return WalletView(exchange, WalletAnswer.NO_SOURCE, code, network)
    if facts is None or facts.wallet is None:
        return WalletView(exchange, WalletAnswer.NOT_READ, code, network, scope=scope)
    part = facts.wallet
    view = WalletView(
        exchange,
        WalletAnswer.NOT_READ,
        code,
        network,
        scope=facts.scope,
        checked_at=part.at,
        error=part.error if part.failing else "",
        failed_at=part.failed_at if part.failing else None,
        error_kind=part.error_kind if part.failing else None,
    )
    if part.data is None or not fresh(part, facts, now):
        return view
    found = find_coin(part.data, code)
    if found is None:
        return replace(view, answer=WalletAnswer.UNKNOWN_COIN, close=close_coins(part.data, code))
    view = replace(view, answer=WalletAnswer.FOUND, coin=found.code, networks=found.networks)
    if network and facts.scope is not Scope.ASSET:
        matching = match_networks(found.networks, network)
        if not matching:
            return replace(view, answer=WalletAnswer.UNKNOWN_NETWORK)
        return replace(view, networks=matching)
    return view


WALLET_KEY = "wallet"


def network_key(word: str) -> str:
    """One name per network for subscriptions: the first common name ("tron" for TRC20)."""
    key = normalize(word)
    group = next((g for g in NETWORK_GROUPS if key in g), None)
    return group[0] if group is not None else key


def wallet_key(coin: str, network: str | None = None) -> str:
    """A subscription's channel for a coin (and a network): `wallet:USDT`, `wallet:USDT:tron`."""
    base = f"{WALLET_KEY}:{coin.strip().upper()}"
    return f"{base}:{network_key(network)}" if network else base


def parse_wallet_key(key: str) -> tuple[str, str | None] | None:
    """(coin, network) from a subscription channel like `wallet:USDT:tron`; None otherwise."""
    parts = key.split(":")
    if len(parts) not in (2, 3) or parts[0] != WALLET_KEY or not parts[1]:
        return None
    return parts[1], parts[2] if len(parts) == 3 else None


def keys_of(coin: str, network: Network) -> list[str]:
    """Every subscription channel that wants news of this coin on this network."""
    names = sorted({network_key(name) for name in _names_of(network) if name})
    codes = sorted(coin_codes(coin))
    return [
        key for code in codes for key in (wallet_key(code), *(wallet_key(code, n) for n in names))
    ]


def coin_codes(coin: str) -> frozenset[str]:
    """The coin's code and the other codes exchanges list it under (BTC, XBT)."""
    code = coin.upper()
    return next((group for group in COIN_NAMES if code in group), frozenset({code}))


def find_coin(wallet: Mapping[str, Coin], code: str) -> Coin | None:
    """The coin by its code, or by another code the exchange uses for it (XBT for BTC)."""
    if code in wallet:
        return wallet[code]
    for names in COIN_NAMES:
        if code in names:
            return next((wallet[other] for other in names if other in wallet), None)
    return None


def close_coins(wallet: Mapping[str, Coin], code: str, limit: int = 3) -> tuple[str, ...]:
    """Listed coin codes closest to a code nobody lists (a typo: USDTT), best first."""
    return tuple(difflib.get_close_matches(code, list(wallet), n=limit, cutoff=CLOSE_COIN))


def match_networks(networks: tuple[Network, ...], word: str) -> tuple[Network, ...]:
    """The networks a word names: by id or name, or by a common name of the same network."""
    key = normalize(word)
    if not key:
        return ()
    names = next((group for group in NETWORK_NAMES if key in group), frozenset({key}))
    return tuple(n for n in networks if _names_of(n) & names)


def _names_of(network: Network) -> set[str]:
    """The network's id and name, folded, and the parts of a name like "TRON/TRC20"."""
    names = {normalize(network.id), normalize(network.name)}
    for raw in (network.id, network.name):
        names.update(normalize(part) for part in re.split(r"[\s/()_-]+", raw) if part)
    return names


@dataclass(frozen=True, slots=True)
class SystemView:
    """What `/status` shows of the exchange's API: mode, events now and soon, how fresh."""

    exchange: Exchange
    mode: TradingMode | None
    note: str
    ongoing: tuple[Event, ...]
    upcoming: tuple[Event, ...]
    checked_at: datetime | None
    error: str = ""
    announces: bool = False  # the API lists maintenance events, so "none" means something
    error_kind: ErrorKind | None = None
    current: bool = True  # False: no fresh reading (not read yet, or stale), nothing shown


def system_view(exchange: Exchange, facts: FeedFacts | None, now: datetime) -> SystemView | None:
    """The API's system facts for `/status`; None where the exchange has no such endpoint.

    Events are those under way (or in OKX's pre-open) and those scheduled to begin within
    72 h; links are kept only when they lead to the exchange's official domains.
    """
    if facts is None or facts.system is None:
        return None
    part = facts.system
    error = part.error if part.failing else ""
    kind = part.error_kind if part.failing else None
    data = part.data
    if data is None or not fresh(part, facts, now):
        return SystemView(
            exchange, None, "", (), (), part.at, error, error_kind=kind, current=False
        )
    announces = facts.kind in ANNOUNCING_KINDS
    ongoing: list[Event] = []
    upcoming: list[Event] = []
    for event in data.events:
        event = _official_link(event, exchange)
        if event.state in (EventState.ONGOING, EventState.PRE_OPEN) or _begun(event, now):
            if event.ends_at is None or event.ends_at > now:
                ongoing.append(event)
        elif event.begins_at is None or event.begins_at - now <= UPCOMING:
            upcoming.append(event)
    return SystemView(
        exchange,
        data.mode,
        data.note,
        tuple(ongoing[:MAX_EVENTS_SHOWN]),
        tuple(upcoming[:MAX_EVENTS_SHOWN]),
        part.at,
        error,
        announces,
        kind,
    )


def under_maintenance(view: SystemView | None) -> bool:
    """The API says the whole exchange is in maintenance now (Kraken, Binance, KuCoin).

    OKX's and Bybit's ongoing events never count: each names a part of trading (OKX
    `serviceType`: WebSocket, trading service, block trading, bots, …, "others"; Bybit
    `serviceTypes` and `product`: trading over HTTP or WS, market data, spot, futures, …),
    and no documented value means the whole platform. Support is still answered while a
    trading engine is upgraded, so such an event is shown in `/status`, not put on the
    support channels.
    """
    return view is not None and view.mode is TradingMode.MAINTENANCE


def maintenance_event(view: SystemView | None) -> Event | None:
    """The planned maintenance under way that the API lists, for its title and expected end;
    None when it lists none (an open incident is not a maintenance plan)."""
    if view is None:
        return None
    return next((event for event in view.ongoing if not event.incident), None)


def _begun(event: Event, now: datetime) -> bool:
    """A scheduled event (or one in a state word we do not know) whose start has passed: it
    is under way unless it has ended, never "upcoming" with a start in the past."""
    return (
        event.state in (EventState.SCHEDULED, EventState.UNKNOWN)
        and event.begins_at is not None
        and event.begins_at <= now
    )


def _official_link(event: Event, exchange: Exchange) -> Event:
    if event.url is None:
        return event
    try:
        parsed = parse_url(event.url)
    except UrlError:
        return replace(event, url=None)
    if parsed.scheme != "https" or not within(parsed.host, exchange.official_domains):
        return replace(event, url=None)
    return event
