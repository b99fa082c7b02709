"""Probe results: batched raw writes with hourly rollups, and rollup reads for any window."""

from __future__ import annotations

import json
import math
from bisect import bisect_left
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import NamedTuple

from probes.result import ErrorKind, ProbeResult
from storage.engine import Conn, Database, insert_rows, insert_values, json_list
from storage.histogram import UPPER_BOUNDS_MS, Histogram, add_sparse, encode_sparse
from storage.records import RollupSummary
from storage.times import from_unix, hour_start, to_unix

_INSERT_RAW = (
    "INSERT INTO probe_results (channel_id, at_ms, ok, slow, latency_us, error, detail, region)"
)
# A check without error, and a batch of no region (the monitor's own probes), give '' for it,
# stored as NULL: SQLite's driver binds a Python None only after two failed attribute look-ups
# (each making an exception and its message), and it does so in its own thread holding the
# GIL, which the event loop then waits for: ~0.2-0.5 us for every row of every batch.
_RAW_VALUES = "(?, ?, ?, ?, ?, NULLIF(?, ''), ?, NULLIF(?, ''))"
# Nearly every row is a plain success of the monitor's own probes: ok, not slow, no error, a
# latency, no region. Such rows bind only what varies: half the values to bind and to lay out.
_PLAIN_VALUES = "(?, ?, 1, 0, ?, NULL, ?, NULL)"
# The counts are summed by the database. The histograms: on PostgreSQL too (`hist_merge`, in
# PL/pgSQL); on SQLite they are read first and merged here (`_fold_stored`), then replaced. A
# Python `hist_merge` inside SQLite ran in SQLite's thread once per rollup row, and each call
# had to take the GIL from the busy event loop's thread: a forced thread switch for every
# channel of every flush. The read and the write are one transaction, which on SQLite no
# other writer can enter.
_INSERT_ROLLUP = (
    "INSERT INTO rollups (channel_id, hour, count, failures, slow, latency_sum_ms, histogram)"
)
_ADD_ROLLUP = """
ON CONFLICT (channel_id, hour) DO UPDATE SET
    count = rollups.count + excluded.count,
    failures = rollups.failures + excluded.failures,
    slow = rollups.slow + excluded.slow,
    latency_sum_ms = rollups.latency_sum_ms + excluded.latency_sum_ms,
    histogram = {histogram}
"""
_MERGE_ROLLUP = {
    "sqlite": _ADD_ROLLUP.format(histogram="excluded.histogram"),
    "postgresql": _ADD_ROLLUP.format(histogram="hist_merge(rollups.histogram, excluded.histogram)"),
}
_STORED_HISTOGRAMS = (
    "SELECT channel_id, histogram FROM rollups WHERE hour = ? AND channel_id IN ({ids})"
)
# SQLite: driven by channels (CROSS JOIN fixes the order), so each channel's window is one
# range of the rollups primary key and the groups come out in order: 10x faster than the hour
# index. (The casts change nothing here; in the PostgreSQL queries below they keep the sums
# of BIGINT integers, which PostgreSQL makes NUMERIC.)
_SUMMARIES = """
SELECT c.key, CAST(sum(r.count) AS BIGINT), CAST(sum(r.failures) AS BIGINT),
       CAST(sum(r.slow) AS BIGINT), sum(r.latency_sum_ms), {histogram}
FROM channels AS c CROSS JOIN rollups AS r ON r.channel_id = c.id
WHERE r.hour >= ? AND r.hour < ? {only}
GROUP BY c.id
"""
# PostgreSQL, every channel: the window's rollups summed per channel id first, then named by
# a join with the channels. Joined first, every rollup row went through the join (PostgreSQL
# does not sum before a join by itself): 500 channels' 30 days, 360,000 rows, took 155 ms,
# 115 ms this way (7 days: 80 ms, 50 ms).
_EVERY_SUMMARY_PG = """
SELECT c.key, s.count, s.failures, s.slow, s.latency_sum_ms, s.histogram
FROM (
    SELECT r.channel_id, CAST(sum(r.count) AS BIGINT) AS count,
           CAST(sum(r.failures) AS BIGINT) AS failures, CAST(sum(r.slow) AS BIGINT) AS slow,
           sum(r.latency_sum_ms) AS latency_sum_ms, {histogram} AS histogram
    FROM rollups AS r WHERE r.hour >= ? AND r.hour < ?
    GROUP BY r.channel_id
) AS s JOIN channels AS c ON c.id = s.channel_id
"""
# PostgreSQL, for named channels: the same sums per channel in a LATERAL subquery, so each
# channel's window is one range of the rollups primary key. Joined as on SQLite, PostgreSQL
# takes the key list for 100 channels (json_array_elements_text's fixed estimate) and reads
# every channel's rollups in the window instead: with 2,000 channels' data, one exchange's 10
# channels over 24 h took 30 ms (40 ms with latency), 0.5 ms (1.7 ms) this way; 30 days cost
# the same either way (~100 ms: the rows of a channel lie on 720 heap pages). A channel with
# no rollup in the window has no row (n = 0), as with the join.
_CHANNEL_SUMMARIES_PG = """
SELECT c.key, s.count, s.failures, s.slow, s.latency_sum_ms, s.histogram
FROM channels AS c CROSS JOIN LATERAL (
    SELECT count(*) AS n, CAST(sum(r.count) AS BIGINT) AS count,
           CAST(sum(r.failures) AS BIGINT) AS failures, CAST(sum(r.slow) AS BIGINT) AS slow,
           sum(r.latency_sum_ms) AS latency_sum_ms, {histogram} AS histogram
    FROM rollups AS r WHERE r.channel_id = c.id AND r.hour >= ? AND r.hour < ?
) AS s
WHERE s.n > 0 {only}
"""
# A group's histograms, summed. SQLite: `hist_sum`, an aggregate written in Python
# (storage/sqlite.py). PostgreSQL: the encoded histograms come back as an array and the same
# Python code sums them (`_summed`); its PL/pgSQL `hist_sum` took ~7 us a row, every
# channel's 24 h (12,000 rows for 500 channels) ~90 ms of the server's time, against ~15 ms to
# send the bytes and ~40 ms to sum them here.
_HISTOGRAMS = {"sqlite": "hist_sum(r.histogram)", "postgresql": "array_agg(r.histogram)"}

