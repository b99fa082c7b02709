"""The tcp probe: up when it connects; refusals and unofficial hosts are results."""

from __future__ import annotations

import asyncio

from probes import tcp
from probes.context import ProbeContext
from probes.result import ErrorKind
from probes.spec import TcpProbe
from tests.probes.conftest import free_port, target_for


async def test_it_is_up_when_it_connects(ctx: ProbeContext) -> None:
    server = await asyncio.start_server(lambda _r, w: w.close(), "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server:
        result = await tcp.probe(ctx, target_for(TcpProbe(host="127.0.0.1", port=port)))
    assert (result.ok, result.detail) == (True, "connected")
    assert result.latency_ms is not None


async def test_it_reports_a_refused_connection(ctx: ProbeContext) -> None:
    port = free_port()
    result = await tcp.probe(ctx, target_for(TcpProbe(host="127.0.0.1", port=port)))
    assert (result.ok, result.error) == (False, ErrorKind.CONNECT)
    assert result.detail == f"connection refused on port {port}"


async def test_it_never_contacts_an_unofficial_host(ctx: ProbeContext) -> None:
    result = await tcp.probe(ctx, target_for(TcpProbe(host="evil.example", port=443)))
    assert (result.error, result.detail) == (ErrorKind.OTHER, "unofficial host evil.example")


async def test_it_refuses_loopback_unless_allowed(ctx: ProbeContext) -> None:
    spec = TcpProbe(host="127.0.0.1", port=free_port())
    result = await tcp.probe(ctx, target_for(spec, allow_local=False))
    assert (result.error, result.detail) == (ErrorKind.OTHER, "unofficial host 127.0.0.1")
