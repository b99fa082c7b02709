"""The adapter's pure parts: which messages are ours, who is an admin, the command limit."""

from __future__ import annotations

import asyncio

import pytest

from bot.adapters.telegram import Admission, CommandLimit, addressed, is_admin, menu
from bot.alerts.pacing import SendBudget
from bot.vocab import Locale

BOT = "supportlive_bot"


@pytest.mark.parametrize(
    ("line", "is_group", "expected"),
    [
        ("/status mexc", False, "/status mexc"),
        ("/status@supportlive_bot mexc", False, "/status mexc"),
        ("/status@SupportLive_Bot", True, "/status"),
        ("/status@other_bot mexc", False, None),
        ("/status@other_bot mexc", True, None),
        ("/status mexc", True, "/status mexc"),
        ("/Status mexc", True, "/Status mexc"),
        ("/weather berlin", True, None),  # another bot's command, not named
        ("/weather@supportlive_bot", True, "/weather"),  # ours to answer: "unknown command"
        ("status mexc", False, "status mexc"),
        ("status mexc", True, None),
        ("  ", False, None),
        ("/状态 mexc", False, "/状态 mexc"),
        ("/状态 mexc", True, None),  # not a name of ours
        ("/充提 binance usdt", True, "/充提 binance usdt"),  # our Chinese alias of /wallet
        ("/验证@supportlive_bot mexc.com", True, "/验证 mexc.com"),
        ("/验证@other_bot mexc.com", True, None),
    ],
)
def test_it_finds_the_command_line_meant_for_the_bot(
    line: str, is_group: bool, expected: str | None
) -> None:
    assert addressed(line, BOT, is_group=is_group) == expected


def test_admins_are_listed_with_or_without_the_platform() -> None:
    admins = frozenset({"telegram:7", "8", "discord:9"})
    assert is_admin(7, admins) and is_admin(8, admins)
    assert not is_admin(9, admins)


def test_the_menus_leave_out_admin_commands_and_start() -> None:
    names = [c.command for c in menu(Locale.ZH)]
    assert "stats" not in names and "maintenance" not in names and "start" not in names
    assert all(1 <= len(c.description) <= 256 for c in menu(Locale.EN))


def test_the_limit_allows_8_in_10_s_warns_once_then_drops() -> None:
    limit = CommandLimit(8, 10.0)
    seen = [limit.admit("u", 100.0 + i * 0.1) for i in range(11)]
    assert seen == [Admission.ALLOW] * 8 + [Admission.WARN, Admission.DROP, Admission.DROP]
    assert limit.admit("other", 101.0) is Admission.ALLOW
    assert limit.admit("u", 110.05) is Admission.ALLOW  # the first one left the window
    assert limit.admit("u", 110.06) is Admission.WARN  # warned again after a fresh start


async def test_the_send_pace_spaces_sends_and_a_pause_holds_them() -> None:
    loop = asyncio.get_running_loop()
    pace = SendBudget(50.0, now=loop.time)
    started = loop.time()
    for _ in range(5):
        async with pace.send():
            pass
    assert 0.07 <= loop.time() - started < 0.5  # 4 gaps of 20 ms
    pace.pause(0.2)
    paused = loop.time()
    async with pace.send():
        pass
    assert loop.time() - paused >= 0.19
