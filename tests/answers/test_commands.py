"""Commands end to end through `handle`: help, mistakes, alerts, language, admin, history."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.catalog import Catalog, load_catalog
from bot.clock import FakeClock
from bot.commands.dispatch import Core
from bot.render.chat import exchange_choice_reply
from bot.render.reports import exchange_pick_reply
from bot.render.words import Words
from bot.settings import SHIPPED_CATALOG, Settings
from bot.status import StatusService
from bot.vocab import Locale, Platform
from probes.result import ProbeResult
from storage.records import TransitionRecord
from storage.store import Store
from tests.answers import scenes
from tests.answers.conftest import plain, reply_to
from tests.answers.fakes import FakeLive, FakeStore

DAYS_10 = timedelta(days=10)

HELP_EN = """\
supportlive — is support live now?
I check exchanges' official support channels around the clock and tell you which are reachable now.

Commands
/status [exchange] — Is support live now? The best channel, and every channel's state
/channels [exchange] [channel] — Each channel in detail: why, latency, uptime, hours, links
/urgent [exchange] [case] — What to do now: hacked account, stuck withdrawal, missing deposit, \
failed order, KYC
/verify [link|e-mail|@account|phone] — Is this link, e-mail, @account or phone number really the \
exchange's?
/wallet <exchange> <coin> [network] — Deposits and withdrawals of a coin per network, from the \
exchange's own API
/history [exchange] — Changes over the last 7 days
/report <exchange> <channel> <minutes|none> — How long support took to answer you (or none): \
helps the next trader
/lang [en|zh] — Answer in English or Chinese
/help — What I can do
/start — Start here

Alerts
/subscribe [exchange] [channel] [coin] [network] — Alerts when a channel goes down or a coin's \
deposits/withdrawals stop, and when back
/unsubscribe [exchange] [channel] [coin] [network] — Stop alerts: all, one exchange's, channel's \
or coin's
/subscriptions — The alerts this chat gets

Watched: MEXC, Nova.
Every link I give comes from our checked list of official sites.

[📋 Details: /status mexc]  [🚨 Urgent help: /urgent mexc]"""

HELP_ZH = """\
supportlive — 客服现在在线吗？
我全天候检测各交易所的官方客服渠道，告诉您现在哪个渠道能联系上。

命令
/status [交易所] — 客服现在在线吗？推荐渠道及各渠道状态
/channels [交易所] [渠道] — 各渠道详情：原因、响应时间、可用率、服务时间、链接
/urgent [交易所] [问题] — 紧急情况怎么办：账户被盗、提币未到账、充值未到账、订单失败、身份认证
/verify [链接|邮箱|@账号|电话] — 核实链接、邮箱、@账号或电话是否为交易所官方
/wallet <交易所> <币种> [网络] — 币种各网络的充值、提币状态（来自交易所官方 API）
/history [交易所] — 近 7 天的状态变化
/report <交易所> <渠道> <分钟|none> — 反馈客服多久回复了您（或无人回复），帮助其他交易者
/lang [en|zh] — 切换中文或英文回答
/help — 使用说明
/start — 开始使用

提醒
/subscribe [交易所] [渠道] [币种] [网络] — 渠道中断、币种充提暂停及恢复时提醒
/unsubscribe [交易所] [渠道] [币种] [网络] — 停止提醒：全部、某交易所、渠道或币种
/subscriptions — 本聊天订阅的提醒

已关注：MEXC、Nova。
我给出的每个链接都来自经过核对的官方网站列表。

