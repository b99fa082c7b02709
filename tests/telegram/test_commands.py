"""Every command of the table, as a Telegram user receives it (HTML as sent on the wire)."""

from __future__ import annotations

import re

import pytest

from bot.commands.table import COMMANDS
from tests.telegram.conftest import ADMIN, GROUP, Bot

STATUS = (
    "<b>Loopex — support is live now ✅</b>\n"
    'Best now: <a href="http://127.0.0.1:9/chat">Live chat</a>\n'
    "  page answered in 180 ms · checked just now · hours: 24/7\n"
    "\n"
    "<b>Channels</b>\n"
    "✅ Live chat — live · 180 ms · p95 180 ms\n"
    "✅ Help center — open · 95 ms · p95 95 ms\n"
    "📨 E-mail — accepting · replies in 1–3 business days\n"
    "\n"
    "Official site: loopex.example. Support never asks for your password or 2FA code."
)
STATUS_BUTTONS = {
    "inline_keyboard": [
        [
            {"text": "🚨 Urgent help", "callback_data": "/urgent loopex"},
            {"text": "🔔 Alerts", "callback_data": "/subscribe loopex"},
        ],
        [
            {"text": "📋 Details", "callback_data": "/channels loopex"},
            {"text": "中文", "callback_data": "/lang zh"},
        ],
    ]
}


async def test_it_sets_the_command_menu_in_english_and_chinese_without_admin_commands(
    bot: Bot,
) -> None:
    english = bot.tg.commands()
    chinese = bot.tg.commands(language_code="zh")
    public = [c.name for c in COMMANDS if not c.admin and c.name != "start"]
    assert [c["command"] for c in english] == public
    assert [c["command"] for c in chinese] == public
    assert english[0] == {
        "command": "status",
        "description": "Is support live now? The best channel, and every channel's state",
    }
    assert chinese[0] == {
        "command": "status",
        "description": "客服现在在线吗？推荐渠道及各渠道状态",
    }


async def test_status_answers_in_html_with_buttons_and_no_link_preview(bot: Bot) -> None:
    sent = await bot.ask("/status loopex")
    assert sent["text"] == STATUS
    assert sent["parse_mode"] == "HTML"
    assert sent["reply_markup"] == STATUS_BUTTONS
    assert sent["link_preview_options"] == {"is_disabled": True}


async def test_status_without_an_exchange_answers_for_the_only_one(bot: Bot) -> None:
    assert (await bot.ask("/status"))["text"] == STATUS


async def test_private_text_without_a_slash_is_a_command_too(bot: Bot) -> None:
    assert (await bot.ask("status Loopex"))["text"] == STATUS


async def test_channels_shows_each_channel_with_official_links(bot: Bot) -> None:
    sent = await bot.ask("/channels loopex")
    assert sent["text"].startswith(
        "<b>Loopex — every channel</b>\n\n<b>✅ Live chat — live</b>\n"
        'Open: <a href="http://127.0.0.1:9/chat">http://127.0.0.1:9/chat</a>\n'
        "Checked just now (19:00 UTC)\n"
    )
    assert "Address: <code>service@loopex.example</code>" in sent["text"]


async def test_urgent_without_a_case_offers_the_cases_as_buttons(bot: Bot) -> None:
    sent = await bot.ask("/urgent loopex")
    assert sent["text"] == (
        "<b>🚨 Urgent help on Loopex: what happened?</b>\n"
        "Tap one, or type it: /urgent loopex withdrawal"
    )
    rows = sent["reply_markup"]["inline_keyboard"]
    assert [row[0]["callback_data"] for row in rows] == [
        "/urgent loopex account_compromised",
        "/urgent loopex withdrawal_stuck",
        "/urgent loopex deposit_missing",
        "/urgent loopex order_failed",
        "/urgent loopex kyc",
    ]


