"""Chats: alert subscriptions and user preferences (locale)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any

from storage.engine import Conn, Database
from storage.records import ALL_CHANNELS, Subscription
from storage.times import from_unix, to_unix

_UNSUBSCRIBED = "unsubscribed"  # the reason of a subscription its chat turned off

ChatId = str | int
"""Telegram chat ids (signed) and Discord ids (snowflakes); stored and returned as str."""

_COLUMNS = (
    "id, platform, chat_id, exchange, channel, locale, include_degraded, active, "
    "created_at, deactivated_reason"
)


class ChatStore:
    """Part of `Store`: subscriptions and preferences. Subscriptions are never deleted:
    they are deactivated with a reason, and subscribing again reactivates the same row."""

    _db: Database
    _now: Callable[[], datetime]

    async def subscribe(
        self,
        platform: str,
        chat_id: ChatId,
        exchange: str,
        channel: str | None,
        locale: str,
        include_degraded: bool = False,
    ) -> bool:
        """Subscribe a chat (channel None: every channel); True unless it already was.

        Subscribing again updates locale and include_degraded and reactivates a
        deactivated subscription; it never makes a second row.
        """
        key = (platform, str(chat_id), exchange, channel or ALL_CHANNELS)
        async with self._db.transaction() as conn:
            rows = list(
                await conn.fetchall(
                    "SELECT active FROM subscriptions "
                    "WHERE platform = ? AND chat_id = ? AND exchange = ? AND channel = ?",
                    key,
                )
            )
            await conn.execute(
                "INSERT INTO subscriptions (platform, chat_id, exchange, channel, locale, "
                "include_degraded, created_at) VALUES (?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (platform, chat_id, exchange, channel) DO UPDATE SET "
                "locale = excluded.locale, include_degraded = excluded.include_degraded, "
                "active = 1, deactivated_at = NULL, deactivated_reason = NULL",
                (*key, locale, int(include_degraded), to_unix(self._now())),
            )
        return not (rows and rows[0][0])

    async def unsubscribe(
        self,
        platform: str,
        chat_id: ChatId,
        exchange: str | None = None,
        channel: str | None = None,
    ) -> int:
        """Deactivate a chat's subscriptions: all (exchange None), one exchange's (channel
        None: exchange-wide and per-channel ones), or one channel's. Returns how many were on.

        Those already off for another reason (the bot lost its right to post there) take
        this one: a right given back later must not bring back what the chat turned off."""
        where = "platform = ? AND chat_id = ?"
        parameters: list[object] = [platform, str(chat_id)]
        if exchange is not None:
            where += " AND exchange = ?"
            parameters.append(exchange)
            if channel is not None:
                where += " AND channel = ?"
                parameters.append(channel)
        # Any reason but the chat's own: it is the chat's choice now.
        already_off = ("COALESCE(deactivated_reason, '') != ?", [_UNSUBSCRIBED])
        async with self._db.transaction() as conn:
            return await _turn_off(conn, where, parameters, _UNSUBSCRIBED, already_off, self._now())

    async def deactivate_chat(self, platform: str, chat_id: ChatId, reason: str) -> int:
        """Deactivate every subscription of a chat (bot blocked, chat gone); returns how many."""
        where, parameters = "platform = ? AND chat_id = ?", [platform, str(chat_id)]
        async with self._db.transaction() as conn:
            return await _turn_off(conn, where, parameters, reason, None, self._now())

    async def reactivate_chat(
        self, platform: str, chat_id: ChatId, reasons: Sequence[str]
    ) -> list[Subscription]:
        """Turn back on the chat's subscriptions that stopped for one of `reasons` (words found
        in the stored reason, any case): the bot lost a right it has again. Returns them; a
        subscription its chat turned off (`unsubscribed`) or that stopped for another reason
        stays off."""
        where, parameters = _stopped_for(platform, chat_id, reasons)
        if not where:
            return []
        async with self._db.transaction() as conn:
            rows = await conn.fetchall(
                "UPDATE subscriptions SET active = 1, deactivated_at = NULL, "
                f"deactivated_reason = NULL WHERE {where} RETURNING {_COLUMNS}",
                parameters,
            )
        return sorted((_subscription(row) for row in rows), key=lambda s: s.id)

    async def stopped_chats(self, platform: str, reasons: Sequence[str]) -> list[str]:
        """The chats of `platform` with a subscription stopped for one of `reasons` (words
        found in the stored reason, any case): where a lost right may come back."""
        if not reasons:
            return []
        where, parameters = _reasons(reasons)
        async with self._db.reading() as conn:
            rows = await conn.fetchall(
                "SELECT DISTINCT chat_id FROM subscriptions "
                f"WHERE platform = ? AND active = 0 AND ({where}) ORDER BY chat_id",
                [platform, *parameters],
            )
        return [chat_id for (chat_id,) in rows]

    async def retire_chat(
        self, platform: str, chat_id: ChatId, reason: str, replacing: Sequence[str]
    ) -> int:
        """Stop the chat's subscriptions for `reason`: the active ones, and those stopped for
        one of `replacing` (so `reactivate_chat` with those no longer brings them back).
        Returns how many were active."""
        return await self.retire_chats(platform, [chat_id], reason, replacing)

    async def retire_chats(
        self, platform: str, chat_ids: Iterable[ChatId], reason: str, replacing: Sequence[str]
    ) -> int:
        """`retire_chat` of each chat, in one transaction (a server the bot left: all its
        channels). Returns how many subscriptions were active."""
        already_off = _reasons(replacing) if replacing else None
        now = self._now()
        active = 0
        async with self._db.transaction() as conn:
            for chat_id in chat_ids:
                where, parameters = "platform = ? AND chat_id = ?", [platform, str(chat_id)]
                active += await _turn_off(conn, where, parameters, reason, already_off, now)
        return active

    async def migrate_chat(self, platform: str, old_chat_id: ChatId, new_chat_id: ChatId) -> int:
        """Move a chat's subscriptions to its new id (Telegram group -> supergroup).

        Where the new chat already has the same subscription, the two merge: the new row
        stays (reactivated if the old one was active), the old one is deactivated with
        reason "migrated". Returns how many active subscriptions the old chat had.
        """
        names = {"p": platform, "old": str(old_chat_id), "new": str(new_chat_id)}
        async with self._db.transaction() as conn:
            rows = list(
                await conn.fetchall(
                    "SELECT count(*) FROM subscriptions "
                    "WHERE platform = :p AND chat_id = :old AND active = 1",
                    names,
                )
            )
            await conn.execute(_REACTIVATE_TWINS, names)
            await conn.execute(_RETIRE_MERGED, {**names, "now": to_unix(self._now())})
            await conn.execute(_MOVE_REST, names)
        return int(rows[0][0])

    async def subscriptions_of(
        self, platform: str, chat_id: ChatId, active_only: bool = True
    ) -> list[Subscription]:
        """A chat's subscriptions, by exchange then channel ('every channel' first)."""
        where = "platform = ? AND chat_id = ?" + (" AND active = 1" if active_only else "")
        async with self._db.reading() as conn:
            rows = await conn.fetchall(
                f"SELECT {_COLUMNS} FROM subscriptions WHERE {where} "
                "ORDER BY exchange, channel != '*', channel",
                (platform, str(chat_id)),
            )
        return [_subscription(row) for row in rows]

    async def subscribers(self, exchange: str, channel: str) -> list[Subscription]:
        """Active subscriptions that want alerts about a channel (`exchange/...` key or bare
        name as stored), one per chat: a channel subscription wins over an exchange-wide one."""
        async with self._db.reading() as conn:
            rows = await conn.fetchall(
                f"SELECT {_COLUMNS} FROM subscriptions WHERE active = 1 AND exchange = ? "
                "AND channel IN (?, '*') ORDER BY channel = '*', id",
                (exchange, channel),
            )
        chosen: dict[tuple[str, str], Subscription] = {}
        for row in rows:
            subscription = _subscription(row)
            chosen.setdefault((subscription.platform, subscription.chat_id), subscription)
        return sorted(chosen.values(), key=lambda s: s.id)

    async def count_subscriptions(self, active_only: bool = True) -> int:
        where = " WHERE active = 1" if active_only else ""
        async with self._db.reading() as conn:
            rows = list(await conn.fetchall(f"SELECT count(*) FROM subscriptions{where}"))
        return int(rows[0][0])

    async def set_locale(
        self, platform: str, user_id: ChatId, locale: str, own_chat: ChatId | None = None
    ) -> None:
        """Remember a user's chosen locale (`/lang`); with `own_chat` (the user's private
        chat), that chat's alerts are in it from now on too."""
        async with self._db.transaction() as conn:
            await conn.execute(
                "INSERT INTO preferences (platform, user_id, locale, updated_at) "
                "VALUES (?, ?, ?, ?) ON CONFLICT (platform, user_id) DO UPDATE SET "
                "locale = excluded.locale, updated_at = excluded.updated_at",
                (platform, str(user_id), locale, to_unix(self._now())),
            )
            if own_chat is not None:
                await conn.execute(
                    "UPDATE subscriptions SET locale = ? WHERE platform = ? AND chat_id = ?",
                    (locale, platform, str(own_chat)),
                )

    async def get_locale(self, platform: str, user_id: ChatId) -> str | None:
        """The user's chosen locale, None if they never chose one."""
        async with self._db.reading() as conn:
            rows = list(
                await conn.fetchall(
                    "SELECT locale FROM preferences WHERE platform = ? AND user_id = ?",
                    (platform, str(user_id)),
                )
            )
        return str(rows[0][0]) if rows else None