# The exchange's channels are the keys from "<exchange>/" up to (not) "<exchange>0" ("0"
# follows "/"): a range of the unique key index. Per channel, its earliest rollup and raw
# result are one primary-key or index seek each.
_WATCHING_SINCE = """
SELECT
    (SELECT min((SELECT min(hour) FROM rollups WHERE channel_id = c.id))
     FROM channels AS c WHERE c.key >= :low AND c.key < :high),
    (SELECT min((SELECT min(at_ms) FROM probe_results WHERE channel_id = c.id))
     FROM channels AS c WHERE c.key >= :low AND c.key < :high),
    (SELECT min(at) FROM transitions WHERE exchange = :exchange)
"""


def _summed(histograms: bytes | list[bytes] | None) -> Histogram:
    """A summary's histogram from what `_HISTOGRAMS` gave: one encoded sum (SQLite), the
    encoded histograms to sum (PostgreSQL), or NULL (latency not asked for)."""
    if not histograms:
        return Histogram()
    if isinstance(histograms, bytes):
        return Histogram.decode(histograms)
    return Histogram.sum_encoded(histograms)


@dataclass(slots=True)
class _Tally:
    count: int = 0
    failures: int = 0
    slow: int = 0
    latency_sum_ms: float = 0.0
    # Bucket index -> successful checks: an hour of one channel fills a few of the 45.
    buckets: dict[int, int] = field(default_factory=dict)


