"""Deadlines on shared timers: a timeout like `asyncio.timeout`'s, one timer per tick."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

import pytest

from probes.deadline import TICK_S, Deadline, Deadlines


async def test_a_body_that_runs_over_raises_timeout_and_the_task_goes_on() -> None:
    deadlines = Deadlines()
    started = time.monotonic()
    with pytest.raises(TimeoutError), deadlines.within(0.2):
        await asyncio.sleep(5)
    took = time.monotonic() - started
    assert 0.2 <= took < 1.0  # never early; late by a tick at most (and this machine's noise)
    task = asyncio.current_task()
    assert task is not None and task.cancelling() == 0
    await asyncio.sleep(0.01)  # not cancelled: the timeout was all of it


async def test_a_body_that_ends_in_time_leaves_nothing_behind() -> None:
    deadlines = Deadlines()
    with deadlines.within(0.05) as scope:
        await asyncio.sleep(0)
    await asyncio.sleep(0.2)  # well past the deadline's tick: no cancellation comes
    assert not scope.expired


async def test_a_body_that_ends_otherwise_when_cancelled_leaves_no_cancellation() -> None:
    """The body turns the deadline's cancellation into another error (a close that fails):
    the task is no longer counted as cancelled, so an enclosing deadline still times out."""
    deadlines = Deadlines()
    with pytest.raises(TimeoutError), deadlines.within(0.3):  # the enclosing one
        with pytest.raises(OSError), deadlines.within(0.05):
            try:
                await asyncio.sleep(5)
            except asyncio.CancelledError:
                raise OSError("closed while cancelling") from None
        task = asyncio.current_task()
        assert task is not None and task.cancelling() == 0
        await asyncio.sleep(5)


async def test_a_cancellation_from_outside_stays_a_cancellation() -> None:
    deadlines = Deadlines()
    entered: list[Deadline] = []

    async def body() -> None:
        with deadlines.within(10) as scope:
            entered.append(scope)
            await asyncio.sleep(5)

    # The deadline and someone else (a stop) both cancel before the task runs again.
    task = asyncio.create_task(body())
    await asyncio.sleep(0)
    entered[0].expire()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task

    # Only the deadline: a timeout.
    task = asyncio.create_task(body())
    await asyncio.sleep(0)
    entered[1].expire()
    with pytest.raises(TimeoutError):
        await task


async def test_an_outside_cancellation_inside_the_scope_is_not_a_timeout() -> None:
    deadlines = Deadlines()

    async def body() -> None:
        with deadlines.within(10):
            await asyncio.sleep(5)

    task = asyncio.create_task(body())
    await asyncio.sleep(0.05)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


async def test_checks_due_in_the_same_tick_share_one_timer(monkeypatch: pytest.MonkeyPatch) -> None:
    loop = asyncio.get_running_loop()
    deadlines = Deadlines()
    timers: list[float] = []  # the deadlines' timers (the sleeps below make theirs too)
    call_at = loop.call_at

    def counted(
        when: float, callback: Callable[..., Any], *args: Any, **kwargs: Any
    ) -> asyncio.TimerHandle:
        if getattr(callback, "__self__", None) is deadlines:
            timers.append(when)
        return call_at(when, callback, *args, **kwargs)

    monkeypatch.setattr(loop, "call_at", counted)
    expired: list[bool] = []

    async def check() -> None:
        with deadlines.within(5.0) as scope:
            await asyncio.sleep(0.01)
        expired.append(scope.expired)

    started = loop.time()
    await asyncio.gather(*(check() for _ in range(500)))
    ticks = (loop.time() - started) / TICK_S + 1  # the ticks the checks' starts spanned
    assert expired == [False] * 500
    assert 1 <= len(timers) <= ticks + 1
    assert len(timers) < 50


def test_each_event_loop_gets_its_own_timers() -> None:
    deadlines = Deadlines()

    async def runs_over() -> bool:
        try:
            with deadlines.within(0.05):
                await asyncio.sleep(5)
        except TimeoutError:
            return True
        return False

    # A loop that ended took its timers along: the next one still times out.
    assert asyncio.run(runs_over())
    assert asyncio.run(runs_over())
