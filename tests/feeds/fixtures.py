"""Answers shaped as each exchange documents them (docs/status-apis.md), built as data.

Written from the documented field descriptions, with values chosen for the tests: normal,
maintenance, suspended, delayed, unknown values, error envelopes.
"""

from __future__ import annotations

import json
from typing import Any


def body(doc: Any) -> bytes:
    return json.dumps(doc).encode()


# 2026-12-01 02:00 and 04:00 UTC in milliseconds.
BEGIN_MS = 1_796_090_400_000
END_MS = 1_796_097_600_000

KRAKEN_ONLINE = {
    "error": [],
    "result": {"status": "online", "timestamp": "2026-11-29T03:00:00Z"},
}
KRAKEN_MAINTENANCE = {
    "error": [],
    "result": {
        "status": "maintenance",
        "timestamp": "2026-11-29T03:00:00Z",
        "upcoming_maintenance": [
            {
                "title": "Funding gateway upgrade",
                "start_time": "2026-12-01T02:00:00Z",
                "end_time": "2026-12-01T04:00:00Z",
                "url": "https://status.kraken.com/incidents/abc",
            }
        ],
        "emergency": ["Delayed ETH withdrawals"],
    },
}
# Under way at the tests' clock (2026-11-24 19:00 UTC): begun at 18:00, expected to end 21:00;
# the open incident is not a maintenance plan, so it does not give the title.
KRAKEN_MAINTENANCE_UNDER_WAY = {
    "error": [],
    "result": {
        "status": "maintenance",
        "upcoming_maintenance": [
            {
                "title": "Spot engine upgrade",
                "start_time": "2026-11-24T18:00:00Z",
                "end_time": "2026-11-24T21:00:00Z",
            }
        ],
        "emergency": ["Delayed ETH withdrawals"],
    },
}
# 2026-11-24 18:00 and 21:00 UTC in milliseconds.
UNDER_WAY_BEGIN_MS = 1_795_543_200_000
UNDER_WAY_END_MS = 1_795_554_000_000
KRAKEN_ERROR = {"error": ["EService:Unavailable"], "result": {}}
KRAKEN_ASSETS = {
    "error": [],
    "result": {
        "XXBT": {"aclass": "currency", "altname": "XBT", "decimals": 10, "status": "enabled"},
        "USDT": {"aclass": "currency", "altname": "USDT", "status": "deposit_only"},
        "XETH": {"altname": "ETH", "status": "withdrawal_only"},
        "DOT": {"altname": "DOT", "status": "funding_temporarily_disabled"},
        "NEW": {"altname": "NEW", "status": "something_new"},
        "ODD": 42,
    },
}

BINANCE_NORMAL = {"status": 0, "msg": "normal"}
BINANCE_MAINTENANCE = {"status": 1, "msg": "system_maintenance"}
BINANCE_ERROR = {"code": -1003, "msg": "Too many requests."}

OKX_EVENTS = {
    "code": "0",
    "msg": "",
    "data": [
        {
            "title": "Trading account upgrade",
            "state": "scheduled",
            "begin": str(BEGIN_MS),
            "end": str(END_MS),
            "href": "",
            "serviceType": "5",
            "system": "unified",
            "maintType": "1",
            "env": "1",
        },
        {
            "title": "Spot matching upgrade",
            "state": "ongoing",
            "begin": str(BEGIN_MS),
            "end": "",
            "href": "https://www.okx.com/help/upgrade",
            "serviceType": "5",
            "maintType": "1",
            "env": "1",
        },
        {"title": "Demo upgrade", "state": "ongoing", "begin": str(BEGIN_MS), "env": "2"},
        {"title": "Old one", "state": "completed", "begin": str(BEGIN_MS), "env": "1"},
    ],
}
OKX_RATE_LIMITED = {"code": "50011", "msg": "Too Many Requests", "data": []}

