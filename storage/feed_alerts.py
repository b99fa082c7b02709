"""Outbox rows for subscriptions to one coin of an exchange (`wallet:USDT`, `wallet:USDT:tron`).

Unlike `outbox.fan_out`, exchange-wide subscriptions are not included: a coin's flags are
news only for the chats that asked about that coin.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import aiosqlite

from storage.outbox import KINDS


async def wanted_keys(conn: aiosqlite.Connection, exchange: str, prefix: str) -> set[str]:
    """The channels of the exchange's active subscriptions that start with `prefix`: which
    coins anyone listens to, so a mass change of a few thousand coins costs one query."""
    cursor = await conn.execute(
        "SELECT DISTINCT channel FROM subscriptions WHERE active = 1 AND exchange = ? "
        "AND substr(channel, 1, length(?)) = ?",
        (exchange, prefix, prefix),
    )
    rows = await cursor.fetchall()
    await cursor.close()
    return {str(row[0]) for row in rows}


async def fan_out_to_keys(
    conn: aiosqlite.Connection,
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
    cursor = await conn.execute(
        "INSERT INTO outbox (subscription_id, platform, chat_id, exchange, channel, kind, "
        "payload, locale, created_at, due_at) "
        "SELECT MIN(s.id), s.platform, s.chat_id, s.exchange, '', :kind, :payload, s.locale, "
        ":due, :due FROM subscriptions AS s "
        "WHERE s.active = 1 AND s.exchange = :exchange "
        "AND s.channel IN (SELECT value FROM json_each(:keys)) "
        "GROUP BY s.platform, s.chat_id ORDER BY MIN(s.id)",
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
    count = cursor.rowcount
    await cursor.close()
    return count
