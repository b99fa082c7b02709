"""Read every exchange's status API at its interval and hold the facts in memory.

`FeedRunner.run()` is one long-running task (a loop per API inside it); chat answers read
`facts(exchange)` and never wait on the network. Within one API, requests are spaced by
the kind's `min_gap_s`; a rate-limited or forbidden answer pushes the next round back by
the wait the API asked for. A failed read keeps the last good facts (with their time) and
records the failure, so answers can say both.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace
from typing import Any, TypeVar

from probes.context import ProbeContext
from probes.feeds.facts import FeedFacts, Part, SystemPart, WalletPart
from probes.feeds.parse import FeedError
from probes.feeds.read import FeedTarget, read
from probes.result import ErrorKind

PartT = TypeVar("PartT", SystemPart, WalletPart)
OnFacts = Callable[[FeedFacts, FeedFacts], Awaitable[None]]
Sleep = Callable[[float], Awaitable[None]]
FIRST_SPREAD_S = 5.0

log = logging.getLogger(__name__)


class FeedRunner:
    """Holds the latest facts per exchange; `run` keeps them fresh, `read_all` reads once.

    `on_facts(old, new)` is called after each round whose facts replaced earlier ones (the
    alerts compare them); it is never called for the first round of an API.
    """

    def __init__(
        self,
        ctx: ProbeContext,
        feeds: Sequence[FeedTarget],
        *,
        on_facts: OnFacts | None = None,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.ctx = ctx
        self.feeds = tuple(feeds)
        self.on_facts = on_facts
        self._sleep = sleep
        self._facts: dict[str, FeedFacts] = {
            f.exchange: FeedFacts(
                f.exchange,
                f.kind.name,
                f.kind.scope,
                f.api.interval_s,
                SystemPart() if f.kind.system else None,
                WalletPart() if f.kind.wallet else None,
            )
            for f in self.feeds
        }
        self.rounds = 0

    def facts(self, exchange_id: str) -> FeedFacts | None:
        """What the exchange's API said last; None where it has no status API."""
        return self._facts.get(exchange_id)

    def all_facts(self) -> list[FeedFacts]:
        """The latest facts of every API read (for metrics)."""
        return list(self._facts.values())

    async def run(self) -> None:
        """Read every API at its interval until cancelled."""
        if not self.feeds:
            return
        async with asyncio.TaskGroup() as group:
            for feed in self.feeds:
                group.create_task(self._loop(feed), name=f"feed {feed.exchange}")

    async def read_all(self) -> None:
        """One round of every API at once (the console, without a running bot)."""
        await asyncio.gather(*(self.read_feed(feed) for feed in self.feeds))

    async def _loop(self, feed: FeedTarget) -> None:
        # Spread first reads so a restart does not hit every API in the same second.
        await self._sleep(random.uniform(0.0, min(FIRST_SPREAD_S, feed.api.interval_s)))
        while True:
            wait = await self.read_feed(feed)
            await self._sleep(max(feed.api.interval_s, wait))

    async def read_feed(self, feed: FeedTarget) -> float:
        """One round of one API; returns how long the API asked us to wait (0 if it did not)."""
        old = self._facts[feed.exchange]
        new, wait = old, 0.0
        kind = feed.kind
        if kind.system is not None:
            system, wait = await self._part(
                feed, kind.system.path, kind.system.parse, kind.system.max_bytes, old.system
            )
            new = replace(new, system=system)
        if kind.wallet is not None and not wait:
            if kind.system is not None:
                await self._sleep(kind.min_gap_s)
            wallet, wait = await self._part(
                feed, kind.wallet.path, kind.wallet.parse, kind.wallet.max_bytes, old.wallet
            )
            new = replace(new, wallet=wallet)
        elif new.wallet is not None and new.system is not None:
            # Not asked: the API told us to wait. Say so where /wallet looks, too.
            new = replace(new, wallet=_failed_like(new.wallet, new.system))
        self._facts[feed.exchange] = new
        self.rounds += 1
        if self.on_facts is not None and _has_data(old):
            try:
                await self.on_facts(old, new)
            except Exception:
                log.exception("handling new facts from %s failed", feed.exchange)
        return wait

    async def _part(
        self,
        feed: FeedTarget,
        path: str,
        parse: Callable[[bytes], Any],
        max_bytes: int,
        old: PartT | None,
    ) -> tuple[PartT, float]:
        """Read one endpoint into a new part: fresh data, or the old data and the failure."""
        assert old is not None, "a kind's part exists from the start"
        now = self.ctx.now()
        try:
            data = await read(self.ctx, feed, path, parse, max_bytes)
        except FeedError as error:
            log.info("status API of %s: %s", feed.exchange, error.detail)
            failed = replace(old, failed_at=now, error=error.detail, error_kind=error.kind)
            return failed, error.retry_after_s or 0.0
        except Exception as error:
            # A reader bug must not stop the other APIs' loops: log it, report a failed read.
            log.exception("reading the status API of %s crashed", feed.exchange)
            crashed = f"{type(error).__name__}"
            return replace(old, failed_at=now, error=crashed, error_kind=ErrorKind.OTHER), 0.0
        return replace(old, at=now, data=data, failed_at=None, error="", error_kind=None), 0.0


def _failed_like(part: PartT, failed: Part) -> PartT:
    """`part`, failing as `failed` did (an endpoint not read because another was refused)."""
    return replace(
        part, failed_at=failed.failed_at, error=failed.error, error_kind=failed.error_kind
    )


def _has_data(facts: FeedFacts) -> bool:
    parts: list[Part | None] = [facts.system, facts.wallet]
    return any(part is not None and part.at is not None for part in parts)
