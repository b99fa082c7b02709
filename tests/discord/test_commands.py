"""Every slash command as a user sees it: registration, embeds, buttons, bad input."""

from __future__ import annotations

from bot.adapters.discord import ZH_COMMAND_NAMES
from tests.discord.conftest import GUILD_ID, MANAGER, USER_ID, Bot, limit_problems

SLASH = {
    "verify",
    "status",
    "channels",
    "urgent",
    "history",
    "subscribe",
    "unsubscribe",
    "subscriptions",
    "report",
    "lang",
    "help",
    "wallet",
}


async def test_it_registers_the_command_table_as_slash_commands(bot: Bot) -> None:
    commands = {c["name"]: c for c in bot.dc.commands}
    assert set(commands) == SLASH
    assert bot.dc.sync_count == 1
    status = commands["status"]
    assert status["description"].startswith("Is support live now?")
    assert status["name_localizations"] == {"zh-CN": "状态"}
    assert status["description_localizations"]["zh-CN"].startswith("客服现在在线吗")
    (exchange,) = status["options"]
    assert (exchange["name"], exchange["type"], exchange["required"]) == ("exchange", 3, False)
    assert exchange["autocomplete"] is True
    assert exchange["name_localizations"] == {"zh-CN": "交易所"}
    urgent = {o["name"]: o for o in commands["urgent"]["options"]}
    assert urgent["case"]["autocomplete"] is True
    assert {o["name"] for o in commands["channels"]["options"]} == {"exchange", "channel"}
    (lang,) = commands["lang"]["options"]
    assert lang["choices"] == [{"name": "English", "value": "en"}, {"name": "中文", "value": "zh"}]
    assert "autocomplete" not in lang or not lang["autocomplete"]
    assert all(c["name_localizations"]["zh-CN"] == ZH_COMMAND_NAMES[n] for n, c in commands.items())
    (text,) = commands["verify"]["options"]
    assert (text["name"], text["type"], text["name_localizations"]) == (
        "text",
        3,
        {"zh-CN": "内容"},
    )
    # Default intents only: no privileged intent asked for.
    assert bot.dc.identifies[0]["intents"] & ((1 << 1) | (1 << 8) | (1 << 15)) == 0


async def test_wallet_is_a_slash_command_that_answers_honestly(bot: Bot) -> None:
    commands = {c["name"]: c for c in bot.dc.commands}
    options = [(o["name"], o["required"]) for o in commands["wallet"]["options"]]
    assert options == [("exchange", True), ("coin", True), ("network", False)]
    assert commands["wallet"]["name_localizations"] == {"zh-CN": "充提"}
    seen = await bot.run("wallet", {"exchange": "loopex", "coin": "usdt", "network": "trc20"})
    assert seen.title == "Loopex · USDT — no public per-network status"
    assert seen.description.startswith("Loopex publishes no public deposit/withdrawal status")


async def test_status_answers_with_the_best_channel_and_every_channel(bot: Bot) -> None:
    seen = await bot.run("status", {"exchange": "loopex"})
    assert not seen.ephemeral and not seen.deferred
    assert seen.title == "Loopex — support is live now ✅"
    assert seen.description.startswith("Best now: [Live chat](http://127.0.0.1:9/chat)\n")
    assert "page answered in 180 ms" in seen.description
    (channels,) = seen.fields
    assert channels[0] == "Channels"
    assert channels[1].splitlines() == [
        "✅ Live chat — live · 180 ms · p95 180 ms",
        "✅ Help center — open · 95 ms · p95 95 ms",
        "📨 E-mail — accepting · replies in 1–3 business days",
    ]
    assert seen.footer.startswith("Official site: loopex.example.")
    assert seen.embed["color"] == 0x2ECC71
    assert [b["label"] for b in seen.buttons] == [
        "🚨 Urgent help",
        "🔔 Alerts",
        "📋 Details",
        "中文",
    ]
    assert limit_problems(seen.embed) == []


async def test_channels_shows_each_channel_as_a_field(bot: Bot) -> None:
    seen = await bot.run("channels", {"exchange": "Loopex"})
    assert seen.title == "Loopex — every channel"
    names = [name for name, _ in seen.fields]
    assert names == ["✅ Live chat — live", "✅ Help center — open", "📨 E-mail — accepting"]
    assert "Open: http://127.0.0.1:9/chat" in seen.fields[0][1]
    assert "`service@loopex.example`" in seen.fields[2][1]
    one = await bot.run("channels", {"exchange": "loopex", "channel": "email"})
    assert [name for name, _ in one.fields] == ["📨 E-mail — accepting"]


async def test_a_channel_picked_without_an_exchange_names_both(bot: Bot) -> None:
    seen = await bot.run("channels", {"channel": "loopex/help_center"})
    assert [name for name, _ in seen.fields] == ["✅ Help center — open"]


