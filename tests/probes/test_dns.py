"""The dns probe against a local UDP name server: records, NXDOMAIN, no MX, timeouts."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest

from probes import dns as dns_probe
from probes.context import ProbeContext
from probes.result import ErrorKind
from probes.spec import DnsProbe
from tests.probes.conftest import Zone, target_for

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
    port = await dns_server(ZONE, frozenset({"slow.mexc.test."}))
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


async def test_it_times_out_on_a_silent_server(dns_ctx: ProbeContext) -> None:
    spec = DnsProbe(name="slow.mexc.test", timeout_s=0.3)
    result = await dns_probe.probe(dns_ctx, target_for(spec))
    assert (result.error, result.detail) == (ErrorKind.TIMEOUT, "timeout after 0.3 s")


async def test_it_never_asks_about_an_unofficial_name(dns_ctx: ProbeContext) -> None:
    result = await dns_probe.probe(dns_ctx, target_for(DnsProbe(name="evil.example")))
    assert (result.error, result.detail) == (ErrorKind.OTHER, "unofficial host evil.example")
