"""The supervisor: a failing step is retried with backoff, logged once per kind, reported."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import pytest

from bot.metrics import Metrics
from bot.supervisor import Supervisor, TaskState, failure_kind
from storage import DatabaseUnavailable


def locked() -> DatabaseUnavailable:
    return DatabaseUnavailable("database is locked", code="SQLITE_BUSY")


async def until(what: str, check: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.005)


async def no_pause() -> None:
    await asyncio.sleep(0.001)


async def test_a_database_error_delays_a_task_and_never_ends_it(
    caplog: pytest.LogCaptureFixture,
) -> None:
    failures = [locked() for _ in range(5)]
    rounds: list[int] = []

    async def step() -> None:
        if failures:
            raise failures.pop()
        rounds.append(len(rounds))

    supervisor = Supervisor(backoff_first_s=0.001, backoff_max_s=0.002)
    caplog.set_level("INFO", logger="bot.supervisor")
    supervisor.loop("alerts", step, no_pause)
    await until("the task to come back and go on", lambda: len(rounds) >= 3)
    await supervisor.stop_all()

    [status] = supervisor.statuses()
    assert status.failures == {"DatabaseUnavailable/SQLITE_BUSY": 5}
    messages = [r.getMessage() for r in caplog.records]
    assert messages[0] == (
        "alerts failed (DatabaseUnavailable: database is locked); retrying with backoff, further "
        "failures of this kind are counted, not logged"
    )
    assert messages[1].startswith("alerts recovered after ")
    assert messages[1].endswith(" s (DatabaseUnavailable/SQLITE_BUSY ×5)")
    assert len(messages) == 2, "one line for the outage, one for the recovery"
    assert caplog.records[0].exc_info is None, "an outage is not a bug: no traceback"


async def test_a_task_that_is_down_is_named_with_its_reason() -> None:
    calls = 0

    async def step() -> None:
        nonlocal calls
        calls += 1
        raise locked()

    supervisor = Supervisor(backoff_first_s=0.001, backoff_max_s=0.002)
    supervisor.loop("monitor", step, no_pause)
    await until("a few failures", lambda: calls >= 3)
    [status] = supervisor.statuses()
    assert status.state is TaskState.DOWN
    [problem] = supervisor.problems()
    assert problem.startswith("monitor is down for 0 s (")
    assert problem.endswith(" failures): DatabaseUnavailable: database is locked"), problem
    metrics = Metrics()
    metrics.watch_tasks(supervisor.statuses)
    scraped = (await metrics.scrape()).decode()
    await supervisor.stop_all()
    assert 'task_up{task="monitor"} 0.0' in scraped
    assert 'task_failures_total{kind="DatabaseUnavailable/SQLITE_BUSY",task="monitor"}' in scraped


async def test_a_bug_gets_one_traceback_per_kind(caplog: pytest.LogCaptureFixture) -> None:
    errors: list[Exception] = [KeyError("x"), KeyError("y"), ValueError("z")]
    recovered = asyncio.Event()

    async def step() -> None:
        if errors:
            raise errors.pop(0)
        recovered.set()

    supervisor = Supervisor(backoff_first_s=0.001, backoff_max_s=0.002)
    caplog.set_level("INFO", logger="bot.supervisor")
    supervisor.loop("retention", step, no_pause)
    # Generous: on a loaded machine the three retries can take a while.
    await asyncio.wait_for(recovered.wait(), timeout=30)
    await supervisor.stop_all()
    # Only this supervisor's lines: a record from elsewhere (another test's leftovers, a
    # library) must not decide this test.
    lines = [
        (" ".join(r.getMessage().split()[:2]), r.exc_info[0] if r.exc_info else None)
        for r in caplog.records
        if r.name == "bot.supervisor" and r.getMessage().startswith("retention ")
    ]
    assert lines == [
        ("retention failed", KeyError),
        ("retention failed", ValueError),
        ("retention recovered", None),
    ], caplog.text


async def test_stop_lets_a_step_finish_and_cuts_a_pause_short() -> None:
    finished: list[str] = []
    in_step = asyncio.Event()

    async def step() -> None:
        in_step.set()
        await asyncio.sleep(0.05)
        finished.append("step")

    async def long_pause() -> None:
        await asyncio.sleep(3600)

    supervisor = Supervisor()
    supervisor.loop("rollup cache", step, long_pause)
    await in_step.wait()
    started = time.monotonic()
    await supervisor.stop("rollup cache", grace_s=5)
    assert finished == ["step"]
    assert time.monotonic() - started < 2
    [status] = supervisor.statuses()
    assert status.state is TaskState.DONE


def test_failure_kinds_name_the_database_error() -> None:
    assert failure_kind(locked()) == "DatabaseUnavailable/SQLITE_BUSY"
    assert failure_kind(OSError("disk full")) == "OSError"