BYBIT_EVENTS = {
    "retCode": 0,
    "retMsg": "",
    "result": {
        "list": [
            {
                "id": "4d95b2a0",
                "title": "Spot upgrade",
                "state": "ongoing",
                "begin": str(BEGIN_MS),
                "end": str(END_MS),
                "href": "https://announcements.bybit.com/x",
                "serviceTypes": [1, 5],
                "product": [2],
                "maintainType": 1,
                "env": 1,
            },
            {"id": "b", "title": "Demo", "state": "scheduled", "env": "2"},
        ]
    },
    "retExtInfo": {},
    "time": 1_764_385_200_000,
}
BYBIT_ERROR = {"retCode": 10006, "retMsg": "Too many visits!", "result": {}}

KUCOIN_OPEN = {"code": "200000", "data": {"status": "open", "msg": ""}}
KUCOIN_CANCEL_ONLY = {
    "code": "200000",
    "data": {"status": "cancelonly", "msg": "upgrade match engine"},
}
KUCOIN_ERROR = {"code": "429000", "msg": "Too Many Requests"}


def kucoin_chain(name: str, ident: str, deposit: Any, withdraw: Any) -> dict[str, Any]:
    return {
        "chainName": name,
        "chainId": ident,
        "isDepositEnabled": deposit,
        "isWithdrawEnabled": withdraw,
        "confirms": 20,
        "preConfirms": 20,
        "withdrawalMinSize": "10",
        "withdrawalMinFee": "1",
        "maxWithdraw": None,
        "needTag": False,
        "contractAddress": "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t",
    }


KUCOIN_CURRENCIES = {
    "code": "200000",
    "data": [
        {
            "currency": "USDT",
            "name": "USDT",
            "fullName": "Tether",
            "precision": 8,
            "chains": [
                kucoin_chain("TRC20", "trx", True, False),
                kucoin_chain("ERC20", "eth", True, True),
                kucoin_chain("BEP20", "bsc", None, "yes"),
            ],
        },
        {"currency": "BTC", "chains": [kucoin_chain("BTC", "btc", True, True)]},
        {"currency": "ODD", "chains": [7, kucoin_chain("X", "x", False, False)]},
        "garbage row",
        {"currency": None, "chains": []},
    ],
}


def gate_chain(name: str, **flags: Any) -> dict[str, Any]:
    chain = {
        "name": name,
        "addr": "0xabc",
        "withdraw_disabled": False,
        "withdraw_delayed": False,
        "deposit_disabled": False,
    }
    chain.update(flags)
    return chain


GATE_CURRENCIES = [
    {
        "currency": "USDT",
        "name": "Tether",
        "delisted": False,
        "withdraw_disabled": False,  # deprecated top-level flags: not read
        "withdraw_delayed": False,
        "deposit_disabled": False,
        "trade_disabled": False,
        "chain": "ETH",
        "chains": [
            gate_chain("TRX", withdraw_delayed=True),
            gate_chain("ETH"),
            gate_chain("BSC", withdraw_disabled=True, deposit_disabled=True),
            gate_chain("SOL", withdraw_delayed=None),
        ],
    },
    {"currency": "GT", "chains": [gate_chain("GTEVM", deposit_disabled="maybe")]},
]
GATE_ERROR = {"label": "TOO_MANY_REQUESTS", "message": "Request Rate limit Exceeded"}

COINBASE_CURRENCIES = [
    {
        "id": "USDC",
        "name": "USD Coin",
        "status": "online",
        "message": "",
        "details": {"type": "crypto", "network_confirmations": 14},
        "default_network": "ethereum",
        "supported_networks": [
            {
                "id": "ethereum",
                "name": "Ethereum",
                "status": "online",
                "contract_address": "0xa0b8",
            },
            {"id": "solana", "name": "Solana", "status": "delisted"},
            {"id": "base", "name": "Base"},
        ],
    },
    {
        "id": "BTC",
        "status": "online",
        "supported_networks": [{"id": "bitcoin", "name": "Bitcoin", "status": "online"}],
    },
]
COINBASE_ERROR = {"message": "Internal server error"}
