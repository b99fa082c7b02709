"""`supportlive run`: the one process — probes, storage, alerts, web, and the chat adapters.

The main function owns the shared resources (database, HTTP session) and passes them in.
Chat adapters start only when their token is set; an adapter that fails to start is logged
and the rest keeps running. SIGINT or SIGTERM stops everything within a few seconds.

Several processes may share one database (replicas). One of them leads (bot/leader.py) and
runs what must not run twice: the probes and the monitor's writes, the other regions'
sightings, the Telegram poller, the Discord gateway, the maintenance announcer, retention,
and the alerts the status APIs' readings call for (`leader_parts`). Every replica serves the
web side (and the Telegram webhook), sends alerts from the outbox (Discord's only where the
gateway is: the leader), reads the status APIs, keeps the rollup cache and checks the
database; a standby answers from what the leader stored (bot/following.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import logging
import os
import signal
import socket
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING, Any

from aiohttp import web

from bot.alerts.drainer import Drainer, DrainerSettings
from bot.alerts.feeds import feed_sink
from bot.alerts.notifier import Notifier
from bot.alerts.pacing import PacingSettings, SendBudget
from bot.alerts.record import record_upstream, transition_sink
from bot.blind import canary_targets
from bot.catalog import Catalog, CatalogError, load_catalog
from bot.clock import Clock, SystemClock
from bot.commands.context import Core
from bot.commands.table import COMMANDS
from bot.feeds import feed_targets
from bot.following import BEAT_EVERY_S, FOLLOW_EVERY_S, ReplicaView, leader_beats
from bot.leader import Election, leadership_for
from bot.logs import configure_logging
from bot.maintenance import sync_catalog_maintenance
from bot.metrics import Metrics
from bot.monitor import Monitor, status_page_targets, targets_of
from bot.regions import SIGHTINGS_EVERY_S, RegionsSeen
from bot.reports import WaitBook
from bot.settings import Settings, SettingsError
from bot.status import StatusService
from bot.supervisor import Supervisor
from bot.verdict import Upstream
from bot.vocab import Platform
from bot.web import build_app, start_web, stop_web
from probes.context import ProbeContext, Target, make_session, user_agent_for
from probes.feeds.runner import FeedRunner
from probes.registry import run_probe
from probes.scheduler import Scheduler
from storage.engine import DatabaseError, StorageError, open_database
from storage.retention import prune_and_report
from storage.store import Store

if TYPE_CHECKING:
    from bot.adapters.discord import DiscordAdapter
    from bot.adapters.telegram import TelegramAdapter

log = logging.getLogger("supportlive")

EXIT_OK, EXIT_CONFIG = 0, 2
STOP_TIMEOUT_S = 4.0
# The scheduler's timer loop wakes at least this often; older means it is stuck.
SCHEDULER_STALL_S = 30.0
RETENTION_EVERY_S = 3600.0
# The database is checked in the background, so /healthz answers without a query.
DB_CHECK_EVERY_S = 5.0
DB_CHECK_TIMEOUT_S = 20.0
# An alert claimed for sending stays with its replica while the replica renews the claim (a
# quarter of this); older claims are a dead replica's, and are sent again by another.
CLAIM_LEASE_S = 60.0


@dataclass
class Service:
    """A part that runs until stopped: its name, how to start it and how to stop it."""

    name: str
    start: Callable[[], Awaitable[None]]
    stop: Callable[[], Awaitable[None]]
    platform: Platform | None = None  # a chat adapter's: its notifier goes if it fails to start


@dataclass
class Runtime:
    """What `serve` built, for the services and for tests that drive a whole process."""

    settings: Settings
    catalog: Catalog
    clock: Clock
    store: Store
    monitor: Monitor
    scheduler: Scheduler
    core: Core
    metrics: Metrics
    supervisor: Supervisor = field(default_factory=Supervisor)
    notifiers: dict[Platform, Notifier] = field(default_factory=dict)
    budgets: dict[Platform, SendBudget] = field(default_factory=dict)  # shared with the drainer
    web_port: int | None = None
    feeds: FeedRunner | None = None
    started: bool = False  # everything started (the web side answers before)
    stopping: bool = False
    probing: bool = False  # the scheduler runs (the leader's)
    election: Election | None = None  # None: this process leads alone (tests)
    view: ReplicaView | None = None  # what the answers read (the monitor's, or the stored)
    telegram: TelegramAdapter | None = None
    discord: DiscordAdapter | None = None

    @property
    def leading(self) -> bool:
        return self.election is None or self.election.leading

    async def health_check(self) -> tuple[bool, str]:
        """(healthy, reason) for /healthz: the scheduler ticks (on the leader), the probes can
        see (some canary answers; a standby reads it from the leader) and every supervised
        task runs (the database is checked by one of them, in the background: no query per
        call)."""
        # Starting: e.g. a chat adapter's start waits on its platform.
        if not self.started or (self.leading and not self.probing):
            return False, "starting: the probes have not begun yet"
        if self.leading and not self.scheduler_ticks():
            stalled = asyncio.get_running_loop().time() - self.scheduler.last_tick
            return False, f"scheduler has not ticked for {stalled:.0f} s"
        problems = self.supervisor.problems()
        stopped = self.view.stopped_since() if self.view is not None else None
        if stopped is not None:  # before blind: the leader's stored blind state is old too
            return False, silent_leader(stopped, self.clock.now(), problems)
        live = self.view if self.view is not None else self.monitor
        if (blind := live.blind_since()) is not None:
            return False, f"blind since {blind:%Y-%m-%d %H:%M:%S} UTC: we can't check from here"
        if problems:
            return False, "; ".join(problems)
        return True, "ok"

    def describe(self) -> dict[str, str | None]:
        """This replica's role for /healthz (and, on a standby, the leader's last heartbeat)."""
        if self.election is None:
            return {}
        return {**self.election.describe(), **(self.view.describe() if self.view else {})}

    def scheduler_ticks(self) -> bool:
        """The scheduler runs here (a leader's, probing) and its timer loop woke lately, or
        it has nothing to run (a catalog without probes: nothing to check is no stall)."""
        stalled = asyncio.get_running_loop().time() - self.scheduler.last_tick
        # The clock first: listing the channels builds a list of them all.
        return self.probing and (stalled <= SCHEDULER_STALL_S or not self.scheduler.channels())


def silent_leader(last: datetime, now: datetime, problems: Sequence[str] = ()) -> str:
    """/healthz's reason on a standby whose leader went silent (bot/following.py). With this
    replica's own tasks failing (its database reads, say) they come first: the silence may be
    theirs, or a frozen leader's open write may be failing them."""
    when = f"since {last:%Y-%m-%d %H:%M:%S} UTC ({(now - last).total_seconds():.0f} s ago)"
    if problems:
        return "; ".join((*problems, f"no heartbeat from the leader read {when}"))
    return (
        f"the leader has not checked anything {when} but still holds the lock: it is frozen "
        "or cut off from the database; this standby shows its last checks as unconfirmed and "
        "takes over once the lock is free"
    )


Serve = Callable[[Settings, Catalog], Coroutine[Any, Any, None]]


def run(settings: Settings, main: Serve | None = None) -> int:
    """Run `main` (default: `serve`, everything) until SIGINT/SIGTERM; 2 when configuration,
    catalog or database are unusable."""
    secrets = [
        token.get_secret_value()
        for token in (
            settings.telegram_bot_token,
            settings.discord_bot_token,
            settings.telegram_webhook_secret,
        )
        if token is not None
    ]
    configure_logging(settings.log_level, secrets)
    try:
        catalog = load_catalog(settings.catalog_path, allow_local=settings.allow_local_targets)
    except CatalogError as error:
        print(str(error), file=sys.stderr)
        return EXIT_CONFIG
    try:
        asyncio.run((main or serve)(settings, catalog))
    except StorageError as error:
        print(f"supportlive: {error}", file=sys.stderr)
        return EXIT_CONFIG
    except DatabaseError as error:  # the database opened, but reading it at start failed
        print(f"supportlive: {error.explained}", file=sys.stderr)
        return EXIT_CONFIG
    except SettingsError as error:  # e.g. the web side cannot listen on WEB_HOST:PORT
        print(f"supportlive: configuration: {error}", file=sys.stderr)
        return EXIT_CONFIG
    return EXIT_OK


async def serve(settings: Settings, catalog: Catalog, clock: Clock | None = None) -> None:
    """Start everything, wait for a stop signal, stop everything."""
    stop = stop_signal()
    async with running(settings, catalog, clock or SystemClock()) as runtime:
        log.info(
            "supportlive running: %d exchanges, %d probes, %d canaries",
            len(catalog.exchanges),
            len(runtime.scheduler.channels()) - len(settings.canary_urls),
            len(settings.canary_urls),
        )
        await stop.wait()
        log.info("stopping")


def stop_signal() -> asyncio.Event:
    """An event SIGINT or SIGTERM sets, from now on: what a process waits for before stopping
    everything in order. Made before the start, so a signal during it is not lost."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):  # no signals here
            loop.add_signal_handler(sig, stop.set)
    return stop


@contextlib.asynccontextmanager
async def running(settings: Settings, catalog: Catalog, clock: Clock) -> AsyncIterator[Runtime]:
    """Everything started, as a context: leaving it stops everything in reverse order."""
    db = await open_database(
        settings.database_target,
        pool_min=settings.database_pool_min,
        pool_max=settings.database_pool_max,
    )
    agent = user_agent_for(settings.probe_region)
    session = make_session(user_agent=agent)
    store = Store(db, now=clock.now)
    services: list[Service] = []
    runtime: Runtime | None = None
    url = settings.database_url
    election = Election(
        leadership_for(
            settings.database_path,
            None if url is None else url.get_secret_value(),
            beating=partial(leader_beats, store, clock),
        )
    )
    try:
        metrics = Metrics(command.name for command in COMMANDS)
        allow_local = settings.allow_local_targets
        channels = targets_of(catalog, allow_local=allow_local)
        canaries = canary_targets(settings.canary_urls, channels, allow_local=allow_local)
        monitor = Monitor(
            catalog,
            store,
            clock,
            observe=metrics.probe_observer(catalog),
            canaries=[t.channel for t in canaries],
            region=settings.probe_region,
        )
        await monitor.restore()
        await sync_catalog_maintenance(store, catalog, clock.now())
        ctx = ProbeContext(
            session=session,
            now=clock.now,
            user_agent=agent,
            dns_nameservers=settings.dns_nameservers,
        )
        targets: list[Target] = [
            *canaries,
            *channels,
            *status_page_targets(catalog, allow_local=allow_local),
        ]

        def new_scheduler() -> Scheduler:
            """A scheduler starts once: each term as leader gets a new one."""
            return Scheduler(
                targets,
                partial(run_probe, ctx),
                monitor.on_result,
                concurrency=settings.probe_concurrency,
            )

        feeds = FeedRunner(ctx, feed_targets(catalog, allow_local=settings.allow_local_targets))
        reports = WaitBook(store, clock)
        view = ReplicaView(monitor, store, catalog, clock, lambda: election.leading)
        # What each probing region saw, from this replica's view (bot/regions.py).
        regions = RegionsSeen(monitor.region, monitor.other_regions, view.health)
        status = StatusService(
            catalog,
            view,
            store,
            clock,
            feeds=feeds,
            reports=reports,
            regions=regions,
            stopped=view.stopped_since,  # a standby whose leader went silent says so
        )
        core = Core(catalog, status, store, clock, settings)
        runtime = Runtime(settings, catalog, clock, store, monitor, new_scheduler(), core, metrics)
        runtime.feeds, runtime.election, runtime.view = feeds, election, view
        for service in optional_services(runtime):
            try:
                await service.start()
            except SettingsError:
                raise  # a part the process cannot run without: stop, naming the setting
            except Exception:
                log.exception("%s could not start; the rest keeps running", service.name)
                if service.platform is not None:
                    runtime.notifiers.pop(service.platform, None)  # its alerts wait, queued
                continue
            services.append(service)
        # The drainer comes after the adapters: it sends through their notifiers.
        drainer = alert_drainer(runtime)
        services.append(Service("alerts", _nothing, drainer.stop))
        election.on_elected, election.on_deposed = leader_parts(runtime, drainer, new_scheduler)
        if runtime.discord is not None:
            drainer.hold(Platform.DISCORD)  # until this replica leads and the gateway is up
        # The first try is made here, so a lone process leads before it says it runs; the
        # supervised loop makes the next ones (and retries this one if it failed).
        try:
            await election.step()
        except Exception as error:
            log.warning("leadership: the first try failed (%s); retrying", error)
        supervise(runtime, drainer)
        runtime.started = True
        yield runtime
    finally:
        db.stop_waiting()  # a database locked elsewhere must not hold up the stop
        if runtime is not None:
            runtime.stopping = True
            await runtime.supervisor.stop_all()
        # The leader-only parts stop (with the final flush) before the lock is let go.
        await stop_quietly("leadership", election.resign())
        for service in reversed(services):
            await stop_quietly(service.name, service.stop())
        await session.close()
        await db.close()


def leader_parts(
    runtime: Runtime, drainer: Drainer, new_scheduler: Callable[[], Scheduler]
) -> tuple[Callable[[], Awaitable[None]], Callable[[], Awaitable[None]]]:
    """(start, stop) of what only the leader runs; see the module doc and README's Replicas."""
    supervisor, store, clock = runtime.supervisor, runtime.store, runtime.clock
    monitor = runtime.monitor
    loops: dict[str, tuple[Callable[[], Awaitable[None]], Callable[[], Awaitable[None]]]] = {
        "monitor": (monitor.flush, monitor.wait_for_batch),
        "maintenance announcer": (drainer.announce_maintenance, every(5.0)),
        "retention": (lambda: _prune(store, clock), every(RETENTION_EVERY_S)),
        # Tells the standbys the checks run (bot/following.py): not while the scheduler stalls.
        "heartbeat": (lambda: _beat(runtime), every(BEAT_EVERY_S)),
    }
    telegram = runtime.telegram
    if telegram is not None and not telegram.uses_webhook:
        # Supervised: a poller that cannot start is retried, and /healthz names it.
        loops["telegram poller"] = (telegram.start_polling, _forever)

    async def start() -> None:
        # The previous leader's last stored states: no re-alert, nothing forgotten.
        await monitor.restore()
        await monitor.see_afresh()
        if runtime.scheduler.last_tick:  # started in an earlier term
            runtime.scheduler = new_scheduler()
        runtime.scheduler.start()
        runtime.probing = True
        for name, (step, pause) in loops.items():
            supervisor.loop(name, step, pause)
        if runtime.discord is not None:
            await runtime.discord.start()
            drainer.hold(Platform.DISCORD, False)
        if runtime.feeds is not None:
            # Feeds run on every replica (their facts answer /wallet); alerts from the leader.
            runtime.feeds.on_facts = feed_sink(store, runtime.catalog, clock.now, drainer.wake)

    async def stop() -> None:
        # Called when the process stops, and when the replica steps down and goes on.
        when = "at stop" if runtime.stopping else "on stepping down"
        if runtime.feeds is not None:
            runtime.feeds.on_facts = None
        if runtime.discord is not None:
            drainer.hold(Platform.DISCORD)
            await stop_quietly("discord", runtime.discord.stop(), when)
        if telegram is not None:
            await stop_quietly("telegram poller", telegram.stop_polling(), when)
        await stop_quietly("scheduler", runtime.scheduler.stop(), when)
        runtime.probing = False
        await asyncio.gather(*(supervisor.drop(name) for name in loops))
        await stop_quietly("final flush", monitor.flush_everything(), when)
        await stop_quietly("sight", monitor.stop_seeing(), when)
        if runtime.stopping:
            return
        results, transitions = monitor.drop_unwritten()
        if results or transitions:
            # Written later, should this replica lead again, they would contradict the states
            # it then restores (an old down alert, or the same one twice).
            log.warning(
                "%d probe results and %d health changes could not be stored before standing "
                "by and are dropped: the next leader decides from the stored states",
                results,
                transitions,
            )
        if runtime.view is not None:  # now, not an old one
            await stop_quietly("following", runtime.view.follow(), when)

    return start, stop


def supervise(runtime: Runtime, drainer: Drainer) -> None:
    """Start every replica's long-running tasks under the supervisor (bot/supervisor.py); the
    leader's own start when it is elected (`leader_parts`)."""
    supervisor, store = runtime.supervisor, runtime.store
    status = runtime.core.status
    election, view = runtime.election, runtime.view
    if election is not None:
        supervisor.loop("leadership", election.step, election.pause)
    if view is not None:
        supervisor.loop("following", view.follow, every(FOLLOW_EVERY_S))
    supervisor.loop("alerts", drainer.step, drainer.idle)
    # Probe nodes' sightings (bot/regions.py): on the leader, down needs two regions once two
    # report; on every replica, the page shows what each region saw.
    supervisor.loop("regions", runtime.monitor.hear_regions, every(SIGHTINGS_EVERY_S))
    # Keeps every channel's 24 h / 7 d / 30 d rollups in memory, reloaded each hour.
    supervisor.loop("rollup cache", status.warm, status.until_next_hour)
    supervisor.loop("database", lambda: _check_database(store), every(DB_CHECK_EVERY_S))
    if runtime.feeds is not None:
        # The exchanges' own status APIs, each read at its interval (one long-running step).
        supervisor.loop("feeds", runtime.feeds.run, _forever)
    runtime.metrics.watch_tasks(supervisor.statuses)
    runtime.metrics.count_dropped_results(lambda: runtime.monitor.dropped)
    if runtime.feeds is not None:
        runtime.metrics.watch_feeds(runtime.feeds.all_facts, runtime.clock.now)
    runtime.metrics.watch_leader(lambda: runtime.leading)
    if view is not None:
        runtime.metrics.watch_following(view.stopped_since, view.heartbeat, runtime.clock.now)


async def _beat(runtime: Runtime) -> None:
    if runtime.scheduler_ticks():
        await runtime.store.beat(runtime.clock.now())


async def _prune(store: Store, clock: Clock) -> None:
    await prune_and_report(store, clock.now())


async def _check_database(store: Store) -> None:
    """The file is still ours (a deleted one is written back) and answers a query."""
    async with asyncio.timeout(DB_CHECK_TIMEOUT_S):
        await store.db.verify()
        await store.count_subscriptions()


async def _forever() -> None:
    await asyncio.Event().wait()


def every(seconds: float) -> Callable[[], Awaitable[None]]:
    async def pause() -> None:
        await asyncio.sleep(seconds)

    return pause


def optional_services(runtime: Runtime) -> list[Service]:
    """The web side and the Telegram adapter if its token is set (not yet started); the
    Discord adapter is made here too, but started only on the leader."""
    settings = runtime.settings
    services: list[Service] = []
    routes: list[web.RouteDef] = []  # a chat adapter's own, on the web side
    if settings.telegram_bot_token is not None:
        from bot.adapters.telegram import TelegramAdapter

        telegram = TelegramAdapter(
            settings,
            runtime.core,
            runtime.store,
            runtime.clock,
            supervisor=runtime.supervisor,
            poll=False,  # the leader polls (`leader_parts`); every replica sends
        )
        runtime.telegram = telegram
        runtime.notifiers[Platform.TELEGRAM] = telegram.notifier
        if telegram.pace is not None:
            runtime.budgets[Platform.TELEGRAM] = telegram.pace  # replies and alerts: one budget
        if telegram.uses_webhook:  # Telegram delivers to the web side (settings require it)
            webhook = telegram.webhook(runtime.store)
            routes += webhook.routes()
            runtime.metrics.watch_webhook(webhook.counts.by_outcome)
        services.append(Service("telegram", telegram.start, telegram.stop, Platform.TELEGRAM))
    if settings.web_enabled:  # first: up before Telegram is told to deliver to it
        services.insert(0, web_service(runtime, routes))
    if settings.discord_bot_token is not None:
        from bot.adapters.discord import DiscordAdapter

        discord_bot = DiscordAdapter(
            settings, runtime.core, runtime.store, runtime.clock, supervisor=runtime.supervisor
        )
        # The gateway connection is the leader's alone (`leader_parts` starts and stops it).
        runtime.discord = discord_bot
        runtime.notifiers[Platform.DISCORD] = discord_bot.notifier
    return services


def web_service(runtime: Runtime, routes: Sequence[web.RouteDef] = ()) -> Service:
    """Status page, JSON API, /healthz and /metrics on PORT (and `routes`, e.g. the webhook)."""
    app = build_app(
        runtime.core.status,
        runtime.catalog,
        runtime.metrics,
        runtime.health_check,
        routes=routes,
        describe=runtime.describe if runtime.election is not None else None,
    )
    servers = []

    async def start() -> None:
        host, port = runtime.settings.web_host, runtime.settings.port
        try:
            server = await start_web(app, host, port)
        except OSError as error:
            raise SettingsError(cannot_listen(host, port, error)) from None
        servers.append(server)
        runtime.web_port = server.port

    async def stop() -> None:
        for server in servers:
            await stop_web(server)

    return Service("web", start, stop)


def cannot_listen(host: str, port: int, error: OSError) -> str:
    """Which setting keeps the web side from listening, and why, in one line."""
    if isinstance(error, socket.gaierror):
        return f"WEB_HOST: cannot listen on {host!r}: {error.strerror or error}"
    # asyncio words the bind error itself; the errno's own words are the short version.
    reason = os.strerror(error.errno) if error.errno else str(error)
    if error.errno == errno.EADDRNOTAVAIL:
        return f"WEB_HOST: cannot listen on {host!r}: {reason} (not an address of this machine)"
    if error.errno == errno.EADDRINUSE:
        return f"PORT: {host}:{port} is already in use by another program"
    if error.errno == errno.EACCES:
        return f"PORT: no permission to listen on port {port} (ports below 1024 need root)"
    return f"PORT: cannot listen on {host}:{port}: {reason}"


def alert_drainer(runtime: Runtime) -> Drainer:
    """The outbox drainer, fed by the monitor's transitions and status page reads."""
    store, catalog, clock = runtime.store, runtime.catalog, runtime.clock
    drainer = Drainer(
        store,
        runtime.notifiers,
        catalog,
        clock,
        PacingSettings.from_settings(runtime.settings),
        DrainerSettings(
            reclaim_after_s=CLAIM_LEASE_S,
            stuck_after_s=CLAIM_LEASE_S,
            renew_every_s=CLAIM_LEASE_S / 4,
        ),
        live=runtime.view if runtime.view is not None else runtime.monitor,
        budgets=runtime.budgets,
    )
    runtime.monitor.on_transition = transition_sink(
        store, catalog, runtime.monitor, clock.now, wake=drainer.wake
    )

    async def upstream_changed(exchange_id: str, upstream: Upstream) -> None:
        if await record_upstream(store, catalog, exchange_id, upstream, clock.now()):
            drainer.wake()

    async def outbox_depth() -> None:
        runtime.metrics.set_outbox_depth(await drainer.depth())
        unreachable = drainer.unreachable()
        runtime.metrics.set_alerts_unreachable({p.value: s for p, s in unreachable.items()})

    runtime.monitor.on_upstream = upstream_changed
    runtime.metrics.before_scrape(outbox_depth)
    return drainer


async def _nothing() -> None:
    return None


async def stop_quietly(name: str, stopping: Awaitable[None], when: str = "at stop") -> None:
    """Await `stopping` for STOP_TIMEOUT_S at most; a failure is one log line, saying `when`
    ("at stop", or "on stepping down" for a leader that goes on as a standby)."""
    try:
        await asyncio.wait_for(stopping, timeout=STOP_TIMEOUT_S)
    except TimeoutError:  # e.g. the database is locked by another process
        log.error(
            "%s did not finish within %.0f s %s; going on without it", name, STOP_TIMEOUT_S, when
        )
    except (DatabaseError, StorageError, OSError) as error:
        # Expected at stop (a full disk, a database locked or gone read-only): one line.
        log.error("%s failed %s: %s", name, when, str(error) or type(error).__name__)
    except Exception:
        log.exception("%s did not stop cleanly %s", name, when)
