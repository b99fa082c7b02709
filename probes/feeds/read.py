"""One read of one endpoint: fetch within official domains, capped, then parse.

Every failure is a `FeedError` with a short detail: the network (timeout, DNS, TLS …, as the
probes word them), HTTP 429 (with the wait the API asked for), other HTTP errors (with the
message of the exchange's error envelope), an answer over its size cap, or a parse failure.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import TypeVar

from probes.context import ProbeContext, Target
from probes.failure import ProbeFailure
from probes.feeds.kind import FeedKind
from probes.feeds.parse import FeedError
from probes.feeds.spec import StatusApi
from probes.http import Fetched, fetch
from probes.result import ErrorKind
from probes.spec import HttpProbe

T = TypeVar("T")
MAX_RETRY_AFTER_S = 3600.0
# A 429 without Retry-After: pause a minute rather than guess less.
DEFAULT_429_PAUSE_S = 60.0
# Bybit answers 403 when its IP limit is breached and asks for at least 10 min of quiet.
FORBIDDEN_PAUSE_S = 600.0
# Parsing a big list off the event loop keeps probes and chat answers on time.
THREAD_ABOVE_BYTES = 256 * 1024


@dataclass(frozen=True, slots=True)
class FeedTarget:
    """One exchange's API: where it is, the kind that reads it, the hosts it may use."""

    exchange: str
    api: StatusApi
    kind: FeedKind
    official_domains: tuple[str, ...]
    allow_local: bool = False

    @property
    def key(self) -> str:
        return f"{self.exchange}/status_api"

    def url(self, path: str) -> str:
        return self.api.base_url.rstrip("/") + path


async def read(
    ctx: ProbeContext, feed: FeedTarget, path: str, parse: Callable[[bytes], T], max_bytes: int
) -> T:
    """Fetch the endpoint at `path` and parse it; `FeedError` for every failure."""
    url = feed.url(path)
    domains = (*feed.official_domains, *feed.api.api_domains)
    # `fetch` (shared with the http probe) reads only the target's domains and loopback
    # permission; the spec just describes this request.
    target = Target(
        feed.key, HttpProbe(url=url, timeout_s=feed.api.timeout_s), domains, feed.allow_local
    )
    try:
        fetched = await fetch(ctx, target, url, max_bytes=max_bytes, timeout_s=feed.api.timeout_s)
    except ProbeFailure as failure:
        raise FeedError(failure.detail, kind=failure.kind) from None
    check_answer(fetched, feed.kind, max_bytes, ctx.now())
    if len(fetched.body) > THREAD_ABOVE_BYTES:
        return await asyncio.to_thread(parse, fetched.body)
    return parse(fetched.body)


def check_answer(fetched: Fetched, kind: FeedKind, max_bytes: int, now: datetime) -> None:
    """Raise the failed read for a rate limit, an HTTP error or an answer over its cap."""
    if fetched.status == 429:
        wait = retry_after_s(fetched.retry_after, now)
        # A wait of 0 (a date already past) is no wait we honour: we pause the default.
        said = f", retry after {wait:g} s" if wait else ""
        raise FeedError(
            f"HTTP 429: rate limited{said}", wait or DEFAULT_429_PAUSE_S, ErrorKind.HTTP_STATUS
        )
    if fetched.status != 200:
        message = _envelope_message(fetched.body, kind)
        detail = f"HTTP {fetched.status}" + (f": {message}" if message else "")
        wait = FORBIDDEN_PAUSE_S if fetched.status in (403, 418) else None
        raise FeedError(
            detail, retry_after_s(fetched.retry_after, now) or wait, ErrorKind.HTTP_STATUS
        )
    if fetched.truncated:
        raise FeedError(f"answer larger than {max_bytes // 1024} KiB")


def _envelope_message(body: bytes, kind: FeedKind) -> str | None:
    try:
        return kind.error_of(json.loads(body[:65_536]))
    except (ValueError, RecursionError):  # not JSON, or nested beyond reading: no message
        return None


def retry_after_s(header: str | None, now: datetime) -> float | None:
    """Seconds to wait from a Retry-After header (seconds or an HTTP date), bounded; None if
    absent or unreadable."""
    if not header:
        return None
    header = header.strip()
    if header.isascii() and header.isdigit():  # isdigit() alone takes '²'; float() does not
        return min(float(header), MAX_RETRY_AFTER_S)
    try:
        when = parsedate_to_datetime(header)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return min(max(0.0, (when - now).total_seconds()), MAX_RETRY_AFTER_S)
