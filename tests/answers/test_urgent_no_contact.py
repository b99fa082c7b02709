"""/urgent for an exchange whose catalog lists no contact channel for the case: a clear line,
not an empty list under "Where to go, in order"."""

from __future__ import annotations

from bot.catalog.models import catalog_from_data
from bot.clock import FakeClock
from bot.commands.dispatch import Core
from bot.settings import Settings
from bot.status import StatusService
from tests.answers.conftest import plain
from tests.answers.fakes import FakeLive, FakeStore

SELF_SERVICE_ONLY = {
    "exchanges": [
        {
            "id": "solo",
            "name": "Solo",
            "official_domains": ["solo.example"],
            "channels": [
                {
                    "id": "help_center",
                    "kind": "help_center",
                    "mode": "self_service",
                    "name": "Help center",
                    "url": "https://www.solo.example/help",
                }
            ],
        }
    ]
}


async def test_urgent_with_no_contact_channel_says_so_in_both_languages(
    clock: FakeClock, settings: Settings
) -> None:
    catalog = catalog_from_data(SELF_SERVICE_ONLY)
    status = StatusService(catalog, FakeLive(), FakeStore(), clock)
    core = Core(catalog, status, None, clock, settings)
    english = await plain(core, "/urgent solo withdrawal")
    assert (
        "Where to go, in order\nWe know no contact channel of Solo for this: start from its "
        "official site (below), never from a link someone sent you." in english
    ), english
    assert "Nobody on this route" not in english
    assert "solo.example" in english  # the official site the line points to
    chinese = await plain(core, "/urgent solo withdrawal", "zh")
    assert "我们没有Solo处理此事的联系渠道记录" in chinese, chinese
