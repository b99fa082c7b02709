"""The `dns` probe: up when the name has records of the asked type (MX for e-mail channels)."""

from __future__ import annotations

import functools
import time

import dns.asyncresolver
import dns.exception
import dns.rdatatype
import dns.rdtypes.ANY.MX
import dns.resolver

from probes.context import ProbeContext, Target
from probes.domains import host_problem
from probes.failure import ProbeFailure, seconds_text, spec_of
from probes.result import ErrorKind, ProbeResult
from probes.spec import DnsProbe

MAX_RECORDS_KEPT = 10
# The most a second look at a name the system resolver could not resolve may take.
NAME_CHECK_S = 3.0


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
    except dns.exception.DNSException as exc:
        raise classify_dns_error(exc, spec.record, spec.timeout_s) from None
    if spec.record == "MX":
        return _mail_exchanges(answer)
    return sorted(rdata.to_text() for rdata in answer)


def classify_dns_error(
    exc: dns.exception.DNSException, record: str, timeout_s: float
) -> ProbeFailure:
    """Whose side a failed lookup is on: the name's (`dns`) or our resolver's (`resolver`).

    "No such domain" only for a proven NXDOMAIN: the answer carries the zone's SOA, as every
    real name server's negative answer does (RFC 2308). A bare NXDOMAIN comes from a resolver
    that cannot reach the internet (or rewrites answers), as do timeouts and silent servers:
    those say nothing about the exchange.
    """
    if isinstance(exc, dns.resolver.NXDOMAIN):
        if _proven(exc):
            return ProbeFailure(ErrorKind.DNS, "no such domain")
        return ProbeFailure(ErrorKind.RESOLVER, "name server said no such domain, without proof")
    if isinstance(exc, dns.resolver.NoAnswer):
        return ProbeFailure(ErrorKind.DNS, f"no {record} records")
    if isinstance(exc, dns.resolver.LifetimeTimeout | dns.exception.Timeout):
        return ProbeFailure(ErrorKind.RESOLVER, f"DNS timeout after {seconds_text(timeout_s)}")
    if isinstance(exc, dns.resolver.NoNameservers):
        return ProbeFailure(ErrorKind.RESOLVER, "no name server answered")
    return ProbeFailure(ErrorKind.RESOLVER, f"lookup failed: {exc}")


def _proven(exc: dns.resolver.NXDOMAIN) -> bool:
    """True when a response behind the NXDOMAIN carries an SOA record in its authority."""
    try:
        responses = exc.responses()  # type: ignore[no-untyped-call]
    except (KeyError, TypeError):  # an NXDOMAIN made without responses
        return False
    return any(
        rrset.rdtype == dns.rdatatype.SOA
        for response in responses.values()
        for rrset in response.authority
    )


async def name_failure(ctx: ProbeContext, host: str, timeout_s: float) -> ProbeFailure:
    """Why the system resolver could not resolve host, asked again where we can see the answer.

    The HTTP client's resolver says only "name not known"; on a machine whose resolver
    answers NXDOMAIN for everything (no internet) that would wrongly blame the exchange.
    """
    try:
        resolver = _resolver(ctx.dns_nameservers, ctx.dns_port)
        await resolver.resolve(host, "A", lifetime=timeout_s, search=False)
    except dns.exception.DNSException as exc:
        failure = classify_dns_error(exc, "A", timeout_s)
        if failure.kind is ErrorKind.DNS:
            return ProbeFailure(ErrorKind.DNS, f"no such domain: {host}")
        return ProbeFailure(ErrorKind.RESOLVER, f"cannot resolve {host}: {failure.detail}")
    # Resolvable now: the first lookup failed on our side (a flaky resolver, a full cache).
    return ProbeFailure(ErrorKind.RESOLVER, f"cannot resolve {host}: lookup failed")


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
