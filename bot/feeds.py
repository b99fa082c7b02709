"""The exchanges' own status APIs as the bot uses them: which to read, and what they say now.

`feed_targets` turns the catalog's `status_api` entries into what `probes.feeds.runner`
reads; `FeedView` is the read side chat answers and the web use (memory only).
"""

from __future__ import annotations

from typing import Protocol

from bot.catalog import Catalog
from probes.feeds.facts import FeedFacts
from probes.feeds.read import FeedTarget
from probes.feeds.registry import FEEDS


class FeedView(Protocol):
    """The latest facts per exchange (implemented by `probes.feeds.runner.FeedRunner`)."""

    def facts(self, exchange_id: str) -> FeedFacts | None:
        """What the exchange's API said last; None where it has no status API."""
        ...


def feed_targets(catalog: Catalog, *, allow_local: bool = False) -> list[FeedTarget]:
    """One target per exchange with a `status_api` in the catalog."""
    return [
        FeedTarget(e.id, e.status_api, FEEDS[e.status_api.kind], e.official_domains, allow_local)
        for e in catalog.exchanges
        if e.status_api is not None
    ]
