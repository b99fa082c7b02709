"""Local fakes for probe tests: aiohttp servers, a TLS test CA, a name map, a DNS server.

Nothing here reaches the internet. Host names under `mexc.test` resolve to 127.0.0.1 through
`MapResolver`, so redirects and TLS can use real-looking official names on loopback.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
import subprocess
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import cast

import aiohttp
import dns.message
import dns.rcode
import dns.rrset
import pytest
from aiohttp import web
from aiohttp.abc import AbstractResolver, ResolveResult

from probes.context import AnySpec, ProbeContext, Target, make_session

OFFICIAL = ("mexc.test",)
NAMES = {"mexc.test", "www.mexc.test", "help.mexc.test", "evil.example", "localhost"}

Serve = Callable[..., Awaitable[str]]


def target_for(spec: AnySpec, *, allow_local: bool = True) -> Target:
    """A target for spec on channel `mexc/test` with the test's official domain."""
    return Target("mexc/test", spec, OFFICIAL, allow_local=allow_local)


class MapResolver(AbstractResolver):
    """Resolves the test names to 127.0.0.1 and nothing else (NXDOMAIN for the rest)."""

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        if host not in NAMES and host != "127.0.0.1":
            raise OSError(socket.EAI_NONAME, "Name or service not known")
        return [
            ResolveResult(
                hostname=host,
                host="127.0.0.1",
                port=port,
                family=socket.AF_INET,
                proto=0,
                flags=socket.AI_NUMERICHOST,
            )
        ]

    async def close(self) -> None:
        return None


@dataclass(frozen=True)
class Certs:
    """PEM files made by the openssl CLI for one test session."""

    ca: Path
    valid: tuple[Path, Path]
    expiring: tuple[Path, Path]
    expired: tuple[Path, Path]
    mismatch: tuple[Path, Path]
    self_signed: tuple[Path, Path]

    def client_context(self) -> ssl.SSLContext:
        """A client context that trusts only the test CA."""
        return ssl.create_default_context(cafile=str(self.ca))

    @staticmethod
    def server_context(pair: tuple[Path, Path]) -> ssl.SSLContext:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(str(pair[0]), str(pair[1]))
        return context


def _openssl(*args: str) -> None:
    subprocess.run(["openssl", *args], check=True, capture_output=True)


def _leaf(folder: Path, name: str, days: int, san: str, ca: tuple[Path, Path]) -> tuple[Path, Path]:
    key, csr, pem, ext = (folder / f"{name}.{s}" for s in ("key", "csr", "pem", "ext"))
    ext.write_text(f"subjectAltName={san}\n")
    ec = ("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes")
    _openssl("req", *ec, "-keyout", str(key), "-out", str(csr), "-subj", f"/CN={name}")
    _openssl(
        "x509", "-req", "-in", str(csr), "-CA", str(ca[0]), "-CAkey", str(ca[1]),
        "-set_serial", str(abs(hash(name)) % 10**9), "-days", str(days),
        "-extfile", str(ext), "-out", str(pem),
    )  # fmt: skip
    return pem, key


def _self_signed(folder: Path, name: str, cn: str, days: int) -> tuple[Path, Path]:
    key, pem = folder / f"{name}.key", folder / f"{name}.pem"
    ec = ("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes")
    _openssl(
        "req", "-x509", *ec, "-keyout", str(key), "-out", str(pem), "-days", str(days),
        "-subj", f"/CN={cn}", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
    )  # fmt: skip
    return pem, key


@pytest.fixture(scope="session")
def certs(tmp_path_factory: pytest.TempPathFactory) -> Certs:
    """A test CA and leaves: valid, expiring in 5 days, expired, wrong name, self-signed."""
    folder = tmp_path_factory.mktemp("certs")
    ca = _self_signed(folder, "ca", "supportlive test CA", 30)
    local = "DNS:localhost,IP:127.0.0.1,DNS:mexc.test,DNS:*.mexc.test"
    return Certs(
        ca=ca[0],
        valid=_leaf(folder, "valid", 90, local, ca),
        expiring=_leaf(folder, "expiring", 5, local, ca),
        expired=_leaf(folder, "expired", -1, local, ca),
        mismatch=_leaf(folder, "mismatch", 90, "DNS:other.example", ca),
        self_signed=_self_signed(folder, "self", "localhost", 90),
    )


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    """The shared probe session, resolving test names to loopback."""
    client = make_session(resolver=MapResolver())
    yield client
    await client.close()