async def test_urgent_with_a_case_gives_the_route_and_the_phishing_warning(bot: Bot) -> None:
    sent = await bot.ask("/urgent loopex withdrawal")
    assert sent["text"] == (
        "<b>🚨 Withdrawal stuck on Loopex</b>\n\n"
        "<b>Where to go, in order</b>\n"
        "1. ✅ Live chat — live · 180 ms · p95 180 ms ← use this now\n"
        '   <a href="http://127.0.0.1:9/chat">http://127.0.0.1:9/chat</a>\n'
        "2. 📨 E-mail — accepting · replies in 1–3 business days\n"
        "   <code>service@loopex.example</code>\n\n"
        "<b>What to do</b>\n"
        "• Open the live chat.\n"
        "Have ready: UID.\n\n"
        "⚠️ Only loopex.example. Support will never ask for your password or 2FA code.\n"
        "Known fakes: <code>loopex-support.example</code>"
    )


async def test_history_lists_the_changes(bot: Bot) -> None:
    sent = await bot.ask("/history loopex")
    assert sent["text"] == (
        "<b>Loopex — changes since we started watching</b>\n"
        "Watching since Nov 24 19:00 UTC (just now): not 7 days yet.\n"
        "Nov 24 19:00 UTC ✅ Live chat: unknown → up, still now\n"
        "Nov 24 19:00 UTC ✅ Help center: unknown → up, still now"
    )


async def test_subscribe_list_and_unsubscribe_manage_this_chats_alerts(bot: Bot) -> None:
    subscribed = await bot.ask("/subscribe loopex")
    assert subscribed["text"].startswith("<b>🔔 ")
    assert "Loopex" in subscribed["text"]
    assert [s.exchange for s in await bot.store.subscriptions_of("telegram", "42")] == ["loopex"]
    listed = await bot.ask("/subscriptions")
    assert "Loopex" in listed["text"]
    stopped = await bot.ask("/unsubscribe")
    assert stopped["text"].startswith("<b>🔕 ")
    assert await bot.store.subscriptions_of("telegram", "42") == []


@pytest.mark.parametrize(
    ("line", "title"),
    [
        ("/help", "<b>supportlive — is support live now?</b>\n"),
        ("/start", "<b>Hi! Ask me whether exchange support is live now.</b>\n"),
        ("/lang", "<b>Language: English. Switch with /lang zh.</b>"),
    ],
)
async def test_help_start_and_lang_answer(bot: Bot, line: str, title: str) -> None:
    sent = await bot.ask(line)
    assert sent["text"].startswith(title)


async def test_help_lists_every_public_command_and_no_admin_one(bot: Bot) -> None:
    sent = await bot.ask("/help")
    for command in COMMANDS:
        assert (f"\n/{command.name} " in sent["text"]) is not command.admin


async def test_an_unknown_command_gets_the_command_list(bot: Bot) -> None:
    sent = await bot.ask("/frobnicate")
    assert sent["text"].startswith(
        "<b>I don't know the command “/frobnicate”.</b>\n\n<b>Commands</b>\n/status [exchange]"
    )


async def test_an_unknown_exchange_gets_the_closest_as_buttons(bot: Bot) -> None:
    sent = await bot.ask("/status lopex")
    assert sent["text"].startswith("<b>I don't know the exchange “lopex”.</b>\n")
    assert "Loopex" in sent["text"]
    assert sent["reply_markup"] == {
        "inline_keyboard": [[{"text": "Loopex", "callback_data": "/status loopex"}]]
    }


async def test_markup_in_user_input_comes_back_escaped(bot: Bot) -> None:
    sent = await bot.ask('/status <b>&amp;"x"')
    assert sent["text"].startswith('<b>I don\'t know the exchange “&lt;b&gt;&amp;amp;"x"”.</b>')


# What Telegram turns into a tap target in plain message text (tdlib's entity finder): a
# host name (letters, digits, "-", "_", "~" around a "."), an @username, a tg:// link.
TELEGRAM_AUTOLINK = re.compile(r"[A-Za-z0-9_~-]\.[A-Za-z0-9_~-]|@[A-Za-z0-9_]{5}|tg:/")


