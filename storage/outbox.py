"""The alert outbox: rows written with their transition, claimed and settled by the drainer.

Every function takes the connection of a transaction the caller holds
(`async with db.transaction() as conn:`), so a transition, the supersedes it causes and its
outbox rows commit together or not at all. Times are unix seconds.

Delivery is at least once: a row is `sent` only after the platform accepted it; a crash between
the two leaves it in `sending`, and `reclaim` puts it back to `pending` at the next start.
Per-chat order: `claim` only hands out a row when no earlier row of the same chat is still
pending or sending.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from storage.engine import Conn, json_list
from storage.records import ALL_CHANNELS, TransitionRecord
from storage.times import to_unix

KINDS = (
    "down",
    "degraded",
    "recovered",
    "flapping",
    "incident_opened",
    "incident_resolved",
    "maintenance_started",
    "maintenance_ended",
    "wallet",  # the status API's flags of a coin changed (bot/alerts/feeds.py)
    "api_maintenance",  # the status API says the exchange entered or left maintenance
)
STATES = ("pending", "sending", "sent", "superseded", "dead")
UNSUBSCRIBED = "subscription inactive"
# A fan-out of this many rows or more refreshes PostgreSQL's statistics of the outbox (see
# `fan_out`). Below it even the bad plan costs little (200 rows: ~0.06 s per claim).
ANALYZE_AFTER_ROWS = 200
# The statistics target of that ANALYZE: a sample of 300 x 10 rows, not the default 30,000.
# What `claim`'s plan needs (how many rows, how many pending) comes out the same; 100,000
# rows took 0.13 s of the server's time with the default, 0.01 s with this. Autovacuum
# later replaces these statistics with full ones.
ANALYZE_SAMPLE_TARGET = 10


@dataclass(frozen=True, slots=True)
class OutboxRow:
    """A claimed row: who gets which alert. `subscribed` is the subscription's channel."""

    id: int
    subscription_id: int
    platform: str
    chat_id: str
    exchange: str
    channel: str
    kind: str
    payload: dict[str, Any]
    payload_text: str
    locale: str
    attempts: int
    subscribed: str


def channel_id_of(key: str) -> str:
    """`mexc/live_chat` → `live_chat`."""
    return key.split("/", 1)[1] if "/" in key else key


def _ids(conn: Conn) -> str:
    """The outbox ids in the next parameter, a JSON array (see `storage.engine.json_list`)."""
    return json_list(conn.dialect, sql_type="BIGINT")


def _dump(payload: dict[str, Any]) -> str:
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False, sort_keys=True)


async def insert_transition(conn: Conn, record: TransitionRecord) -> int:
    new_id = await conn.fetchval(
        "INSERT INTO transitions "
        "(channel, exchange, at, old, new, reason, detail, flapping, error) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        (
            record.channel,
            record.exchange,
            to_unix(record.at),
            record.old,
            record.new,
            record.reason,
            record.detail,
            int(record.flapping),
            record.error,
        ),
    )
    return int(new_id)


async def write_transition_with_outbox(
    conn: Conn,
    transition_record: TransitionRecord,
    kind: str | None,
    payload: dict[str, Any],
    *,
    due_at: float,
    degraded_only: bool = False,
    supersede: Sequence[str] = (),
) -> tuple[int, int]:
    """Store the transition and its alert: returns (transition id, outbox rows written).

    `kind` None stores the transition alone (no alert). `supersede` names kinds whose pending
    rows for this channel become `superseded` first; for a `recovered` alert, chats whose
    `down` row was superseded get `missed_down` in their payload ("was down N min, now back").
    `degraded_only` limits the alert to subscriptions that asked for degraded alerts.
    """
    transition_id = await insert_transition(conn, transition_record)
    if kind is None:
        return transition_id, 0
    channel = channel_id_of(transition_record.channel)
    if supersede:
        await supersede_pending(
            conn, transition_record.exchange, channel, supersede, by=transition_id
        )
    rows = await fan_out(
        conn,
        exchange=transition_record.exchange,
        channel=channel,
        kind=kind,
        payload=payload,
        due_at=due_at,
        transition_id=transition_id,
        degraded_only=degraded_only,
    )
    return transition_id, rows


