"""What probe nodes write (raw results tagged with their region, latest sightings) and what
the monitor reads back (the other regions' recent sightings)."""

from __future__ import annotations

from datetime import timedelta

from probes.result import ErrorKind, ProbeResult
from storage import Store
from storage.records import SightingRow

from .conftest import NOW


def sighting(channel: str, region: str, seconds_ago: float, ok: bool = True) -> SightingRow:
    at = NOW - timedelta(seconds=seconds_ago)
    if ok:
        return SightingRow(channel, region, at, True, "up")
    return SightingRow(channel, region, at, False, "down", "http_status", "HTTP 503")


async def test_a_probe_nodes_results_are_tagged_with_its_region_and_make_no_rollups(
    store: Store,
) -> None:
    results = [
        ProbeResult("mexc/live_chat", NOW, True, 120.0),
        ProbeResult("mexc/live_chat", NOW, False, None, ErrorKind.TIMEOUT, "timeout after 10 s"),
    ]
    await store.write_region_results("eu-west", results, [])
    async with store.db.reading() as conn:
        raw = list(await conn.fetchall("SELECT ok, error, region FROM probe_results"))
        rollups = list(await conn.fetchall("SELECT count(*) FROM rollups"))
    assert sorted(raw, key=str) == sorted(
        [(1, None, "eu-west"), (0, "timeout", "eu-west")], key=str
    )
    assert rollups == [(0,)]
    summary = await store.rollup_summary("mexc/live_chat", NOW - timedelta(hours=1), NOW)
    assert summary.count == 0  # uptime counts each check once: the monitor's region's


async def test_the_monitors_results_carry_its_region_and_count_in_the_rollups(
    store: Store,
) -> None:
    await store.write_results([ProbeResult("mexc/live_chat", NOW, True, 120.0)], region="main")
    async with store.db.reading() as conn:
        raw = list(await conn.fetchall("SELECT region FROM probe_results"))
    summary = await store.rollup_summary("mexc/live_chat", NOW, NOW + timedelta(hours=1))
    assert raw == [("main",)]
    assert summary.count == 1


async def test_the_latest_sighting_per_channel_and_region_replaces_the_one_before(
    store: Store,
) -> None:
    await store.write_region_results("b", [], [sighting("mexc/live_chat", "b", 20)])
    await store.write_region_results(
        "b", [], [sighting("mexc/live_chat", "b", 5, ok=False), sighting("mexc/help", "b", 5)]
    )
    found = await store.region_sightings(other_than="a", since=NOW - timedelta(seconds=60))
    assert sorted(found, key=lambda s: s.channel) == [
        sighting("mexc/help", "b", 5),
        sighting("mexc/live_chat", "b", 5, ok=False),
    ]


async def test_the_monitor_reads_only_the_other_regions_recent_sightings(store: Store) -> None:
    await store.write_region_results("a", [], [sighting("mexc/live_chat", "a", 1)])
    await store.write_region_results("b", [], [sighting("mexc/live_chat", "b", 1)])
    await store.write_region_results("c", [], [sighting("mexc/live_chat", "c", 600)])
    found = await store.region_sightings(other_than="a", since=NOW - timedelta(seconds=60))
    assert [s.region for s in found] == ["b"]
