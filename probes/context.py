"""What every probe needs: the shared HTTP session, a clock, and the target it checks.

The main function makes one `ProbeContext` at start (one `aiohttp.ClientSession` for all
probes) and closes the session at stop. Probes never make sessions of their own.
"""

from __future__ import annotations

import ssl
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import aiohttp

from probes.deadline import Deadlines
from probes.spec import DnsProbe, HttpProbe, StatuspageProbe, TcpProbe, TlsProbe

USER_AGENT = "supportlive/0.1 (+status monitor)"
MAX_BODY_BYTES = 64 * 1024
# A status page summary lists every component; big pages (hundreds of per-coin components)
# are well over 64 KiB, so JSON gets its own, still bounded, cap.
MAX_JSON_BYTES = 2 * 1024 * 1024

AnySpec = HttpProbe | TcpProbe | DnsProbe | TlsProbe | StatuspageProbe


def user_agent_for(region: str) -> str:
    """The User-Agent of a process probing from `region` (PROBE_REGION): an exchange reading
    its logs, or a test's fake site, can tell the regions apart."""
    return f"{USER_AGENT[:-1]}; region {region})"


def utc_now() -> datetime:
    """The current time, timezone-aware (UTC)."""
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class Target:
    """One probed channel: its key, its probe settings and the domains it may lead to.

    `allow_local` lets tests and benchmarks probe loopback hosts over plain http.
    """

    channel: str
    spec: AnySpec
    official_domains: tuple[str, ...]
    allow_local: bool = False


@dataclass(frozen=True, slots=True)
class ProbeContext:
    """Shared resources for probes; built once at start and passed to every probe.

    `dns_nameservers` empty means the system resolver configuration; `dns_port` exists so tests
    can point probes at a local DNS server. `ssl_context` replaces the default trust store
    (tests trust their own CA with it). `deadlines` holds the checks' time limits on shared
    timers (`probes.deadline`).
    """

    session: aiohttp.ClientSession
    now: Callable[[], datetime] = utc_now
    user_agent: str = USER_AGENT
    dns_nameservers: tuple[str, ...] = ()
    dns_port: int = 53
    max_body_bytes: int = MAX_BODY_BYTES
    max_json_bytes: int = MAX_JSON_BYTES
    ssl_context: ssl.SSLContext | None = None
    deadlines: Deadlines = field(default_factory=Deadlines)


def make_session(
    *,
    user_agent: str = USER_AGENT,
    limit: int = 256,
    limit_per_host: int = 16,
    fresh_connections: bool = False,
    ssl_context: ssl.SSLContext | None = None,
    resolver: aiohttp.abc.AbstractResolver | None = None,
) -> aiohttp.ClientSession:
    """Make the one session all probes share; the caller closes it at stop.

    `fresh_connections` closes each connection after its request, so every probe measures a
    full connect (the benchmark compares both ways). Must be called inside a running loop.
    """
    connector = aiohttp.TCPConnector(
        limit=limit,
        # A few hosts carry many channels; a per-host bound keeps one slow site from taking
        # every connection.
        limit_per_host=limit_per_host,
        force_close=fresh_connections,
        ttl_dns_cache=300,
        ssl=ssl_context if ssl_context is not None else True,
        resolver=resolver,
    )
    return aiohttp.ClientSession(
        connector=connector,
        headers={"User-Agent": user_agent},
        # Probes must see what a fresh visitor sees: no cookies kept, no proxy from the
        # environment, no exceptions for HTTP errors (a 503 is a result).
        cookie_jar=aiohttp.DummyCookieJar(),
        trust_env=False,
        raise_for_status=False,
        timeout=aiohttp.ClientTimeout(total=None),
    )
