"""Failover: from `kill -9` of the leader to the first update answered by the new leader.

    .venv/bin/python bench/failover.py [--rounds 5] [--database sqlite|postgresql|both]

Two real `supportlive run` processes share one database — an SQLite file (leadership: a lock
file beside it), or a PostgreSQL database on a throw-away local server started from Debian's
package as the tests start it (leadership: an advisory lock) — and one fake Telegram Bot API
on loopback; the support site they probe is a loopback one too. Each round kills the leader
with SIGKILL, at once queues a `/status` update, and measures, from the kill:

- taken:    the standby's log says "leadership taken";
- polling:  the new leader's first getUpdates reaches the Bot API;
- answered: the reply to the update reaches the Bot API (the figure with the 30 s budget).

Then the killed replica is started again, as the new standby, for the next round. A standby
tries the lock every 3 s (`bot.leader.RETRY_S`), so "taken" is spread over 0-3 s: each kill
comes at a random moment of that cycle.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("PTB_TIMEDELTA", "1")

import aiohttp  # noqa: E402

from bot.leader import RETRY_S  # noqa: E402
from tests.fakes.telegram_api import FakeTelegram  # noqa: E402
from tests.pg import PgServer, PgUnavailable, find_bin_dir  # noqa: E402
from tests.support.process import CHAT, BotProcess  # noqa: E402
from tests.support.replicas import Replica, leader_of, replica_env  # noqa: E402
from tests.support.site import SupportSite  # noqa: E402
from tests.telegram.conftest import TOKEN  # noqa: E402

BUDGET_S = 30.0
TAKEN = "leadership taken"


@dataclass
class Pair:
    """Two replicas on one database, both healthy, and what a round needs to start more."""

    folder: Path
    site: SupportSite
    tg: FakeTelegram
    http: aiohttp.ClientSession
    stack: contextlib.AsyncExitStack
    database: dict[str, str]
    both: list[Replica] = field(default_factory=list)
    leader: Replica | None = None

    async def start(self, name: str) -> Replica:
        process = await self.stack.enter_async_context(
            BotProcess(
                replica_env(self.folder, self.site, self.tg, name, **self.database), self.folder
            )
        )
        replica = Replica(name, process)
        replica.base = await process.web_base(timeout=60)
        return replica


@contextlib.asynccontextmanager
async def two_replicas(database: dict[str, str]) -> AsyncIterator[Pair]:
    """Replicas r0 and r1 on `database` with a fake Bot API and support site, both healthy."""
    with tempfile.TemporaryDirectory() as tmp:
        async with (
            SupportSite() as site,
            FakeTelegram(token=TOKEN) as tg,
            aiohttp.ClientSession() as http,
            contextlib.AsyncExitStack() as stack,
        ):
            pair = Pair(Path(tmp), site, tg, http, stack, database)
            pair.both = [await pair.start(name) for name in ("r0", "r1")]
            pair.leader = await leader_of(http, pair.both)
            for replica in pair.both:
                await healthy(http, replica)
            yield pair


async def healthy(http: aiohttp.ClientSession, replica: Replica, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while True:
        with contextlib.suppress(aiohttp.ClientError, TimeoutError):
            if (await replica.health(http))[0] == 200:
                return
        assert time.monotonic() < deadline, f"replica {replica.name} never became healthy"
        await asyncio.sleep(0.2)


async def taken_at(replica: Replica, timeout: float) -> float:
    """Monotonic time at which the replica's "leadership taken" line was read."""
    lines = replica.process.err
    before = sum(TAKEN in line for line in lines)
    deadline = time.monotonic() + timeout
    while sum(TAKEN in line for line in lines) == before:
        assert time.monotonic() < deadline, f"{replica.name} never took the lead"
        await asyncio.sleep(0.01)
    return time.monotonic()


async def one_round(
    http: aiohttp.ClientSession, tg: FakeTelegram, leader: Replica, standby: Replica
) -> tuple[float, float, float]:
    """(taken, polling, answered) seconds after the kill."""
    answered_before = len(tg.sent_messages(CHAT))
    taking = asyncio.create_task(taken_at(standby, BUDGET_S * 2))
    # A random moment in the standby's retry cycle, so the rounds sample all of it.
    await asyncio.sleep(0.5 + random.uniform(0, RETRY_S))
    leader.process.kill()
    killed = time.monotonic()
    tg.push_message("/status loopex", chat_id=CHAT)
    await tg.wait_for_messages(answered_before + 1, chat_id=CHAT, timeout=BUDGET_S * 2)
    [answer] = [c for c in tg.calls("sendMessage") if c.ok][answered_before:][:1]
    polls = [c.at for c in tg.calls("getUpdates") if c.caller == standby.name and c.at > killed]
    taken = await taking
    await leader.process.wait(30)
    return taken - killed, min(polls) - killed, answer.at - killed


async def measure(rounds: int, label: str, database: dict[str, str]) -> list[float]:
    """Seconds from each kill to the answer, printed round by round."""
    results: list[tuple[float, float, float]] = []
    async with two_replicas(database) as pair:
        http, tg, both, leader = pair.http, pair.tg, pair.both, pair.leader
        assert leader is not None
        tg.push_message("/status loopex", chat_id=CHAT)  # warm: the leader answers
        await tg.wait_for_messages(1, chat_id=CHAT, timeout=60)
        for n in range(rounds):
            [standby] = [r for r in both if r is not leader]
            taken, polling, answered = await one_round(http, tg, leader, standby)
            results.append((taken, polling, answered))
            print(
                f"{label} round {n + 1}: taken {taken:5.2f} s · polling {polling:5.2f} s · "
                f"answered {answered:5.2f} s",
                flush=True,
            )
            # The killed one comes back as the standby of the next round.
            fresh = await pair.start(f"r{n + 2}")
            both, leader = [standby, fresh], standby
            await healthy(http, fresh)
    return [r[2] for r in results]


def summary(label: str, answered: list[float]) -> str:
    return (
        f"{label}, two replicas, {len(answered)} kills: kill -9 → first update answered by the "
        f"new leader: median {statistics.median(answered):.2f} s, max {max(answered):.2f} s "
        f"(budget < {BUDGET_S:.0f} s: {'met' if max(answered) < BUDGET_S else 'MISSED'})"
    )


def main(rounds: int, which: str) -> None:
    on_engines(which, lambda label, env: summary(label, asyncio.run(measure(rounds, label, env))))


def on_engines(which: str, one: Callable[[str, dict[str, str]], str]) -> None:
    """Print `one(label, env)` for SQLite and/or PostgreSQL (`which`: sqlite, postgresql or
    both); `env` is what the replicas' environment needs for that engine. PostgreSQL runs on a
    throw-away server, or prints why it was not measured."""
    lines = []
    if which in ("sqlite", "both"):
        lines.append(one("SQLite", {}))
    if which in ("postgresql", "both"):
        try:
            server = PgServer.create(find_bin_dir())  # in the main thread: see tests/pg.py
        except PgUnavailable as missing:
            lines.append(f"PostgreSQL: not measured: {missing}")
        else:
            try:
                lines.append(
                    one("PostgreSQL", {"DATABASE_URL": server.dsn(server.create_database())})
                )
            finally:
                server.remove()
    print("\n".join(lines))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="both")
    arguments = parser.parse_args()
    main(arguments.rounds, arguments.database)
