"""End-to-end Discord tests: the real adapter and discord.py against the fake Discord.

Each test gets a fake Discord (REST + gateway) with one server, a real SQLite store in a
temporary folder, a catalog (the small loopback "Loopex" one, or the shipped one), a monitor
fed with probe results at a fake clock, and the adapter connected through DISCORD_API_BASE_URL
and DISCORD_GATEWAY_URL. `Bot.run` uses a slash command as a user would and returns what that
user sees, as sent on the wire.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from bot.adapters.discord import DiscordAdapter
from bot.catalog import Catalog, Exchange, load_catalog
from bot.clock import FakeClock
from bot.commands.context import Core
from bot.monitor import Monitor
from bot.settings import SHIPPED_CATALOG, Settings, load_settings
from bot.status import ExchangeStatus, StatusService
from probes.result import ProbeResult
from storage import open_database
from storage.store import Store
from tests.fakes.discord_api import (
    DEFAULT_MEMBER_PERMISSIONS,
    FakeChannel,
    FakeDiscord,
    FakeGuild,
)
from tests.support.site import write_catalog

TOKEN = "fake-discord-token-for-tests-0123456789"
APP_ID = 1_100_000_000_000_000_077
GUILD_ID = 1_300_000_000_000_000_001
GENERAL_ID = 1_300_000_000_000_000_010
ALERTS_ID = 1_300_000_000_000_000_011
USER_ID = 1_200_000_000_000_000_042
MANAGE_CHANNELS = 1 << 4
MANAGER = DEFAULT_MEMBER_PERMISSIONS | MANAGE_CHANNELS

LIMITS = {"title": 256, "description": 4096, "fields": 25, "name": 256, "value": 1024}


def make_guild() -> FakeGuild:
    return FakeGuild(
        id=GUILD_ID,
        name="Traders",
        channels=[
            FakeChannel(id=GENERAL_ID, name="general", position=0),
            FakeChannel(id=ALERTS_ID, name="alerts", position=1),
        ],
    )


def limit_problems(embed: dict[str, Any]) -> list[str]:
    """Discord's embed limits, checked on an embed as sent (empty when within them)."""
    problems = []
    fields = embed.get("fields") or []
    texts = [
        ("title", embed.get("title") or "", 256),
        ("description", embed.get("description") or "", 4096),
    ]
    texts.append(("footer", (embed.get("footer") or {}).get("text") or "", 2048))
    for i, fld in enumerate(fields):
        texts += [(f"field {i} name", fld["name"], 256), (f"field {i} value", fld["value"], 1024)]
        if not fld["name"] or not fld["value"]:
            problems.append(f"field {i} empty")
    problems += [f"{what} {len(t)} > {n}" for what, t, n in texts if len(t) > n]
    if len(fields) > 25:
        problems.append(f"{len(fields)} fields")
    total = sum(len(t) for _, t, _ in texts)
    if total > 6000:
        problems.append(f"total {total}")
    return problems


@dataclass
class Seen:
    """What a user sees after a command: the embed, who sees it, and how it came."""

    embed: dict[str, Any]
    ephemeral: bool
    deferred: bool
    components: list[dict[str, Any]]
    interaction_id: int

    @property
    def title(self) -> str:
        return str(self.embed.get("title") or "")

    @property
    def description(self) -> str:
        return str(self.embed.get("description") or "")

    @property
    def fields(self) -> list[tuple[str, str]]:
        return [(f["name"], f["value"]) for f in self.embed.get("fields") or []]

    @property
    def footer(self) -> str:
        return str((self.embed.get("footer") or {}).get("text") or "")

    @property
    def text(self) -> str:
        """Everything written in the embed, in reading order."""
        parts = [self.title, self.description]
        parts += [f"{name}\n{value}" for name, value in self.fields]
        return "\n".join([*parts, self.footer])

    @property
    def buttons(self) -> list[dict[str, Any]]:
        return [c for row in self.components for c in row.get("components", [])]


