"""Parsing a whole currency list from an exchange's status API: time and memory per parse.

Builds a realistic list of 3,000 coins for each per-network kind (KuCoin, Gate, Coinbase:
1 to 6 networks each, every documented field filled, as the APIs send them) and Kraken's
per-asset list, then parses each `--rounds` times with the kind's own parser. Prints the body
size, the median and worst parse time, and the peak memory allocated while parsing
(tracemalloc, the body itself not counted). Budget: < 200 ms and < 20 MB per parse.

    .venv/bin/python bench/feeds.py [--coins 3000] [--rounds 7]
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import statistics
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

from probes.feeds import coinbase, gate, kraken, kucoin

NETWORKS = ["TRC20", "ERC20", "BEP20", "SOL", "MATIC", "ARBITRUM", "OP", "AVAXC", "TON", "BASE"]


def _pick(rng: random.Random) -> list[str]:
    return rng.sample(NETWORKS, rng.randint(1, 6))


def _addr(rng: random.Random) -> str:
    return "0x" + "".join(rng.choice("0123456789abcdef") for _ in range(40))


def kucoin_list(coins: int, rng: random.Random) -> bytes:
    data = []
    for n in range(coins):
        code = f"C{n:04d}"
        chains = [
            {
                "chainName": name,
                "withdrawalMinSize": "10",
                "depositMinSize": None,
                "withdrawFeeRate": "0",
                "withdrawalMinFee": "1.5",
                "isWithdrawEnabled": rng.random() > 0.05,
                "isDepositEnabled": rng.random() > 0.03,
                "confirms": rng.randint(1, 64),
                "preConfirms": rng.randint(1, 64),
                "contractAddress": _addr(rng),
                "withdrawPrecision": 8,
                "maxWithdraw": None,
                "maxDeposit": None,
                "needTag": False,
                "chainId": name.lower(),
            }
            for name in _pick(rng)
        ]
        data.append(
            {
                "currency": code,
                "name": code,
                "fullName": f"Coin {n}",
                "precision": 8,
                "confirms": None,
                "contractAddress": None,
                "isMarginEnabled": True,
                "isDebitEnabled": False,
                "chains": chains,
            }
        )
    return json.dumps({"code": "200000", "data": data}).encode()


def gate_list(coins: int, rng: random.Random) -> bytes:
    data = []
    for n in range(coins):
        chains = [
            {
                "name": name,
                "addr": _addr(rng),
                "withdraw_disabled": rng.random() < 0.05,
                "withdraw_delayed": rng.random() < 0.02,
                "deposit_disabled": rng.random() < 0.03,
            }
            for name in _pick(rng)
        ]
        data.append(
            {
                "currency": f"C{n:04d}",
                "name": f"Coin {n}",
                "delisted": False,
                "withdraw_disabled": False,
                "withdraw_delayed": False,
                "deposit_disabled": False,
                "trade_disabled": False,
                "fixed_rate": "",
                "chain": chains[0]["name"],
                "chains": chains,
            }
        )
    return json.dumps(data).encode()


def coinbase_list(coins: int, rng: random.Random) -> bytes:
    data = []
    for n in range(coins):
        networks = [
            {
                "id": name.lower(),
                "name": name,
                "status": "online" if rng.random() > 0.05 else "delisted",
                "contract_address": _addr(rng),
                "crypto_address_link": "https://explorer.example/{{address}}",
                "crypto_transaction_link": "https://explorer.example/tx/{{txId}}",
                "min_withdrawal_amount": 0.001,
                "max_withdrawal_amount": 1_000_000,
                "network_confirmations": 12,
                "processing_time_seconds": 60,
                "destination_tag_regex": "",
            }
            for name in _pick(rng)
        ]
        data.append(
            {
                "id": f"C{n:04d}",
                "name": f"Coin {n}",
                "min_size": "0.00000001",
                "status": "online",
                "message": "",
                "max_precision": "0.00000001",
                "convertible_to": [],
                "details": {
                    "type": "crypto",
                    "symbol": "",
                    "network_confirmations": 12,
                    "sort_order": n,
                    "crypto_address_link": "",
                    "crypto_transaction_link": "",
                    "push_payment_methods": [],
                    "min_withdrawal_amount": 0.001,
                    "max_withdrawal_amount": 1_000_000,
                },
                "default_network": networks[0]["id"],
                "supported_networks": networks,
            }
        )
    return json.dumps(data).encode()


def kraken_list(coins: int, rng: random.Random) -> bytes:
    statuses = ["enabled"] * 20 + [
        "deposit_only",
        "withdrawal_only",
        "funding_temporarily_disabled",
    ]
    result = {
        f"X{n:04d}": {
            "aclass": "currency",
            "altname": f"C{n:04d}",
            "decimals": 10,
            "display_decimals": 5,
            "collateral_value": 1.0,
            "status": rng.choice(statuses),
        }
        for n in range(coins)
    }
    return json.dumps({"error": [], "result": result}).encode()


def measure(parse: Callable[[bytes], Any], body: bytes, rounds: int) -> tuple[float, float, float]:
    """(median ms, worst ms, peak MB) over `rounds` parses."""
    times = []
    for _ in range(rounds):
        gc.collect()
        started = time.perf_counter()
        parse(body)
        times.append((time.perf_counter() - started) * 1000)
    gc.collect()
    tracemalloc.start()
    parse(body)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return statistics.median(times), max(times), peak / 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--coins", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(13)
    kinds: list[tuple[str, Callable[[int, random.Random], bytes], Callable[[bytes], Any]]] = [
        ("kucoin /api/v3/currencies", kucoin_list, kucoin.parse_wallet),
        ("gate /api/v4/spot/currencies", gate_list, gate.parse_wallet),
        ("coinbase /currencies", coinbase_list, coinbase.parse_wallet),
        ("kraken /0/public/Assets", kraken_list, kraken.parse_wallet),
    ]
    print(f"{args.coins} coins, {args.rounds} rounds; budget < 200 ms and < 20 MB per parse")
    worst_ms = worst_mb = 0.0
    for name, build, parse in kinds:
        body = build(args.coins, rng)
        wallet = parse(body)
        networks = sum(len(c.networks) for c in wallet.values())
        median, worst, peak = measure(parse, body, args.rounds)
        worst_ms, worst_mb = max(worst_ms, worst), max(worst_mb, peak)
        print(
            f"{name:30} body {len(body) / 1e6:5.2f} MB  {len(wallet)} coins {networks:5} "
            f"networks  parse median {median:6.1f} ms  worst {worst:6.1f} ms  "
            f"peak {peak:5.1f} MB"
        )
    verdict = "within" if worst_ms < 200 and worst_mb < 20 else "OVER"
    print(f"worst parse {worst_ms:.1f} ms, worst peak {worst_mb:.1f} MB: {verdict} budget")


if __name__ == "__main__":
    main()