# Values per raw row (`_RAW_VALUES`) and per plain one (`_PLAIN_VALUES`).
_RAW_WIDTH = 8
_PLAIN_WIDTH = 4


class _Raw(NamedTuple):
    """A batch's raw rows, laid end to end and grouped by channel: the plain successes
    (`_PLAIN_VALUES`) apart from the rest (`_RAW_VALUES`)."""

    plain: list[object]
    other: list[object]


def _rows(
    results: Iterable[ProbeResult], ids: Mapping[str, int], region: str | None
) -> tuple[_Raw, dict[tuple[str, int], _Tally]]:
    """A batch's raw rows laid end to end (see `_Raw`), grouped by channel (in channel id
    order, each channel's in the order given), and its checks summed per (channel, unix hour
    start), in one pass.

    Grouped by channel because each raw row also goes into the (channel_id, at_ms) index:
    rows in arrival order, one channel after another, land each on another leaf of that index;
    a channel's rows together land on one leaf, one after another. For a batch of 5,000 rows
    of 200 channels SQLite's insert took ~2.4 us a row instead of ~5 (`bench/probe_pipeline.py`
    pays it for every check).

    It runs for every result, so it does each thing once: one time conversion, no tuple kept
    per row, the hour worked out again only when a result leaves the hour of the one before (a
    batch nearly always lies in one hour), bools made 0/1 without a call.

    Latency counts successes only. A blind result (every canary failed too) is no check of the
    channel: it is kept raw, but counts neither as a check nor as a failure, so our own outage
    lowers no one's uptime. KeyError when a result's channel has no id in `ids`.
    """
    by_id: dict[int, list[object]] = {}  # channel id -> its plain rows laid end to end
    other_by_id: dict[int, list[object]] = {}  # channel id -> its other rows
    plain_region = region is None
    tallies: dict[tuple[str, int], _Tally] = {}
    hours: dict[int, dict[str, _Tally]] = {}  # the same tallies, by hour and channel
    hour, hour_end = 0, -math.inf  # the hour [hour, hour_end) of the result before
    region_value = region or ""  # stored as NULL; region names are never empty (`bot.settings`)
    by_channel: dict[str, _Tally] = {}  # that hour's tallies
    for result in results:
        at = result.at
        at_s = at.timestamp() if at.tzinfo is UTC else to_unix(at)  # to_unix refuses naive
        # Latency only when it is a number (a probe that measured nothing gives None).
        ms = result.latency_ms
        if ms is not None and not math.isfinite(ms):
            ms = None
        error = result.error
        channel = result.channel
        ok = result.ok
        slow = 1 if result.slow else 0
        channel_id = ids[channel]
        at_ms = round(at_s * 1000)
        if ok and not slow and ms is not None and error is None and plain_region:
            rows = by_id.get(channel_id)
            if rows is None:
                rows = by_id[channel_id] = []
            rows.extend((channel_id, at_ms, round(ms * 1000), result.detail))
        else:
            rows = other_by_id.get(channel_id)
            if rows is None:
                rows = other_by_id[channel_id] = []
            rows.extend(
                (
                    channel_id,
                    at_ms,
                    1 if ok else 0,
                    slow,
                    None if ms is None else round(ms * 1000),
                    "" if error is None else str(error),
                    result.detail,
                    region_value,
                )
            )
        if error is ErrorKind.BLIND:
            continue
        if not hour <= at_s < hour_end:  # exactly when `at_s // 3600` differs
            hour = int(at_s // 3600) * 3600
            hour_end = hour + 3600
            by_channel = hours.setdefault(hour, {})
        tally = by_channel.get(channel)
        if tally is None:
            tally = by_channel[channel] = tallies[channel, hour] = _Tally()
        tally.count += 1
        tally.slow += slow
        if not ok:
            tally.failures += 1
        elif ms is not None:
            tally.latency_sum_ms += ms
            bucket = bisect_left(UPPER_BOUNDS_MS, ms)  # `bucket_index` of a number
            buckets = tally.buckets
            buckets[bucket] = buckets.get(bucket, 0) + 1
    return _Raw(_in_channel_order(by_id), _in_channel_order(other_by_id)), tallies


def _in_channel_order(by_id: dict[int, list[object]]) -> list[object]:
    """Each channel's rows, one channel after another in id order (list by list: no Python
    step per value)."""
    laid: list[object] = []
    for channel_id in sorted(by_id):
        laid += by_id[channel_id]
    return laid


async def _fold_stored(
    conn: Conn, ids: Mapping[str, int], tallies: Mapping[tuple[str, int], _Tally]
) -> None:
    """Add the histograms already stored for the tallies' (channel, hour) rows into the
    tallies, one query per hour (a batch nearly always lies in one)."""
    channels: dict[int, list[tuple[int, str]]] = {}  # hour -> (channel id, channel key)
    for channel, hour in tallies:
        channels.setdefault(hour, []).append((ids[channel], channel))
    sql = _STORED_HISTOGRAMS.format(ids=json_list(conn.dialect, sql_type="BIGINT"))
    for hour, pairs in channels.items():
        keys = dict(pairs)
        rows = await conn.fetchall(sql, (hour, json.dumps(list(keys))))
        for channel_id, histogram in rows:
            if histogram:
                add_sparse(tallies[keys[channel_id], hour].buckets, histogram)


class ResultStore:
    """Part of `Store`: raw results and hourly rollups."""

    _db: Database
    _channel_ids: dict[str, int]

    async def write_results(
        self, results: Sequence[ProbeResult], *, region: str | None = None, rollups: bool = True
    ) -> None:
        """Store a batch: raw rows (tagged with the probing `region`) and rollup updates in
        ONE transaction (all or nothing). A probe node's batch makes no rollups
        (`rollups=False`): only the process running the monitor counts checks there."""
        if not results:
            return
        async with self._db.transaction() as conn:
            ids: Mapping[str, int] = self._channel_ids
            try:
                raw, tallies = _rows(results, ids, region)
            except KeyError:  # a channel new to this process: rarely, so not looked for first
                ids = await self._ensure_channels(conn, {r.channel for r in results})
                raw, tallies = _rows(results, ids, region)
            await insert_values(conn, _INSERT_RAW, raw.plain, _PLAIN_WIDTH, group=_PLAIN_VALUES)
            await insert_values(conn, _INSERT_RAW, raw.other, _RAW_WIDTH, group=_RAW_VALUES)
            if rollups:
                if conn.dialect == "sqlite":
                    await _fold_stored(conn, ids, tallies)
                hours = [
                    (ids[channel], hour, t.count, t.failures, t.slow, t.latency_sum_ms,
                     encode_sparse(t.buckets))
                    for (channel, hour), t in tallies.items()
                ]  # fmt: skip
                await insert_rows(conn, _INSERT_ROLLUP, hours, _MERGE_ROLLUP[conn.dialect])
        # Only now: ids made by a transaction that rolled back must not be remembered.
        if ids is not self._channel_ids:
            self._channel_ids.update(ids)

    async def rollup_summary(self, channel: str, since: datetime, until: datetime) -> RollupSummary:
        """One channel's checks in the hours starting from since's hour up to (not) until."""
        summaries = await self.rollup_summaries([channel], since, until)
        return summaries[channel]

    async def rollup_summaries(
        self,
        channels: Iterable[str] | None,
        since: datetime,
        until: datetime,
        *,
        with_latency: bool = True,
    ) -> dict[str, RollupSummary]:
        """Per channel, in one query over rollups only (never raw rows).

        The window is whole hours: those starting at or after since's hour start and before
        `until`. With `channels`, every one named is in the answer (empty if it has no
        data); with None, every channel that has data in the window. For 2,000 channels:
        24 h takes ~75 ms, 30 days ~2 s (merging 1.4 M histograms in Python); with
        `with_latency=False` the histograms stay empty and it is plain SQL sums (30 days
        ~0.3 s): use that for uptime over long windows, and cache (not per /status).
        """
        wanted = None if channels is None else list(dict.fromkeys(channels))
        parameters: list[object] = [hour_start(since), to_unix(until)]
        if wanted is not None:
            parameters.append(json.dumps(wanted))
        async with self._db.reading() as conn:
            histogram = _HISTOGRAMS[conn.dialect] if with_latency else "NULL"
            only = "" if wanted is None else f"AND c.key IN ({json_list(conn.dialect)})"
            if conn.dialect == "sqlite":
                sql = _SUMMARIES.format(histogram=histogram, only=only)
            elif wanted is None:
                sql = _EVERY_SUMMARY_PG.format(histogram=histogram)
            else:
                sql = _CHANNEL_SUMMARIES_PG.format(histogram=histogram, only=only)
            rows = await conn.fetchall(sql, parameters)
        found = {
            key: RollupSummary(count, failures, slow, latency_sum, _summed(histograms))
            for key, count, failures, slow, latency_sum, histograms in rows
        }
        if wanted is None:
            return found
        return {key: found.get(key, RollupSummary()) for key in wanted}

    async def watching_since(self, exchange: str) -> datetime | None:
        """When the exchange was first checked: its earliest stored result, rollup or transition.

        None when nothing of it is stored. Raw results are kept 48 h and rollups are whole
        hours: the earliest raw result counts when it falls in the earliest rollup's hour (the
        exact moment), else that hour's start does. Index look-ups only, no scans.
        """
        keys = {"low": f"{exchange}/", "high": f"{exchange}0", "exchange": exchange}
        async with self._db.reading() as conn:
            rows = list(await conn.fetchall(_WATCHING_SINCE, keys))
        hour, raw_ms, transition = rows[0] if rows else (None, None, None)
        first: list[float] = []
        if hour is not None:
            raw = None if raw_ms is None else raw_ms / 1000
            first.append(raw if raw is not None and raw < hour + 3600 else hour)
        if transition is not None:
            first.append(transition)
        return from_unix(min(first)) if first else None

    async def recent_results(self, channel: str, limit: int = 20) -> list[ProbeResult]:
        """A channel's latest raw results, newest first (to refill memory after a restart)."""
        async with self._db.reading() as conn:
            rows = await conn.fetchall(
                "SELECT at_ms, ok, slow, latency_us, error, detail FROM probe_results "
                "WHERE channel_id = (SELECT id FROM channels WHERE key = ?) "
                "ORDER BY at_ms DESC LIMIT ?",
                (channel, limit),
            )
        return [
            ProbeResult(
                channel=channel,
                at=from_unix(at_ms / 1000),
                ok=bool(ok),
                latency_ms=None if latency_us is None else latency_us / 1000,
                error=None if error is None else ErrorKind(error),
                detail=detail,
                slow=bool(slow),
            )
            for at_ms, ok, slow, latency_us, error, detail in rows
        ]

    async def _ensure_channels(self, conn: Conn, keys: set[str]) -> dict[str, int]:
        ids = {key: self._channel_ids[key] for key in keys if key in self._channel_ids}
        missing = sorted(keys - ids.keys())
        if missing:
            await conn.executemany(
                "INSERT INTO channels (key) VALUES (?) ON CONFLICT (key) DO NOTHING",
                ((key,) for key in missing),
            )
            rows = await conn.fetchall(
                f"SELECT key, id FROM channels WHERE key IN ({json_list(conn.dialect)})",
                (json.dumps(missing),),
            )
            ids.update((key, channel_id) for key, channel_id in rows)
        return ids
