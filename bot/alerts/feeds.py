"""Alerts from the exchanges' own status APIs, written to the outbox after each read.

- `wallet`: a coin's deposits or withdrawals on a network moved between open and suspended
  (or delayed), for the chats subscribed to that coin (`/subscribe kucoin usdt trc20`);
- `api_maintenance`: the API says the whole exchange entered or left maintenance, for all the
  exchange's subscribers.

Only two good readings are compared: a failed or stale read is not news, a flag to or from
"unknown" is not news, and nothing is compared before the first reading after a start.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from datetime import datetime

from bot.alerts.record import Transactional
from bot.catalog import Catalog
from bot.wallet import keys_of
from probes.feeds.facts import Coin, FeedFacts, Flag, Network, TradingMode, Wallet
from storage import outbox
from storage.feed_alerts import fan_out_to_keys
from storage.times import to_unix

Change = tuple[Coin, Network, Network]  # the coin, its network before, and now


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


def maintenance_edge(old: FeedFacts, new: FeedFacts) -> str | None:
    """ "started" or "ended" when two good readings disagree on exchange-wide maintenance."""
    if old.system is None or new.system is None or new.system.at == old.system.at:
        return None
    before, now = old.system.data, new.system.data
    if before is None or now is None or before.mode is None or now.mode is None:
        return None
    if TradingMode.UNKNOWN in (before.mode, now.mode):
        return None
    was, is_ = before.mode is TradingMode.MAINTENANCE, now.mode is TradingMode.MAINTENANCE
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
    store: Transactional, catalog: Catalog, old: FeedFacts, new: FeedFacts, now: datetime
) -> int:
    """Write the alerts two readings of one API call for, in one transaction; returns rows."""
    exchange = catalog.exchange(new.exchange)
    if exchange is None:
        return 0
    wallets = _new_wallet(old, new)
    changes = list(wallet_changes(*wallets)) if wallets is not None else []
    edge = maintenance_edge(old, new)
    if not changes and edge is None:
        return 0
    moment = to_unix(now)
    rows = 0
    async with store.transaction() as conn:
        for coin, was, network in changes:
            payload = {
                "exchange": exchange.id,
                "channel": "",
                "coin": coin.code,
                "network": network.name,
                "scope": new.scope.value,
                "deposit": network.deposit.value,
                "withdraw": network.withdraw.value,
                "deposit_was": was.deposit.value,
                "withdraw_was": was.withdraw.value,
                "at": moment,
            }
            rows += await fan_out_to_keys(
                conn,
                exchange=exchange.id,
                keys=keys_of(coin.code, network),
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


def feed_sink(
    store: Transactional,
    catalog: Catalog,
    now: Callable[[], datetime],
    wake: Callable[[], None] | None = None,
) -> Callable[[FeedFacts, FeedFacts], Awaitable[None]]:
    """`FeedRunner(on_facts=...)`: record what two readings call for, then wake the drainer."""

    async def sink(old: FeedFacts, new: FeedFacts) -> None:
        if await record_feed(store, catalog, old, new, now()) and wake is not None:
            wake()

    return sink