@dataclass
class Bot:
    """A running adapter and everything around it."""

    dc: FakeDiscord
    adapter: DiscordAdapter
    store: Store
    clock: FakeClock
    catalog: Catalog
    settings: Settings
    status: SlowStatus

    async def run(self, name: str, options: dict[str, Any] | None = None, **where: Any) -> Seen:
        """Use a slash command (in the server's #general unless told otherwise)."""
        where.setdefault("guild_id", GUILD_ID)
        if where["guild_id"] is None:
            del where["guild_id"]
        iid = await self.dc.dispatch_interaction(name, options, **where)
        return await self.seen(iid)

    async def seen(self, iid: int) -> Seen:
        callback = await self.dc.wait_for_callback(iid)
        if callback.type == 5:
            followup = (await self.dc.wait_for_followups(1, interaction_id=iid))[0]
            return Seen(
                followup.embeds[0],
                followup.ephemeral,
                True,
                list(followup.payload.get("components") or []),
                iid,
            )
        assert callback.type == 4, callback
        data = callback.data or {}
        return Seen(
            callback.embeds[0], callback.ephemeral, False, list(data.get("components") or []), iid
        )

    async def complete(
        self, name: str, options: dict[str, Any] | None, focused: str, **where: Any
    ) -> list[dict[str, Any]]:
        """Type into an option; the choices Discord shows."""
        iid = await self.dc.dispatch_autocomplete(name, options, focused, **where)
        callback = await self.dc.wait_for_callback(iid)
        assert callback.type == 8
        return callback.choices

    async def click(self, seen: Seen, label: str, **where: Any) -> Seen:
        """Click a button of an answer the user saw."""
        button = next(b for b in seen.buttons if b["label"] == label)
        message = self.dc.original_message(seen.interaction_id)
        assert message is not None
        message["components"] = seen.components
        where.setdefault("guild_id", GUILD_ID)
        if where["guild_id"] is None:
            del where["guild_id"]
        payload = self.dc.build_interaction(
            "",
            interaction_type=3,
            **where,
            extra={
                "data": {"custom_id": button["custom_id"], "component_type": 2},
                "message": message,
            },
        )
        iid = await self.dc.dispatch_interaction_payload(payload)
        return await self.seen(iid)


class SlowStatus(StatusService):
    """The status service, slowed down (or failing) on request."""

    delay_s: float = 0.0
    fail: bool = False

    async def exchange_status(self, exchange: Exchange) -> ExchangeStatus:
        if self.delay_s:
            await asyncio.sleep(self.delay_s)
        if self.fail:
            raise RuntimeError("the status source broke")
        return await super().exchange_status(exchange)


async def rights_settled(adapter: DiscordAdapter, before: int) -> None:
    """Wait until the adapter has looked at its rights more than `before` times in all, and
    no look is under way or due (`RightsFollower`)."""
    for _ in range(500):
        if adapter.rights.looks > before and not adapter.rights.busy:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the bot did not look at its rights again")


def feed(monitor: Monitor, clock: FakeClock, latencies: dict[str, float]) -> None:
    """Two good results per channel (enough to be `up`), at the clock's time."""
    for _ in range(2):
        for channel, ms in latencies.items():
            monitor.on_result(ProbeResult(channel, clock.now(), True, ms))


@dataclass
class World:
    dc: FakeDiscord
    tmp_path: Path
    adapters: list[DiscordAdapter] = field(default_factory=list)
    cleanups: list[Callable[[], Awaitable[None]]] = field(default_factory=list)

    def settings(self, **overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "discord_bot_token": TOKEN,
            "discord_api_base_url": self.dc.api_base,
            "discord_gateway_url": self.dc.gateway_url,
            "allow_local_targets": True,
            "database_path": self.tmp_path / "data" / "supportlive.sqlite3",
            "catalog_path": write_catalog(self.tmp_path, 9),
        }
        values.update(overrides)
        return load_settings(**values)

    async def start(self, *, shipped: bool = False, wait: bool = True, **options: Any) -> Bot:
        settings = options.pop("settings", None) or self.settings(
            **({"catalog_path": SHIPPED_CATALOG} if shipped else {})
        )
        clock = FakeClock()
        catalog = load_catalog(settings.catalog_path, allow_local=True)
        db = await open_database(settings.database_path)
        self.cleanups.append(db.close)
        store = Store(db, clock.now)
        monitor = Monitor(catalog, store, clock)
        first = catalog.exchanges[0].id
        feed(monitor, clock, {f"{first}/live_chat": 180.0, f"{first}/help_center": 95.0})
        await monitor.flush()
        status = SlowStatus(catalog, monitor, store, clock)
        core = Core(catalog, status, store, clock, settings)
        options.setdefault("guild_ready_timeout", 0.05)
        adapter = DiscordAdapter(settings, core, store, clock, **options)
        self.adapters.append(adapter)
        await adapter.start()
        if wait:
            assert await adapter.wait_ready(5), self.dc
            await rights_settled(adapter, 0)  # the look at the bot's rights at every connect
        return Bot(self.dc, adapter, store, clock, catalog, settings, status)


@pytest.fixture
async def dc() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord(token=TOKEN, app_id=APP_ID, guilds=[make_guild()]) as fake:
        yield fake


@pytest.fixture
async def world(dc: FakeDiscord, tmp_path: Path) -> AsyncIterator[World]:
    made = World(dc, tmp_path)
    try:
        yield made
    finally:
        for adapter in reversed(made.adapters):
            await adapter.stop()
        for cleanup in reversed(made.cleanups):
            await cleanup()


@pytest.fixture
async def bot(world: World) -> Bot:
    return await world.start()


@pytest.fixture
async def shipped(world: World) -> Bot:
    """The bot over the shipped catalog (MEXC, Binance, OKX...)."""
    return await world.start(shipped=True)
