"""`/subscribe <exchange> <coin> [network]` and its `/unsubscribe`: alerts when the exchange's
own API says a coin's deposits or withdrawals were suspended or reopened.

The subscription's channel is `wallet:USDT` (every network) or `wallet:USDT:tron`; the alerts
are written by `bot.alerts.feeds`.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.catalog import Exchange
from bot.commands.args import find_channel, pick_exchange
from bot.commands.context import CommandStore, Context
from bot.render.chat import notice
from bot.render.feed_strings import feed_strings
from bot.render.words import echo
from bot.reply import Reply
from bot.vocab import Locale
from bot.wallet import find_coin, fresh, match_networks, parse_wallet_key, wallet_key
from probes.feeds.facts import Coin, Scope
from probes.feeds.registry import FEEDS

MAX_COIN = 20


@dataclass(frozen=True, slots=True)
class WalletTarget:
    exchange: Exchange
    coin: str
    network: str | None

    @property
    def key(self) -> str:
        return wallet_key(self.coin, self.network)


def wallet_target(ctx: Context) -> WalletTarget | Reply | None:
    """The coin (and network) the words name for alerts; None when they name a channel or
    nothing of the kind (the caller then reads them as usual)."""
    exchange, rest = pick_exchange(ctx.catalog, ctx.words)
    if exchange is None and len(ctx.catalog.exchanges) == 1:
        exchange = ctx.catalog.exchanges[0]
    if exchange is None or not rest or find_channel(exchange, rest[0]) is not None:
        return None
    parsed = parse_wallet_key(rest[0])
    if parsed is not None:
        return WalletTarget(exchange, *parsed)
    api = exchange.status_api
    scope = FEEDS[api.kind].scope if api is not None else Scope.NONE
    if scope is Scope.NONE or len(rest[0]) > MAX_COIN or not rest[0].isalnum():
        return None
    network = " ".join(rest[1:]) or None
    coin = rest[0].upper()
    feeds = ctx.core.status.feeds
    facts = feeds.facts(exchange.id) if feeds is not None else None
    wallet = facts.wallet if facts is not None else None
    network = None if scope is Scope.ASSET else network
    if facts is not None and wallet is not None and wallet.data and fresh(wallet, facts, ctx.w.now):
        found = find_coin(wallet.data, coin)
        if found is None:
            f = feed_strings(ctx.locale)
            when = ctx.w.when(wallet.at, ctx.w.zone_for(None)) if wallet.at else ""
            return notice(f.unknown_coin.format(exchange=exchange.name, coin=echo(coin), when=when))
        if network and found.networks and not match_networks(found.networks, network):
            # A network the coin is not on would never alert: say so rather than sign up.
            return _unknown_network(ctx, exchange, found, network)
        coin = found.code
    return WalletTarget(exchange, coin, network)


def _unknown_network(ctx: Context, exchange: Exchange, coin: Coin, network: str) -> Reply:
    f = feed_strings(ctx.locale)
    names = ctx.w.names([echo(n.name, 40) for n in coin.networks])
    line = f.unknown_network.format(
        exchange=exchange.name, coin=coin.code, names=names, network=echo(network, 20)
    )
    return notice(line)


async def subscribe_wallet(ctx: Context, store: CommandStore, target: WalletTarget) -> Reply:
    request = ctx.request
    added = await store.subscribe(
        request.platform.value, request.chat_id, target.exchange.id, target.key, ctx.locale.value
    )
    if not added:
        return notice(ctx.w.s.sub_exists, ephemeral=False)
    f = feed_strings(ctx.locale)
    line = f.sub_wallet.format(
        exchange=target.exchange.name, what=wallet_label(target.key, ctx.locale)
    )
    return notice(line, ephemeral=False)


async def unsubscribe_wallet(ctx: Context, store: CommandStore, target: WalletTarget) -> Reply:
    request = ctx.request
    stopped = await store.unsubscribe(
        request.platform.value, request.chat_id, target.exchange.id, target.key
    )
    s = ctx.w.s
    return notice(s.unsub_done.format(n=stopped) if stopped else s.unsub_none, ephemeral=False)


def wallet_label(key: str, locale: Locale) -> str | None:
    """ "USDT on tron: deposits and withdrawals" for a `wallet:` channel; None for others."""
    parsed = parse_wallet_key(key)
    if parsed is None:
        return None
    coin, network = parsed
    f = feed_strings(locale)
    where = f.wallet_on.format(network=network) if network else ""
    return f.wallet_label.format(coin=coin, where=where)
