"""The dns probe against a local UDP name server: records, NXDOMAIN, no MX, timeouts."""

from __future__ import annotations

import socket
from collections.abc import Awaitable, Callable

import dns.exception
import dns.message
import dns.name
import dns.rcode
import dns.resolver
import dns.rrset
import pytest

from probes import dns as dns_probe
from probes.context import ProbeContext
from probes.result import NETWORK_ERRORS, ErrorKind
from probes.spec import DnsProbe
from tests.probes.conftest import SOA, Zone, target_for


def free_udp_port() -> int:
    """A UDP port with nothing listening (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


ZONE: Zone = {
    "mexc.test.": {
        "A": ["127.0.0.1", "127.0.0.2"],
        "MX": ["20 mx2.mexc.test.", "10 mx1.mexc.test."],
    },
    "www.mexc.test.": {"A": ["127.0.0.1"]},
    "nomail.mexc.test.": {"MX": ["0 ."]},
}

StartDns = Callable[..., Awaitable[int]]


@pytest.fixture
async def dns_ctx(ctx: ProbeContext, dns_server: StartDns) -> ProbeContext:
    port = await dns_server(ZONE, frozenset({"slow.mexc.test."}), frozenset({"lie.mexc.test."}))
    return ProbeContext(session=ctx.session, dns_nameservers=("127.0.0.1",), dns_port=port)


async def test_it_is_up_when_a_records_resolve(dns_ctx: ProbeContext) -> None:
    result = await dns_probe.probe(dns_ctx, target_for(DnsProbe(name="mexc.test")))
    assert (result.ok, result.detail) == (True, "2 A records")
    assert result.extra["records"] == ["127.0.0.1", "127.0.0.2"]


async def test_it_lists_mail_exchanges_by_preference(dns_ctx: ProbeContext) -> None:
    result = await dns_probe.probe(dns_ctx, target_for(DnsProbe(name="mexc.test", record="MX")))
    assert result.ok, result
    assert result.extra["records"] == ["10 mx1.mexc.test.", "20 mx2.mexc.test."]


async def test_it_reports_a_name_without_mx(dns_ctx: ProbeContext) -> None:
    spec = DnsProbe(name="www.mexc.test", record="MX")
    result = await dns_probe.probe(dns_ctx, target_for(spec))
    assert (result.ok, result.error, result.detail) == (False, ErrorKind.DNS, "no MX records")


async def test_it_reports_a_null_mx(dns_ctx: ProbeContext) -> None:
    spec = DnsProbe(name="nomail.mexc.test", record="MX")
    result = await dns_probe.probe(dns_ctx, target_for(spec))
    assert (result.error, result.detail) == (ErrorKind.DNS, "null MX: the domain accepts no mail")


async def test_it_reports_nxdomain(dns_ctx: ProbeContext) -> None:
    result = await dns_probe.probe(dns_ctx, target_for(DnsProbe(name="gone.mexc.test")))
    assert (result.ok, result.error, result.detail) == (False, ErrorKind.DNS, "no such domain")


async def test_a_silent_server_is_our_side_not_the_exchanges(dns_ctx: ProbeContext) -> None:
    spec = DnsProbe(name="slow.mexc.test", timeout_s=0.3)
    result = await dns_probe.probe(dns_ctx, target_for(spec))
    assert (result.error, result.detail) == (ErrorKind.RESOLVER, "DNS timeout after 0.3 s")


async def test_an_nxdomain_without_proof_is_our_side(dns_ctx: ProbeContext) -> None:
    result = await dns_probe.probe(dns_ctx, target_for(DnsProbe(name="lie.mexc.test")))
    assert (result.error, result.detail) == (
        ErrorKind.RESOLVER,
        "name server said no such domain, without proof",
    )


async def test_an_unreachable_name_server_is_our_side(ctx: ProbeContext) -> None:
    nowhere = ProbeContext(
        session=ctx.session, dns_nameservers=("127.0.0.1",), dns_port=free_udp_port()
    )
    result = await dns_probe.probe(nowhere, target_for(DnsProbe(name="mexc.test", timeout_s=1)))
    assert result.error is ErrorKind.RESOLVER, result
    assert result.error in NETWORK_ERRORS


def _answer(rcode: dns.rcode.Rcode, *, soa: bool) -> dns.message.Message:
    query = dns.message.make_query("gone.mexc.test", "A")
    response = dns.message.make_response(query)
    response.set_rcode(rcode)
    if soa:
        response.authority.append(dns.rrset.from_text("test.", 60, "IN", "SOA", SOA))
    return response


def _nxdomain(*, soa: bool) -> dns.resolver.NXDOMAIN:
    name = dns.name.from_text("gone.mexc.test")
    return dns.resolver.NXDOMAIN(qnames=[name], responses={name: _answer(3, soa=soa)})


UNPROVEN_TEXT = "name server said no such domain, without proof"
TIMEOUT_TEXT = "DNS timeout after 2 s"


@pytest.mark.parametrize(
    ("error", "kind", "detail"),
    [
        (_nxdomain(soa=True), ErrorKind.DNS, "no such domain"),
        (_nxdomain(soa=False), ErrorKind.RESOLVER, UNPROVEN_TEXT),
        (dns.resolver.NXDOMAIN(), ErrorKind.RESOLVER, UNPROVEN_TEXT),
        (dns.resolver.NoAnswer(), ErrorKind.DNS, "no MX records"),
        (dns.resolver.LifetimeTimeout(timeout=2.0, errors=[]), ErrorKind.RESOLVER, TIMEOUT_TEXT),
        (dns.exception.Timeout(), ErrorKind.RESOLVER, TIMEOUT_TEXT),
        (dns.resolver.NoNameservers(), ErrorKind.RESOLVER, "no name server answered"),
    ],
)  # fmt: skip
def test_only_a_proven_nxdomain_blames_the_name(
    error: dns.exception.DNSException, kind: ErrorKind, detail: str
) -> None:
    failure = dns_probe.classify_dns_error(error, "MX", 2.0)
    assert (failure.kind, failure.detail) == (kind, detail)
    assert (failure.kind in NETWORK_ERRORS) is (kind is ErrorKind.RESOLVER)


async def test_it_never_asks_about_an_unofficial_name(dns_ctx: ProbeContext) -> None:
    result = await dns_probe.probe(dns_ctx, target_for(DnsProbe(name="evil.example")))
    assert (result.error, result.detail) == (ErrorKind.OTHER, "unofficial host evil.example")
