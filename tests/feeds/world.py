"""A small catalog whose status APIs point at a loopback fake, and the core that answers.

KuCoin (service status + per-chain flags), Kraken (trading mode, events, per-asset flags),
MEXC (no public status API), Binance (system status only) and OKX (maintenance events).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bot.catalog import Catalog
from bot.catalog.load import check_data
from bot.clock import FakeClock
from bot.commands.dispatch import Core, Request, handle
from bot.feeds import feed_targets
from bot.render.plain import to_plain
from bot.settings import load_settings
from bot.status import StatusService
from bot.vocab import Platform
from probes.context import ProbeContext
from probes.feeds.runner import FeedRunner
from tests.answers.fakes import FakeLive


def _exchange(ident: str, name: str, domain: str, api: dict[str, Any] | None) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "id": ident,
        "name": name,
        "official_domains": [domain],
        "channels": [
            {
                "id": "help_center",
                "kind": "help_center",
                "mode": "self_service",
                "name": {"en": "Help center", "zh": "帮助中心"},
                "url": f"https://www.{domain}/support",
            }
        ],
    }
    if api is not None:
        entry["status_api"] = api
    return entry


def world_catalog(base_url: str) -> Catalog:
    data = {
        "exchanges": [
            _exchange("kucoin", "KuCoin", "kucoin.com", {"kind": "kucoin", "base_url": base_url}),
            _exchange("kraken", "Kraken", "kraken.com", {"kind": "kraken", "base_url": base_url}),
            _exchange("mexc", "MEXC", "mexc.com", None),
            _exchange(
                "binance", "Binance", "binance.com", {"kind": "binance", "base_url": base_url}
            ),
            _exchange("okx", "OKX", "okx.com", {"kind": "okx", "base_url": base_url}),
        ]
    }
    return check_data(Path("world.yaml"), data, allow_local=True)


async def sleep_nothing(_: float) -> None:
    return None


def world_core(catalog: Catalog, ctx: ProbeContext, clock: FakeClock) -> tuple[Core, FeedRunner]:
    runner = FeedRunner(ctx, feed_targets(catalog, allow_local=True), sleep=sleep_nothing)
    status = StatusService(catalog, FakeLive(), None, clock, feeds=runner)
    return Core(catalog, status, None, clock, load_settings()), runner


async def ask(core: Core, line: str, lang: str = "en") -> str:
    request = Request(Platform.TELEGRAM, "chat-1", "user-1", lang, line)
    return to_plain(await handle(request, core))
