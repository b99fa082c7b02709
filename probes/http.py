"""The `http` probe: GET (or HEAD) a page; up when the status is expected and the keyword shows.

`fetch` is shared with the status page probe: redirects are followed by hand, only within the
official domains, and the body read stops at a cap, so a look-alike host or an endless body
can neither fool nor stall a probe.
"""

from __future__ import annotations

import ssl
import time
from collections.abc import Mapping
from email.message import Message
from functools import lru_cache
from types import MappingProxyType
from typing import NamedTuple
from urllib.parse import urljoin

import aiohttp
from aiohttp import hdrs
from yarl import URL

from probes.context import ProbeContext, Target
from probes.dns import NAME_CHECK_S, name_failure
from probes.domains import url_problem
from probes.failure import ProbeFailure, spec_of, timeout_failure
from probes.result import ErrorKind, ProbeResult
from probes.spec import HttpProbe

MAX_REDIRECTS = 5
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})


class Fetched(NamedTuple):
    """A final (non-redirect) response: status, capped body and where it came from.

    A tuple rather than a frozen dataclass: one is made for every check, and a tuple is the
    cheapest immutable record to build."""

    status: int
    body: bytes
    truncated: bool
    url: str
    content_type: str | None  # the header as sent; parsed only when the text is needed
    latency_ms: float
    retry_after: str | None = None  # the Retry-After header of a 429 or 503, for APIs

    @property
    def charset(self) -> str | None:
        """The charset the Content-Type header declares, if any."""
        if not self.content_type:
            return None
        header = Message()
        header["Content-Type"] = self.content_type
        return header.get_content_charset()

    def text(self) -> str:
        """The body as text in its declared charset (UTF-8 if none or unknown)."""
        try:
            return self.body.decode(self.charset or "utf-8", errors="replace")
        except LookupError:
            return self.body.decode("utf-8", errors="replace")


async def probe(ctx: ProbeContext, target: Target) -> ProbeResult:
    """Check an `http` target; every failure comes back as a result with its error kind."""
    spec = spec_of(target, HttpProbe)
    at = ctx.now()
    try:
        fetched = await fetch(
            ctx,
            target,
            spec.url,
            method=spec.method,
            max_bytes=ctx.max_body_bytes,
            timeout_s=spec.timeout_s,
            follow_redirects=spec.follow_redirects,
        )
        _check(spec, fetched, ctx.max_body_bytes)
    except ProbeFailure as failure:
        return failure.to_result(target, at)
    detail, extra = _success_facts(fetched.status)
    if fetched.url != spec.url:
        extra = {"status": fetched.status, "url": fetched.url}
    return ProbeResult(
        channel=target.channel,
        at=at,
        ok=True,
        latency_ms=fetched.latency_ms,
        detail=detail,
        slow=fetched.latency_ms > spec.slow_ms,
        extra=extra,
    )


@lru_cache(maxsize=64)
def _success_facts(status: int) -> tuple[str, Mapping[str, object]]:
    """The detail and extra of a success with `status`, made once per status and shared by
    its results: a result waits in memory until its batch is written, and thousands of them
    each holding its own copy of the same text and dict cost the pipeline measurably."""
    return f"HTTP {status}", MappingProxyType({"status": status})


def _check(spec: HttpProbe, fetched: Fetched, max_bytes: int) -> None:
    """Raise the failure when the status is unexpected or the keyword is missing."""
    if fetched.status not in spec.expect_status:
        raise ProbeFailure(ErrorKind.HTTP_STATUS, f"HTTP {fetched.status}", fetched.latency_ms)
    # Case-insensitive: pages change the case of headings more often than their words.
    if spec.keyword and spec.keyword.casefold() not in fetched.text().casefold():
        where = f"the first {max_bytes // 1024} KiB" if fetched.truncated else "the page"
        detail = f"keyword {spec.keyword!r} not in {where}"
        raise ProbeFailure(ErrorKind.KEYWORD, detail, fetched.latency_ms)


