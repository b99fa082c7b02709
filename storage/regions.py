"""Probe nodes' writes and what the monitor reads of them: regions' results and sightings.

A probe node (`supportlive probe-node`) writes its raw results tagged with its region, and
upserts its latest sighting per channel; it writes no rollups, so the hourly bars and uptime
figures keep counting each check once: those of the process that runs the monitor. The
monitor reads the other regions' recent sightings every few seconds (one indexed range read).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from probes.result import ProbeResult
from storage.engine import insert_rows
from storage.records import SightingRow
from storage.results import ResultStore
from storage.times import from_unix, to_unix

_UPSERT_SIGHTINGS = (
    "INSERT INTO region_sightings (channel, region, at, ok, health, error, detail)",
    "ON CONFLICT (channel, region) DO UPDATE SET at = excluded.at, ok = excluded.ok, "
    "health = excluded.health, error = excluded.error, detail = excluded.detail",
)


class RegionStore(ResultStore):
    """Part of `Store`: what probe nodes write and the monitor reads (channel ids as
    `ResultStore` keeps them)."""

    async def write_region_results(
        self, region: str, results: Sequence[ProbeResult], sightings: Sequence[SightingRow]
    ) -> None:
        """A probe node's batch in ONE transaction: raw rows tagged `region` (no rollups),
        and the latest sighting of each channel it names."""
        if not results and not sightings:
            return
        try:
            async with self._db.transaction() as conn:
                # Joins this transaction: the raw rows and the sightings commit together.
                await self.write_results(results, region=region, rollups=False)
                head, tail = _UPSERT_SIGHTINGS
                await insert_rows(conn, head, [_sighting_row(s) for s in sightings], tail)
        except BaseException:
            self._channel_ids.clear()  # ids the raw rows made may have been rolled back
            raise

    async def region_sightings(self, *, other_than: str, since: datetime) -> list[SightingRow]:
        """Every region's latest sighting of each channel made at or after `since`, except
        `other_than`'s (the reader's own region)."""
        async with self._db.reading() as conn:
            rows = await conn.fetchall(
                "SELECT channel, region, at, ok, health, error, detail FROM region_sightings "
                "WHERE at >= ? AND region <> ?",
                (to_unix(since), other_than),
            )
        return [
            SightingRow(channel, region, from_unix(at), bool(ok), health, error, detail)
            for channel, region, at, ok, health, error, detail in rows
        ]


def _sighting_row(row: SightingRow) -> tuple[object, ...]:
    return (
        row.channel, row.region, to_unix(row.at), int(row.ok), row.health, row.error, row.detail,
    )  # fmt: skip
