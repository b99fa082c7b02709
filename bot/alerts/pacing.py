"""Send pacing per platform: an overall budget, a minimum gap per chat, and pauses after a 429.

Telegram's limits (Bots FAQ): about 30 messages/s overall, 1 message/s per chat, 20/min per
group. Telegram (and the fake Bot API) count sends in a sliding window, so the overall limit is
a `SendBudget`: at most N sends in ANY one-second window, counted from what really happened
rather than from slots reserved ahead (a busy event loop that wakes late can delay sends but
never bunch them over the limit). On Telegram, command replies and alerts share one budget of
30 a second, of which alerts may use `TELEGRAM_RATE_PER_S` (default 25): replies always have
room. A group gets one message per 3 s rather than 20 at once. Both the budget and a chat's gap
count from the *end* of earlier sends, so arrival jitter on the wire cannot squeeze one more
message into a window.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from bot.clock import Clock
from bot.settings import Settings
from bot.vocab import Platform

Sleep = Callable[[float], Awaitable[None]]
Now = Callable[[], float]

# Telegram's documented bulk limit: replies and alerts together stay within it.
TELEGRAM_TOTAL_PER_S = 30.0
# A send whose end is not known yet holds its place in the window; look again this often.
_IN_FLIGHT_POLL_S = 0.01


class SendKind(StrEnum):
    """Who is sending: alerts have a sub-limit so replies to commands always get through."""

    REPLY = "reply"
    ALERT = "alert"


@dataclass(slots=True)
class Turn:
    """One send's place in a `SendBudget`: when it started and when it ended."""

    start: float
    end: float = math.inf  # until the platform answered


def _window(per_s: float) -> tuple[int, float]:
    """A rate as (sends, seconds): 25/s is 25 per 1 s; 0.5/s is 1 per 2 s."""
    if per_s >= 1.0:
        return math.floor(per_s), 1.0
    return 1, 1.0 / per_s