async def fetch(
    ctx: ProbeContext,
    target: Target,
    url: str,
    *,
    method: str = "GET",
    max_bytes: int,
    timeout_s: float,
    follow_redirects: bool = True,
) -> Fetched:
    """Fetch url within timeout_s, following redirects within official domains only
    (none at all when `follow_redirects` is False: the redirect is then the answer).

    Raises `ProbeFailure` for every failure: timeout, DNS, connect, TLS, off-domain redirect,
    too many redirects, broken responses. Never reads more than max_bytes of a body.

    The timeout is one deadline for the whole fetch, redirects and body read included, on
    the shared timers of `ctx.deadlines` (`probes.deadline`): aiohttp's own per-request timer
    cost a keep-alive check several microseconds more (see there).
    """
    started = time.perf_counter()
    problem = url_problem(url, target.official_domains, target.allow_local)
    if problem:
        raise ProbeFailure(ErrorKind.OTHER, problem)
    ssl_arg: ssl.SSLContext | bool = ctx.ssl_context if ctx.ssl_context is not None else True
    # `make_session` already sends the User-Agent; passing it again costs a header merge on
    # every request, so only a session with another (or no) default gets it per request.
    headers = None
    if ctx.session.headers.get(hdrs.USER_AGENT) != ctx.user_agent:
        headers = {"User-Agent": ctx.user_agent}
    request_url = parsed_url(url)
    try:
        with ctx.deadlines.within(timeout_s):
            for _ in range(MAX_REDIRECTS + 1):
                async with ctx.session.request(
                    method,
                    request_url,
                    allow_redirects=False,
                    ssl=ssl_arg,
                    headers=headers,
                    timeout=NO_TIMER,
                ) as resp:
                    status = resp.status
                    if follow_redirects and status in REDIRECT_STATUSES:
                        location = resp.headers.get(hdrs.LOCATION)
                        if location:
                            url = next_url(url, location, target)
                            request_url = URL(url)  # not cached: a remote side chose it
                            # Browsers make a 303 a GET; HEAD stays HEAD so no body is fetched.
                            method = "GET" if status == 303 and method != "HEAD" else method
                            continue
                    body, truncated = b"", False
                    if method != "HEAD":
                        if whole_in_one_read(resp, max_bytes):
                            body = await resp.read()
                        else:
                            body, truncated = await read_capped(resp, max_bytes)
                    return Fetched(
                        status,
                        body,
                        truncated,
                        url,
                        resp.headers.get(hdrs.CONTENT_TYPE),
                        (time.perf_counter() - started) * 1000.0,
                        resp.headers.get(hdrs.RETRY_AFTER) if status in (429, 503) else None,
                    )
            raise ProbeFailure(ErrorKind.OTHER, f"more than {MAX_REDIRECTS} redirects")
    except TimeoutError:
        raise timeout_failure(timeout_s) from None
    except aiohttp.ClientConnectorDNSError as exc:
        # Ask again where the answer can be seen: whose side the failure is on matters.
        left = timeout_s - (time.perf_counter() - started)
        raise await name_failure(ctx, exc.host, min(max(left, 0.5), NAME_CHECK_S)) from exc
    except aiohttp.ClientError as exc:
        raise classify_client_error(exc) from exc


# aiohttp's own timers off (each request's `ClientTimeout` would start one): `fetch` bounds
# the whole fetch with its deadline instead.
NO_TIMER = aiohttp.ClientTimeout(total=None, connect=None, sock_read=None, sock_connect=None)


@lru_cache(maxsize=8192)
def parsed_url(url: str) -> URL:
    """A catalog URL parsed for aiohttp, once: a catalog's URLs are few and checked again and
    again, and parsing one (yarl) was about 5 % of a keep-alive check's cost."""
    return URL(url)


def next_url(current: str, location: str, target: Target) -> str:
    """The absolute redirect target, or a failure when it leaves the official domains."""
    url = urljoin(current, location)
    problem = url_problem(url, target.official_domains, target.allow_local)
    if problem:
        raise ProbeFailure(ErrorKind.OTHER, f"redirect to {problem}")
    return url


