"""Time limits for thousands of checks a second on a handful of timers.

A timer per check (`asyncio.timeout`, or aiohttp's own per-request timeout) costs far more
than it looks. Each check pushes a handle onto the event loop's heap of timers and cancels it
when the check ends, long before it is due; the cancelled handles stay in the heap until the
loop sweeps them, so the heap holds about a timeout's worth of checks, and every push, pop and
sweep compares handles in Python. At keep-alive rates, turning aiohttp's timer off took a
check of the probe pipeline from ~85 to ~72 µs (`bench/probe_pipeline.py`'s pipeline, one
measurement); with these shared timers in its place, a check costs ~4 µs less than before.

`Deadlines` rounds each deadline up to the next `TICK_S` and keeps one timer per tick, shared
by every check due in it. A check that ends in time (nearly all) only enters and leaves a set.
A check still running when its tick comes is cancelled, and its scope raises `TimeoutError`,
as `asyncio.timeout` does; an outside cancellation still cancels. A deadline is met at most
`TICK_S` late.

    with ctx.deadlines.within(10.0):
        ...  # TimeoutError after 10-10.05 s
"""

from __future__ import annotations

import asyncio
import math
from types import TracebackType
from typing import Any

TICK_S = 0.05


class Deadlines:
    """The shared timers of one event loop's checks (a loop that ends takes its timers with it:
    the next loop starts afresh). One loop at a time, like the aiohttp session beside it in
    `ProbeContext`: not for two loops running at once, nor for threads."""

    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._due: dict[int, set[Deadline]] = {}  # tick -> the scopes due at its end

    def within(self, seconds: float) -> Deadline:
        """A scope (`with`) that raises TimeoutError when its body runs over `seconds`."""
        return Deadline(self, seconds)

    def _add(
        self, scope: Deadline, loop: asyncio.AbstractEventLoop, seconds: float
    ) -> set[Deadline]:
        """Put `scope` in the set of its tick (made, with its timer, if new); that set."""
        if loop is not self._loop:
            self._loop, self._due = loop, {}
        tick = math.ceil((loop.time() + seconds) / TICK_S)
        due = self._due.get(tick)
        if due is None:
            due = self._due[tick] = set()
            loop.call_at(tick * TICK_S, self._expire, tick)
        due.add(scope)
        return due

    def _expire(self, tick: int) -> None:
        for scope in self._due.pop(tick, ()):
            scope.expire()


class Deadline:
    """One check's time limit; made by `Deadlines.within`."""

    __slots__ = ("_cancelling", "_deadlines", "_due", "_seconds", "_task", "expired")

    def __init__(self, deadlines: Deadlines, seconds: float) -> None:
        self._deadlines = deadlines
        self._seconds = seconds
        self._due: set[Deadline] | None = None  # its tick's set, once entered
        self._task: asyncio.Task[Any] | None = None
        self._cancelling = 0
        self.expired = False

    def __enter__(self) -> Deadline:
        loop = asyncio.get_running_loop()
        task = asyncio.current_task(loop)
        if task is None:
            raise RuntimeError("a deadline needs a running task")
        self._task = task
        # Cancellations asked before this scope are not its own (see `__exit__`).
        self._cancelling = task.cancelling()
        self._due = self._deadlines._add(self, loop, self._seconds)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._due is not None:
            self._due.discard(self)
        if not self.expired or self._task is None:
            return
        # Our cancellation is taken back however the body ended (a body that turned it into
        # another error must not leave the task counted as cancelled: an enclosing deadline
        # would take its own expiry for someone else's). A timeout, unless someone else asked
        # to cancel the task too: then it stays cancelled.
        if self._task.uncancel() <= self._cancelling and exc_type is asyncio.CancelledError:
            raise TimeoutError from exc

    def expire(self) -> None:
        """The tick came with the body still running: cancel it (`__exit__` says timeout)."""
        if self._task is not None and not self._task.done():
            self.expired = True
            self._task.cancel()
