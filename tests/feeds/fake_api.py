"""A fake exchange API on loopback: each path answers what the test set, and every request
is logged (path and loop time), so tests can check pacing and what was asked."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

from aiohttp import web


@dataclass
class Answer:
    status: int = 200
    body: bytes = b"{}"
    headers: dict[str, str] = field(default_factory=dict)


class FakeApi:
    """Set `answers[path]` (an `Answer`, or a JSON-able document for a 200)."""

    def __init__(self) -> None:
        self.answers: dict[str, Answer] = {}
        self.hang: set[str] = set()
        self.log: list[tuple[str, float]] = []
        self.user_agents: list[str] = []
        self._runner: web.AppRunner | None = None
        self.port = 0

    def set(self, path: str, doc: Any, status: int = 200, **headers: str) -> None:
        raw = doc if isinstance(doc, bytes) else json.dumps(doc).encode()
        self.answers[path] = Answer(status, raw, dict(headers))

    def hits(self, path: str) -> int:
        return sum(1 for p, _ in self.log if p == path)

    async def _serve(self, request: web.Request) -> web.Response:
        self.log.append((request.path, asyncio.get_running_loop().time()))
        self.user_agents.append(request.headers.get("User-Agent", ""))
        if request.path in self.hang:
            await asyncio.sleep(60)
        answer = self.answers.get(request.path, Answer(404, b'{"message": "no such path"}'))
        return web.Response(
            status=answer.status,
            body=answer.body,
            headers={"Content-Type": "application/json", **answer.headers},
        )

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def __aenter__(self) -> FakeApi:
        app = web.Application()
        app.router.add_get("/{tail:.*}", self._serve)
        # handler_cancellation: a hanging handler ends when the client goes away.
        self._runner = web.AppRunner(
            app, access_log=None, shutdown_timeout=0.2, handler_cancellation=True
        )
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert server is not None
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
