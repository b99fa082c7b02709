"""A frozen leader: how long a standby takes to say the checks stopped, and to take it back.

    .venv/bin/python bench/frozen.py [--rounds 3] [--database sqlite|postgresql|both]

Two real `supportlive run` processes share one database (an SQLite file, or a PostgreSQL
database on a throw-away local server, as bench/failover.py), with the fake Bot API and a
loopback support site. Each round freezes the leader with SIGSTOP at a random moment of its
heartbeat cycle and measures, from the SIGSTOP, when the standby's /healthz turns 503 (the
checks stopped: bot/following.py, 15 s after the last heartbeat, which is 0-2 s before the
freeze); then thaws
it with SIGCONT and measures when the standby's /healthz is 200 again. The leader keeps its
lock throughout: the rounds also check that no standby took the lead.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import signal
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("PTB_TIMEDELTA", "1")

import aiohttp  # noqa: E402

from bench.failover import on_engines, two_replicas  # noqa: E402
from bot.following import BEAT_EVERY_S, FOLLOW_EVERY_S, SILENT_AFTER_S  # noqa: E402
from tests.support.replicas import Replica  # noqa: E402


async def status_is(
    http: aiohttp.ClientSession, replica: Replica, wanted: int, timeout: float = 120
) -> float:
    """Monotonic time at which the replica's /healthz first answered `wanted`."""
    deadline = time.monotonic() + timeout
    while True:
        with contextlib.suppress(aiohttp.ClientError, TimeoutError):
            if (await replica.health(http))[0] == wanted:
                return time.monotonic()
        assert time.monotonic() < deadline, f"{replica.name} never answered {wanted}"
        await asyncio.sleep(0.1)


async def one_round(
    http: aiohttp.ClientSession, leader: Replica, standby: Replica
) -> tuple[float, float]:
    """(frozen → standby 503, thawed → standby 200) in seconds."""
    process = leader.process.process
    assert process is not None
    await asyncio.sleep(1 + random.uniform(0, BEAT_EVERY_S))
    process.send_signal(signal.SIGSTOP)
    frozen = time.monotonic()
    try:
        said = await status_is(http, standby, 503) - frozen
    finally:
        process.send_signal(signal.SIGCONT)
    thawed = time.monotonic()
    back = await status_is(http, standby, 200) - thawed
    assert await standby.role(http) == "standby", "the standby never takes a frozen leader's lock"
    return said, back


async def measure(rounds: int, label: str, database: dict[str, str]) -> list[tuple[float, float]]:
    results = []
    async with two_replicas(database) as pair:
        leader = pair.leader
        assert leader is not None
        [standby] = [r for r in pair.both if r is not leader]
        for n in range(rounds):
            said, back = await one_round(pair.http, leader, standby)
            results.append((said, back))
            print(
                f"{label} round {n + 1}: SIGSTOP → standby 503 {said:5.2f} s · "
                f"SIGCONT → standby 200 {back:5.2f} s",
                flush=True,
            )
    return results


def summary(label: str, results: list[tuple[float, float]]) -> str:
    said, back = [r[0] for r in results], [r[1] for r in results]
    expected = f"{SILENT_AFTER_S - BEAT_EVERY_S:.0f}-{SILENT_AFTER_S:.0f} s"
    return (
        f"{label}, {len(results)} freezes: SIGSTOP → standby 503 median "
        f"{statistics.median(said):.2f} s, max {max(said):.2f} s (expected {expected}); "
        f"SIGCONT → standby 200 median {statistics.median(back):.2f} s, "
        f"max {max(back):.2f} s (at most {FOLLOW_EVERY_S:.0f} s and a beat)"
    )


def main(rounds: int, which: str) -> None:
    on_engines(which, lambda label, env: summary(label, asyncio.run(measure(rounds, label, env))))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="both")
    arguments = parser.parse_args()
    main(arguments.rounds, arguments.database)
