"""`supportlive probe-node`: probes from another place, into the same database.

A probe node runs only the probes: the same catalog, the same probe plan (shared probes,
canaries and the blind rule) and the same schedule as `supportlive run`. It keeps this
region's health per channel with the same state machine (bot/health.py) and writes, in
batches, its raw results tagged with its region (`PROBE_REGION`) and its latest sighting per
channel (storage/regions.py). It writes no rollups, no health state, no transitions and no
alerts, and runs no chat adapter: the process running the monitor reads the sightings and
decides with every region (bot/regions.py). Its only web route is `/healthz` on `PORT`
(`WEB_ENABLED=false`: none).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial

from aiohttp import web

from bot.app import STOP_TIMEOUT_S, cannot_listen, every, stop_quietly, stop_signal
from bot.blind import Sight, blinded, canary_targets
from bot.catalog import Catalog
from bot.clock import Clock, SystemClock
from bot.health import DEFAULT_POLICY, HealthPolicy, HealthState, advance, initial
from bot.monitor import BACKLOG_MAX, targets_of
from bot.probe_plan import probe_plan
from bot.settings import DEFAULT_REGION, Settings, SettingsError
from bot.supervisor import Supervisor
from bot.web import start_web, stop_web
from bot.web.server import WebServer
from probes.context import ProbeContext, make_session, user_agent_for
from probes.registry import run_probe
from probes.result import ProbeResult
from probes.scheduler import Scheduler
from storage import open_database
from storage.records import SightingRow
from storage.store import Store

log = logging.getLogger("supportlive")

FLUSH_EVERY_S = 1.0


class NodeMonitor:
    """A probe node's pipeline: result → this region's health → raw rows and sightings."""

    def __init__(
        self,
        catalog: Catalog,
        store: Store,
        region: str,
        *,
        canaries: Sequence[str] = (),
        policy: HealthPolicy = DEFAULT_POLICY,
        backlog_max: int = BACKLOG_MAX,
    ) -> None:
        """`canaries`: the keys of canary targets, as for `bot.monitor.Monitor`."""
        self.region = region
        self._store = store
        self._policy = policy
        self._plan = probe_plan(catalog)
        probed = {e.key(c) for e, c in catalog.channels() if c.probe is not None}
        self._sight = Sight(canaries, probed)
        self._states: dict[str, HealthState] = {}
        self._results: list[ProbeResult] = []
        self._sightings: dict[str, SightingRow] = {}  # the latest per channel, not yet written
        self._backlog_max = backlog_max
        self.dropped = 0  # raw results dropped while the database was out

    def blind_since(self) -> datetime | None:
        return self._sight.since

    def health(self, channel_key: str) -> HealthState | None:
        return self._states.get(channel_key)

    def on_result(self, result: ProbeResult) -> None:
        """Count the result toward sight (canaries) or this region's view of its channels."""
        if self._sight.is_canary(result.channel):
            self._sight.observe(result)
            return
        for each in self._plan.results_for(result):
            self._take(each)

    def _take(self, result: ProbeResult) -> None:
        # As in the monitor: while blind, a failure proves nothing (health unknown), so the
        # region running the monitor counts this region's view of the channel for nothing.
        self._sight.observe(result)
        if not result.ok and self._sight.covers(result.at):
            result = blinded(result)
        before = self._states.get(result.channel) or initial(result.channel)
        state, _ = advance(before, result, self._policy)
        self._states[result.channel] = state
        self._results.append(result)
        self._sightings[result.channel] = SightingRow(
            channel=result.channel,
            region=self.region,
            at=result.at,
            ok=result.ok,
            health=state.health.value,
            error=None if result.error is None else result.error.value,
            detail=result.detail,
        )
        if len(self._results) > self._backlog_max:
            self._trim()  # the database is out and results keep coming

    async def flush(self) -> None:
        """Write the buffered results and latest sightings in one transaction; on failure
        they wait for the next flush (sightings newer by then replace theirs)."""
        results, sightings = self._results, self._sightings
        if not results and not sightings:
            return
        self._results, self._sightings = [], {}
        try:
            await self._store.write_region_results(self.region, results, list(sightings.values()))
        except BaseException:
            self._results = results + self._results
            self._sightings = {**sightings, **self._sightings}
            self._trim()
            raise

    def _trim(self) -> None:
        """Keep the newest results (to 90 % of the bound); the latest sightings are all kept."""
        excess = len(self._results) - (self._backlog_max - self._backlog_max // 10)
        if len(self._results) > self._backlog_max and excess > 0:
            del self._results[:excess]
            self.dropped += excess


@dataclass
class NodeRuntime:
    """What `node_running` built, for /healthz and for tests."""

    settings: Settings
    node: NodeMonitor
    scheduler: Scheduler
    supervisor: Supervisor = field(default_factory=Supervisor)
    web_port: int | None = None
    probing: bool = False

    def health_check(self) -> tuple[bool, str]:
        """(healthy, reason): probing, the probes can see, and the writes go through."""
        if not self.probing:
            return False, "starting: the probes have not begun yet"
        if (blind := self.node.blind_since()) is not None:
            return False, f"blind since {blind:%Y-%m-%d %H:%M:%S} UTC: we can't check from here"
        problems = self.supervisor.problems()
        if problems:
            return False, "; ".join(problems)
        return True, "ok"


async def serve_node(settings: Settings, catalog: Catalog, clock: Clock | None = None) -> None:
    """Probe until SIGINT/SIGTERM, then stop everything."""
    stop = stop_signal()
    if settings.probe_region == DEFAULT_REGION:
        # The bot ignores sightings of its own region: a node it cannot tell apart is unheard.
        log.warning(
            "PROBE_REGION is not set: this probe node reports as %r, the region of a "
            "`supportlive run` left at its default, which will not hear it; give it its own",
            DEFAULT_REGION,
        )
    async with node_running(settings, catalog, clock or SystemClock()) as runtime:
        log.info(
            "probe node of region %s running: %d probes, %d canaries",
            settings.probe_region,
            len(runtime.scheduler.channels()) - len(settings.canary_urls),
            len(settings.canary_urls),
        )
        await stop.wait()
        log.info("stopping")


@contextlib.asynccontextmanager
async def node_running(
    settings: Settings, catalog: Catalog, clock: Clock
) -> AsyncIterator[NodeRuntime]:
    """The probes, the batched writes and /healthz started; leaving it stops them."""
    db = await open_database(
        settings.database_target,
        pool_min=settings.database_pool_min,
        pool_max=settings.database_pool_max,
    )
    agent = user_agent_for(settings.probe_region)
    session = make_session(user_agent=agent)
    store = Store(db, now=clock.now)
    runtime: NodeRuntime | None = None
    server: WebServer | None = None
    try:
        allow_local = settings.allow_local_targets
        channels = targets_of(catalog, allow_local=allow_local)
        canaries = canary_targets(settings.canary_urls, channels, allow_local=allow_local)
        node = NodeMonitor(
            catalog, store, settings.probe_region, canaries=[t.channel for t in canaries]
        )
        ctx = ProbeContext(
            session=session,
            now=clock.now,
            user_agent=agent,
            dns_nameservers=settings.dns_nameservers,
        )
        scheduler = Scheduler(
            [*canaries, *channels],
            partial(run_probe, ctx),
            node.on_result,
            concurrency=settings.probe_concurrency,
        )
        runtime = NodeRuntime(settings, node, scheduler)
        if settings.web_enabled:
            server = await _start_healthz(runtime)
        scheduler.start()
        runtime.probing = True
        runtime.supervisor.loop("probe node", node.flush, every(FLUSH_EVERY_S))
        yield runtime
    finally:
        db.stop_waiting()
        if runtime is not None:
            await runtime.supervisor.stop_all()
            await stop_quietly("scheduler", runtime.scheduler.stop())
            await stop_quietly("final flush", runtime.node.flush())
        if server is not None:
            await asyncio.wait_for(stop_web(server), STOP_TIMEOUT_S)
        await session.close()
        await db.close()


async def _start_healthz(runtime: NodeRuntime) -> WebServer:
    """/healthz on WEB_HOST:PORT: 200 {"status": "ok", "region"}, or 503 with the reason."""

    async def healthz(_: web.Request) -> web.Response:
        healthy, reason = runtime.health_check()
        body = {
            "status": "ok" if healthy else "unhealthy",
            "reason": reason,
            "region": runtime.settings.probe_region,
        }
        return web.json_response(
            body, status=200 if healthy else 503, headers={"Cache-Control": "no-store"}
        )

    app = web.Application()
    app.router.add_get("/healthz", healthz)
    host, port = runtime.settings.web_host, runtime.settings.port
    try:
        server = await start_web(app, host, port)
    except OSError as error:
        raise SettingsError(cannot_listen(host, port, error)) from None
    runtime.web_port = server.port
    return server
