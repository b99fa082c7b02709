"""Outbox rows for subscriptions to one coin of an exchange (`wallet:USDT`, `wallet:USDT:tron`).

Unlike `outbox.fan_out`, exchange-wide subscriptions are not included: a coin's flags are
news only for the chats that asked about that coin.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from storage.engine import Conn, json_list
from storage.outbox import KINDS


async def wanted_keys(conn: Conn, exchange: str, prefix: str) -> set[str]:
    """The channels of the exchange's active subscriptions that start with `prefix`: which
    coins anyone listens to, so a mass change of a few thousand coins costs one query."""
    rows = await conn.fetchall(
        "SELECT DISTINCT channel FROM subscriptions WHERE active = 1 AND exchange = ? "
        "AND substr(channel, 1, ?) = ?",
        (exchange, len(prefix), prefix),
    )
    return {str(row[0]) for row in rows}


async def fan_out_to_keys(
    conn: Conn,
    *,
    exchange: str,
    keys: Sequence[str],
    kind: str,
    payload: dict[str, Any],
    due_at: float,
) -> int:
    """One outbox row per active subscription of the exchange whose channel is one of `keys`;
    one row per chat at most (a chat subscribed to the coin and to its network gets one)."""
    if kind not in KINDS:
        raise ValueError(f"unknown outbox kind {kind!r}")
    if not keys:
        return 0
    return await conn.execute(
        "INSERT INTO outbox (subscription_id, platform, chat_id, exchange, channel, kind, "
        "payload, locale, created_at, due_at) "
        # The casts tell PostgreSQL the parameters' types (a SELECT does not take them
        # from the columns it fills); SQLite keeps the values as they are.
        "SELECT s.id, s.platform, s.chat_id, s.exchange, '', CAST(:kind AS TEXT), "
        "CAST(:payload AS TEXT), s.locale, CAST(:due AS DOUBLE PRECISION), "
        "CAST(:due AS DOUBLE PRECISION) FROM subscriptions AS s WHERE s.id IN ("
        "  SELECT MIN(t.id) FROM subscriptions AS t WHERE t.active = 1 "
        "  AND t.exchange = :exchange "
        f"  AND t.channel IN ({json_list(conn.dialect, ':keys')}) "
        "  GROUP BY t.platform, t.chat_id) "
        "ORDER BY s.id",
        {
            "kind": kind,
            "payload": json.dumps(
                payload, separators=(",", ":"), ensure_ascii=False, sort_keys=True
            ),
            "due": due_at,
            "exchange": exchange,
            "keys": json.dumps(list(keys)),
        },
    )
