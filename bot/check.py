"""`supportlive check [EXCHANGE]`: probe every channel once, now, and print a table.

Works with no tokens and no database; with `DATABASE_URL` set, it first logs in to that
PostgreSQL server (what `run` would meet at start) and stops with one line if it cannot.
The canaries (`CANARY_URLS`) are probed in the same round: when every one fails, the probes
are blind (`bot.blind`), the failures prove nothing, and the table says so at the top. Exit
status: 0 when nothing is down, 1 when something is, 2 on bad usage or configuration, 3 when
blind (nothing could be checked from here).
"""

from __future__ import annotations

import asyncio
import sys
from dataclasses import dataclass
from datetime import datetime

from bot.blind import FALLBACK_MIN_EXCHANGES, Sight, blinded, canary_targets
from bot.catalog import Catalog, CatalogError, Channel, Exchange, load_catalog
from bot.clock import Clock, SystemClock
from bot.commands.args import find_exchange, suggest_exchanges
from bot.health import HealthPolicy, HealthState, advance, initial
from bot.latency import ExactQuantiles
from bot.monitor import status_page_targets, upstream_of
from bot.probe_plan import probe_plan
from bot.settings import Settings
from bot.verdict import Upstream, VerdictResult, decide
from bot.vocab import Verdict
from probes.context import ProbeContext, Target, make_session
from probes.result import ErrorKind, ProbeResult
from probes.scheduler import limited, probe_all_once
from storage.engine import StorageError

EXIT_OK, EXIT_DOWN, EXIT_USAGE, EXIT_BLIND = 0, 1, 2, 3
BLIND_TEXT = (
    "⚠️ We can't check from here right now: every canary failed too (CANARY_URLS), so our "
    "own connection is failing. The failures below say nothing about the exchanges."
)
# With CANARY_URLS empty, the correlated-failure rule (bot.blind) decided instead.
BLIND_TEXT_NO_CANARIES = (
    f"⚠️ We can't check from here right now: most channels of {FALLBACK_MIN_EXCHANGES} or more "
    "exchanges failed at the network level at once (no CANARY_URLS), so our own connection is "
    "most likely failing. The failures below say nothing about the exchanges."
)
# One check is all the evidence there is: it decides the health on its own.
ONE_SHOT = HealthPolicy(failure_threshold=1, success_threshold=1)


@dataclass(frozen=True)
class Snapshot:
    """Health from one round of probes; serves as the live view for one-off answers."""

    states: dict[str, HealthState]
    upstreams: dict[str, Upstream]
    results: dict[str, ProbeResult]
    blind: datetime | None = None

    def health(self, channel_key: str) -> HealthState | None:
        return self.states.get(channel_key)

    def recent_latency(self, channel_key: str) -> ExactQuantiles:
        result = self.results.get(channel_key)
        if result is None or not result.ok or result.latency_ms is None:
            return ExactQuantiles()
        return ExactQuantiles((result.latency_ms,))

    def upstream(self, exchange_id: str) -> Upstream | None:
        return self.upstreams.get(exchange_id)

    def blind_since(self) -> datetime | None:
        return self.blind


async def probe_once(
    settings: Settings,
    catalog: Catalog,
    *,
    wait_s: float | None = None,
) -> Snapshot:
    """Probe every channel of `catalog` once, concurrently, and keep what was seen.

    `wait_s`: the longest to wait (None: each probe's own timeout). A channel not answered
    by then is unknown ("can't check from here"), never down: its probe's timeout, which
    decides down, had not run out. A canary not answered by then counts as failed (blind).
    """
    allow_local = settings.allow_local_targets
    plan = probe_plan(catalog, allow_local=allow_local)
    pages = status_page_targets(catalog, allow_local=allow_local)
    canaries = canary_targets(settings.canary_urls, allow_local=allow_local)
    async with make_session() as session:
        ctx = ProbeContext(session=session, dns_nameservers=settings.dns_nameservers)
        everything = [*canaries, *plan.targets, *pages]
        found, late = await _probe_within(ctx, everything, settings.probe_concurrency, wait_s)
    # Channels that share a probe share its result (one check, one answer).
    found = [each for result in found for each in plan.results_for(result)]
    unanswered = {each.channel for result in late for each in plan.results_for(result)}
    channels = [exchange.key(c) for exchange, c in catalog.channels() if c.probe]
    sight = Sight([t.channel for t in canaries], channels)
    for result in found:
        sight.observe(result)
    results = [
        blinded(r) if not r.ok and (sight.blind or r.channel in unanswered) else r
        for r in found
        if not sight.is_canary(r.channel)
    ]
    states = {r.channel: advance(initial(r.channel), r, ONE_SHOT)[0] for r in results}
    kinds = {exchange.key(c): c.probe.kind for exchange, c in catalog.channels() if c.probe}
    kinds.update({t.channel: t.spec.kind for t in pages})
    upstreams = {
        r.channel.partition("/")[0]: upstream_of(r)
        for r in results
        if kinds[r.channel] == "statuspage"
    }
    return Snapshot(states, upstreams, {r.channel: r for r in results}, sight.since)