async def fan_out(
    conn: Conn,
    *,
    exchange: str,
    channel: str,
    kind: str,
    payload: dict[str, Any],
    due_at: float,
    transition_id: int | None = None,
    degraded_only: bool = False,
) -> int:
    """One outbox row per active subscription that covers the channel ('' = any); one INSERT.

    On PostgreSQL a large fan-out is followed by ANALYZE of the outbox, in the same
    transaction: the planner's statistics otherwise still say few rows are pending, and for
    `claim`'s per-chat order check it then picks a nested loop comparing every pending row
    with every other one (bench/fanout.py, 10,000 rows: 142 s per claim, then 0.02 s with
    fresh statistics). Autovacuum would analyze the table only later, after the drain that
    follows at once. ANALYZE reads a bounded sample, and counts this transaction's rows; a
    small one (`ANALYZE_SAMPLE_TARGET`) is enough for `claim`'s plan.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown outbox kind {kind!r}")
    text = _dump(payload)
    missed = text
    if kind == "recovered" and transition_id is not None:
        missed = _dump({**payload, "missed_down": True})
    rows = await conn.execute(
        "INSERT INTO outbox (subscription_id, platform, chat_id, transition_id, exchange, "
        "channel, kind, payload, locale, created_at, due_at) "
        # The casts tell PostgreSQL the parameters' types (a SELECT does not take them
        # from the columns it fills); SQLite keeps the values as they are.
        "SELECT s.id, s.platform, s.chat_id, CAST(:tid AS BIGINT), s.exchange, "
        "CAST(:channel AS TEXT), CAST(:kind AS TEXT), "
        "CASE WHEN CAST(:tid AS BIGINT) IS NOT NULL AND CAST(:kind AS TEXT) = 'recovered' "
        "AND EXISTS (SELECT 1 FROM outbox AS d WHERE d.superseded_by = CAST(:tid AS BIGINT) "
        "  AND d.subscription_id = s.id AND d.kind = 'down') "
        "THEN CAST(:missed AS TEXT) ELSE CAST(:payload AS TEXT) END, "
        "s.locale, CAST(:due AS DOUBLE PRECISION), CAST(:due AS DOUBLE PRECISION) "
        "FROM subscriptions AS s WHERE s.active = 1 AND s.exchange = :exchange "
        "AND (CAST(:channel AS TEXT) = '' OR s.channel = :all OR s.channel = :channel) "
        "AND (CAST(:degraded_only AS BIGINT) = 0 OR s.include_degraded = 1) "
        "ORDER BY s.id",
        {
            "tid": transition_id,
            "channel": channel,
            "kind": kind,
            "missed": missed,
            "payload": text,
            "due": due_at,
            "exchange": exchange,
            "all": ALL_CHANNELS,
            "degraded_only": int(degraded_only),
        },
    )
    if conn.dialect == "postgresql" and rows >= ANALYZE_AFTER_ROWS:
        # For this transaction only (SET LOCAL): the pooled connection keeps no setting.
        await conn.execute(f"SET LOCAL default_statistics_target = {ANALYZE_SAMPLE_TARGET}")
        await conn.execute("ANALYZE outbox")
    return rows


async def supersede_pending(
    conn: Conn, exchange: str, channel: str, kinds: Iterable[str], *, by: int
) -> int:
    """Pending alerts of these kinds for the channel will not be sent; returns how many."""
    kinds = tuple(kinds)
    marks = ", ".join("?" for _ in kinds)
    return await conn.execute(
        f"UPDATE outbox SET state = 'superseded', superseded_by = ? "
        f"WHERE state = 'pending' AND exchange = ? AND channel = ? AND kind IN ({marks})",
        (by, exchange, channel, *kinds),
    )


# LEFT JOIN: a row whose subscription is not there (the outbox's references are not foreign
# keys, see migration 0011; no code writes such a row) dies as an inactive one's does, rather
# than hold its chat's later rows back for ever.
_HEADS = (
    "SELECT o.id, s.active FROM outbox AS o "
    "LEFT JOIN subscriptions AS s ON s.id = o.subscription_id "
    "WHERE o.state = 'pending' AND o.due_at <= ? AND o.platform IN ({platforms}) "
    "AND NOT EXISTS (SELECT 1 FROM outbox AS e WHERE e.platform = o.platform "
    "  AND e.chat_id = o.chat_id AND e.state IN ('pending', 'sending') AND e.id < o.id) "
    "ORDER BY o.id LIMIT ?"
)
_CLAIM = (
    "UPDATE outbox SET state = 'sending', claimed_at = ? WHERE state = 'pending' "
    "AND id IN ({ids}) "
    "RETURNING id, subscription_id, platform, chat_id, exchange, channel, kind, payload, "
    "locale, attempts, (SELECT channel FROM subscriptions WHERE id = subscription_id)"
)


async def claim(conn: Conn, now: float, limit: int, platforms: Sequence[str]) -> list[OutboxRow]:
    """Move up to `limit` due rows from pending to sending and return them, oldest first.

    Only the earliest unfinished row of each chat is eligible, so a chat's alerts go out in
    the order they were written. Rows of inactive subscriptions become `dead` instead.
    """
    if not platforms or limit <= 0:
        return []
    marks = ", ".join("?" for _ in platforms)
    heads_sql = _HEADS.format(platforms=marks)
    if conn.dialect == "postgresql":
        # Replicas drain one outbox. SQLite's BEGIN IMMEDIATE lets one writer claim at a time,
        # across processes; PostgreSQL runs claims side by side, so the heads picked are locked
        # and those another replica's claim holds are skipped (not waited for, then found
        # taken). A skipped head stays pending to this snapshot, so NOT EXISTS still holds its
        # chat's later rows back: per-chat order survives.
        heads_sql += " FOR UPDATE OF o SKIP LOCKED"
    heads = list(await conn.fetchall(heads_sql, (now, *platforms, limit)))
    inactive = [row_id for row_id, active in heads if not active]
    active = [row_id for row_id, active in heads if active]
    if inactive:
        await conn.execute(
            "UPDATE outbox SET state = 'dead', last_error = ? "
            f"WHERE state = 'pending' AND id IN ({_ids(conn)})",
            (UNSUBSCRIBED, json.dumps(inactive)),
        )
    if not active:
        return []
    claim_sql = _CLAIM.format(ids=_ids(conn))
    rows = await conn.fetchall(claim_sql, (now, json.dumps(active)))
    claimed = [
        OutboxRow(
            id=r[0],
            subscription_id=r[1],
            platform=r[2],
            chat_id=r[3],
            exchange=r[4],
            channel=r[5],
            kind=r[6],
            payload=json.loads(r[7]),
            payload_text=r[7],
            locale=r[8],
            attempts=r[9],
            subscribed=r[10] or ALL_CHANNELS,
        )
        for r in rows
    ]
    claimed.sort(key=lambda row: row.id)
    return claimed


async def mark_sent(conn: Conn, ids: Sequence[int], now: float) -> None:
    """The platform accepted these rows."""
    await conn.execute(
        "UPDATE outbox SET state = 'sent', sent_at = ?, last_error = NULL "
        f"WHERE id IN ({_ids(conn)})",
        (now, json.dumps(list(ids))),
    )


async def mark_retry(
    conn: Conn, row_id: int, due_at: float, error: str, *, failed: bool = True
) -> None:
    """Back to pending, due at `due_at`; `failed` False (a 429) does not count an attempt."""
    await conn.execute(
        "UPDATE outbox SET state = 'pending', due_at = ?, last_error = ?, "
        "attempts = attempts + ? WHERE id = ?",
        (due_at, error[:500], int(failed), row_id),
    )


async def mark_dead(
    conn: Conn,
    row_id: int,
    error: str,
    now: float,
    *,
    deactivate: bool = False,
) -> int:
    """Give up on a row. With `deactivate` (the chat blocked us or is gone) every active
    subscription of its chat is deactivated and the chat's other pending rows die too.
    Returns the number of subscriptions deactivated."""
    await conn.execute(
        "UPDATE outbox SET state = 'dead', last_error = ?, attempts = attempts + 1 WHERE id = ?",
        (error[:500], row_id),
    )
    if not deactivate:
        return 0
    chat = list(await conn.fetchall("SELECT platform, chat_id FROM outbox WHERE id = ?", (row_id,)))
    if not chat:
        return 0
    platform, chat_id = chat[0]
    deactivated = await conn.execute(
        "UPDATE subscriptions SET active = 0, deactivated_at = ?, deactivated_reason = ? "
        "WHERE platform = ? AND chat_id = ? AND active = 1",
        (now, error[:200], platform, chat_id),
    )
    await conn.execute(
        "UPDATE outbox SET state = 'dead', last_error = ? "
        "WHERE platform = ? AND chat_id = ? AND state = 'pending'",
        (UNSUBSCRIBED, platform, chat_id),
    )
    return deactivated


async def release(conn: Conn, ids: Sequence[int]) -> None:
    """Claimed rows that were never handed to the platform go back to pending."""
    await conn.execute(
        "UPDATE outbox SET state = 'pending', claimed_at = NULL "
        f"WHERE state = 'sending' AND id IN ({_ids(conn)})",
        (json.dumps(list(ids)),),
    )


async def renew(conn: Conn, ids: Sequence[int], now: float) -> None:
    """Rows a drainer still holds are claimed afresh at `now`: with several replicas, each
    reclaims only rows whose claim is older than a lease, so rows in hand are never taken."""
    await conn.execute(
        f"UPDATE outbox SET claimed_at = ? WHERE state = 'sending' AND id IN ({_ids(conn)})",
        (now, json.dumps(list(ids))),
    )


async def reclaim(conn: Conn, claimed_before: float) -> int:
    """Rows left in `sending` since before `claimed_before` (a crash) become pending again.

    They may have reached the chat already: this is where at-least-once duplicates come from.
    """
    return await conn.execute(
        "UPDATE outbox SET state = 'pending', claimed_at = NULL "
        "WHERE state = 'sending' AND claimed_at < ?",
        (claimed_before,),
    )


async def reclaim_stale(conn: Conn, claimed_before: float, exclude: Iterable[int] = ()) -> int:
    """Like `reclaim`, skipping rows the running drainer still holds (`exclude`)."""
    return await conn.execute(
        "UPDATE outbox SET state = 'pending', claimed_at = NULL "
        "WHERE state = 'sending' AND claimed_at < ? "
        f"AND id NOT IN ({_ids(conn)})",
        (claimed_before, json.dumps(sorted(exclude))),
    )


async def depth(conn: Conn) -> dict[str, int]:
    """Rows per state (every state present, zero when none), for metrics."""
    counts = dict.fromkeys(STATES, 0)
    for state, count in await conn.fetchall("SELECT state, count(*) FROM outbox GROUP BY state"):
        counts[str(state)] = int(count)
    return counts


async def next_due(conn: Conn) -> float | None:
    """When the earliest pending row is due (None when nothing is pending)."""
    rows = list(await conn.fetchall("SELECT min(due_at) FROM outbox WHERE state = 'pending'"))
    return None if not rows or rows[0][0] is None else float(rows[0][0])


async def previous_transition(conn: Conn, channel_key: str) -> tuple[str, bool, float] | None:
    """(new health, flapping, at) of the channel's latest stored transition."""
    rows = list(
        await conn.fetchall(
            "SELECT new, flapping, at FROM transitions WHERE channel = ? "
            "ORDER BY at DESC, id DESC LIMIT 1",
            (channel_key,),
        )
    )
    return None if not rows else (str(rows[0][0]), bool(rows[0][1]), float(rows[0][2]))


