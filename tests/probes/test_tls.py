"""The tls probe against local TLS servers with certificates from a test CA."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from pathlib import Path

import pytest

from probes import tls
from probes.context import ProbeContext
from probes.result import ErrorKind, ProbeResult
from probes.spec import TlsProbe
from tests.probes.conftest import Certs, free_port, target_for

StartTls = Callable[[tuple[Path, Path]], Awaitable[int]]


@pytest.fixture
async def tls_server() -> AsyncIterator[StartTls]:
    """Start a TLS server on 127.0.0.1 with a cert/key pair; returns its port."""
    servers: list[asyncio.Server] = []

    async def start(pair: tuple[Path, Path]) -> int:
        server = await asyncio.start_server(
            lambda _r, w: w.close(), "127.0.0.1", 0, ssl=Certs.server_context(pair)
        )
        servers.append(server)
        port: int = server.sockets[0].getsockname()[1]
        return port

    yield start
    for server in servers:
        server.close()
        await server.wait_closed()


async def _probe(ctx: ProbeContext, port: int, host: str = "127.0.0.1") -> ProbeResult:
    return await tls.probe(ctx, target_for(TlsProbe(host=host, port=port, warn_days=14)))


async def test_it_is_up_with_a_valid_certificate(
    ctx: ProbeContext, certs: Certs, tls_server: StartTls
) -> None:
    result = await _probe(ctx, await tls_server(certs.valid))
    assert (result.ok, result.slow, result.detail) == (True, False, "certificate valid")
    assert result.extra["days_left"] in (89, 90)


async def test_it_is_degraded_when_the_certificate_expires_soon(
    ctx: ProbeContext, certs: Certs, tls_server: StartTls
) -> None:
    result = await _probe(ctx, await tls_server(certs.expiring))
    assert (result.ok, result.slow) == (True, True)
    assert result.extra["days_left"] in (4, 5)
    assert result.detail == f"certificate expires in {result.extra['days_left']} days"


async def test_it_rejects_an_expired_certificate(
    ctx: ProbeContext, certs: Certs, tls_server: StartTls
) -> None:
    result = await _probe(ctx, await tls_server(certs.expired))
    assert (result.ok, result.error) == (False, ErrorKind.TLS)
    assert result.detail == "certificate rejected: certificate has expired"


async def test_it_rejects_a_self_signed_certificate(
    ctx: ProbeContext, certs: Certs, tls_server: StartTls
) -> None:
    result = await _probe(ctx, await tls_server(certs.self_signed))
    assert (result.error, result.detail) == (
        ErrorKind.TLS,
        "certificate rejected: self-signed certificate",
    )


async def test_it_rejects_a_certificate_for_another_name(
    ctx: ProbeContext, certs: Certs, tls_server: StartTls
) -> None:
    result = await _probe(ctx, await tls_server(certs.mismatch), host="localhost")
    assert result.error is ErrorKind.TLS
    assert "mismatch" in result.detail and "localhost" in result.detail


async def test_it_judges_expiry_by_the_injected_clock(
    ctx: ProbeContext, certs: Certs, tls_server: StartTls
) -> None:
    later = ctx.now() + timedelta(days=100)
    shifted = ProbeContext(session=ctx.session, ssl_context=ctx.ssl_context, now=lambda: later)
    result = await _probe(shifted, await tls_server(certs.valid))
    assert (result.ok, result.error) == (False, ErrorKind.TLS)
    assert result.detail.startswith("certificate expired on ")


async def test_it_reports_a_refused_connection(ctx: ProbeContext) -> None:
    port = free_port()
    result = await _probe(ctx, port)
    assert (result.error, result.detail) == (
        ErrorKind.CONNECT,
        f"connection refused on port {port}",
    )


async def test_it_uses_the_system_trust_store_by_default(
    ctx: ProbeContext, certs: Certs, tls_server: StartTls
) -> None:
    system = ProbeContext(session=ctx.session)
    result = await _probe(system, await tls_server(certs.valid))
    assert result.error is ErrorKind.TLS  # the test CA is not in the system store