async def _probe_within(
    ctx: ProbeContext, targets: list[Target], concurrency: int, wait_s: float | None
) -> tuple[list[ProbeResult], list[ProbeResult]]:
    """(every target's result in order, those of targets not answered within `wait_s`): a
    probe still running then is stopped, and its result is a timeout saying so."""
    if wait_s is None:
        return await probe_all_once(ctx, targets, concurrency=concurrency), []
    started, one = ctx.now(), limited(ctx, concurrency)
    probing = [asyncio.ensure_future(one(target)) for target in targets]
    done, pending = await asyncio.wait(probing, timeout=wait_s) if probing else (set(), set())
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
    results, late = [], []
    for target, task in zip(targets, probing, strict=True):
        if task in done:
            results.append(task.result())
            continue
        detail = f"no answer within {wait_s:g} s"
        late.append(ProbeResult(target.channel, started, False, None, ErrorKind.TIMEOUT, detail))
        results.append(late[-1])
    return results, late


def verdict_of(
    exchange: Exchange, channel: Channel, snapshot: Snapshot, clock: Clock
) -> VerdictResult:
    state = snapshot.health(exchange.key(channel))
    health = state.health if state else initial(exchange.key(channel)).health
    return decide(
        channel,
        health,
        clock.now(),
        upstream=snapshot.upstream(exchange.id),
        evidence_at=state.last_at if state else None,
        detail=state.last_detail if state else "",
        degraded_by=state.degraded_by if state else None,
        blind=state is not None and state.last_error == ErrorKind.BLIND,
    )


def table(catalog: Catalog, snapshot: Snapshot, clock: Clock) -> tuple[list[str], bool]:
    """The printed rows and whether any channel is down."""
    rows = [("EXCHANGE", "CHANNEL", "VERDICT", "LATENCY", "DETAIL")]
    any_down = False
    for exchange, channel in catalog.channels():
        result = snapshot.results.get(exchange.key(channel))
        verdict = verdict_of(exchange, channel, snapshot, clock).verdict
        any_down = any_down or verdict is Verdict.DOWN
        latency = f"{result.latency_ms:.0f} ms" if result and result.latency_ms else "-"
        if result is None:
            detail = "not probed (verdict from hours)"
        else:
            detail = result.detail or ("ok" if result.ok else result.error or "failed")
        rows.append((exchange.id, channel.id, verdict.value, latency, detail))
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    lines = ["  ".join([*(row[i].ljust(widths[i]) for i in range(4)), row[4]]) for row in rows]
    return lines, any_down


def check(settings: Settings, exchange_word: str | None, clock: Clock | None = None) -> int:
    try:
        catalog = load_catalog(settings.catalog_path, allow_local=settings.allow_local_targets)
    except CatalogError as error:
        print(str(error), file=sys.stderr)
        return EXIT_USAGE
    if exchange_word:
        exchange = find_exchange(catalog, exchange_word)
        if exchange is None:
            near = ", ".join(suggest_exchanges(catalog, exchange_word)) or "none"
            known = ", ".join(e.name for e in catalog.exchanges)
            print(
                f"unknown exchange {exchange_word!r} (closest: {near}); known: {known}",
                file=sys.stderr,
            )
            return EXIT_USAGE
        catalog = Catalog(exchanges=(exchange,))
    if settings.database_url is not None:
        # What `run` would meet at start: an unreachable server or a refused login.
        from storage.postgres import check_reachable  # asyncpg only when it is used

        try:
            asyncio.run(check_reachable(settings.database_url.get_secret_value()))
        except StorageError as error:
            print(f"supportlive: {error}", file=sys.stderr)
            return EXIT_USAGE
    snapshot = asyncio.run(probe_once(settings, catalog))
    lines, any_down = table(catalog, snapshot, clock or SystemClock())
    if snapshot.blind is not None:
        print(BLIND_TEXT if settings.canary_urls else BLIND_TEXT_NO_CANARIES)
    print("\n".join(lines))
    if snapshot.blind is not None:
        return EXIT_BLIND
    return EXIT_DOWN if any_down else EXIT_OK
