"""The `tcp` probe: up when a TCP connection opens within the timeout."""

from __future__ import annotations

import asyncio
import socket
import time

from probes.context import ProbeContext, Target
from probes.dns import NAME_CHECK_S, name_failure
from probes.domains import host_problem
from probes.failure import ProbeFailure, spec_of, timeout_failure
from probes.result import ErrorKind, ProbeResult
from probes.spec import TcpProbe


async def probe(ctx: ProbeContext, target: Target) -> ProbeResult:
    """Check a `tcp` target: connect, then close at once; failures come back as results."""
    spec = spec_of(target, TcpProbe)
    at = ctx.now()
    started = time.perf_counter()
    try:
        await connect(ctx, spec.host, spec.port, target, spec.timeout_s)
    except ProbeFailure as failure:
        return failure.to_result(target, at)
    latency_ms = (time.perf_counter() - started) * 1000.0
    return ProbeResult(
        channel=target.channel,
        at=at,
        ok=True,
        latency_ms=latency_ms,
        detail="connected",
        slow=latency_ms > spec.slow_ms,
    )


async def connect(
    ctx: ProbeContext, host: str, port: int, target: Target, timeout_s: float
) -> None:
    """Open and close a connection to host:port; raises `ProbeFailure` when that fails."""
    problem = host_problem(host, target.official_domains, target.allow_local)
    if problem:
        raise ProbeFailure(ErrorKind.OTHER, problem)
    try:
        with ctx.deadlines.within(timeout_s):
            _reader, writer = await asyncio.open_connection(host, port)
            writer.close()
            await writer.wait_closed()
    except TimeoutError:
        raise timeout_failure(timeout_s) from None
    except socket.gaierror as exc:
        raise await name_failure(ctx, host, min(timeout_s, NAME_CHECK_S)) from exc
    except OSError as exc:
        raise classify_os_error(exc, host, port) from exc


def classify_os_error(exc: OSError, host: str, port: int) -> ProbeFailure:
    """Map a socket error to DNS or connect failures with a short detail."""
    if isinstance(exc, socket.gaierror):
        # Only the resolver's word; the probes ask again (`probes.dns.name_failure`).
        return ProbeFailure(ErrorKind.RESOLVER, f"cannot resolve {host}")
    if isinstance(exc, ConnectionRefusedError):
        return ProbeFailure(ErrorKind.CONNECT, f"connection refused on port {port}")
    reason = exc.strerror or str(exc) or type(exc).__name__
    return ProbeFailure(ErrorKind.CONNECT, f"cannot connect to port {port}: {reason}")