@pytest.mark.parametrize(
    "typed",
    ["https://mexc-support.help/chat", "mexc-help.com", "@mexc_support_desk", "tg://resolve"],
)
async def test_a_link_or_account_a_user_typed_comes_back_as_text_telegram_cannot_link(
    bot: Bot, typed: str
) -> None:
    sent = await bot.ask(f"/status {typed}")
    echoed = sent["text"].split("“", 1)[1].split("”", 1)[0]
    assert echoed.replace("\u2060", "") == typed  # the reader sees exactly what was typed
    assert TELEGRAM_AUTOLINK.search(echoed) is None


async def test_admin_commands_work_for_admins(bot: Bot) -> None:
    stats = await bot.ask("/stats", chat_id=ADMIN)
    assert stats["text"] == (
        "<b>supportlive</b>\n1 exchanges · 3 channels · 2 probed, 2 of them live now\n"
        "Alerts: 0 active subscriptions · outbox 0 pending, 0 sending, 0 dead\n"
        "Maintenance under way: 0"
    )
    declared = await bot.ask("/maintenance loopex live_chat 30", chat_id=ADMIN)
    assert declared["text"].startswith("<b>🛠 ")
    status = await bot.ask("/status loopex", chat_id=ADMIN)
    assert "maintenance" in status["text"]


@pytest.mark.parametrize("line", ["/stats", "/maintenance loopex live_chat 30"])
async def test_admin_commands_are_unknown_to_everyone_else(bot: Bot, line: str) -> None:
    sent = await bot.ask(line)
    name = line.split()[0]
    assert sent["text"].startswith(f"<b>I don't know the command “{name}”.</b>")


async def test_check_a_link_follows_a_hacked_account_and_checks_what_is_pasted(bot: Bot) -> None:
    urgent = await bot.ask("/urgent loopex login")
    rows = urgent["reply_markup"]["inline_keyboard"]
    assert rows[-1] == [{"text": "🔍 Check a link", "callback_data": "/verify"}]
    prompt = await bot.press("/verify")
    assert prompt["text"].startswith("<b>🔍 Check a link, e-mail, @account or phone number</b>")
    checked = await bot.ask("https://loopex.example@evil.io/login")
    assert checked["text"].startswith("<b>❌ Not Loopex</b>\n")
    assert "a browser opens evil[.]io, not Loopex." in checked["text"]
    assert "evil.io" not in checked["text"]  # never a tap away
    assert 'href="https://loopex.example@' not in checked["text"]


async def test_withdrawal_urgent_has_no_check_a_link_button(bot: Bot) -> None:
    sent = await bot.ask("/urgent loopex withdrawal")
    labels = [b["text"] for row in sent["reply_markup"]["inline_keyboard"] for b in row]
    assert "🔍 Check a link" not in labels


async def test_verify_in_chinese_by_its_chinese_name(bot: Bot) -> None:
    sent = await bot.ask("/验证 loopex-support.com", language_code="zh-hans")
    assert sent["text"].startswith("<b>❌ 这不是 Loopex 官方</b>\nloopex-support[.]com 不是")


async def test_wallet_answers_in_html_and_never_guesses_without_a_source(bot: Bot) -> None:
    sent = await bot.ask("/wallet usdt trc20")
    assert sent["text"] == (
        "<b>Loopex · USDT — no public per-network status</b>\n"
        "Loopex publishes no public deposit/withdrawal status per network (its API needs a "
        "personal key), so we can't check it, and we won't guess.\n"
        "Check Loopex's official deposit/withdrawal page or its notices:\n"
        '<a href="http://127.0.0.1:9/help">Help center</a>'
    )
    assert sent["reply_markup"] == {
        "inline_keyboard": [
            [{"text": "⏳ Stuck withdrawal", "callback_data": "/urgent loopex withdrawal_stuck"}]
        ]
    }
    # The Chinese name of the command works as private text.
    assert (await bot.ask("充提 usdt"))["text"].startswith("<b>Loopex · USDT")


async def test_a_pasted_scam_message_is_checked_by_the_link_in_it(bot: Bot) -> None:
    sent = await bot.ask("Loopex support: claim your refund at https://loopex-support.example/r")
    assert sent["text"].startswith("<b>❌ Not Loopex</b>\n")
    assert "loopex-support.example" not in sent["text"]  # never a tap away