async def _turn_off(
    conn: Conn,
    where: str,
    parameters: Sequence[object],
    reason: str,
    already_off: tuple[str, Sequence[object]] | None,
    now: datetime,
) -> int:
    """Turn off the subscriptions `where` selects, for `reason`; those already off that
    `already_off` (SQL and parameters) matches take the reason too. Returns how many were on.

    The ones off first: on PostgreSQL this locks them, so a `reactivate_chat` racing this
    finds them with the new reason (the other way round it could turn one back on between the
    two statements)."""
    if already_off is not None:
        matches, words = already_off
        await conn.execute(
            f"UPDATE subscriptions SET deactivated_reason = ? WHERE {where} "
            f"AND active = 0 AND ({matches})",
            (reason, *parameters, *words),
        )
    return await conn.execute(
        "UPDATE subscriptions SET active = 0, deactivated_at = ?, "
        f"deactivated_reason = ? WHERE {where} AND active = 1",
        (to_unix(now), reason, *parameters),
    )


def _stopped_for(
    platform: str, chat_id: ChatId, reasons: Sequence[str]
) -> tuple[str, list[object]]:
    """The WHERE clause (and its parameters) of a chat's subscriptions stopped for one of
    `reasons`: words in the stored reason, any case. Empty when there are no reasons."""
    if not reasons:
        return "", []
    matches, words = _reasons(reasons)
    where = f"platform = ? AND chat_id = ? AND active = 0 AND ({matches})"
    return where, [platform, str(chat_id), *words]


