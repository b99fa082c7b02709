"""The real `supportlive run` in a child process, for tests that fault it from outside.

`BotProcess` starts `python -m bot run` (or a test wrapper module around it) with the given
environment, reads its stdout and stderr as they come (so the pipes never fill up), finds
the web side's port in the log, and stops it with SIGTERM or kills it with SIGKILL.
"""

from __future__ import annotations

import asyncio
import re
import signal
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from types import TracebackType

import aiohttp

from tests.fakes.telegram_api import FakeTelegram
from tests.support.site import SupportSite, write_catalog
from tests.telegram.conftest import TOKEN
from tests.test_cli import env_for

ROOT = Path(__file__).resolve().parents[2]
CHAT = 42
DOWN_ALERT = "<b>❌ Loopex Live chat is down</b>"


def bot_env(tmp_path: Path, site: SupportSite, tg: FakeTelegram) -> dict[str, str]:
    return env_for(
        tmp_path,
        write_catalog(tmp_path, site.port),
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_API_BASE_URL=tg.base_url,
        WEB_ENABLED="true",
        WEB_HOST="127.0.0.1",
        PORT="0",
        NO_PROXY="127.0.0.1,localhost",
        PTB_TIMEDELTA="1",
    )


async def until(what: str, check: Callable[[], Awaitable[bool]], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not await check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.2)


async def live_chat_verdict(http: aiohttp.ClientSession, base: str) -> str:
    async with http.get(f"{base}/api/v1/exchanges/loopex") as response:
        body = await response.json()
    return str({c["id"]: c["verdict"] for c in body["channels"]}["live_chat"])


async def subscribed_and_live(tg: FakeTelegram, http: aiohttp.ClientSession, base: str) -> None:
    """Wait for the bot to be up, subscribe the chat, wait for the live chat to be live."""
    await tg.wait_for_calls("setMyCommands", n=2, timeout=60)
    tg.push_message("/subscribe loopex", chat_id=CHAT)
    await tg.wait_for_messages(1, chat_id=CHAT, timeout=30)

    async def live() -> bool:
        return await live_chat_verdict(http, base) == "live"

    await until("the live chat to be live", live)


_LISTENING = re.compile(r"web side listening on http://[^:]+:(\d+)")


class BotProcess:
    """One child process; `async with` starts it and makes sure it is gone afterwards."""

    def __init__(self, env: dict[str, str], cwd: Path, module: str = "bot", *args: str) -> None:
        self._command = [sys.executable, "-m", module, *(args or ("run",))]
        self._env = {**env, "PYTHONPATH": str(ROOT)}
        self._cwd = cwd
        self.process: asyncio.subprocess.Process | None = None
        self.out: list[str] = []
        self.err: list[str] = []
        self._readers: list[asyncio.Task[None]] = []

    async def __aenter__(self) -> BotProcess:
        self.process = await asyncio.create_subprocess_exec(
            *self._command,
            env=self._env,
            cwd=self._cwd,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        assert self.process.stdout is not None and self.process.stderr is not None
        self._readers = [
            asyncio.create_task(_read_lines(self.process.stdout, self.out)),
            asyncio.create_task(_read_lines(self.process.stderr, self.err)),
        ]
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.kill()
        await self.wait(30)

    @property
    def log(self) -> str:
        return "".join(self.err)

    async def wait_for_line(self, pattern: str, *, stdout: bool = False, timeout: float) -> str:
        """The first line (of stderr, or stdout) matching `pattern`, waiting for it."""
        lines, found = self.out if stdout else self.err, re.compile(pattern)
        deadline = time.monotonic() + timeout
        while True:
            for line in lines:
                if found.search(line):
                    return line
            exited = self.process is not None and self.process.returncode is not None
            assert not exited, f"the process exited before {pattern!r}:\n{self.log}"
            assert time.monotonic() < deadline, f"no line {pattern!r} in time:\n{self.log}"
            await asyncio.sleep(0.05)

    async def web_base(self, timeout: float = 30) -> str:
        """http://127.0.0.1:PORT of the web side (started with PORT=0)."""
        line = await self.wait_for_line(_LISTENING.pattern, timeout=timeout)
        match = _LISTENING.search(line)
        assert match is not None
        return f"http://127.0.0.1:{match.group(1)}"

    def kill(self) -> None:
        """SIGKILL: no clean-up of any kind."""
        assert self.process is not None
        self.process.kill()

    async def stop(self, timeout: float = 15) -> int:
        """SIGTERM, then the exit status."""
        assert self.process is not None
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
        return await self.wait(timeout)

    async def wait(self, timeout: float) -> int:
        assert self.process is not None
        code = await asyncio.wait_for(self.process.wait(), timeout)
        await asyncio.gather(*self._readers, return_exceptions=True)
        return code


async def _read_lines(stream: asyncio.StreamReader, into: list[str]) -> None:
    while line := await stream.readline():
        into.append(line.decode(errors="replace"))


async def get_health(http: aiohttp.ClientSession, base: str) -> tuple[int, str]:
    """(status, reason) of /healthz."""
    async with http.get(f"{base}/healthz", timeout=aiohttp.ClientTimeout(total=10)) as response:
        body = await response.json()
        return response.status, str(body.get("reason", ""))
