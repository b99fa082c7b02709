"""`supportlive ask` reads the status APIs once, with or without the bot's database."""

from __future__ import annotations

from pathlib import Path

from bot.ask import answer
from bot.clock import FakeClock
from bot.settings import load_settings
from storage import open_database
from tests.feeds import fixtures as fx
from tests.feeds.fake_api import FakeApi
from tests.feeds.world import world_catalog


async def test_ask_answers_wallet_and_api_maintenance_without_a_database(tmp_path: Path) -> None:
    async with FakeApi() as api:
        api.set("/api/v1/status", fx.KUCOIN_OPEN)
        api.set("/api/v3/currencies", fx.KUCOIN_CURRENCIES)
        api.set("/0/public/SystemStatus", fx.KRAKEN_MAINTENANCE)
        api.set("/0/public/Assets", fx.KRAKEN_ASSETS)
        settings = load_settings(database_path=tmp_path / "none.sqlite3", allow_local_targets=True)
        catalog = world_catalog(api.base_url)
        clock = FakeClock()
        wallet = await answer(settings, catalog, "/wallet kucoin usdt trc20", "en", clock)
        status = await answer(settings, catalog, "/status kraken", "zh", clock)
    assert wallet.splitlines()[1] == "TRC20   deposits ✅ open   withdrawals ⛔ suspended"
    assert "🛠 交易：交易所维护中" in status
    assert not (tmp_path / "none.sqlite3").exists()


async def test_ask_reads_the_apis_next_to_the_bots_database(tmp_path: Path) -> None:
    db = await open_database(tmp_path / "bot.sqlite3")
    await db.close()
    async with FakeApi() as api:
        api.set("/api/v3/currencies", {"code": "500000", "msg": "Internal error"}, 500)
        settings = load_settings(database_path=tmp_path / "bot.sqlite3", allow_local_targets=True)
        text = await answer(
            settings, world_catalog(api.base_url), "/wallet kucoin usdt", "en", FakeClock()
        )
    assert text == "\n".join(
        [
            "KuCoin · USDT",
            "We have no fresh reading of KuCoin's API, so we can't say.",
            "The last read failed: HTTP 500: 500000 Internal error.",
        ]
    )
