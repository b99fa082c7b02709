"""Declared maintenance windows of an exchange or one of its channels, and what they hold back.

Windows come from two places, chat (`/maintenance`) and the catalog (copied in at start by
`sync_planned`), and live in one table: `_ACTIVE` below is the one test of "does a window
cover this moment", used by the verdicts (`active_maintenance`), the alerts (`covering`,
`due_edges`) and the release of held-back down alerts (`releasable_held`).

The functions taking `conn` run inside a transaction the caller holds.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from storage.engine import Conn, Database, json_list
from storage.records import ALL_CHANNELS, MaintenanceWindow, PlannedWindow
from storage.times import from_unix, to_unix

# A window covers the moment :at from its start until before its end (open-ended: NULL).
_ACTIVE = "starts_at <= :at AND (ends_at IS NULL OR ends_at > :at)"
_COLUMNS = "id, exchange, channel, starts_at, ends_at, reason, created_by, reasons, source"
CATALOG_SOURCE = "catalog:"


class MaintenanceStore:
    """Part of `Store`: maintenance windows."""

    _db: Database
    _now: Callable[[], datetime]

    async def add_maintenance(
        self,
        exchange: str,
        channel: str | None,
        starts_at: datetime,
        ends_at: datetime | None,
        reason: str,
        created_by: str,
    ) -> int:
        """Declare a window (channel None: the whole exchange; ends_at None: until ended)."""
        if ends_at is not None and ends_at <= starts_at:
            raise ValueError("a maintenance window must end after it starts")
        async with self._db.transaction() as conn:
            new_id = await conn.fetchval(
                "INSERT INTO maintenance "
                "(exchange, channel, starts_at, ends_at, reason, created_by, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
                (
                    exchange,
                    channel or ALL_CHANNELS,
                    to_unix(starts_at),
                    None if ends_at is None else to_unix(ends_at),
                    reason,
                    created_by,
                    to_unix(self._now()),
                ),
            )
        if new_id is None:
            raise AssertionError("INSERT gave no row id")
        return int(new_id)

    async def active_maintenance(self, now: datetime) -> list[MaintenanceWindow]:
        """Windows covering `now`, earliest start first."""
        async with self._db.reading() as conn:
            rows = await conn.fetchall(
                f"SELECT {_COLUMNS} FROM maintenance WHERE {_ACTIVE} ORDER BY starts_at, id",
                {"at": to_unix(now)},
            )
        return [_window(row) for row in rows]

    async def end_maintenance(self, window_id: int, now: datetime) -> bool:
        """End a window now (if it would end later); False if it had already ended or is
        unknown."""
        moment = to_unix(now)
        async with self._db.transaction() as conn:
            changed = await conn.execute(
                "UPDATE maintenance SET ends_at = ? "
                "WHERE id = ? AND (ends_at IS NULL OR ends_at > ?)",
                (moment, window_id, moment),
            )
        return changed > 0

    async def sync_planned(self, windows: Sequence[PlannedWindow], now: datetime) -> int:
        """Make the catalog's windows the store's, in one transaction; returns rows written.

        A window is known by its `source`, so a restart updates it rather than adding it
        again. Windows already over are left alone, and so is a window an admin ended early
        (its end has passed). A window that left the catalog is deleted if it has not
        started, and ended now if it is under way (subscribers hear that it is over).
        """
        moment = to_unix(now)
        current = [w for w in windows if to_unix(w.ends_at) > moment]
        written = 0
        async with self._db.transaction() as conn:
            for window in current:
                if window.ends_at <= window.starts_at:
                    raise ValueError(f"maintenance {window.source} must end after it starts")
                written += await conn.execute(
                    "INSERT INTO maintenance (exchange, channel, starts_at, ends_at, reason, "
                    "created_by, created_at, reasons, source) "
                    "VALUES (:exchange, :channel, :starts, :ends, :reason, 'catalog', :now, "
                    ":reasons, :source) "
                    "ON CONFLICT (source) DO UPDATE SET ends_at = excluded.ends_at, "
                    "reason = excluded.reason, reasons = excluded.reasons "
                    "WHERE maintenance.ends_at > :now",
                    {
                        "exchange": window.exchange,
                        "channel": window.channel or ALL_CHANNELS,
                        "starts": to_unix(window.starts_at),
                        "ends": to_unix(window.ends_at),
                        "reason": window.reason,
                        "now": moment,
                        "reasons": _dump(window.reasons),
                        "source": window.source,
                    },
                )
            kept = json.dumps([w.source for w in windows])
            gone = f"source LIKE 'catalog:%' AND source NOT IN ({json_list(conn.dialect, ':kept')})"
            await conn.execute(
                f"DELETE FROM maintenance WHERE {gone} AND starts_at > :at",
                {"kept": kept, "at": moment},
            )
            await conn.execute(
                f"UPDATE maintenance SET ends_at = :at WHERE {gone} AND {_ACTIVE}",
                {"kept": kept, "at": moment},
            )
        return written


def _window(row: Any) -> MaintenanceWindow:
    id_, exchange, channel, starts_at, ends_at, reason, created_by, reasons, source = row
    return MaintenanceWindow(
        id=id_,
        exchange=exchange,
        channel=None if channel == ALL_CHANNELS else channel,
        starts_at=from_unix(starts_at),
        ends_at=None if ends_at is None else from_unix(ends_at),
        reason=reason,
        created_by=created_by,
        reasons=json.loads(reasons),
        source=source,
    )


def _dump(payload: dict[str, Any]) -> str:
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False, sort_keys=True)


async def covering(conn: Conn, exchange: str, channel: str, at: float) -> bool:
    """Whether a window covers the channel (or its whole exchange) at `at`."""
    rows = list(
        await conn.fetchall(
            "SELECT 1 FROM maintenance WHERE exchange = :exchange "
            f"AND channel IN (:channel, :all) AND {_ACTIVE} LIMIT 1",
            {"exchange": exchange, "channel": channel, "all": ALL_CHANNELS, "at": at},
        )
    )
    return bool(rows)


# ---------------------------------------------------------------------- started / ended edges


@dataclass(frozen=True, slots=True)
class MaintenanceEdge:
    """A window whose start or end is due to be announced."""

    maintenance_id: int
    edge: str  # started | ended
    exchange: str
    channel: str  # '' = the whole exchange
    starts_at: float
    ends_at: float | None
    reason: str
    reasons: dict[str, str]


async def due_edges(conn: Conn, now: float) -> list[MaintenanceEdge]:
    """Starts and ends of windows that have passed and were not announced yet.

    A window that is already over when first seen is marked without alerts (an end without a
    start would puzzle a reader).
    """
    rows = await conn.fetchall(
        "SELECT m.id, m.exchange, m.channel, m.starts_at, m.ends_at, m.reason, m.reasons, "
        "EXISTS (SELECT 1 FROM maintenance_alerts a WHERE a.maintenance_id = m.id "
        "  AND a.edge = 'started'), "
        "EXISTS (SELECT 1 FROM maintenance_alerts a WHERE a.maintenance_id = m.id "
        "  AND a.edge = 'ended') "
        "FROM maintenance AS m WHERE m.starts_at <= :at AND (m.ends_at IS NULL OR m.ends_at > :at "
        "  OR NOT EXISTS (SELECT 1 FROM maintenance_alerts a WHERE a.maintenance_id = m.id "
        "  AND a.edge = 'ended')) ORDER BY m.starts_at, m.id",
        {"at": now},
    )
    edges: list[MaintenanceEdge] = []
    for row_id, exchange, channel, starts, ends, reason, reasons, started, ended in rows:
        chan = "" if channel == ALL_CHANNELS else str(channel)
        over = ends is not None and ends <= now
        if not started and over:
            await mark_edge(conn, row_id, "started", now)
            await mark_edge(conn, row_id, "ended", now)
            continue
        end = None if ends is None else float(ends)
        for edge, due in (("started", not started), ("ended", over and not ended)):
            if due:
                edges.append(
                    MaintenanceEdge(
                        row_id,
                        edge,
                        str(exchange),
                        chan,
                        float(starts),
                        end,
                        str(reason),
                        json.loads(reasons),
                    )
                )
    return edges


async def mark_edge(conn: Conn, maintenance_id: int, edge: str, now: float) -> None:
    await conn.execute(
        "INSERT INTO maintenance_alerts (maintenance_id, edge, at) VALUES (?, ?, ?) "
        "ON CONFLICT (maintenance_id, edge) DO NOTHING",
        (maintenance_id, edge, now),
    )


# ---------------------------------------------------------------------- held-back down alerts


@dataclass(frozen=True, slots=True)
class HeldDown:
    """A down alert held back by maintenance: whose, from which transition, what it says."""

    channel: str  # channel key
    exchange: str
    transition_id: int
    at: float
    payload: dict[str, Any]


async def hold_down(
    conn: Conn,
    channel_key: str,
    exchange: str,
    transition_id: int,
    at: float,
    payload: dict[str, Any],
) -> None:
    """Keep a channel's down alert until no window covers it (replaces an older one)."""
    await conn.execute(
        "INSERT INTO held_down (channel, exchange, transition_id, at, payload) "
        "VALUES (?, ?, ?, ?, ?) ON CONFLICT (channel) DO UPDATE SET "
        "exchange = excluded.exchange, transition_id = excluded.transition_id, "
        "at = excluded.at, payload = excluded.payload",
        (channel_key, exchange, transition_id, at, _dump(payload)),
    )


async def drop_held(conn: Conn, channel_key: str) -> bool:
    """The channel is back: forget its held down alert; True if there was one."""
    dropped = await conn.execute("DELETE FROM held_down WHERE channel = ?", (channel_key,))
    return dropped > 0


async def releasable_held(conn: Conn, now: float) -> list[HeldDown]:
    """Held down alerts of channels no window covers at `now` (removed from the hold)."""
    rows = await conn.fetchall(
        "SELECT h.channel, h.exchange, h.transition_id, h.at, h.payload FROM held_down AS h "
        "WHERE NOT EXISTS (SELECT 1 FROM maintenance WHERE exchange = h.exchange "
        "  AND channel IN (substr(h.channel, length(h.exchange) + 2), :all) "
        f"  AND {_ACTIVE}) ORDER BY h.at, h.channel",
        {"all": ALL_CHANNELS, "at": now},
    )
    held = [
        HeldDown(str(channel), str(exchange), int(tid), float(at), json.loads(payload))
        for channel, exchange, tid, at, payload in rows
    ]
    if held:
        await conn.execute(
            f"DELETE FROM held_down WHERE channel IN ({json_list(conn.dialect)})",
            (json.dumps([h.channel for h in held]),),
        )
    return held