[📋 详情: /status mexc]  [🚨 紧急求助: /urgent mexc]"""


async def test_it_lists_every_command_in_both_languages(core: Core) -> None:
    assert await plain(core, "/help") == HELP_EN
    assert await plain(core, "/help", "zh-hans") == HELP_ZH


async def test_it_answers_an_empty_line_with_help(core: Core) -> None:
    assert await plain(core, "   ") == HELP_EN


async def test_it_answers_an_unknown_command_with_the_command_list(core: Core) -> None:
    reply = await reply_to(core, "/foo bar")
    assert reply.title == "I don't know the command “/foo”."
    assert reply.sections[0].title == "Commands"
    assert reply.ephemeral


async def test_it_names_the_closest_exchange_and_the_list(core: Core) -> None:
    assert await plain(core, "/status mexx") == (
        "I don't know the exchange “mexx”.\nDid you mean MEXC?\nWatched: MEXC, Nova.\n\n"
        "[MEXC: /status mexc]"
    )
    assert await plain(core, "/status mexx", "zh") == (
        "不认识交易所“mexx”。\n您是不是要找 MEXC？\n已关注：MEXC、Nova。\n\n[MEXC: /status mexc]"
    )


async def test_it_asks_which_exchange_when_several_are_watched(core: Core) -> None:
    assert await plain(core, "/status") == (
        "Which exchange?\nWatched: MEXC, Nova.\n\n[MEXC: /status mexc]  [Nova: /status nova]"
    )


def test_every_watched_exchange_gets_a_button_four_to_a_row() -> None:
    now = datetime(2026, 11, 29, 3, 0, tzinfo=UTC)
    shipped = load_catalog(SHIPPED_CATALOG)
    for reply in (
        exchange_choice_reply(shipped, "status", Words.of(Locale.EN, now)),
        exchange_pick_reply(shipped.exchanges, Words.of(Locale.ZH, now)),
    ):
        actions = [button.action for row in reply.buttons for button in row]
        assert [a.split()[1] for a in actions] == [e.id for e in shipped.exchanges]
        assert [len(row) for row in reply.buttons] == [4, 4]


async def test_it_uses_the_only_exchange_when_none_is_named(
    catalog: Catalog, live: FakeLive, store: FakeStore, clock: FakeClock, settings: Settings
) -> None:
    only = Catalog(exchanges=catalog.exchanges[:1])
    core = Core(only, StatusService(only, live, store, clock), None, clock, settings)
    scenes.all_live(live, store, clock.now())
    assert (await reply_to(core, "/status")).title == "MEXC — support is live now ✅"
    urgent = await reply_to(core, "/urgent 提币")
    assert urgent.title == "🚨 Withdrawal stuck on MEXC"


async def test_it_reads_the_bot_name_suffix_and_any_case(core: Core, live: FakeLive) -> None:
    reply = await reply_to(core, "/STATUS@supportlive_bot Mexc")
    assert reply.title == "MEXC — not checked yet ❔"


async def test_it_offers_the_cases_when_none_is_given(core: Core) -> None:
    assert await plain(core, "/urgent mexc", "zh") == (
        "🚨 MEXC 紧急求助：遇到了什么问题？\n点选一项，或直接输入：/urgent mexc 提币\n\n"
        "[🚨 账户异常登录或被盗: /urgent mexc account_compromised]\n"
        "[🚨 提币未到账: /urgent mexc withdrawal_stuck]\n"
        "[🚨 充值未到账: /urgent mexc deposit_missing]\n"
        "[🚨 订单失败: /urgent mexc order_failed]\n"
        "[🚨 身份认证（KYC）: /urgent mexc kyc]"
    )


async def test_it_names_an_unknown_case_and_offers_the_cases(core: Core) -> None:
    reply = await reply_to(core, "/urgent mexc pizza")
    assert reply.lines[0][0].text == "I don't know the case “pizza”. Pick one:"
    assert len(reply.buttons) == 5


async def test_it_names_an_unknown_channel_and_the_channels(core: Core) -> None:
    assert await plain(core, "/channels mexc fax") == (
        "MEXC\nMEXC has no channel “fax”. Channels: live_chat, help_center, email, x."
    )


async def test_it_hides_admin_commands_from_others(core: Core) -> None:
    reply = await reply_to(core, "/stats")
    assert reply.title == "I don't know the command “/stats”."
    assert "/maintenance" not in await plain(core, "/help")


async def test_it_counts_live_channels_for_admins(
    core: Core, live: FakeLive, store: FakeStore, clock: FakeClock
) -> None:
    scenes.all_live(live, store, clock.now())
    text = await plain(core, "/stats", is_admin=True)
    # MEXC's three probed channels answered; its X account and Nova's verify tool are "live"
    # by their hours alone (not probed), so they are not counted as live.
    assert text == "supportlive\n2 exchanges · 9 channels · 7 probed, 3 of them live now"
    assert "/maintenance <exchange> <channel> <minutes> [reason]" in await plain(
        core, "/help", is_admin=True
    )


async def test_stats_adds_subscriptions_outbox_and_maintenance_from_the_database(
    stored_core: Core, real_store: Store, live: FakeLive, clock: FakeClock
) -> None:
    scenes.all_live(live, FakeStore(), clock.now())
    live.up("nova/ticket", clock.now(), 120)
    await real_store.subscribe("telegram", "1", "mexc", None, "en")
    await real_store.subscribe("telegram", "2", "nova", "live_chat", "zh")
    # Nova's whole exchange in maintenance: its ticket form, up, no longer counts as live.
    await real_store.add_maintenance("nova", None, clock.now(), None, "", "admin")
    assert await plain(stored_core, "/stats", is_admin=True) == (
        "supportlive\n"
        "2 exchanges · 9 channels · 7 probed, 3 of them live now\n"
        "Alerts: 2 active subscriptions · outbox 0 pending, 0 sending, 0 dead\n"
        "Maintenance under way: 1"
    )


async def test_it_stores_lists_and_stops_alerts(stored_core: Core) -> None:
    assert await plain(stored_core, "/subscribe mexc") == (
        "🔔 Alerts on: you'll hear here when any MEXC channel goes down and when it's back."
    )
    assert await plain(stored_core, "/subscribe MEXC") == "You already get these alerts here."
    assert await plain(stored_core, "/subscribe nova chat", "zh") == (
        "🔔 已订阅：Nova 在线客服中断或恢复时，会在这里通知您。"
    )
    assert await plain(stored_core, "/subscriptions") == (
        "Alerts in this chat\n• MEXC — every channel\n• Nova — Live chat"
    )
    assert await plain(stored_core, "/unsubscribe nova") == "🔕 Alerts off: 1 stopped."
    assert await plain(stored_core, "/unsubscribe") == "🔕 Alerts off: 1 stopped."
    assert await plain(stored_core, "/unsubscribe") == "There were no alerts to stop here."
    assert await plain(stored_core, "/subscriptions", "zh") == (
        "本聊天的提醒\n这里还没有订阅提醒。试试 /subscribe mexc。"
    )


async def test_it_lets_only_admins_change_alerts_in_a_group(stored_core: Core) -> None:
    text = await plain(stored_core, "/subscribe mexc", is_group=True, can_manage=False)
    assert text == "In a group, only admins can change alerts."


async def test_it_keeps_alerts_away_from_the_console(stored_core: Core) -> None:
    from bot.commands.dispatch import Request, handle
    from bot.render.plain import to_plain

    request = Request(Platform.CONSOLE, "console", "console", None, "/subscribe mexc")
    text = to_plain(await handle(request, stored_core))
    assert text == "Alerts go to a Telegram or Discord chat: subscribe there."


async def test_it_remembers_the_chosen_language(stored_core: Core) -> None:
    assert await plain(stored_core, "/lang 中文") == (
        "语言已设为中文。\n\n[English: /lang en]  [中文: /lang zh]"
    )
    assert (await reply_to(stored_core, "/status mexc", "en-US")).title.startswith("MEXC — ")
    assert await plain(stored_core, "/lang", "en-US") == (
        "当前语言：中文。切换请用 /lang en。\n\n[English: /lang en]  [中文: /lang zh]"
    )


async def test_it_shows_declared_maintenance_in_the_verdict(
    stored_core: Core, live: FakeLive, clock: FakeClock
) -> None:
    scenes.all_live(live, FakeStore(), clock.now())
    assert await plain(stored_core, "/maintenance mexc chat 30", is_admin=True) == (
        "🛠 Maintenance declared for MEXC Online customer service until 19:30 UTC.\n"
        "End it early: /maintenance mexc end"
    )
    reply = await reply_to(stored_core, "/status mexc")
    assert reply.title == "MEXC — Online customer service is under maintenance 🛠"
    assert reply.lines[0][0].text == "Maintenance until 19:30 UTC."
    channels = await plain(stored_core, "/channels mexc live_chat")
    assert "Why: maintenance declared: until 19:30 UTC" in channels


async def test_a_declared_reason_is_kept_as_typed_and_shown_in_the_verdict(
    stored_core: Core, live: FakeLive, clock: FakeClock
) -> None:
    scenes.all_live(live, FakeStore(), clock.now())
    line = "/maintenance mexc all 45 Wallet upgrade, v2.1 (see announcement)"
    assert await plain(stored_core, line, is_admin=True) == (
        "🛠 Maintenance declared for MEXC until 19:45 UTC.\n"
        "Reason: Wallet upgrade, v2.1 (see announcement)\n"
        "End it early: /maintenance mexc end"
    )
    reply = await reply_to(stored_core, "/status mexc")
    assert reply.lines[0][0].text == (
        "Maintenance until 19:45 UTC: Wallet upgrade, v2.1 (see announcement)"
    )
    zh = await reply_to(stored_core, "/status mexc", "zh")
    assert zh.lines[0][0].text == "维护至 19:45 UTC：Wallet upgrade, v2.1 (see announcement)"
    channels = await plain(stored_core, "/channels mexc email")
    assert (
        "Why: maintenance declared: until 19:45 UTC · Wallet upgrade, v2.1 (see announcement)"
        in channels
    )


async def test_an_admin_ends_maintenance_early(
    stored_core: Core, real_store: Store, live: FakeLive, clock: FakeClock
) -> None:
    scenes.all_live(live, FakeStore(), clock.now())
    await plain(stored_core, "/maintenance mexc chat 30", is_admin=True)
    await plain(stored_core, "/maintenance nova all 30", is_admin=True)
    clock.advance(600)
    scenes.all_live(live, FakeStore(), clock.now())
    assert await plain(stored_core, "/maintenance mexc email end", is_admin=True) == (
        "No maintenance under way for MEXC E-mail."
    )
    assert await plain(stored_core, "/maintenance mexc end", is_admin=True) == (
        "✅ Maintenance of MEXC ended (1 window(s)); outage alerts are on again."
    )
    reply = await reply_to(stored_core, "/status mexc")
    assert reply.title == "MEXC — support is live now ✅"
    assert [w.exchange for w in await real_store.active_maintenance(clock.now())] == ["nova"]
    assert await plain(stored_core, "/maintenance mexc end", is_admin=True) == (
        "No maintenance under way for MEXC."
    )


async def test_a_reason_ending_in_end_is_a_reason(stored_core: Core) -> None:
    line = "/maintenance mexc chat 5 until the sync ends, then end"
    assert await plain(stored_core, line, is_admin=True) == (
        "🛠 Maintenance declared for MEXC Online customer service until 19:05 UTC.\n"
        "Reason: until the sync ends, then end\n"
        "End it early: /maintenance mexc end"
    )


USAGE = (
    "Usage: /maintenance <exchange> <channel|all> <minutes> [reason], "
    "or /maintenance <exchange> [channel|all] end"
)


async def test_it_refuses_a_maintenance_without_minutes(stored_core: Core) -> None:
    assert await plain(stored_core, "/maintenance mexc chat soon", is_admin=True) == USAGE
    assert await plain(stored_core, "/maintenance", is_admin=True) == USAGE
    assert await plain(stored_core, "/maintenance mexc chat 0", is_admin=True) == USAGE
    unknown = await plain(stored_core, "/maintenance mexc fax 30", is_admin=True)
    assert unknown.startswith("MEXC\nMEXC has no channel “fax”.")
    assert (await plain(stored_core, "/maintenance mexx all 30", is_admin=True)).startswith(
        "I don't know the exchange “mexx”."
    )


async def test_it_tells_the_week_newest_first_with_dates_durations_and_reasons(
    stored_core: Core, real_store: Store, clock: FakeClock
) -> None:
    # Watching for ten days: the whole week is covered.
    await real_store.write_results([ProbeResult("mexc/live_chat", clock.now() - DAYS_10, True, 90)])
    fake = FakeStore()
    scenes.week_of_changes(fake, clock.now())
    for row in fake.rows:
        await real_store.add_transition(row)
    await real_store.add_transition(
        TransitionRecord("nova/ticket", "nova", clock.now() - timedelta(hours=2), "up", "down")
    )
    assert await plain(stored_core, "/history MEXC") == (
        "MEXC — changes in the last 7 days\n"
        "Nov 24 18:48 UTC ❌ Online customer service: up → down, still now (timeout after 10 s)\n"
        "Nov 23 18:30 UTC ✅ Online customer service: down → up, 1 d\n"
        "Nov 23 18:16 UTC ❌ Online customer service: up → down, 14 min (HTTP 503)"
    )
    assert await plain(stored_core, "/history 抹茶", "zh") == (
        "MEXC — 近 7 天的状态变化\n"
        "11月24日 18:48 UTC ❌ 在线客服：正常 → 中断，持续至今（原因：超时）\n"
        "11月23日 18:30 UTC ✅ 在线客服：中断 → 正常，1 天\n"
        "11月23日 18:16 UTC ❌ 在线客服：正常 → 中断，14 分钟（原因：返回错误页面）"
    )


async def test_it_says_since_when_it_watches_when_that_is_shorter_than_the_week(
    stored_core: Core, real_store: Store, clock: FakeClock
) -> None:
    started = clock.now() - timedelta(hours=3, minutes=20)
    await real_store.write_results([ProbeResult("nova/live_chat", started, True, 90)])
    await real_store.add_transition(
        TransitionRecord("nova/ticket", "nova", clock.now() - timedelta(hours=2), "up", "degraded",
                         detail="slow: 4.2 s")
    )  # fmt: skip
    assert await plain(stored_core, "/history nova") == (
        "Nova — changes since we started watching\n"
        "Watching since Nov 24 15:40 UTC (3 h ago): not 7 days yet.\n"
        "Nov 24 17:00 UTC ⚠️ Ticket: up → slow, still now (slow: 4.2 s)"
    )
    assert await plain(stored_core, "/history nova", "zh") == (
        "Nova — 开始检测以来的状态变化\n"
        "自 11月24日 15:40 UTC（3 小时前）开始检测，还不满 7 天。\n"
        "11月24日 17:00 UTC ⚠️ 工单：正常 → 响应慢，持续至今（原因：slow: 4.2 s）"
    )


async def test_a_new_database_never_claims_a_quiet_week(
    stored_core: Core, real_store: Store, clock: FakeClock
) -> None:
    assert await plain(stored_core, "/history nova") == (
        "Nova — changes since we started watching\n"
        "No history yet: none of our checks here has got through so far."
    )
    await real_store.write_results([ProbeResult("nova/live_chat", clock.now(), True, 90)])
    assert await plain(stored_core, "/history nova") == (
        "Nova — changes since we started watching\n"
        "Watching since Nov 24 19:00 UTC (just now): not 7 days yet.\n"
        "No changes since then."
    )
    assert await plain(stored_core, "/history nova", "zh") == (
        "Nova — 开始检测以来的状态变化\n"
        "自 11月24日 19:00 UTC（刚刚）开始检测，还不满 7 天。\n"
        "此后没有状态变化。"
    )


async def test_while_blind_no_changes_is_no_news(
    stored_core: Core, real_store: Store, live: FakeLive, clock: FakeClock
) -> None:
    await real_store.write_results([ProbeResult("nova/live_chat", clock.now(), True, 90)])
    live.blind = clock.now()
    assert await plain(stored_core, "/history nova") == (
        "Nova — changes since we started watching\n"
        "⚠️ We can't check from here right now: our own connection is failing (since 19:00 UTC).\n"
        "What changes while we can't check is not in this list.\n"
        "Watching since Nov 24 19:00 UTC (just now): not 7 days yet.\n"
        "No changes since then."
    )
    assert await plain(stored_core, "/history nova", "zh") == (
        "Nova — 开始检测以来的状态变化\n"
        "⚠️ 我们这边的网络暂时异常，目前无法检测（自 19:00 UTC 起）。\n"
        "无法检测期间的变化不会出现在此列表中。\n"
        "自 11月24日 19:00 UTC（刚刚）开始检测，还不满 7 天。\n"
        "此后没有状态变化。"
    )


async def test_a_quiet_week_is_said_only_after_a_week_of_watching(
    stored_core: Core, real_store: Store, clock: FakeClock
) -> None:
    await real_store.write_results([ProbeResult("nova/live_chat", clock.now() - DAYS_10, True, 9)])
    assert await plain(stored_core, "/history nova") == (
        "Nova — changes in the last 7 days\nNo changes in the last 7 days."
    )


async def test_it_apologises_instead_of_raising(core: Core, live: FakeLive) -> None:
    def broken(channel_key: str) -> None:
        raise RuntimeError("boom")

    live.health = broken  # type: ignore[method-assign]
    assert await plain(core, "/status mexc") == (
        "Something went wrong on our side. Please try again in a minute."
    )
