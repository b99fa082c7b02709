"""`supportlive ask "/status mexc"`: any chat command answered in the terminal.

The same core as the chat adapters answers. With the running bot's database present, the
answer reads what the bot wrote (health states, latencies, rollups, history); without one,
the channels of the exchange the command names are probed once and the answer rests on that
single round. Either way the status API of that exchange is read once (its facts live in the
running bot's memory only). A command naming no exchange (/help, /verify) waits on nothing
when the catalog has several; with one exchange, every command is about that one.

The network gets `NETWORK_WAIT_S` at most: what has not answered by then is told as not
checked, never as down. Offline, the probes' and status APIs' own timeouts (10 s each, two
reads per API, every exchange) made a `/help` wait 20 s and a `/status` 40 s.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, TypeVar

from bot.catalog import Catalog, CatalogError, Exchange, load_catalog
from bot.check import Snapshot, probe_once
from bot.clock import Clock, SystemClock
from bot.commands.args import parse_line, pick_exchange
from bot.commands.dispatch import Core, Request, handle
from bot.feeds import FeedView, read_feeds_once
from bot.health import HealthState
from bot.latency import ExactQuantiles
from bot.render.plain import to_plain
from bot.reports import WaitBook
from bot.settings import Settings
from bot.status import StatusService
from bot.verdict import Upstream
from bot.vocab import Locale, Platform
from storage.engine import DatabaseError, StorageError, open_database
from storage.store import Store

EXIT_OK, EXIT_PROBLEM, EXIT_USAGE = 0, 1, 2
RECENT_RESULTS = 240  # at most an hour of results at a 15 s interval
NETWORK_WAIT_S = 5.0


@dataclass(frozen=True)
class StoredView:
    """The live view as the running bot last saved it (status pages are memory-only)."""

    states: dict[str, HealthState] = field(default_factory=dict)
    latencies: dict[str, list[float]] = field(default_factory=dict)
    blind: datetime | None = None
    heartbeat: datetime | None = None  # when the running bot's leader last said it probes

    def health(self, channel_key: str) -> HealthState | None:
        return self.states.get(channel_key)

    def recent_latency(self, channel_key: str) -> ExactQuantiles:
        return ExactQuantiles(self.latencies.get(channel_key, ()))

    def upstream(self, exchange_id: str) -> Upstream | None:
        return None

    def blind_since(self) -> datetime | None:
        return self.blind


_T = TypeVar("_T")


class DaemonThreads(concurrent.futures.ThreadPoolExecutor):
    """Each call in a daemon thread of its own: `ask`'s loop runs the system resolver there.

    A name lookup cannot be stopped: behind a DNS server that never answers, one `ask` gave
    up on keeps its thread for 20 s, and a pool's threads are waited for at exit. Daemon
    threads are not, so the answer is the last wait. (A handful of lookups per `ask`.)
    """

    def submit(
        self, fn: Callable[..., _T], /, *args: Any, **kwargs: Any
    ) -> concurrent.futures.Future[_T]:
        future: concurrent.futures.Future[_T] = concurrent.futures.Future()

        def call() -> None:
            if not future.set_running_or_notify_cancel():
                return
            try:
                future.set_result(fn(*args, **kwargs))
            except BaseException as error:  # handed to the waiter, as a pool does
                future.set_exception(error)

        threading.Thread(target=call, daemon=True, name="ask lookup").start()
        return future


def ask(settings: Settings, line: str, lang: str | None, clock: Clock | None = None) -> int:
    """Print the answer to one command line; exit status 0, or 1/2 when it cannot answer."""
    try:
        catalog = load_catalog(settings.catalog_path, allow_local=settings.allow_local_targets)
    except CatalogError as error:
        print(str(error), file=sys.stderr)
        return EXIT_USAGE
    try:
        with asyncio.Runner() as runner:
            runner.get_loop().set_default_executor(DaemonThreads())
            text = runner.run(answer(settings, catalog, line, lang, clock or SystemClock()))
    except StorageError as error:
        print(f"supportlive: database: {error}", file=sys.stderr)
        return EXIT_PROBLEM
    except DatabaseError as error:  # opened, but a read failed (a damaged file)
        print(f"supportlive: database: {error.explained}", file=sys.stderr)
        return EXIT_PROBLEM
    print(text)
    return EXIT_OK


async def answer(
    settings: Settings, catalog: Catalog, line: str, lang: str | None, clock: Clock
) -> str:
    """The plain-text answer, from the database when there is one, else from one probe round."""
    request = Request(
        platform=Platform.CONSOLE,
        chat_id="console",
        user_id="console",
        client_locale=lang,
        text=line,
        is_admin=True,
        # The terminal keeps no language between commands: --lang, else English, never a
        # choice stored in the database (not even one an older version stored there).
        locale=Locale(lang) if lang in (Locale.EN.value, Locale.ZH.value) else Locale.EN,
    )
    named = exchanges_named(catalog, line)
    if settings.database_url is None and not settings.database_path.exists():
        feeds, live = await _look(settings, named, clock, probe=True)
        status = StatusService(catalog, live, None, clock, feeds=feeds)
        return to_plain(await handle(request, Core(catalog, status, None, clock, settings)))
    feeds, _ = await _look(settings, named, clock, probe=False)
    db = await open_database(
        settings.database_target,
        pool_min=settings.database_pool_min,
        pool_max=settings.database_pool_max,
    )
    try:
        store = Store(db, clock.now)
        view = await stored_view(store, catalog, clock)
        status = StatusService(
            catalog, view, store, clock, reports=WaitBook(store, clock), feeds=feeds
        )
        core = Core(catalog, status, store, clock, settings)
        return to_plain(await handle(request, core))
    finally:
        await db.close()


async def _look(
    settings: Settings, exchanges: tuple[Exchange, ...], clock: Clock, *, probe: bool
) -> tuple[FeedView | None, Snapshot]:
    """The exchanges' status APIs read once and, with `probe`, their channels probed once, at
    the same time, for `NETWORK_WAIT_S` at most; nothing at all without an exchange.

    """
    if not exchanges:
        return None, Snapshot({}, {}, {})
    catalog = Catalog(exchanges=exchanges)
    allow_local = settings.allow_local_targets
    reading = read_feeds_once(catalog, clock.now, allow_local=allow_local, wait_s=NETWORK_WAIT_S)
    if not probe:
        return await reading, Snapshot({}, {}, {})
    probing = probe_once(settings, catalog, wait_s=NETWORK_WAIT_S)
    return await asyncio.gather(reading, probing)


def exchanges_named(catalog: Catalog, line: str) -> tuple[Exchange, ...]:
    """The exchange a command line is about, found as the handlers find it: the one its words
    name, else the catalog's only one; with several, none for a command naming none (/help)."""
    exchange, _ = pick_exchange(catalog, parse_line(line).words)
    if exchange is not None:
        return (exchange,)
    return catalog.exchanges if len(catalog.exchanges) == 1 else ()


async def stored_view(store: Store, catalog: Catalog, clock: Clock) -> StoredView:
    """Health states and the last hour's latencies of every probed channel, from the database."""
    states = {
        channel: HealthState.from_json(row.state)
        for channel, row in (await store.load_health()).items()
    }
    horizon = clock.now() - timedelta(hours=1)
    latencies: dict[str, list[float]] = {}
    for exchange, channel in catalog.channels():
        key = exchange.key(channel)
        if channel.probe is None or key not in states:
            continue
        results = await store.recent_results(key, RECENT_RESULTS)
        latencies[key] = [
            r.latency_ms
            for r in reversed(results)
            if r.ok and r.latency_ms is not None and r.at >= horizon
        ]
    return StoredView(states, latencies, await store.load_sight(), await store.load_heartbeat())
