"""The `tls` probe: the certificate of an https endpoint is trusted, matches, and is not expiring.

Expired, untrusted and mismatched certificates fail the handshake (error kind `tls`). A valid
certificate with fewer than `warn_days` left is up but marked slow (degraded), with
`extra["days_left"]`.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import math
import socket
import ssl
import time
from datetime import UTC, datetime

from probes.context import ProbeContext, Target
from probes.dns import NAME_CHECK_S, name_failure
from probes.domains import host_problem
from probes.failure import ProbeFailure, spec_of, timeout_failure
from probes.result import ErrorKind, ProbeResult
from probes.spec import TlsProbe
from probes.tcp import classify_os_error

CLOSE_WAIT_S = 1.0


async def probe(ctx: ProbeContext, target: Target) -> ProbeResult:
    """Check a `tls` target; handshake failures and expiry come back as results."""
    spec = spec_of(target, TlsProbe)
    at = ctx.now()
    started = time.perf_counter()
    try:
        not_after = await peer_not_after(ctx, target, spec)
        latency_ms = (time.perf_counter() - started) * 1000.0
        return _judge(target, spec, at, not_after, latency_ms)
    except ProbeFailure as failure:
        return failure.to_result(target, at)


def _judge(
    target: Target, spec: TlsProbe, at: datetime, not_after: datetime, latency_ms: float
) -> ProbeResult:
    """The result for a certificate that passed the handshake and ends at not_after."""
    days_left = math.floor((not_after - at).total_seconds() / 86_400)
    if not_after <= at:
        # The handshake trusts the machine clock; the injected clock may be ahead of it.
        detail = f"certificate expired on {not_after:%Y-%m-%d}"
        raise ProbeFailure(ErrorKind.TLS, detail, latency_ms)
    expiring = days_left < spec.warn_days
    detail = f"certificate expires in {days_left} days" if expiring else "certificate valid"
    return ProbeResult(
        channel=target.channel,
        at=at,
        ok=True,
        latency_ms=latency_ms,
        detail=detail,
        slow=expiring or latency_ms > spec.slow_ms,
        extra={"days_left": days_left, "not_after": not_after.isoformat()},
    )


async def peer_not_after(ctx: ProbeContext, target: Target, spec: TlsProbe) -> datetime:
    """Handshake with spec.host and return the end of its certificate's validity."""
    problem = host_problem(spec.host, target.official_domains, target.allow_local)
    if problem:
        raise ProbeFailure(ErrorKind.OTHER, problem)
    context = ctx.ssl_context if ctx.ssl_context is not None else _default_context()
    try:
        with ctx.deadlines.within(spec.timeout_s):
            _reader, writer = await asyncio.open_connection(
                spec.host, spec.port, ssl=context, server_hostname=spec.host
            )
    except TimeoutError:
        raise timeout_failure(spec.timeout_s) from None
    except ssl.SSLCertVerificationError as exc:
        raise ProbeFailure(ErrorKind.TLS, f"certificate rejected: {_verify_reason(exc)}") from exc
    except ssl.SSLError as exc:
        raise ProbeFailure(ErrorKind.TLS, f"TLS handshake failed: {exc.reason or exc}") from exc
    except socket.gaierror as exc:
        raise await name_failure(ctx, spec.host, min(spec.timeout_s, NAME_CHECK_S)) from exc
    except OSError as exc:
        raise classify_os_error(exc, spec.host, spec.port) from exc
    try:
        cert = writer.get_extra_info("peercert") or {}
    finally:
        await _close(writer)
    not_after = cert.get("notAfter")
    if not isinstance(not_after, str):
        raise ProbeFailure(ErrorKind.TLS, "peer sent no certificate end date")
    return datetime.fromtimestamp(ssl.cert_time_to_seconds(not_after), UTC)


async def _close(writer: asyncio.StreamWriter) -> None:
    """Close politely, but never let a peer that ignores close_notify hold the probe."""
    writer.close()
    try:
        async with asyncio.timeout(CLOSE_WAIT_S):
            await writer.wait_closed()
    except TimeoutError:
        writer.transport.abort()
    except OSError:
        # The certificate is already read; a reset during shutdown changes nothing.
        with contextlib.suppress(Exception):
            writer.transport.abort()


def _verify_reason(exc: ssl.SSLCertVerificationError) -> str:
    """OpenSSL's short reason ("certificate has expired", "self-signed certificate")."""
    return str(exc.verify_message or exc.reason or exc)


@functools.cache
def _default_context() -> ssl.SSLContext:
    """The system trust store, loaded once: loading it costs milliseconds per probe."""
    return ssl.create_default_context()
