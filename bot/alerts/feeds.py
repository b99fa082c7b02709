"""Alerts from the exchanges' own status APIs, written to the outbox after each read.

- `wallet`: a coin's deposits or withdrawals on a network moved between open and suspended
  (or delayed), for the chats subscribed to that coin (`/subscribe kucoin usdt trc20`);
- `api_maintenance`: the API says the whole exchange entered or left maintenance, for all the
  exchange's subscribers.

Only good readings are compared: a failed or stale read is not news, a flag to or from
"unknown" is not news, and nothing is compared before the first reading after a start. A good
reading that cannot tell (a flag or the mode unknown, a coin or network missing) is skipped,
not forgotten: the next reading that tells is compared with the last that did (`LastKnown`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from datetime import datetime

from bot.alerts.record import Transactional
from bot.catalog import Catalog
from bot.wallet import WALLET_KEY, coin_codes, keys_of, parse_wallet_key
from probes.feeds.facts import Coin, FeedFacts, Flag, Network, TradingMode, Wallet
from storage import outbox
from storage.feed_alerts import fan_out_to_keys, wanted_keys
from storage.times import to_unix

Change = tuple[Coin, Network, Network]  # the coin, its network before, and now
# Networks of one coin named in one alert besides the first (a coin has a few dozen at most).
MAX_ALSO = 40


def moved(before: Flag, now: Flag) -> bool:
    """A flag change worth telling: between known states only."""
    return before != now and Flag.UNKNOWN not in (before, now)


def wallet_changes(old: Wallet, new: Wallet) -> Iterator[Change]:
    """Networks of coins in both readings whose deposits or withdrawals moved."""
    for code, coin in new.items():
        before = old.get(code)
        if before is None:
            continue
        previous = {n.id: n for n in before.networks}
        for network in coin.networks:
            was = previous.get(network.id)
            if was is None:
                continue
            if moved(was.deposit, network.deposit) or moved(was.withdraw, network.withdraw):
                yield coin, was, network


class LastKnown:
    """Per exchange, the last known flags of every coin's networks and the last known trading
    mode, kept across readings that could not tell. Without it, suspended → unknown → open
    would never be news. Empty after a start: the first comparison is then the two readings'.
    """

    def __init__(self) -> None:
        self._wallets: dict[str, Wallet] = {}
        self._modes: dict[str, TradingMode] = {}

    def wallet(self, exchange: str, old: Wallet) -> Wallet:
        """What the new reading is compared with: the last known flags, else `old`."""
        return self._wallets.get(exchange, old)

    def keep_wallet(self, exchange: str, before: Wallet, new: Wallet) -> None:
        self._wallets[exchange] = merged(before, new)

    def mode(self, exchange: str, old: TradingMode | None) -> TradingMode | None:
        return self._modes.get(exchange, old)

    def keep_mode(self, exchange: str, mode: TradingMode | None) -> None:
        if mode is not None and mode is not TradingMode.UNKNOWN:
            self._modes[exchange] = mode


def merged(before: Wallet, new: Wallet) -> Wallet:
    """`new`, with each unknown flag, missing network and missing coin taken from `before`."""
    kept = dict(before)
    for code, coin in new.items():
        was = before.get(code)
        kept[code] = coin if was is None else _merged_coin(was, coin)
    return kept


def _merged_coin(before: Coin, coin: Coin) -> Coin:
    ids = {n.id for n in coin.networks}
    missing = [n for n in before.networks if n.id not in ids]
    if not missing and all(Flag.UNKNOWN not in (n.deposit, n.withdraw) for n in coin.networks):
        return coin  # the usual case: nothing to carry over
    previous = {n.id: n for n in before.networks}
    networks = [_merged_network(previous.get(n.id), n) for n in coin.networks]
    return Coin(coin.code, (*networks, *missing))


def _merged_network(before: Network | None, network: Network) -> Network:
    if before is None:
        return network
    deposit = before.deposit if network.deposit is Flag.UNKNOWN else network.deposit
    withdraw = before.withdraw if network.withdraw is Flag.UNKNOWN else network.withdraw
    return Network(network.id, network.name, deposit, withdraw)


def maintenance_edge(old: FeedFacts, new: FeedFacts, known: LastKnown | None = None) -> str | None:
    """ "started" or "ended" when a good reading disagrees with the last known mode on
    exchange-wide maintenance (`known`: the last mode a reading told; None: `old`'s)."""
    if old.system is None or new.system is None or new.system.at == old.system.at:
        return None
    before, now = old.system.data, new.system.data
    if now is None:
        return None
    was_mode = before.mode if before is not None else None
    if known is not None:
        was_mode = known.mode(new.exchange, was_mode)
        known.keep_mode(new.exchange, was_mode)  # the first time, `old`'s mode
        known.keep_mode(new.exchange, now.mode)
    if was_mode is None or now.mode is None:
        return None
    if TradingMode.UNKNOWN in (was_mode, now.mode):
        return None
    was, is_ = was_mode is TradingMode.MAINTENANCE, now.mode is TradingMode.MAINTENANCE
    if was == is_:
        return None
    return "started" if is_ else "ended"


def _new_wallet(old: FeedFacts, new: FeedFacts) -> tuple[Wallet, Wallet] | None:
    if old.wallet is None or new.wallet is None or new.wallet.at == old.wallet.at:
        return None
    if old.wallet.data is None or new.wallet.data is None:
        return None
    return old.wallet.data, new.wallet.data


async def record_feed(
    store: Transactional,
    catalog: Catalog,
    old: FeedFacts,
    new: FeedFacts,
    now: datetime,
    known: LastKnown | None = None,
) -> int:
    """Write the alerts a new reading of one API calls for, in one transaction; returns rows.

    `known` carries what earlier readings told across those that could not (None: compare
    with `old` only)."""
    exchange = catalog.exchange(new.exchange)
    if exchange is None:
        return 0
    known = known if known is not None else LastKnown()
    changes: list[Change] = []
    wallets = _new_wallet(old, new)
    if wallets is not None:
        before = known.wallet(exchange.id, wallets[0])
        changes = list(wallet_changes(before, wallets[1]))
        known.keep_wallet(exchange.id, before, wallets[1])
    edge = maintenance_edge(old, new, known)
    if not changes and edge is None:
        return 0
    moment = to_unix(now)
    rows = 0
    async with store.transaction() as conn:
        wanted = await wanted_keys(conn, exchange.id, WALLET_KEY + ":") if changes else set()
        coins = {parsed[0] for key in wanted if (parsed := parse_wallet_key(key))}
        for coin, moves in _by_coin(changes):
            if not coins & coin_codes(coin.code):
                continue
            keys = {key for _, network in moves for key in keys_of(coin.code, network)}
            if not keys & wanted:
                continue  # nobody listens to this coin: no query (a mass change is thousands)
            # One alert per coin and chat: the first network's change, then the others.
            (was, network), *others = moves
            payload = {
                "exchange": exchange.id,
                "channel": "",
                "coin": coin.code,
                "scope": new.scope.value,
                **_move_fields(was, network),
                "also": [_move_fields(w, n) for w, n in others[:MAX_ALSO]],
                "at": moment,
            }
            rows += await fan_out_to_keys(
                conn,
                exchange=exchange.id,
                keys=sorted(keys & wanted),
                kind="wallet",
                payload=payload,
                due_at=moment,
            )
        if edge is not None:
            payload = {"exchange": exchange.id, "channel": "", "edge": edge, "at": moment}
            rows += await outbox.fan_out(
                conn,
                exchange=exchange.id,
                channel="",
                kind="api_maintenance",
                payload=payload,
                due_at=moment,
            )
    return rows


def _by_coin(changes: list[Change]) -> Iterator[tuple[Coin, list[tuple[Network, Network]]]]:
    """The changes grouped per coin, in the reading's order: (coin, [(was, now), ...])."""
    grouped: dict[str, tuple[Coin, list[tuple[Network, Network]]]] = {}
    for coin, was, network in changes:
        grouped.setdefault(coin.code, (coin, []))[1].append((was, network))
    yield from grouped.values()


def _move_fields(was: Network, network: Network) -> dict[str, str]:
    return {
        "network": network.name,
        "deposit": network.deposit.value,
        "withdraw": network.withdraw.value,
        "deposit_was": was.deposit.value,
        "withdraw_was": was.withdraw.value,
    }


def feed_sink(
    store: Transactional,
    catalog: Catalog,
    now: Callable[[], datetime],
    wake: Callable[[], None] | None = None,
) -> Callable[[FeedFacts, FeedFacts], Awaitable[None]]:
    """`FeedRunner(on_facts=...)`: record what two readings call for, then wake the drainer."""

    known = LastKnown()

    async def sink(old: FeedFacts, new: FeedFacts) -> None:
        if await record_feed(store, catalog, old, new, now(), known) and wake is not None:
            wake()

    return sink