@pytest.fixture
async def ctx(
    session: aiohttp.ClientSession, certs: Certs, dns_server: Callable[..., Awaitable[int]]
) -> ProbeContext:
    """A probe context trusting the test CA, asking a local name server (never the system's)."""
    port = await dns_server(NAME_ZONE, unproven=UNPROVEN)
    return ProbeContext(
        session=session,
        ssl_context=certs.client_context(),
        dns_nameservers=("127.0.0.1",),
        dns_port=port,
    )


@pytest.fixture
async def serve() -> AsyncIterator[Serve]:
    """Start an aiohttp app on 127.0.0.1; returns its base URL. Stopped after the test."""
    runners: list[web.AppRunner] = []

    async def start(app: web.Application, ssl_context: ssl.SSLContext | None = None) -> str:
        # handler_cancellation: a hanging handler ends when the client goes away.
        runner = web.AppRunner(app, shutdown_timeout=0.2, handler_cancellation=True)
        await runner.setup()
        runners.append(runner)
        site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=ssl_context)
        await site.start()
        port = runner.addresses[0][1]
        scheme = "https" if ssl_context else "http"
        return f"{scheme}://127.0.0.1:{port}"

    yield start
    for runner in runners:
        await runner.cleanup()


def free_port() -> int:
    """A port with nothing listening (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


Zone = dict[str, dict[str, list[str]]]
SOA = "ns.test. admin.test. 1 3600 600 86400 60"
# What the probes' own second look at a name sees: the test names, and bare NXDOMAINs for
# `nowhere.mexc.test` (as from a resolver without internet).
NAME_ZONE: Zone = {f"{name}.": {"A": ["127.0.0.1"]} for name in NAMES}
UNPROVEN = frozenset({"nowhere.mexc.test."})


class DnsServer(asyncio.DatagramProtocol):
    """A tiny authoritative UDP server: names in the zone answer, others get NXDOMAIN.

    A real NXDOMAIN carries the zone's SOA (the proof); names in `unproven` get a bare one,
    as from a resolver that cannot reach the internet. Names in `silent` get no reply at all
    (for timeouts).
    """

    def __init__(
        self,
        zone: Zone,
        silent: frozenset[str] = frozenset(),
        unproven: frozenset[str] = frozenset(),
    ) -> None:
        self.zone = zone
        self.silent = silent
        self.unproven = unproven
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.DatagramTransport, transport)

    def datagram_received(self, data: bytes, addr: tuple[str | int, ...]) -> None:
        request = dns.message.from_wire(data)
        question = request.question[0]
        name = question.name.to_text()
        if name in self.silent or self.transport is None:
            return
        response = dns.message.make_response(request)
        records = self.zone.get(name)
        if records is None:
            response.set_rcode(dns.rcode.NXDOMAIN)
            if name not in self.unproven:
                response.authority.append(dns.rrset.from_text("test.", 60, "IN", "SOA", SOA))
        else:
            rdtype = dns.rdatatype.to_text(question.rdtype)
            texts = records.get(rdtype, [])
            if texts:
                response.answer.append(dns.rrset.from_text_list(name, 60, "IN", rdtype, texts))
        self.transport.sendto(response.to_wire(), addr)


@pytest.fixture
async def dns_server() -> AsyncIterator[Callable[..., Awaitable[int]]]:
    """Start a DnsServer on 127.0.0.1; returns its port."""
    transports: list[asyncio.DatagramTransport] = []

    async def start(
        zone: Zone, silent: frozenset[str] = frozenset(), unproven: frozenset[str] = frozenset()
    ) -> int:
        loop = asyncio.get_running_loop()
        transport, _ = await loop.create_datagram_endpoint(
            lambda: DnsServer(zone, silent, unproven), local_addr=("127.0.0.1", 0)
        )
        transports.append(transport)
        port: int = transport.get_extra_info("sockname")[1]
        return port

    yield start
    for transport in transports:
        transport.close()
