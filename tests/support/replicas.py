"""Several real `supportlive run` processes on one database, each named at the fake Bot API.

Every replica talks to the same fake Telegram with the same token, through
`FakeTelegram.base_url_for(name)`, so each call the fake records says which replica made it.
`/healthz` tells which one leads.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp

from tests.fakes.telegram_api import FakeTelegram
from tests.support.process import BotProcess, bot_env
from tests.support.site import SupportSite


@dataclass
class Replica:
    name: str
    process: BotProcess
    base: str = ""  # http://127.0.0.1:PORT of its web side

    async def health(self, http: aiohttp.ClientSession) -> tuple[int, dict[str, Any]]:
        """(status, body) of its /healthz."""
        timeout = aiohttp.ClientTimeout(total=10)
        async with http.get(f"{self.base}/healthz", timeout=timeout) as response:
            return response.status, await response.json()

    async def role(self, http: aiohttp.ClientSession) -> str:
        return str((await self.health(http))[1].get("role"))


def replica_env(
    tmp_path: Path, site: SupportSite, tg: FakeTelegram, name: str, **extra: str
) -> dict[str, str]:
    """The environment of one replica: the shared database, its own name at the fake."""
    return {**bot_env(tmp_path, site, tg), "TELEGRAM_API_BASE_URL": tg.base_url_for(name), **extra}


@contextlib.asynccontextmanager
async def replicas(
    tmp_path: Path, site: SupportSite, tg: FakeTelegram, names: tuple[str, ...], **extra: str
) -> AsyncIterator[list[Replica]]:
    """Start one process per name (one after the other: the first leads), web sides up."""
    async with contextlib.AsyncExitStack() as stack:
        started = []
        for name in names:
            env = replica_env(tmp_path, site, tg, name, **extra)
            process = await stack.enter_async_context(BotProcess(env, tmp_path))
            replica = Replica(name, process)
            replica.base = await process.web_base(timeout=60)
            started.append(replica)
        yield started


async def leader_of(
    http: aiohttp.ClientSession, among: list[Replica], timeout: float = 60
) -> Replica:
    """The one replica whose /healthz says "leader" (waiting for there to be exactly one)."""
    deadline = time.monotonic() + timeout
    while True:
        roles = {}
        for replica in among:
            with contextlib.suppress(aiohttp.ClientError, TimeoutError):
                roles[replica.name] = await replica.role(http)
        leaders = [r for r in among if roles.get(r.name) == "leader"]
        if len(leaders) == 1 and len(roles) == len(among):
            return leaders[0]
        assert time.monotonic() < deadline, f"no single leader in time: {roles}"
        await asyncio.sleep(0.2)


def pollers(tg: FakeTelegram, since: float = 0.0) -> set[str]:
    """The names of the replicas that called getUpdates (after `since`, monotonic)."""
    return {call.caller for call in tg.calls("getUpdates") if call.at >= since}
