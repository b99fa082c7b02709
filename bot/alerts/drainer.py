"""The drainer: claims due outbox rows, sends them through a `Notifier` per platform, settles them.

- Each claimed row is one task: wait for the pacer, send, record the outcome. Outcomes are
  written in batches (`flush`), so a crash can repeat the sends of the rows in flight and of
  the outcomes not yet written: delivery is at least once.
- A chat's rows go out one at a time in id order: `storage.outbox.claim` only hands out the
  earliest unfinished row of a chat, and the next one only once the previous is settled.
- Errors: `rate_limited` pauses the platform for `retry_after` and retries the row without
  counting an attempt; `unreachable` (the platform or our connection to it is down) pauses the
  platform with backoff (`backoff_s` doubling to `backoff_max_s`) and retries the row without
  counting an attempt, for as long as the outage lasts: alerts wait in the outbox, never die of
  it; `transient` (this message was refused) retries with exponential backoff up to
  `max_attempts`; `permanent` kills the row and deactivates every subscription of the chat.
- No age limit: an alert that waited out an outage is still true when it goes out, or it was
  superseded meanwhile (a down alert still pending when the channel is back becomes "was down
  N min, now back", see `storage.outbox.supersede_pending`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from bot.alerts.notifier import Notifier, SendError, SendErrorKind
from bot.alerts.pacing import Pacer, PacingSettings, SendBudget, Sleep
from bot.alerts.record import Transactional, announce_maintenance
from bot.alerts.texts import UnknownAlert, render
from bot.catalog import Catalog
from bot.clock import Clock
from bot.reply import Reply
from bot.status import LiveView
from bot.vocab import Locale, Platform
from storage import outbox
from storage.outbox import OutboxRow

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class DrainerSettings:
    batch: int = 500  # rows per claim
    max_in_flight: int = 1000  # claimed rows not yet settled
    # Only `transient` failures (the message refused) count: a platform outage never kills.
    max_attempts: int = 12  # failed sends before a row is dead
    backoff_s: float = 2.0  # first retry delay; doubles per failed attempt (or outage pause)
    backoff_max_s: float = 300.0
    poll_s: float = 1.0  # idle: look for due rows this often (wake() is immediate)
    flush_s: float = 0.05  # longest wait before outcomes are written
    reclaim_after_s: float = 0.0  # at start: rows claimed longer ago than this are reclaimed
    stuck_after_s: float = 600.0  # while running: rows in `sending` this long are reclaimed
    # Rows in hand get a fresh `claimed_at` this often (None: never). With replicas, each
    # reclaims only rows claimed longer ago than a lease (`reclaim_after_s`, `stuck_after_s`)
    # that is longer than this: rows another replica holds are renewed, a dead one's are not.
    renew_every_s: float | None = None
    stop_grace_s: float = 2.0  # on stop, sends already on the wire get this long to finish
    maintenance_every_s: float = 5.0  # how often windows are checked for started/ended alerts


class Outcome(StrEnum):
    SENT = "sent"
    RETRY = "retry"
    DEAD = "dead"


@dataclass
class DrainStats:
    """Counters since start (for /metrics and the benchmark)."""

    sent: int = 0
    retried: int = 0
    rate_limited: int = 0
    unreachable: int = 0  # sends that met a platform we could not reach (not counted attempts)
    dead: int = 0
    deactivated: int = 0
    reclaimed: int = 0
    by_platform: dict[str, int] = field(default_factory=dict)


@dataclass(slots=True)
class _Outage:
    """A platform we cannot reach: since when (epoch s), how many pauses, the current one's end."""

    since: float
    pauses: int = 0
    until: float = float("-inf")


@dataclass(frozen=True, slots=True)
class _Settled:
    row: OutboxRow
    outcome: Outcome
    error: str = ""
    due_at: float = 0.0
    failed: bool = True
    deactivate: bool = False


