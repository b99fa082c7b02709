"""HTTP caching for the pages and the JSON API: a render cache of a few seconds, and ETags.

Rendering every exchange's status page costs milliseconds of CPU; a thousand requests at
once would queue everything else on the event loop behind them, /healthz included. So a
200 answer of a page or the API is kept for `ttl_s` seconds per (path, query, language);
requests for the same key while it renders wait for that one render instead of starting
their own; every answer carries an ETag and a Last-Modified (when that body was first
rendered: a render that changes nothing keeps the earlier time), and a request whose
If-None-Match names the ETag, or (without If-None-Match) whose If-Modified-Since is not
older than Last-Modified, gets a bodiless 304. Answers are at most `ttl_s` older than the
data, which changes at probe speed (the page itself refreshes every minute).
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime

from aiohttp import web
from aiohttp.typedefs import Handler

PAGE_CACHE_S = 5.0
# What browsers and proxies may keep: pages and the API a few seconds (then they ask again,
# cheaply, with If-None-Match), feeds and badges a minute.
SHORT_CACHE = "public, max-age=15"
FEED_CACHE = "public, max-age=60"
MAX_ENTRIES = 256  # keys are bounded by routes x languages, but queries are free text
# Headers a cached answer keeps; the security headers are added to every response anyway.
_KEPT = (
    "Content-Type",
    "Content-Language",
    "Vary",
    "Cache-Control",
    "Cross-Origin-Resource-Policy",  # feeds and badges may be fetched by other sites
)

Key = tuple[str, str, str]
KeyOf = Callable[[web.Request], str]


@dataclass(frozen=True, slots=True)
class _Entry:
    body: bytes
    headers: Mapping[str, str]
    etag: str
    until: float
    modified: datetime  # when this body was first rendered (whole seconds, UTC)


class RenderCache:
    """Keeps 200 answers of the wrapped handlers for `ttl_s` seconds (0 disables it)."""

    def __init__(
        self,
        ttl_s: float = PAGE_CACHE_S,
        *,
        language_of: KeyOf,
        monotonic: Callable[[], float] = time.monotonic,
        wall: Callable[[], float] = time.time,
    ) -> None:
        """`language_of(request)` names the answer's language (part of the key); `wall` is
        the clock of Last-Modified."""
        self._ttl_s = ttl_s
        self._language_of = language_of
        self._monotonic = monotonic
        self._wall = wall
        self._entries: OrderedDict[Key, _Entry] = OrderedDict()
        self._rendering: dict[Key, asyncio.Future[_Entry | None]] = {}
        self.renders = 0  # for tests: how many times a handler really ran

    def wrap(self, handler: Handler) -> Handler:
        """The handler, answered from the cache when it can be."""

        async def cached(request: web.Request) -> web.StreamResponse:
            if self._ttl_s <= 0:
                self.renders += 1
                return await handler(request)
            key = (request.path, request.query_string, self._language_of(request))
            entry = self._fresh(key) or await self._render(key, handler, request)
            if isinstance(entry, _Entry):
                return _answer(request, entry)
            return entry  # not kept: an error page, a 404

        return cached

    def _fresh(self, key: Key) -> _Entry | None:
        entry = self._entries.get(key)
        if entry is not None and entry.until > self._monotonic():
            return entry
        return None

    async def _render(
        self, key: Key, handler: Handler, request: web.Request
    ) -> _Entry | web.StreamResponse:
        """The one render of `key` in progress, or a new one; its entry if it can be kept."""
        waiting = self._rendering.get(key)
        if waiting is not None:
            entry = await asyncio.shield(waiting)
            if entry is not None:
                return entry
        future: asyncio.Future[_Entry | None] = asyncio.get_running_loop().create_future()
        self._rendering[key] = future
        entry = None
        try:
            self.renders += 1
            response = await handler(request)
            entry = self._keep(key, response)
            return entry or response
        finally:
            del self._rendering[key]
            future.set_result(entry)

    def _keep(self, key: Key, response: web.StreamResponse) -> _Entry | None:
        if response.status != 200 or not isinstance(response, web.Response):
            return None
        body = response.body
        if not isinstance(body, bytes):
            return None
        headers = {name: response.headers[name] for name in _KEPT if name in response.headers}
        etag = '"' + hashlib.blake2b(body, digest_size=12).hexdigest() + '"'
        before = self._entries.get(key)
        if before is not None and before.etag == etag:
            modified = before.modified  # the same body as before: it has not changed since
        else:
            modified = datetime.fromtimestamp(int(self._wall()), UTC)
        entry = _Entry(body, headers, etag, self._monotonic() + self._ttl_s, modified)
        self._entries[key] = entry
        self._entries.move_to_end(key)
        while len(self._entries) > MAX_ENTRIES:
            self._entries.popitem(last=False)
        return entry


def _answer(request: web.Request, entry: _Entry) -> web.Response:
    modified = format_datetime(entry.modified, usegmt=True)
    headers = {**entry.headers, "ETag": entry.etag, "Last-Modified": modified}
    if _not_modified(request, entry):
        headers.pop("Content-Type", None)
        return web.Response(status=304, headers=headers)
    return web.Response(body=entry.body, headers=headers)


def _not_modified(request: web.Request, entry: _Entry) -> bool:
    """If-None-Match decides when sent (RFC 9110 13.2.2); else If-Modified-Since."""
    if "If-None-Match" in request.headers:
        return entry.etag in _etags(request.headers["If-None-Match"])
    since = _http_date(request.headers.get("If-Modified-Since", ""))
    return since is not None and entry.modified <= since


def _http_date(value: str) -> datetime | None:
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return parsed if parsed.tzinfo is not None else None


def _etags(header: str) -> set[str]:
    return {tag.strip().removeprefix("W/") for tag in header.split(",") if tag.strip()}


def cached_routes(routes: list[web.RouteDef], cache: RenderCache) -> list[web.RouteDef]:
    """The same GET routes, answered through `cache`."""
    return [
        web.RouteDef(route.method, route.path, cache.wrap(route.handler), route.kwargs)
        for route in routes
    ]
