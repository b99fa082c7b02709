"""Send pacing per platform: an overall pace, a minimum gap per chat, and pauses after a 429.

Telegram's limits (Bots FAQ): about 30 messages/s overall (we pace at `TELEGRAM_RATE_PER_S`,
default 25, to leave room for command replies), 1 message/s per chat, 20/min per group. The
overall pace is a gap between sends, not a bucket with a burst: Telegram (and the fake Bot API)
count sends in a sliding window, so a burst of 25 followed by 25 more within one second would
be 50 in that window. For the same reason a group gets one message per 3 s rather than 20 at
once. A chat's gap is measured from the *end* of its previous send, so arrival jitter on the
wire cannot squeeze two messages into one second.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from bot.clock import Clock
from bot.settings import Settings
from bot.vocab import Platform

Sleep = Callable[[float], Awaitable[None]]


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
    next_slot: float = -math.inf
    paused_until: float = -math.inf
    epoch: int = 0  # bumped by a pause: slots reserved before it are void
    chat_done: dict[str, float] = field(default_factory=dict)


class Pacer:
    """Decides when each send may start. One send per chat at a time is the caller's job."""

    def __init__(self, settings: PacingSettings, clock: Clock, sleep: Sleep = asyncio.sleep):
        self._settings = settings
        self._clock = clock
        self._sleep = sleep
        self._lanes: dict[Platform, _Lane] = {}

    def _lane(self, platform: Platform) -> _Lane:
        lane = self._lanes.get(platform)
        if lane is None:
            lane = self._lanes[platform] = _Lane(self._settings.pace(platform))
        return lane

    def paused_for(self, platform: Platform) -> float:
        """Seconds the platform stays paused after a 429 (0 when not paused)."""
        return max(0.0, self._lane(platform).paused_until - self._clock.monotonic())

    async def wait_turn(self, platform: Platform, chat_id: str) -> None:
        """Return when a send to the chat may start."""
        lane = self._lane(platform)
        gap = lane.pace.group_gap_s if is_group(platform, chat_id) else lane.pace.chat_gap_s
        spacing = 1.0 / lane.pace.per_s if lane.pace.per_s > 0 else 0.0
        while True:
            now = self._clock.monotonic()
            done = lane.chat_done.get(chat_id)
            ready = lane.paused_until
            if done is not None and gap > 0.0:
                ready = max(ready, done + gap + lane.pace.margin_s)
            if ready > now:
                await self._sleep(ready - now)
                continue
            if spacing == 0.0:
                return
            slot = max(now, lane.next_slot)
            lane.next_slot = slot + spacing
            if slot <= now:
                return
            epoch = lane.epoch
            await self._sleep(slot - now)
            if epoch == lane.epoch:
                return

    def finished(self, platform: Platform, chat_id: str) -> None:
        """Note that a send to the chat ended (accepted or not): its gap starts now."""
        lane = self._lane(platform)
        if lane.pace.chat_gap_s <= 0.0 and lane.pace.group_gap_s <= 0.0:
            return
        now = self._clock.monotonic()
        lane.chat_done[chat_id] = now
        if len(lane.chat_done) > 50_000:
            horizon = now - max(lane.pace.chat_gap_s, lane.pace.group_gap_s) - 1.0
            lane.chat_done = {c: t for c, t in lane.chat_done.items() if t > horizon}

    def pause(self, platform: Platform, seconds: float) -> None:
        """Stop every send on the platform for `seconds` (a 429 said so)."""
        lane = self._lane(platform)
        until = self._clock.monotonic() + max(seconds, 0.0)
        if until > lane.paused_until:
            lane.paused_until = until
            lane.next_slot = until
            lane.epoch += 1