class SendBudget:
    """At most `per_s` sends in any one-second window, at most `alerts_per_s` of them alerts.

    A send starts only when the send `per_s` places before it *ended* over a second ago, so
    the platform, which counts arrivals, never sees more in any second, however the sends
    were delayed on the way. Sends are also spaced by at least `1 / per_s` (no burst of 30 in
    a millisecond). Waiters of one kind are served in order. `pause` holds every send (429).
    """

    def __init__(
        self,
        per_s: float,
        alerts_per_s: float | None = None,
        *,
        now: Now,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        if per_s <= 0.0:
            raise ValueError("a send budget needs a positive rate")
        limit, self._window_s = _window(per_s)
        alert_limit = _window(alerts_per_s)[0] if alerts_per_s else limit
        self._all: deque[Turn] = deque(maxlen=limit)
        self._alerts: deque[Turn] = deque(maxlen=min(alert_limit, limit))
        self._gap_s = self._window_s / limit
        self._now = now
        self._sleep = sleep
        self._paused_until = -math.inf
        self._queues = {kind: asyncio.Lock() for kind in SendKind}

    @contextlib.asynccontextmanager
    async def send(self, kind: SendKind = SendKind.REPLY) -> AsyncIterator[None]:
        """Wait for a turn, then run the body as one send (its end is noted on exit)."""
        turn = await self.start(kind)
        try:
            yield
        finally:
            self.finish(turn)

    async def start(self, kind: SendKind = SendKind.REPLY) -> Turn:
        """Wait for a turn and take it; pass what it returns to `finish` when the send ends."""
        async with self._queues[kind]:
            while True:
                now = self._now()
                ready = self._ready_at(kind, now)
                if ready <= now:
                    turn = Turn(now)
                    self._all.append(turn)
                    if kind is SendKind.ALERT:
                        self._alerts.append(turn)
                    return turn
                await self._sleep(ready - now)

    def finish(self, turn: Turn) -> None:
        """The send of `turn` ended (accepted or not)."""
        turn.end = self._now()

    def pause(self, seconds: float) -> None:
        """Hold every send for `seconds` (a 429 said so)."""
        self._paused_until = max(self._paused_until, self._now() + max(seconds, 0.0))

    def paused_for(self) -> float:
        """Seconds left of a pause (0 when not paused)."""
        return max(0.0, self._paused_until - self._now())

    def _ready_at(self, kind: SendKind, now: float) -> float:
        ready = self._paused_until
        if self._all:
            ready = max(ready, self._all[-1].start + self._gap_s)
        logs = (self._all, self._alerts) if kind is SendKind.ALERT else (self._all,)
        for log in logs:
            if len(log) == log.maxlen:
                oldest = log[0].end
                ready = max(
                    ready, oldest + self._window_s if oldest < math.inf else now + _IN_FLIGHT_POLL_S
                )
        return ready


@dataclass(frozen=True, slots=True)
class Pace:
    """Limits for one platform. `per_s` 0 means no overall limit."""

    per_s: float
    chat_gap_s: float = 1.0
    group_gap_s: float = 1.0
    margin_s: float = 0.02  # added to each chat gap: clocks on both ends are not one clock


TELEGRAM = Pace(per_s=25.0, chat_gap_s=1.0, group_gap_s=60.0 / 20)
# Discord: 50 requests/s for a bot overall; discord.py keeps the per-route buckets itself.
DISCORD = Pace(per_s=40.0, chat_gap_s=1.0, group_gap_s=1.0)
UNPACED = Pace(per_s=0.0, chat_gap_s=0.0, group_gap_s=0.0, margin_s=0.0)


@dataclass(frozen=True, slots=True)
class PacingSettings:
    enabled: bool = True
    paces: dict[Platform, Pace] = field(
        default_factory=lambda: {Platform.TELEGRAM: TELEGRAM, Platform.DISCORD: DISCORD}
    )

    @classmethod
    def off(cls) -> PacingSettings:
        return cls(enabled=False)

    @classmethod
    def from_settings(cls, settings: Settings) -> PacingSettings:
        telegram = Pace(
            per_s=settings.telegram_rate_per_s,
            chat_gap_s=TELEGRAM.chat_gap_s,
            group_gap_s=TELEGRAM.group_gap_s,
        )
        return cls(paces={Platform.TELEGRAM: telegram, Platform.DISCORD: DISCORD})

    def pace(self, platform: Platform) -> Pace:
        """The platform's limits; no limits at all when pacing is off (429 pauses still hold)."""
        if not self.enabled:
            return UNPACED
        return self.paces.get(platform, UNPACED)


def is_group(platform: Platform, chat_id: str) -> bool:
    """Telegram groups, supergroups and channels have negative ids (or an @name)."""
    return platform is Platform.TELEGRAM and chat_id.startswith(("-", "@"))


@dataclass
class _Lane:
    pace: Pace
    budget: SendBudget | None  # None: no overall limit (a 429 pause still holds)
    paused_until: float = -math.inf
    chat_done: dict[str, float] = field(default_factory=dict)
    on_wire: dict[str, Turn] = field(default_factory=dict)


class Pacer:
    """Decides when each alert may start. One send per chat at a time is the caller's job.

    `budgets` are overall budgets shared with others who send on the platform (the Telegram
    adapter's replies); a platform without one gets its own from its `Pace`.
    """

    def __init__(
        self,
        settings: PacingSettings,
        clock: Clock,
        sleep: Sleep = asyncio.sleep,
        budgets: Mapping[Platform, SendBudget] | None = None,
    ):
        self._settings = settings
        self._clock = clock
        self._sleep = sleep
        self._budgets = dict(budgets or {})
        self._lanes: dict[Platform, _Lane] = {}

    def _lane(self, platform: Platform) -> _Lane:
        lane = self._lanes.get(platform)
        if lane is None:
            pace = self._settings.pace(platform)
            budget = self._budgets.get(platform) if self._settings.enabled else None
            if budget is None and pace.per_s > 0.0:
                budget = SendBudget(pace.per_s, now=self._clock.monotonic, sleep=self._sleep)
            lane = self._lanes[platform] = _Lane(pace, budget)
        return lane

    def paused_for(self, platform: Platform) -> float:
        """Seconds the platform stays paused after a 429 (0 when not paused)."""
        return max(0.0, self._lane(platform).paused_until - self._clock.monotonic())

    async def wait_turn(self, platform: Platform, chat_id: str) -> None:
        """Return when a send to the chat may start (then call `finished` when it ends)."""
        lane = self._lane(platform)
        gap = lane.pace.group_gap_s if is_group(platform, chat_id) else lane.pace.chat_gap_s
        while True:
            now = self._clock.monotonic()
            done = lane.chat_done.get(chat_id)
            ready = lane.paused_until
            if done is not None and gap > 0.0:
                ready = max(ready, done + gap + lane.pace.margin_s)
            if ready > now:
                await self._sleep(ready - now)
                continue
            if lane.budget is None:
                return
            turn = await lane.budget.start(SendKind.ALERT)
            if lane.paused_until <= self._clock.monotonic():
                lane.on_wire[chat_id] = turn
                return
            lane.budget.finish(turn)  # a 429 came while waiting: wait for its end first

    def finished(self, platform: Platform, chat_id: str) -> None:
        """Note that a send to the chat ended (accepted or not): its gap starts now."""
        lane = self._lane(platform)
        turn = lane.on_wire.pop(chat_id, None)
        if turn is not None and lane.budget is not None:
            lane.budget.finish(turn)
        if lane.pace.chat_gap_s <= 0.0 and lane.pace.group_gap_s <= 0.0:
            return
        now = self._clock.monotonic()
        lane.chat_done[chat_id] = now
        if len(lane.chat_done) > 50_000:
            horizon = now - max(lane.pace.chat_gap_s, lane.pace.group_gap_s) - 1.0
            lane.chat_done = {c: t for c, t in lane.chat_done.items() if t > horizon}

    def pause(self, platform: Platform, seconds: float, *, replies_too: bool = True) -> None:
        """Stop every alert send on the platform for `seconds`; with `replies_too` (a 429:
        the limit is the bot's) the shared budget's replies too. An outage pauses alerts only:
        a reply is a probe of its own, and it should not wait out an alert's backoff."""
        lane = self._lane(platform)
        until = self._clock.monotonic() + max(seconds, 0.0)
        lane.paused_until = max(lane.paused_until, until)
        if replies_too and lane.budget is not None:
            lane.budget.pause(seconds)
