"""Text a remote side writes is stored bounded: every row gets at most MAX_TEXT_CHARS of it."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web

from bot.alerts.record import record_upstream, transition_sink
from bot.catalog.load import check_data
from bot.clock import SystemClock
from bot.monitor import Monitor, targets_of
from bot.verdict import Upstream
from probes.context import ProbeContext, make_session
from probes.registry import run_probe
from probes.result import MAX_TEXT_CHARS
from storage import open_database
from storage.store import Store


def summary() -> dict[str, object]:
    """A status page in major outage whose texts are huge (1.4 MB, within the 2 MiB cap)."""
    return {
        "status": {"indicator": "major", "description": "d" * 500_000},
        "components": [{"name": "c" * 300_000, "status": "major_outage"}],
        "incidents": [{"name": "i" * 300_000, "status": "s" * 300_000, "impact": "major"}],
    }


def catalog_data(page: str, site: str) -> dict[str, object]:
    return {
        "exchanges": [
            {
                "id": "loopex",
                "name": "Loopex",
                "official_domains": ["loopex.test"],
                "status_page": page,
                "channels": [
                    {
                        "id": "status_page",
                        "kind": "status_page",
                        "mode": "broadcast",
                        "name": "Status page",
                        "url": page,
                        "probe": {"kind": "statuspage", "url": page},
                    },
                    {
                        "id": "help_center",
                        "kind": "help_center",
                        "mode": "self_service",
                        "name": "Help center",
                        "url": site,
                        "probe": {"kind": "http", "url": site},
                    },
                ],
            }
        ]
    }


async def garbage(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """A server whose chunked body is 15 KB of garbage (aiohttp's error quotes all of it)."""
    await reader.readuntil(b"\r\n\r\n")
    writer.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + b"G" * 15_000)
    await writer.drain()
    writer.close()


@pytest.fixture
async def servers() -> AsyncIterator[tuple[str, str]]:
    """Base URLs of a status page with huge texts and a site answering garbage."""

    async def page(_: web.Request) -> web.Response:
        return web.json_response(summary())

    app = web.Application()
    app.router.add_get("/api/v2/summary.json", page)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    broken = await asyncio.start_server(garbage, "127.0.0.1", 0)
    broken_port = broken.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}", f"http://127.0.0.1:{broken_port}/"
    finally:
        broken.close()
        await runner.cleanup()


async def test_huge_remote_texts_are_stored_bounded_in_every_row(
    servers: tuple[str, str], tmp_path: Path
) -> None:
    page, site = servers
    catalog = check_data(Path("t.yaml"), catalog_data(page, site), allow_local=True)
    path = tmp_path / "bounded.sqlite3"
    db = await open_database(path)
    store = Store(db)
    await store.subscribe("telegram", 1, "loopex", None, "en")
    clock = SystemClock()
    monitor = Monitor(catalog, store, clock)
    monitor.on_transition = transition_sink(store, catalog, monitor, clock.now)

    async def upstream_changed(exchange_id: str, upstream: Upstream) -> None:
        await record_upstream(store, catalog, exchange_id, upstream, clock.now())

    monitor.on_upstream = upstream_changed
    async with make_session() as session:
        ctx = ProbeContext(session=session)
        for _ in range(3):  # three failures: both channels go down, alerts are queued
            for target in targets_of(catalog, allow_local=True):
                monitor.on_result(await run_probe(ctx, target))
            await monitor.flush()
    await db.close()

    with sqlite3.connect(path) as conn:
        details = [row[0] for row in conn.execute("SELECT detail FROM probe_results")]
        transitions = [row[0] for row in conn.execute("SELECT detail FROM transitions")]
        incidents = [row[0] for row in conn.execute("SELECT name FROM upstream_incidents")]
        states = [json.loads(row[0]) for row in conn.execute("SELECT state FROM health_state")]
        payloads = [row[0] for row in conn.execute("SELECT payload FROM outbox")]
    assert len(details) == 6 and len(transitions) == 2 and len(incidents) == 1
    for text in details + transitions + incidents + [s["last_detail"] for s in states]:
        assert 0 < len(text) <= MAX_TEXT_CHARS
    assert max(len(p) for p in payloads) < 4 * MAX_TEXT_CHARS
    assert "bad HTTP response: Invalid character in chunk size" in details


async def test_a_result_with_short_texts_passes_unchanged() -> None:
    from datetime import UTC, datetime

    from probes.result import ProbeResult, bounded

    result = ProbeResult("a/b", datetime.now(UTC), True, 5.0, detail="HTTP 200", extra={"x": [1]})
    assert bounded(result) is result
