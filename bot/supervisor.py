"""Supervised tasks: no long-running loop of `supportlive run` ends because of an error.

A task is a `step` (one round of work: flush a batch, drain the outbox, prune) and a `pause`
(the wait before the next round). The supervisor runs step, pause, step, ... A step that
raises marks the task *down* with the error as its reason; the step runs again after a
backoff (0.5 s, doubling up to 15 s), and the first step that succeeds marks it *up* again.
A database that is locked, full or failing therefore delays a task, and never ends it.

Logs stay readable through an outage: the first failure of each kind (the exception's
type, and the database's error code when there is one) is logged once — with a traceback only
when it is not a database or OS error, since that is a bug — later ones are counted, a task
still down says so every 10 minutes, and the recovery line gives the counts.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum

from storage.engine import DatabaseError

log = logging.getLogger(__name__)

Step = Callable[[], Awaitable[None]]

BACKOFF_FIRST_S = 0.5
BACKOFF_MAX_S = 15.0
REMIND_EVERY_S = 600.0
STOP_GRACE_S = 2.0
# Expected in an outage: a line each, no traceback (anything else is a bug: traceback once).
QUIET_ERRORS: tuple[type[BaseException], ...] = (DatabaseError, OSError, TimeoutError)


class TaskState(StrEnum):
    STARTING = "starting"  # no step finished yet
    UP = "up"
    DOWN = "down"  # the last step failed; it runs again after a backoff
    DONE = "done"  # stopped


@dataclass
class TaskStatus:
    """What /healthz and /metrics show of one task."""

    name: str
    state: TaskState = TaskState.STARTING
    reason: str = ""  # the last failure, while down
    down_since: float | None = None  # monotonic time of the outage's first failure
    outage: Counter[str] = field(default_factory=Counter)  # failures by kind, this outage
    failures: Counter[str] = field(default_factory=Counter)  # failures by kind, since start

    @property
    def is_down(self) -> bool:
        return self.state is TaskState.DOWN


@dataclass
class _Task:
    status: TaskStatus
    step: Step
    pause: Step
    task: asyncio.Task[None] | None = None
    in_step: bool = False
    stopping: bool = False
    reminded_at: float = 0.0


def failure_kind(error: BaseException) -> str:
    """A short, bounded name for a failure: `DatabaseUnavailable/SQLITE_BUSY`, `OSError`, ..."""
    name = type(error).__name__
    code = error.code if isinstance(error, DatabaseError) else None
    return f"{name}/{code}" if code else name


def _reason(error: BaseException) -> str:
    detail = str(error).strip().splitlines()[0][:200] if str(error).strip() else ""
    return f"{type(error).__name__}: {detail}" if detail else type(error).__name__


def _counts(counts: Counter[str]) -> str:
    return ", ".join(f"{kind} ×{n}" for kind, n in counts.most_common())


class Supervisor:
    """Runs named tasks, restarts failed steps with backoff, and reports their states."""

    def __init__(
        self,
        *,
        backoff_first_s: float = BACKOFF_FIRST_S,
        backoff_max_s: float = BACKOFF_MAX_S,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._backoff_first_s = backoff_first_s
        self._backoff_max_s = backoff_max_s
        self._monotonic = monotonic
        self._tasks: dict[str, _Task] = {}

    # -- starting and stopping -----------------------------------------------------------

    def loop(self, name: str, step: Step, pause: Step) -> None:
        """Run `step` then `pause` forever, from now until `stop`."""
        self._start(_Task(TaskStatus(name), step, pause))

    def _start(self, task: _Task) -> None:
        name = task.status.name
        if name in self._tasks:
            raise ValueError(f"task {name!r} is already supervised")
        self._tasks[name] = task
        task.task = asyncio.create_task(self._run(task), name=name)

    async def stop(self, name: str, grace_s: float = STOP_GRACE_S) -> None:
        """Stop one task: a step in progress gets `grace_s` to finish, a pause is cut short."""
        task = self._tasks.get(name)
        if task is None or task.task is None:
            return
        task.stopping = True
        running = task.task
        if task.in_step:
            await asyncio.wait({running}, timeout=grace_s)
        running.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await running
        task.status.state = TaskState.DONE

    async def drop(self, name: str, grace_s: float = STOP_GRACE_S) -> None:
        """Stop one task and forget it: /healthz and /metrics no longer name it, and `loop`
        may start it again (a leader-only task, when this replica stands by)."""
        await self.stop(name, grace_s)
        self._tasks.pop(name, None)

    async def stop_all(self, grace_s: float = STOP_GRACE_S) -> None:
        """Stop every task at once: the whole stop takes at most about `grace_s`.

        One after the other, tasks all waiting on a locked database would take `grace_s`
        each, and a platform's SIGKILL could come first.
        """
        await asyncio.gather(*(self.stop(name, grace_s) for name in list(self._tasks)))

    # -- what /healthz and /metrics read --------------------------------------------------

    def statuses(self) -> Iterable[TaskStatus]:
        return [task.status for task in self._tasks.values()]

    def problems(self) -> list[str]:
        """One line per task that is down: its name, the failure and for how long."""
        now = self._monotonic()
        lines = []
        for status in self.statuses():
            if status.is_down:
                since = now - (status.down_since if status.down_since is not None else now)
                failures = sum(status.outage.values())
                plural = "" if failures == 1 else "s"
                lines.append(
                    f"{status.name} is down for {since:.0f} s ({failures} failure{plural}): "
                    f"{status.reason}"
                )
        return lines

    # -- the loop ---------------------------------------------------------------------------

    async def _run(self, task: _Task) -> None:
        delay = self._backoff_first_s
        while not task.stopping:
            try:
                task.in_step = True
                try:
                    await task.step()
                finally:
                    task.in_step = False
                self._succeeded(task)
                delay = self._backoff_first_s
                if task.stopping:
                    return
                await task.pause()
            except asyncio.CancelledError:
                raise
            except Exception as error:
                self._failed(task, error)
                await asyncio.sleep(delay)
                delay = min(delay * 2, self._backoff_max_s)

    def _failed(self, task: _Task, error: Exception) -> None:
        status, kind, now = task.status, failure_kind(error), self._monotonic()
        first_of_kind = kind not in status.outage
        if not status.is_down:
            task.reminded_at = now
        _mark_down(status, error, now)
        if first_of_kind:
            quiet = isinstance(error, QUIET_ERRORS)
            log.error(
                "%s failed (%s); retrying with backoff, further failures of this kind are "
                "counted, not logged",
                status.name,
                status.reason,
                exc_info=None if quiet else error,
            )
        elif now - task.reminded_at >= REMIND_EVERY_S:
            task.reminded_at = now
            log.error(
                "%s still down after %.0f s: %s",
                status.name,
                now - (status.down_since or now),
                _counts(status.outage),
            )

    def _succeeded(self, task: _Task) -> None:
        status = task.status
        if status.is_down:
            took = self._monotonic() - (status.down_since or self._monotonic())
            log.warning("%s recovered after %.0f s (%s)", status.name, took, _counts(status.outage))
        _mark_up(status)

    # -- loops that run elsewhere ------------------------------------------------------------

    def reported(self, name: str) -> Reported:
        """A loop with its own retries (Discord's client) that reports its state here.

        /healthz and /metrics show it like a supervised task; it keeps its own log lines.
        """
        if name in self._tasks:
            raise ValueError(f"task {name!r} is already supervised")
        status = TaskStatus(name)
        self._tasks[name] = _Task(status, _nothing, _nothing)
        return Reported(status, self._monotonic)


@dataclass
class Reported:
    """What a loop run elsewhere tells the supervisor: each failure, and being up again."""

    status: TaskStatus
    monotonic: Callable[[], float]

    def failed(self, error: BaseException) -> None:
        _mark_down(self.status, error, self.monotonic())

    def up(self) -> None:
        _mark_up(self.status)


def _mark_down(status: TaskStatus, error: BaseException, now: float) -> None:
    kind = failure_kind(error)
    if not status.is_down:
        status.state, status.down_since = TaskState.DOWN, now
    status.reason = _reason(error)
    status.outage[kind] += 1
    status.failures[kind] += 1


def _mark_up(status: TaskStatus) -> None:
    status.state, status.reason, status.down_since = TaskState.UP, "", None
    status.outage.clear()


async def _nothing() -> None:
    return None
