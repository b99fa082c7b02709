"""/report on Discord: the slash command, its autocomplete and choices, the median in /status."""

from __future__ import annotations

import pytest

from bot.reports import WaitBook
from tests.discord.conftest import GUILD_ID, Bot, World

PEOPLE = (1_200_000_000_000_000_101, 1_200_000_000_000_000_102, 1_200_000_000_000_000_103)


@pytest.fixture
async def bot(world: World) -> Bot:
    """The bot as `supportlive run` wires it: wait reports kept in its database."""
    running = await world.start()
    running.status.reports = WaitBook(running.store, running.clock)
    return running


async def report(bot: Bot, user_id: int, channel: str, wait: str) -> str:
    options = {"exchange": "loopex", "channel": channel, "wait": wait}
    seen = await bot.run("report", options, user_id=user_id)
    assert seen.ephemeral  # a personal answer: nobody else in #general sees it
    return seen.text


async def test_report_is_a_slash_command_with_three_required_options(bot: Bot) -> None:
    command = next(c for c in bot.dc.commands if c["name"] == "report")
    options = [(o["name"], o["required"], o.get("autocomplete")) for o in command["options"]]
    assert options == [("exchange", True, True), ("channel", True, True), ("wait", True, True)]
    assert command["name_localizations"] == {"zh-CN": "反馈等待"}
    wait = command["options"][2]
    assert wait["name_localizations"] == {"zh-CN": "等待"}


async def test_three_people_make_status_show_the_median(bot: Bot) -> None:
    for person, wait in zip(PEOPLE, ("5", "10", "15"), strict=True):
        assert "Thanks! Noted" in await report(bot, person, "live_chat", wait)
    seen = await bot.run("status", {"exchange": "loopex"})
    (channels,) = seen.fields
    assert channels[1].splitlines()[:2] == [
        "✅ Live chat — live · 180 ms · p95 180 ms",
        "   People report: answered in \\~10 min (median of 3 in 24 h)",  # markdown escaped
    ]
    assert seen.buttons[-1]["label"] == "⏱ Report my wait"


async def test_a_bad_wait_gets_the_usage_line_and_the_quick_choices(bot: Bot) -> None:
    text = await report(bot, PEOPLE[0], "live_chat", "soon")
    assert (
        "Usage: /report <exchange> <channel> <minutes\\|none>, e.g. /report loopex live\\_chat 10"
        in text  # markdown escaped
    )
    assert await bot.store.wait_reports("loopex", bot.clock.now().replace(year=2000)) == []


async def test_the_wait_autocompletes_the_typed_minutes_then_the_quick_choices(bot: Bot) -> None:
    options = {"exchange": "loopex", "channel": "live_chat", "wait": "10"}
    choices = await bot.complete("report", options, "wait", guild_id=GUILD_ID)
    assert [(c["name"], c["value"]) for c in choices] == [
        ("10 min", "10"),
        ("≤ 5 min", "5"),
        ("15 min", "15"),
        ("30 min", "30"),
        ("60+ min", "60"),
        ("No answer", "none"),
    ]
    options["wait"] = "no"
    choices = await bot.complete("report", options, "wait", guild_id=GUILD_ID)
    assert [c["value"] for c in choices] == ["none"]


async def test_the_channel_autocompletes_only_channels_a_person_answers(bot: Bot) -> None:
    options = {"exchange": "loopex", "channel": ""}
    choices = await bot.complete("report", options, "channel", guild_id=GUILD_ID)
    assert [c["value"] for c in choices] == ["live_chat", "email"]
    everything = await bot.complete("channels", options, "channel", guild_id=GUILD_ID)
    assert [c["value"] for c in everything] == ["live_chat", "help_center", "email"]


async def test_the_report_button_leads_to_a_stored_report(bot: Bot) -> None:
    status = await bot.run("status", {"exchange": "loopex"}, user_id=PEOPLE[0])
    channels = await bot.click(status, "⏱ Report my wait", user_id=PEOPLE[0])
    assert channels.title == "Which Loopex channel did you wait on?"
    waits = await bot.click(channels, "Live chat", user_id=PEOPLE[0])
    assert [b["label"] for b in waits.buttons] == [
        "≤ 5 min",
        "15 min",
        "30 min",
        "60+ min",
        "No answer",
    ]
    thanks = await bot.click(waits, "No answer", user_id=PEOPLE[0])
    assert thanks.title == "Thanks! Noted: nobody at Loopex Live chat answered you."
    (stored,) = await bot.store.wait_reports("loopex", bot.clock.now().replace(year=2000))
    assert stored.wait_min is None
    assert stored.person == await bot.store.person_key("discord", str(PEOPLE[0]))