async def test_urgent_gives_the_route_and_the_phishing_warning(bot: Bot) -> None:
    seen = await bot.run("urgent", {"exchange": "loopex", "case": "withdrawal_stuck"})
    assert seen.title == "🚨 Withdrawal stuck on Loopex"
    route = dict(seen.fields)["Where to go, in order"]
    assert route.startswith("1. ✅ Live chat — live · 180 ms · p95 180 ms ← use this now\n")
    assert "Known fakes: loopex-support.example" in seen.footer
    menu = await bot.run("urgent", {"exchange": "loopex"})
    assert menu.title == "🚨 Urgent help on Loopex: what happened?"
    assert len(menu.buttons) == 5
    assert all(len(b["custom_id"]) <= 100 for b in menu.buttons)


async def test_history_lists_the_changes(bot: Bot) -> None:
    seen = await bot.run("history", {"exchange": "loopex"})
    assert seen.title == "Loopex — changes since we started watching"
    assert "✅ Live chat: unknown → up, still now" in seen.description


async def test_help_lists_the_commands(bot: Bot) -> None:
    seen = await bot.run("help", guild_id=None, user_id=USER_ID)
    assert seen.title == "supportlive — is support live now?"
    commands, alerts = seen.fields
    assert (commands[0], alerts[0]) == ("Commands", "Alerts")
    assert "/urgent [exchange] [case] — What to do now" in commands[1]
    listed = [line.split(" ", 1)[0] for line in commands[1].splitlines()]
    assert "/start" not in listed, "Discord has no /start slash command"
    assert [line.split(" ", 1)[0] for line in alerts[1].splitlines()] == [
        "/subscribe",
        "/unsubscribe",
        "/subscriptions",
    ]
    assert all(len(field[1]) <= 1024 for field in seen.fields)  # Discord's bound per field
    assert seen.footer == (
        "Watched: Loopex.\nEvery link I give comes from our checked list of official sites."
    )


async def test_subscriptions_are_personal(bot: Bot) -> None:
    seen = await bot.run("subscriptions")
    assert seen.ephemeral
    assert seen.title == "Alerts in this chat"
    assert seen.description == "No alerts here yet. Try /subscribe loopex."


async def test_a_button_runs_its_command(bot: Bot) -> None:
    status = await bot.run("status", {"exchange": "loopex"})
    details = await bot.click(status, "📋 Details")
    assert details.title == "Loopex — every channel"
    alerts = await bot.click(status, "🔔 Alerts", permissions=MANAGER)
    assert alerts.title.startswith("🔔 Alerts on")
    rows = await bot.store.subscriptions_of(
        "discord", f"c:{bot.dc.guilds[GUILD_ID].default_channel.id}"
    )
    assert [(r.exchange, r.channel) for r in rows] == [("loopex", None)]


async def test_a_forgotten_button_says_so(bot: Bot) -> None:
    status = await bot.run("status", {"exchange": "loopex"})
    status.components[0]["components"][0]["custom_id"] = "sl:#0123456789abcdef"
    expired = await bot.click(status, "🚨 Urgent help")
    assert expired.ephemeral
    assert expired.title == "This button has expired. Please use the slash command instead."


async def test_an_unknown_exchange_gets_the_closest_match_only_to_the_user(shipped: Bot) -> None:
    seen = await shipped.run("status", {"exchange": "mexx"})
    assert seen.ephemeral
    assert seen.title == "I don't know the exchange “mexx”."
    assert seen.description.startswith("Did you mean MEXC")
    assert seen.buttons[0]["label"] == "MEXC"


async def test_an_unknown_channel_lists_the_valid_ones(bot: Bot) -> None:
    seen = await bot.run("channels", {"exchange": "loopex", "channel": "fax"})
    assert seen.ephemeral
    assert seen.description == (
        "Loopex has no channel “fax”. Channels: live\\_chat, help\\_center, email."
    )


async def test_typed_markdown_and_links_are_shown_as_text(shipped: Bot) -> None:
    seen = await shipped.run("status", {"exchange": "**[x](https://evil.example)**"})
    assert seen.ephemeral
    assert "https://evil" not in seen.text
    assert "\\*\\*\\[x](https:\\/\\/evil.example)\\*\\*" in seen.title


async def test_verify_takes_a_pasted_link_and_never_echoes_it_as_a_link(bot: Bot) -> None:
    seen = await bot.run("verify", {"text": "https://loopex.example.security-check.io/login"})
    assert seen.title == "❌ Not Loopex"
    assert "hxxps[:]//loopex[.]example[.]security-check[.]io/login" in seen.description
    assert "](https://loopex.example.security-check.io" not in seen.description
    assert "security-check.io/" not in seen.description.replace("[.]", "")


async def test_verify_in_chinese_for_a_chinese_client(bot: Bot) -> None:
    seen = await bot.run("verify", {"text": "loopex-support.com"}, locale="zh-CN")
    assert seen.title == "❌ 这不是 Loopex 官方"
    assert "loopex-support[.]com 不是 Loopex 官方网站。" in seen.description
