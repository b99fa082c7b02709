"""How fast users may talk to the bot: a per-user command limit.

How fast the bot talks is `bot.alerts.pacing.SendBudget`: one budget for replies and alerts.
"""

from __future__ import annotations

from collections import deque
from enum import StrEnum

from bot.vocab import Locale

# The adapter's own words for the limit (everything else comes from the core's `Strings`).
SLOW_DOWN = {
    Locale.EN: "You're sending commands faster than I can answer. "
    "Please wait a few seconds, then try again.",
    Locale.ZH: "您发送命令的速度太快了，请稍等几秒再试。",
}


class Admission(StrEnum):
    """What the command limit says about one command."""

    ALLOW = "allow"
    WARN = "warn"  # the first command over the limit: say so politely
    DROP = "drop"  # further ones: silence until the window frees up


class CommandLimit:
    """At most `count` commands per user in any `per_s` seconds (a sliding window)."""

    def __init__(self, count: int = 8, per_s: float = 10.0) -> None:
        self._count = count
        self._per_s = per_s
        self._seen: dict[str, deque[float]] = {}
        self._warned: set[str] = set()

    def admit(self, user: str, now: float) -> Admission:
        """Whether the user's command at `now` is answered, refused politely, or ignored."""
        window = self._seen.setdefault(user, deque())
        while window and window[0] <= now - self._per_s:
            window.popleft()
        if len(window) < self._count:
            window.append(now)
            self._warned.discard(user)
            if len(self._seen) > 10_000:
                self._forget(now)
            return Admission.ALLOW
        if user in self._warned:
            return Admission.DROP
        self._warned.add(user)
        return Admission.WARN

    def _forget(self, now: float) -> None:
        idle = [u for u, w in self._seen.items() if not w or w[-1] <= now - self._per_s]
        for user in idle:
            del self._seen[user]
            self._warned.discard(user)
