"""The exchanges' own status APIs as the bot uses them: which to read, and what they say now.

`feed_targets` turns the catalog's `status_api` entries into what `probes.feeds.runner`
reads; `FeedView` is the read side chat answers and the web use (memory only).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from datetime import datetime
from typing import Protocol

from bot.catalog import Catalog
from probes.context import ProbeContext, make_session
from probes.feeds.facts import FeedFacts
from probes.feeds.read import FeedTarget
from probes.feeds.registry import FEEDS
from probes.feeds.runner import FeedRunner


class FeedView(Protocol):
    """The latest facts per exchange (implemented by `probes.feeds.runner.FeedRunner`)."""

    def facts(self, exchange_id: str) -> FeedFacts | None:
        """What the exchange's API said last; None where it has no status API."""
        ...


async def read_feeds_once(
    catalog: Catalog,
    now: Callable[[], datetime],
    *,
    allow_local: bool = False,
    wait_s: float | None = None,
) -> FeedRunner:
    """Read every status API of the catalog once (the console, like one round of probes).

    `wait_s`: the longest to wait (None: the reads' own timeouts); an API not read by then
    has no reading, and answers say they cannot tell."""
    async with make_session() as session:
        ctx = ProbeContext(session=session, now=now)
        runner = FeedRunner(ctx, feed_targets(catalog, allow_local=allow_local))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(runner.read_all(), wait_s)
    return runner


def feed_targets(catalog: Catalog, *, allow_local: bool = False) -> list[FeedTarget]:
    """One target per exchange with a `status_api` in the catalog."""
    return [
        FeedTarget(e.id, e.status_api, FEEDS[e.status_api.kind], e.official_domains, allow_local)
        for e in catalog.exchanges
        if e.status_api is not None
    ]
