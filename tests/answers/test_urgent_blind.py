"""/urgent while our own connection fails says why every step reads "unknown"."""

from __future__ import annotations

from datetime import timedelta

from bot.clock import FakeClock
from bot.commands.dispatch import Core
from tests.answers.conftest import plain
from tests.answers.fakes import FakeLive


async def test_urgent_while_blind_says_nothing_below_is_confirmed(
    core: Core, live: FakeLive, clock: FakeClock
) -> None:
    live.blind = clock.now() - timedelta(minutes=4)
    since = f"{live.blind:%H:%M} UTC"
    answer = await plain(core, "/urgent mexc withdrawal")
    banner = (
        f"⚠️ We can't check from here right now: our own connection is failing (since {since}).\n"
        "Until it's back, nothing below is confirmed: check again in a few minutes.\n"
    )
    assert banner in answer
    assert answer.index(banner) < answer.index("Where to go, in order")
    zh = await plain(core, "/urgent mexc withdrawal", "zh")
    assert f"我们这边的网络暂时异常，目前无法检测（自 {since} 起）" in zh


async def test_urgent_with_our_connection_fine_has_no_such_line(core: Core) -> None:
    assert "can't check from here" not in await plain(core, "/urgent mexc withdrawal")
