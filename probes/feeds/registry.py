"""One registry line per feed kind (a module `probes/feeds/<kind>.py` exporting `KIND`)."""

from __future__ import annotations

from probes.feeds import binance, bybit, coinbase, gate, kraken, kucoin, okx
from probes.feeds.kind import FeedKind

FEEDS: dict[str, FeedKind] = {
    "kraken": kraken.KIND,
    "binance": binance.KIND,
    "okx": okx.KIND,
    "bybit": bybit.KIND,
    "kucoin": kucoin.KIND,
    "gate": gate.KIND,
    "coinbase": coinbase.KIND,
}
