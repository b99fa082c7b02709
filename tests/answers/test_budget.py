"""Long answers are cut to 4,096 characters with a pointer to the rest, never over."""

from __future__ import annotations

from typing import Any

from bot.catalog.load import check_data
from bot.clock import FakeClock
from bot.commands.dispatch import Core
from bot.render.budget import LIMIT, SECTION_LIMIT, fit, size
from bot.reply import Reply, Section, text
from bot.settings import Settings
from bot.status import StatusService
from tests.answers.conftest import CATALOG, reply_to
from tests.answers.fakes import FakeLive, FakeStore


def _big_catalog(channels: int) -> Any:
    return {
        "exchanges": [
            {
                "id": "wide",
                "name": "Wide",
                "official_domains": ["wide.example"],
                "channels": [
                    {
                        "id": f"c{i}",
                        "kind": "help_center",
                        "mode": "self_service",
                        "name": f"Help page number {i} with a rather long name",
                        "url": f"https://wide.example/help/{i}/a/long/path/to/the/page",
                        "probe": {"kind": "http", "url": f"https://wide.example/help/{i}"},
                        "note": "A note that makes every section a few lines longer than usual.",
                    }
                    for i in range(channels)
                ],
            }
        ]
    }


async def test_it_cuts_a_long_channel_list_and_says_where_the_rest_is(settings: Settings) -> None:
    catalog = check_data(CATALOG, _big_catalog(80))
    clock, live = FakeClock(), FakeLive()
    for i in range(80):
        live.up(f"wide/c{i}", clock.now(), 100 + i)
    core = Core(catalog, StatusService(catalog, live, FakeStore(), clock), None, clock, settings)
    for line in ("/channels wide", "/status wide", "/urgent wide kyc"):
        reply = await reply_to(core, line)
        assert size(reply) <= LIMIT
        assert all(
            sum(len(t.text) for ln in s.lines for t in ln) <= SECTION_LIMIT for s in reply.sections
        )
    channels = await reply_to(core, "/channels wide")
    assert channels.sections[-1].lines[-1][0].text == "…more: /channels wide <channel>"
    status = await reply_to(core, "/status wide")
    assert status.sections[-1].lines[-1][0].text == "…more: /channels wide"


def test_it_leaves_a_reply_that_fits_alone() -> None:
    reply = Reply("title", lines=((text("a"),),), sections=(Section("s", ((text("b"),),)),))
    assert fit(reply, "…more") == reply


def test_it_caps_one_giant_span() -> None:
    reply = Reply("t" * 1000, lines=((text("x" * 10_000),),) * 6)
    cut = fit(reply, "…more: /help")
    assert size(cut) <= LIMIT
    assert len(cut.title) == 256