def whole_in_one_read(resp: aiohttp.ClientResponse, max_bytes: int) -> bool:
    """Whether the body is known to fit in max_bytes, so one plain read is safe and enough.

    The common small page came in with its headers: the whole body, decoded, is waiting, and
    its size is known. Else the parser stops at Content-Length, so no second read for the
    end; only unencoded, though: a small gzip body can inflate to any size. (Header names as
    aiohttp's `hdrs` constants: a plain string is case-folded on every look-up.)"""
    content = resp.content
    if content.is_eof():
        return content.total_bytes <= max_bytes
    length = resp.content_length
    return (
        length is not None and length <= max_bytes and not resp.headers.get(hdrs.CONTENT_ENCODING)
    )


async def read_capped(resp: aiohttp.ClientResponse, max_bytes: int) -> tuple[bytes, bool]:
    """Read at most max_bytes of the body, chunk by chunk; returns (body, truncated). For a
    body not known to fit (`fetch` reads one that is, `whole_in_one_read`, in one go)."""
    chunks: list[bytes] = []
    size = 0
    while size < max_bytes:
        chunk = await resp.content.read(max_bytes - size)
        if not chunk:
            return b"".join(chunks), False
        chunks.append(chunk)
        size += len(chunk)
    truncated = not resp.content.at_eof()
    if truncated:
        # Draining the rest could mean downloading gigabytes; dropping the connection is cheap.
        resp.close()
    return b"".join(chunks), truncated


def classify_client_error(exc: aiohttp.ClientError) -> ProbeFailure:
    """Map an aiohttp error to the error kind and detail a user can act on."""
    if isinstance(exc, aiohttp.ClientConnectorDNSError):
        # Only the resolver's word: `fetch` asks again to tell whose side it is on.
        return ProbeFailure(ErrorKind.RESOLVER, f"cannot resolve {exc.host}")
    if isinstance(exc, aiohttp.ClientConnectorCertificateError):
        cert_error = exc.certificate_error
        reason = getattr(cert_error, "verify_message", None) or str(cert_error)
        return ProbeFailure(ErrorKind.TLS, f"certificate rejected: {reason}")
    if isinstance(exc, aiohttp.ClientSSLError):
        return ProbeFailure(ErrorKind.TLS, f"TLS handshake failed: {_os_reason(exc)}")
    if isinstance(exc, aiohttp.ClientConnectorError):
        if isinstance(exc.os_error, ConnectionRefusedError):
            return ProbeFailure(ErrorKind.CONNECT, "connection refused")
        return ProbeFailure(ErrorKind.CONNECT, f"cannot connect: {_os_reason(exc)}")
    if isinstance(exc, aiohttp.ServerDisconnectedError):
        return ProbeFailure(ErrorKind.CONNECT, "server closed the connection")
    if isinstance(exc, aiohttp.ClientOSError):
        return ProbeFailure(ErrorKind.CONNECT, f"connection failed: {_os_reason(exc)}")
    if isinstance(exc, aiohttp.ClientPayloadError):
        return ProbeFailure(ErrorKind.BODY, "broken response body")
    if isinstance(exc, aiohttp.ClientResponseError):
        # The parser's message quotes the broken bytes on later lines: keep its first line.
        reason = exc.message.strip().partition("\n")[0].rstrip(":") if exc.message else ""
        return ProbeFailure(ErrorKind.OTHER, f"bad HTTP response: {reason or 'unreadable'}")
    return ProbeFailure(ErrorKind.OTHER, f"{type(exc).__name__}: {exc}")


def _os_reason(exc: aiohttp.ClientError) -> str:
    """The short OS-level reason inside an aiohttp error, without the address preamble."""
    os_error = getattr(exc, "os_error", None)
    if isinstance(os_error, ssl.SSLError) and os_error.reason:
        return str(os_error.reason)
    if isinstance(os_error, OSError) and os_error.strerror:
        return str(os_error.strerror)
    return str(exc)