async def test_a_forwarded_message_is_checked_by_the_link_hidden_behind_its_words(
    bot: Bot,
) -> None:
    # Telegram shows "here" and hides the address: the one a trader would tap.
    hidden = {
        "type": "text_link",
        "offset": 34,
        "length": 4,
        "url": "https://loopex-support.example/r",
    }
    text = "Loopex support: claim your refund here"
    sent = await bot.ask(text, extra={"entities": [hidden]})
    assert sent["text"].startswith("<b>❌ Not Loopex</b>\n")


async def test_verify_reads_the_link_hidden_behind_an_official_looking_word(bot: Bot) -> None:
    # "www.loopex.example" is shown; a tap opens the fake.
    text = "/verify claim at www.loopex.example now"
    hidden = {
        "type": "text_link",
        "offset": text.index("www"),
        "length": len("www.loopex.example"),
        "url": "https://loopex-support.example/r",
    }
    sent = await bot.ask(text, extra={"entities": [hidden]})
    assert sent["text"].startswith("<b>❌ Not Loopex</b>\n")


async def test_a_pasted_message_with_more_links_than_are_read_is_not_vouched_for(
    bot: Bot,
) -> None:
    official = " ".join(f"https://www.loopex.example/notice/{n}" for n in range(20))
    sent = await bot.ask(f"{official} https://loopex-refund.example/claim")
    assert sent["text"].startswith("<b>🔍 Check a link, e-mail, @account or phone number</b>\n")
    assert "Official" not in sent["text"]


async def test_a_message_with_a_link_in_a_group_is_left_alone(bot: Bot) -> None:
    before = len(bot.tg.sent_messages(GROUP))
    bot.tg.push_message(
        "see https://loopex-support.example/r", chat_id=GROUP, user_id=5, chat_type="supergroup"
    )
    assert await bot.quiet(GROUP, before)


async def test_verify_of_a_whole_message_checks_its_link(bot: Bot) -> None:
    sent = await bot.ask("/verify Loopex support: claim it at https://loopex-support.example/r")
    assert sent["text"].startswith("<b>❌ Not Loopex</b>\n")
    assert "hxxps[:]//loopex-support[.]example/r is a known fake" in sent["text"]


async def test_a_phone_number_pasted_after_check_a_link_is_checked(bot: Bot) -> None:
    await bot.ask("/urgent loopex login")
    prompt = await bot.press("/verify")
    assert "phone number" in prompt["text"]
    checked = await bot.ask("+1 (415) 555-0100")
    assert "I don't know the command" not in checked["text"]
    assert checked["text"] == (await bot.ask("/verify +1 (415) 555-0100"))["text"]


async def test_a_forwarded_picture_is_checked_by_the_link_in_its_caption(bot: Bot) -> None:
    # Scam posts are often a picture with the link in its caption, or behind its words.
    photo = [{"file_id": "p", "file_unique_id": "u", "width": 9, "height": 9}]
    hidden = {
        "type": "text_link",
        "offset": 0,
        "length": 5,
        "url": "https://loopex-support.example",
    }
    shown = {"text": None, "photo": photo, "caption": "Claim at https://loopex-support.example/r"}
    sent = await bot.ask("", extra=shown)
    assert sent["text"].startswith("<b>❌ Not Loopex</b>\n")
    behind = {"text": None, "photo": photo, "caption": "Claim", "caption_entities": [hidden]}
    sent = await bot.ask("", extra=behind)
    assert sent["text"].startswith("<b>❌ Not Loopex</b>\n")


async def test_a_picture_in_a_group_is_left_alone(bot: Bot) -> None:
    before = len(bot.tg.sent_messages(GROUP))
    photo = [{"file_id": "p", "file_unique_id": "u", "width": 9, "height": 9}]
    bot.tg.push_message(
        "",
        chat_id=GROUP,
        user_id=5,
        chat_type="supergroup",
        extra={"text": None, "photo": photo, "caption": "/status https://loopex-support.example"},
    )
    assert await bot.quiet(GROUP, before)