class Drainer:
    """Sends the outbox. `run()` until `stop()`; tests may step with `run_once()`."""

    def __init__(
        self,
        store: Transactional,
        notifiers: Mapping[Platform, Notifier],
        catalog: Catalog,
        clock: Clock,
        pacing: PacingSettings | None = None,
        settings: DrainerSettings | None = None,
        sleep: Sleep = asyncio.sleep,
        live: LiveView | None = None,
        budgets: Mapping[Platform, SendBudget] | None = None,
    ) -> None:
        """`live` (the monitor) names the best alternative when a held down alert goes out;
        `budgets` are send budgets shared with the adapters' replies (see `Pacer`)."""
        self._store = store
        self._live = live
        self._notifiers = dict(notifiers)
        self._catalog = catalog
        self._clock = clock
        self._settings = settings or DrainerSettings()
        self._pacer = Pacer(pacing or PacingSettings(), clock, sleep, budgets)
        self._settled: list[_Settled] = []
        self._tasks: dict[asyncio.Task[None], OutboxRow] = {}
        self._on_wire: set[int] = set()
        self._wake = asyncio.Event()
        self._stopping = False
        self._running: asyncio.Task[None] | None = None
        self._started = False
        self._last_maintenance = float("-inf")
        self._last_stuck_check = 0.0
        self._last_renewal = 0.0
        self._held: set[Platform] = set()
        self._outages: dict[Platform, _Outage] = {}
        self._more = False
        self._replies: dict[tuple[str, str, str, str], Reply] = {}
        self.stats = DrainStats()

    @property
    def in_flight(self) -> int:
        return len(self._tasks)

    def hold(self, platform: Platform, held: bool = True) -> None:
        """Claim no rows of `platform` while held: its notifier cannot send from this process
        (the Discord gateway runs on the leader only), so other replicas send them."""
        if held:
            self._held.add(platform)
        else:
            self._held.discard(platform)
            self.wake()

    def unreachable(self) -> dict[Platform, float]:
        """Per platform sent to: seconds its sends have been paused because it cannot be
        reached (0.0 while it can)."""
        now = self._now()
        outages = self._outages
        return {p: now - outages[p].since if p in outages else 0.0 for p in self._notifiers}

    def wake(self) -> None:
        """New rows were written: look now instead of at the next poll."""
        self._wake.set()

    async def start(self) -> int:
        """Put rows a previous process left in `sending` back to pending; returns how many."""
        before = self._now() - self._settings.reclaim_after_s
        async with self._store.transaction() as conn:
            count = await outbox.reclaim(conn, before + 1e-6)
        self._started = True  # only now: a start that failed (database locked) is tried again
        if count:
            log.warning("reclaimed %d outbox rows left in flight by a previous run", count)
        self.stats.reclaimed += count
        return count

    async def run_once(self) -> int:
        """Claim one batch, send it all, write the outcomes; returns rows claimed (tests)."""
        if not self._started:
            await self.start()
        await self._maybe_announce_maintenance()
        rows = await self._claim(self._settings.batch)
        for row in rows:
            self._spawn(row)
        if self._tasks:
            await asyncio.gather(*self._tasks)
        await self.flush()
        return len(rows)

    async def run(self) -> None:
        """Drain until `stop()` (tests and benchmarks; `supportlive run` supervises `step`)."""
        self._running = asyncio.current_task()
        try:
            while not self._stopping:
                await self._maybe_announce_maintenance()
                await self.step()
                await self.idle()
        finally:
            await self._wind_down()

    async def step(self) -> None:
        """One round: write the outcomes so far, reclaim stuck rows, claim due rows and start
        sending them. A database error raises; nothing claimed or settled is lost by it."""
        if not self._started:
            await self.start()
        await self.flush()
        await self._maybe_renew()
        await self._maybe_reclaim_stuck()
        room = self._settings.max_in_flight - len(self._tasks)
        batch = min(room, self._settings.batch)
        self._more = False
        if room >= min(self._settings.batch, self._settings.max_in_flight) // 4:
            rows = await self._claim(batch)
            for row in rows:
                self._spawn(row)
            # A full batch came: there may be more due right now.
            self._more = bool(rows) and len(rows) == batch

    async def idle(self) -> None:
        """Wait for the next round: none after a full batch, else until woken or the poll."""
        if self._more:
            await asyncio.sleep(0)
            return
        timeout = self._settings.flush_s if self._tasks else self._settings.poll_s
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), timeout)
        self._wake.clear()

    async def stop(self) -> None:
        """Stop soon: unsent claimed rows go back to pending; sends on the wire get a grace.

        With `run()` running, it ends; otherwise (supervised `step`s, already stopped by
        their supervisor) the rows in hand are wound down here."""
        self._stopping = True
        self._wake.set()
        running = self._running
        if running is None:
            await self._wind_down()
        elif running is not asyncio.current_task():
            with contextlib.suppress(asyncio.CancelledError):
                await running

    async def depth(self) -> dict[str, int]:
        async with self._store.transaction() as conn:
            return await outbox.depth(conn)

    # ------------------------------------------------------------------ claiming and sending

    def _now(self) -> float:
        return self._clock.now().timestamp()

    async def _claim(self, limit: int) -> list[OutboxRow]:
        if limit <= 0 or self._stopping:
            return []
        platforms = [p.value for p in self._notifiers if p not in self._held]
        async with self._store.transaction() as conn:
            return await outbox.claim(conn, self._now(), limit, platforms)

    def _spawn(self, row: OutboxRow) -> None:
        task = asyncio.create_task(self._deliver(row))
        self._tasks[task] = row
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[None]) -> None:
        self._tasks.pop(task, None)
        if not task.cancelled() and task.exception() is not None:
            log.error("alert delivery crashed", exc_info=task.exception())
        self._wake.set()

    async def _deliver(self, row: OutboxRow) -> None:
        platform = Platform(row.platform)
        notifier = self._notifiers[platform]
        try:
            reply = self._reply(row)
        except UnknownAlert as error:
            self._settle(_Settled(row, Outcome.DEAD, str(error)))
            return
        await self._pacer.wait_turn(platform, row.chat_id)
        self._on_wire.add(row.id)
        try:
            await notifier.send(row.chat_id, reply)
        except SendError as error:
            self._settle(self._classify(row, platform, error))
        except Exception as error:  # a notifier bug must not stop the drainer: retry later
            log.exception("notifier %s failed unexpectedly", platform.value)
            failure = SendError(SendErrorKind.TRANSIENT, f"{type(error).__name__}: {error}")
            self._settle(self._classify(row, platform, failure))
        else:
            self._reached(platform)
            self._settle(_Settled(row, Outcome.SENT))
        finally:
            self._on_wire.discard(row.id)
            self._pacer.finished(platform, row.chat_id)

    def _reply(self, row: OutboxRow) -> Reply:
        key = (row.kind, row.payload_text, row.locale, row.subscribed)
        reply = self._replies.get(key)
        if reply is None:
            if len(self._replies) > 1024:
                self._replies.clear()
            locale = Locale.ZH if row.locale == Locale.ZH.value else Locale.EN
            reply = render(row.kind, row.payload, locale, self._catalog, row.subscribed)
            self._replies[key] = reply
        return reply

    def _classify(self, row: OutboxRow, platform: Platform, error: SendError) -> _Settled:
        now = self._now()
        if error.kind is SendErrorKind.UNREACHABLE:
            due = self._unreachable(platform, error, now)
            return _Settled(row, Outcome.RETRY, error.detail, due, failed=False)
        self._reached(platform)  # it answered about this message
        if error.kind is SendErrorKind.RATE_LIMITED:
            wait = error.retry_after if error.retry_after is not None else 1.0
            self._pacer.pause(platform, wait)
            self.stats.rate_limited += 1
            return _Settled(row, Outcome.RETRY, error.detail, now + wait, failed=False)
        if error.kind is SendErrorKind.PERMANENT:
            return _Settled(row, Outcome.DEAD, error.detail, deactivate=True)
        attempts = row.attempts + 1
        if attempts >= self._settings.max_attempts:
            return _Settled(row, Outcome.DEAD, f"gave up after {attempts} attempts: {error.detail}")
        return _Settled(row, Outcome.RETRY, error.detail, now + self._backoff(attempts - 1))

    def _backoff(self, doublings: int) -> float:
        """`backoff_s` doubled `doublings` times, at most `backoff_max_s`."""
        delay: float = self._settings.backoff_s * 2**doublings
        return min(delay, self._settings.backoff_max_s)

    def _unreachable(self, platform: Platform, error: SendError, now: float) -> float:
        """Pause the platform (rows in hand wait for the pause in the pacer); returns when to
        try again. The backoff grows per pause, not per row: failures of sends that were
        already under way when the pause began do not push it to its cap."""
        self.stats.unreachable += 1
        outage = self._outages.get(platform)
        if outage is None:
            outage = self._outages[platform] = _Outage(since=now)
            log.warning(
                "%s unreachable (%s): alerts wait in the outbox", platform.value, error.detail
            )
        if now >= outage.until:
            delay = self._backoff(outage.pauses)
            outage.pauses += 1
            outage.until = now + delay
            self._pacer.pause(platform, delay, replies_too=False)
        return outage.until

    def _reached(self, platform: Platform) -> None:
        outage = self._outages.pop(platform, None)
        if outage is not None:
            log.warning(
                "%s reachable again after %.0f s: sending the alerts that waited",
                platform.value,
                self._now() - outage.since,
            )

    def _settle(self, settled: _Settled) -> None:
        self._settled.append(settled)
        if len(self._settled) >= self._settings.batch:
            self._wake.set()

    # ------------------------------------------------------------------ writing outcomes

    async def flush(self) -> None:
        """Write the outcomes gathered so far, in one transaction."""
        if not self._settled:
            return
        settled, self._settled = self._settled, []
        now = self._now()
        sent = [s.row.id for s in settled if s.outcome is Outcome.SENT]
        deactivated = 0
        try:
            async with self._store.transaction() as conn:
                if sent:
                    await outbox.mark_sent(conn, sent, now)
                for s in settled:
                    if s.outcome is Outcome.RETRY:
                        await outbox.mark_retry(conn, s.row.id, s.due_at, s.error, failed=s.failed)
                    elif s.outcome is Outcome.DEAD:
                        deactivated += await outbox.mark_dead(
                            conn, s.row.id, s.error, now, deactivate=s.deactivate
                        )
        except BaseException:
            # Not written (locked, full, stopped): keep the outcomes for the next flush, so a
            # sent alert is not sent again and a failed one keeps its backoff.
            self._settled = settled + self._settled
            raise
        self.stats.deactivated += deactivated
        self.stats.sent += len(sent)
        for s in settled:
            if s.outcome is Outcome.SENT:
                key = s.row.platform
                self.stats.by_platform[key] = self.stats.by_platform.get(key, 0) + 1
            elif s.outcome is Outcome.RETRY:
                self.stats.retried += 1
            else:
                self.stats.dead += 1
                log.warning(
                    "alert %d to %s chat %s given up: %s%s",
                    s.row.id,
                    s.row.platform,
                    s.row.chat_id,
                    s.error,
                    " (chat's subscriptions deactivated)" if s.deactivate else "",
                )

    async def _maybe_announce_maintenance(self) -> None:
        now = self._clock.monotonic()
        if now - self._last_maintenance < self._settings.maintenance_every_s:
            return
        self._last_maintenance = now
        await self.announce_maintenance()

    async def announce_maintenance(self) -> None:
        """Queue the alerts of maintenance windows that started or ended since the last call."""
        written = await announce_maintenance(
            self._store, self._clock.now(), catalog=self._catalog, live_view=self._live
        )
        if written:
            self._wake.set()

    async def _maybe_renew(self) -> None:
        every = self._settings.renew_every_s
        now = self._clock.monotonic()
        if every is None or not self._tasks or now - self._last_renewal < every:
            return
        self._last_renewal = now
        async with self._store.transaction() as conn:
            await outbox.renew(conn, [row.id for row in self._tasks.values()], self._now())

    async def _maybe_reclaim_stuck(self) -> None:
        now = self._clock.monotonic()
        if now - self._last_stuck_check < self._settings.stuck_after_s / 4:
            return
        self._last_stuck_check = now
        mine = {row.id for row in self._tasks.values()}
        before = self._now() - self._settings.stuck_after_s
        async with self._store.transaction() as conn:
            stuck = await outbox.reclaim_stale(conn, before, exclude=mine)
        self.stats.reclaimed += stuck

    async def _wind_down(self) -> None:
        """Cancel sends still waiting for their turn, let those on the wire finish (briefly)."""
        waiting = [t for t, row in self._tasks.items() if row.id not in self._on_wire]
        unsent = [self._tasks[t].id for t in waiting]
        for task in waiting:
            task.cancel()
        await asyncio.gather(*waiting, return_exceptions=True)
        wire = list(self._tasks)
        if wire:
            _, late = await asyncio.wait(wire, timeout=self._settings.stop_grace_s)
            for task in late:
                task.cancel()  # left in `sending`: the next start reclaims it
            await asyncio.gather(*late, return_exceptions=True)
        await self.flush()
        if unsent:
            async with self._store.transaction() as conn:
                await outbox.release(conn, unsent)
