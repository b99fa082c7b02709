"""The `dns` probe: up when the name has records of the asked type (MX for e-mail channels)."""

from __future__ import annotations

import functools
import time

import dns.asyncresolver
import dns.exception
import dns.rdtypes.ANY.MX
import dns.resolver

from probes.context import ProbeContext, Target
from probes.domains import host_problem
from probes.failure import ProbeFailure, spec_of, timeout_failure
from probes.result import ErrorKind, ProbeResult
from probes.spec import DnsProbe

MAX_RECORDS_KEPT = 10


async def probe(ctx: ProbeContext, target: Target) -> ProbeResult:
    """Check a `dns` target; NXDOMAIN, no records and timeouts come back as results."""
    spec = spec_of(target, DnsProbe)
    at = ctx.now()
    started = time.perf_counter()
    try:
        records = await lookup(ctx, target, spec)
    except ProbeFailure as failure:
        return failure.to_result(target, at)
    latency_ms = (time.perf_counter() - started) * 1000.0
    return ProbeResult(
        channel=target.channel,
        at=at,
        ok=True,
        latency_ms=latency_ms,
        detail=f"{len(records)} {spec.record} record{'s' if len(records) != 1 else ''}",
        slow=latency_ms > spec.slow_ms,
        extra={"records": records[:MAX_RECORDS_KEPT]},
    )


async def lookup(ctx: ProbeContext, target: Target, spec: DnsProbe) -> list[str]:
    """The sorted records of spec.name; raises `ProbeFailure` when there are none."""
    problem = host_problem(spec.name, target.official_domains, target.allow_local)
    if problem:
        raise ProbeFailure(ErrorKind.OTHER, problem)
    try:
        resolver = _resolver(ctx.dns_nameservers, ctx.dns_port)
        answer = await resolver.resolve(
            spec.name, spec.record, lifetime=spec.timeout_s, search=False
        )
    except dns.resolver.NXDOMAIN:
        raise ProbeFailure(ErrorKind.DNS, "no such domain") from None
    except dns.resolver.NoAnswer:
        raise ProbeFailure(ErrorKind.DNS, f"no {spec.record} records") from None
    except dns.resolver.LifetimeTimeout:
        raise timeout_failure(spec.timeout_s) from None
    except dns.resolver.NoNameservers:
        raise ProbeFailure(ErrorKind.DNS, "no name server answered") from None
    except dns.exception.DNSException as exc:
        raise ProbeFailure(ErrorKind.DNS, f"lookup failed: {exc}") from None
    if spec.record == "MX":
        return _mail_exchanges(answer)
    return sorted(rdata.to_text() for rdata in answer)


def _mail_exchanges(answer: dns.resolver.Answer) -> list[str]:
    """MX hosts by preference; a null MX (RFC 7505) means the domain takes no mail."""
    records = sorted(
        (rdata.preference, rdata.exchange.to_text())
        for rdata in answer
        if isinstance(rdata, dns.rdtypes.ANY.MX.MX)
    )
    if not records or all(host == "." for _, host in records):
        raise ProbeFailure(ErrorKind.DNS, "null MX: the domain accepts no mail")
    return [f"{preference} {host}" for preference, host in records]


@functools.lru_cache(maxsize=8)
def _resolver(nameservers: tuple[str, ...], port: int) -> dns.asyncresolver.Resolver:
    """One resolver per configuration: reading resolv.conf on every probe would be waste.

    Resolvers hold no loop state, so one may serve every loop the process runs.
    """
    if not nameservers:
        return dns.asyncresolver.Resolver()
    resolver = dns.asyncresolver.Resolver(configure=False)
    resolver.nameservers = list(nameservers)
    resolver.port = port
    return resolver