def _reasons(reasons: Sequence[str]) -> tuple[str, list[object]]:
    """SQL true when the stored reason holds one of `reasons` (any case), and its parameters."""
    matches = " OR ".join(["lower(deactivated_reason) LIKE ?"] * len(reasons))
    return matches, [f"%{reason.lower()}%" for reason in reasons]


# A twin is the same (exchange, channel) subscription on the other chat id.
_TWIN = (
    "SELECT 1 FROM subscriptions AS t WHERE t.platform = :p AND t.chat_id = {other} "
    "AND t.exchange = s.exchange AND t.channel = s.channel{extra}"
)
_REACTIVATE_TWINS = (
    "UPDATE subscriptions AS s SET active = 1, deactivated_at = NULL, "
    "deactivated_reason = NULL WHERE s.platform = :p AND s.chat_id = :new AND EXISTS ("
    + _TWIN.format(other=":old", extra=" AND t.active = 1")
    + ")"
)
_RETIRE_MERGED = (
    "UPDATE subscriptions AS s SET active = 0, deactivated_at = :now, "
    "deactivated_reason = 'migrated' WHERE s.platform = :p AND s.chat_id = :old "
    "AND s.active = 1 AND EXISTS (" + _TWIN.format(other=":new", extra="") + ")"
)
_MOVE_REST = (
    "UPDATE subscriptions AS s SET chat_id = :new WHERE s.platform = :p "
    "AND s.chat_id = :old AND NOT EXISTS (" + _TWIN.format(other=":new", extra="") + ")"
)


def _subscription(row: Iterable[Any]) -> Subscription:
    id_, platform, chat_id, exchange, channel, locale, degraded, active, created_at, reason = row
    return Subscription(
        id=id_,
        platform=platform,
        chat_id=chat_id,
        exchange=exchange,
        channel=None if channel == ALL_CHANNELS else channel,
        locale=locale,
        include_degraded=bool(degraded),
        active=bool(active),
        created_at=from_unix(created_at),
        deactivated_reason=reason,
    )
