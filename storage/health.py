"""Health state per channel (the bot's JSON) and the transitions between health values."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime

from storage import outbox
from storage.engine import Conn, Database, insert_rows
from storage.records import HealthRow, TransitionRecord
from storage.times import from_unix, to_unix


class HealthStore:
    """Part of `Store`: health state and transitions."""

    _db: Database

    async def save_health(self, rows: Sequence[HealthRow]) -> None:
        """Replace the stored state of these channels, in one transaction."""
        if not rows:
            return
        values = [
            (row.channel, json.dumps(row.state, separators=(",", ":")), to_unix(row.updated_at))
            for row in rows
        ]
        async with self._db.transaction() as conn:
            await insert_rows(
                conn,
                "INSERT INTO health_state (channel, state, updated_at)",
                values,
                "ON CONFLICT (channel) DO UPDATE SET "
                "state = excluded.state, updated_at = excluded.updated_at",
            )

    async def load_health(self) -> dict[str, HealthRow]:
        """Every stored channel state, by channel key."""
        async with self._db.reading() as conn:
            rows = await conn.fetchall("SELECT channel, state, updated_at FROM health_state")
        return {
            channel: HealthRow(channel, json.loads(state), from_unix(updated_at))
            for channel, state, updated_at in rows
        }

    async def save_sight(self, blind_since: datetime | None, at: datetime) -> None:
        """Record whether the probes are blind (since when), or None while they can see."""
        async with self._db.transaction() as conn:
            await conn.execute(
                "INSERT INTO sight (id, blind_since, updated_at) VALUES (1, ?, ?) "
                "ON CONFLICT (id) DO UPDATE SET "
                "blind_since = excluded.blind_since, updated_at = excluded.updated_at",
                (None if blind_since is None else to_unix(blind_since), to_unix(at)),
            )

    async def beat(self, at: datetime) -> None:
        """The leader's heartbeat: its probes run as of `at` (the sight row's `updated_at`;
        whether they see is left as it is). Standbys read it (`load_heartbeat`) to tell when
        the leader has stopped checking (bot/following.py)."""
        async with self._db.transaction() as conn:
            await conn.execute(
                "INSERT INTO sight (id, blind_since, updated_at) VALUES (1, NULL, ?) "
                "ON CONFLICT (id) DO UPDATE SET updated_at = excluded.updated_at",
                (to_unix(at),),
            )

    async def load_heartbeat(self) -> datetime | None:
        """When the leader last said its probes run (`beat`, or a change of sight); None
        before any leader ran on this database."""
        async with self._db.reading() as conn:
            at = await conn.fetchval("SELECT updated_at FROM sight WHERE id = 1")
        return None if at is None else from_unix(at)

    async def load_sight(self) -> datetime | None:
        """Since when the probes are blind, as the running bot last wrote it; None: they see."""
        async with self._db.reading() as conn:
            rows = list(await conn.fetchall("SELECT blind_since FROM sight"))
        if not rows or rows[0][0] is None:
            return None
        return from_unix(rows[0][0])

    async def add_transition(
        self, transition: TransitionRecord, *, conn: Conn | None = None
    ) -> int:
        """Store a transition; returns its id.

        To write outbox rows in the same transaction, call it inside
        `async with store.transaction() as conn:` (it joins that transaction; passing
        `conn=conn` says so explicitly and is equivalent).
        """
        async with self._db.transaction() as joined:
            if conn is not None and conn is not joined:
                raise ValueError("conn is not the connection of this store's transaction")
            return await outbox.insert_transition(joined, transition)

    async def transitions(
        self, exchange: str | None, since: datetime, limit: int = 50
    ) -> list[TransitionRecord]:
        """Transitions at or after `since` (of one exchange, or all), newest first."""
        where = "at >= ?" if exchange is None else "exchange = ? AND at >= ?"
        parameters: tuple[object, ...] = (to_unix(since), limit)
        if exchange is not None:
            parameters = (exchange, *parameters)
        async with self._db.reading() as conn:
            rows = await conn.fetchall(
                "SELECT id, channel, exchange, at, old, new, reason, detail, flapping, error "
                f"FROM transitions WHERE {where} ORDER BY at DESC, id DESC LIMIT ?",
                parameters,
            )
        return [
            TransitionRecord(
                channel=channel,
                exchange=exchange_,
                at=from_unix(at),
                old=old,
                new=new,
                reason=reason,
                detail=detail,
                flapping=bool(flapping),
                id=id_,
                error=error,
            )
            for id_, channel, exchange_, at, old, new, reason, detail, flapping, error in rows
        ]