async def count_transitions(conn: Conn, channel_key: str, since: float) -> int:
    rows = list(
        await conn.fetchall(
            "SELECT count(*) FROM transitions WHERE channel = ? AND at >= ?",
            (channel_key, since),
        )
    )
    return int(rows[0][0])


async def open_incidents(conn: Conn, exchange: str) -> dict[str, tuple[int, float]]:
    """Incidents of the exchange seen open and not yet resolved: name → (id, opened_at)."""
    rows = await conn.fetchall(
        "SELECT id, name, opened_at FROM upstream_incidents "
        "WHERE exchange = ? AND resolved_at IS NULL",
        (exchange,),
    )
    return {str(name): (int(row_id), float(opened)) for row_id, name, opened in rows}


async def note_incident_opened(conn: Conn, exchange: str, name: str, impact: str, at: float) -> int:
    new_id = await conn.fetchval(
        "INSERT INTO upstream_incidents (exchange, name, impact, opened_at) "
        "VALUES (?, ?, ?, ?) RETURNING id",
        (exchange, name, impact, at),
    )
    return int(new_id)


async def note_incident_resolved(conn: Conn, incident_id: int, at: float) -> None:
    await conn.execute(
        "UPDATE upstream_incidents SET resolved_at = ? WHERE id = ?", (at, incident_id)
    )
