"""A fake exchange support site on loopback, and a catalog whose probes point at it.

`SupportSite` serves pages that answer, fail or hang on command; `write_catalog` writes a
small catalog (ALLOW_LOCAL_TARGETS must be on) with one exchange, "Loopex", whose channels
probe that site. Tests flip `site.down` to take the live chat down and bring it back.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from types import TracebackType

import yaml
from aiohttp import web


class SupportSite:
    """Live chat at /chat, help center at /help, a canary anywhere else (/canary): all 200
    unless told otherwise."""

    def __init__(self) -> None:
        self.cut = False  # drop every connection, as when our own connection fails
        self.drop: set[str] = set()  # drop connections to these pages only
        self.down: set[str] = set()
        self.hang: set[str] = set()
        # page -> a User-Agent part ("region a"): those requests get a 503, others do not
        self.down_for: dict[str, str] = {}
        self.hits: dict[str, int] = {}
        self.failed: dict[str, int] = {}  # 503s served, per page
        self._runner: web.AppRunner | None = None
        self.port = 0

    async def _page(self, request: web.Request) -> web.Response:
        name = request.match_info["name"]
        self.hits[name] = self.hits.get(name, 0) + 1
        if self.cut or name in self.drop:
            assert request.transport is not None
            request.transport.abort()  # the client sees the connection reset
            return web.Response()
        if name in self.hang:
            await asyncio.sleep(60)
        agent = request.headers.get("User-Agent", "")
        if name in self.down or (name in self.down_for and self.down_for[name] in agent):
            self.failed[name] = self.failed.get(name, 0) + 1
            return web.Response(status=503, text="unavailable")
        return web.Response(text=f"<html><body>{name} support</body></html>")

    async def __aenter__(self) -> SupportSite:
        app = web.Application()
        app.router.add_get("/{name}", self._page)
        # handler_cancellation: a hanging page ends when the client goes away, not at exit.
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

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.port}/{name}"


def loopback_catalog(port: int, *, interval_s: float = 1.0) -> dict[str, object]:
    """The catalog data for one exchange probing the site on `port`."""
    base = f"http://127.0.0.1:{port}"
    probe = {"kind": "http", "interval_s": interval_s, "timeout_s": 2, "slow_ms": 1500}
    return {
        "exchanges": [
            {
                "id": "loopex",
                "name": "Loopex",
                "aliases": ["路普"],
                "official_domains": ["loopex.example"],
                "never_link": ["loopex-support.example"],
                "channels": [
                    {
                        "id": "live_chat",
                        "kind": "live_chat",
                        "mode": "live",
                        "name": {"en": "Live chat", "zh": "在线客服"},
                        "url": f"{base}/chat",
                        "hours": "24/7",
                        "probe": {**probe, "url": f"{base}/chat"},
                        "source": "https://loopex.example/support",
                        "verified_on": "2026-11-24",
                        "confidence": "high",
                    },
                    {
                        "id": "help_center",
                        "kind": "help_center",
                        "mode": "self_service",
                        "name": {"en": "Help center", "zh": "帮助中心"},
                        "url": f"{base}/help",
                        "probe": {**probe, "url": f"{base}/help"},
                        "source": "https://loopex.example/help",
                        "verified_on": "2026-11-24",
                        "confidence": "high",
                    },
                    {
                        "id": "email",
                        "kind": "email",
                        "mode": "async",
                        "name": {"en": "E-mail", "zh": "邮箱"},
                        "address": "service@loopex.example",
                        "expected_reply": {"en": "1–3 business days", "zh": "1–3个工作日"},
                        "source": "https://loopex.example/contact",
                        "verified_on": "2026-11-24",
                        "confidence": "high",
                    },
                ],
                "routes": {
                    case: {
                        "channels": ["live_chat", "email"],
                        "steps": {"en": ["Open the live chat."], "zh": ["打开在线客服。"]},
                        "have_ready": {"en": ["UID"], "zh": ["UID"]},
                        "source": "https://loopex.example/help",
                        "confidence": "high",
                    }
                    for case in (
                        "account_compromised",
                        "withdrawal_stuck",
                        "deposit_missing",
                        "order_failed",
                        "kyc",
                    )
                },
            }
        ]
    }


def write_catalog(folder: Path, port: int, *, interval_s: float = 1.0) -> Path:
    path = folder / "catalog.yaml"
    data = loopback_catalog(port, interval_s=interval_s)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path
