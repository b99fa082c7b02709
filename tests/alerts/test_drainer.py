"""The outbox end to end with a recording notifier: what each subscriber reads, and when."""

from __future__ import annotations

import asyncio
from contextlib import AbstractAsyncContextManager

import pytest

from bot.alerts.drainer import Drainer, DrainerSettings
from bot.alerts.notifier import RecordingNotifier, SendError, SendErrorKind
from bot.alerts.pacing import PacingSettings
from bot.catalog import Catalog
from bot.clock import FakeClock
from bot.vocab import Health, Platform
from storage import Conn, DatabaseUnavailable, outbox
from storage.store import Store
from tests.alerts.conftest import START, FakeLive, back_up, down, minutes, record

DOWN_EN = [
    "❌ MEXC Online customer service is down\n"
    "Timeout after 10 s (3 checks in a row) · since 19:02 UTC.\n"
    "Meanwhile: Customer service e-mail service@mexc.com · replies in 1–3 business days"
]
DOWN_ZH = [
    "❌ MEXC 在线客服 无法访问\n"
    "响应超时 · 自 北京时间 03:02 起。\n"
    "可先使用：客服邮箱 service@mexc.com · 回复时间：1–3 个工作日"
]


def drainer(
    store: Store,
    catalog: Catalog,
    clock: FakeClock,
    notifier: RecordingNotifier,
    **settings: float,
) -> Drainer:
    return Drainer(
        store,
        {notifier.platform: notifier},
        catalog,
        clock,
        PacingSettings.off(),
        DrainerSettings(**settings),  # type: ignore[arg-type]
    )


async def states(store: Store) -> dict[str, int]:
    async with store.transaction() as conn:
        counts = await outbox.depth(conn)
    return {k: v for k, v in counts.items() if v}


async def test_it_sends_a_down_alert_to_every_subscriber_in_their_language(
    store: Store, catalog: Catalog, clock: FakeClock, live: FakeLive
) -> None:
    live.states["mexc/email"] = Health.UP
    await store.subscribe("telegram", 1, "mexc", None, "en")
    await store.subscribe("telegram", 2, "mexc", "live_chat", "zh")
    await store.subscribe("telegram", 3, "mexc", "email", "en")  # another channel: nothing
    await store.subscribe("telegram", 4, "kraken", None, "en")  # another exchange: nothing

    recorded = await record(store, catalog, live, down())
    notifier = RecordingNotifier()
    await drainer(store, catalog, clock, notifier).run_once()

    assert recorded.rows == 2
    assert notifier.texts("1") == DOWN_EN
    assert notifier.texts("2") == DOWN_ZH
    assert notifier.texts("3") == notifier.texts("4") == []
    buttons = {s.chat_id: s.reply.buttons[0][0] for s in notifier.sent}
    assert (buttons["1"].label, buttons["1"].action) == ("Stop these alerts", "/unsubscribe mexc")
    assert (buttons["2"].label, buttons["2"].action) == (
        "停止这些提醒",
        "/unsubscribe mexc live_chat",
    )
    assert await states(store) == {"sent": 2}


async def test_it_never_offers_a_help_center_meanwhile_and_says_nobody_answers(
    store: Store, catalog: Catalog, clock: FakeClock, live: FakeLive
) -> None:
    live.states["mexc/email"] = Health.DOWN
    live.states["mexc/help_center"] = Health.UP
    await store.subscribe("telegram", 1, "mexc", None, "en")
    await store.subscribe("telegram", 2, "mexc", None, "zh")
    await record(store, catalog, live, down())
    notifier = RecordingNotifier()
    await drainer(store, catalog, clock, notifier).run_once()
    assert (
        notifier.texts("1")[0].splitlines()[-1] == "Nobody else is confirmed to answer right now."
    )
    assert notifier.texts("2")[0].splitlines()[-1] == "目前没有确认可联系的其他人工客服。"


async def test_it_names_the_e_mail_to_write_to_when_nobody_is_confirmed(
    store: Store, catalog: Catalog, clock: FakeClock, live: FakeLive
) -> None:
    live.states["mexc/email"] = Health.UNKNOWN  # not confirmed, but not seen down either
    await store.subscribe("telegram", 1, "mexc", None, "en")
    await store.subscribe("telegram", 2, "mexc", None, "zh")
    await record(store, catalog, live, down())
    # The transition keeps its failure's kind, so /history can word it in Chinese.
    assert [t.error for t in await store.transitions("mexc", START)] == ["timeout"]
    notifier = RecordingNotifier()
    await drainer(store, catalog, clock, notifier).run_once()
    assert notifier.texts("1")[0].splitlines()[-2:] == [
        "Nobody else is confirmed to answer right now.",
        "You can still write: Customer service e-mail service@mexc.com · "
        "replies in 1–3 business days",
    ]
    assert notifier.texts("2")[0].splitlines()[-2:] == [
        "目前没有确认可联系的其他人工客服。",
        "仍可书面联系：客服邮箱 service@mexc.com · 回复时间：1–3 个工作日",
    ]


async def test_it_sends_the_recovery_with_the_outage_duration(
    store: Store, catalog: Catalog, clock: FakeClock, live: FakeLive
) -> None:
    await store.subscribe("telegram", 1, "mexc", None, "en")
    await store.subscribe("telegram", 2, "mexc", None, "zh")
    notifier = RecordingNotifier()
    sender = drainer(store, catalog, clock, notifier)
    await record(store, catalog, live, down())
    await sender.run_once()
    clock.advance(14 * 60)
    await record(store, catalog, live, back_up(at=START + minutes(14)))
    await sender.run_once()

    assert notifier.texts("1")[1] == (
        "✅ MEXC Online customer service is back\nIt was down for 14 min (19:02–19:16 UTC)."
    )
    assert (
        notifier.texts("2")[1]
        == "✅ MEXC 在线客服 已恢复\n此前中断 14 分钟（北京时间 03:02–03:16）。"
    )


async def test_an_unsent_down_alert_is_superseded_by_one_was_down_now_back(
    store: Store, catalog: Catalog, clock: FakeClock, live: FakeLive
) -> None:
    await store.subscribe("telegram", 1, "mexc", None, "en")
    await store.subscribe("telegram", 2, "mexc", None, "zh")
    await record(store, catalog, live, down())
    clock.advance(4 * 60)
    await record(store, catalog, live, back_up(at=START + minutes(4)))
    notifier = RecordingNotifier()
    await drainer(store, catalog, clock, notifier).run_once()

    assert notifier.texts("1") == [
        "✅ MEXC Online customer service was down for 4 min, now back\n"
        "Short outage (19:02–19:06 UTC); it is working again."
    ]
    assert notifier.texts("2") == [
        "✅ MEXC 在线客服 曾中断 4 分钟，现已恢复\n"
        "短暂中断（北京时间 03:02–03:06），现在可以正常使用。"
    ]
    assert await states(store) == {"sent": 2, "superseded": 2}


async def test_only_the_chats_that_missed_the_down_alert_read_was_down(
    store: Store, catalog: Catalog, clock: FakeClock, live: FakeLive
) -> None:
    await store.subscribe("telegram", 1, "mexc", None, "en")
    await store.subscribe("telegram", 2, "mexc", None, "en")
    notifier = RecordingNotifier()
    notifier.fail_next(SendError(SendErrorKind.TRANSIENT, "HTTP 502"), chat_id="2")
    sender = drainer(store, catalog, clock, notifier)
    await record(store, catalog, live, down())
    await sender.run_once()  # chat 1 gets the down alert; chat 2's waits for a retry
    await record(store, catalog, live, back_up(at=START + minutes(3)))
    clock.advance(600)
    await sender.run_once()

    assert [t.split("\n")[0] for t in notifier.texts("1")] == [
        "❌ MEXC Online customer service is down",
        "✅ MEXC Online customer service is back",
    ]
    assert [t.split("\n")[0] for t in notifier.texts("2")] == [
        "✅ MEXC Online customer service was down for 3 min, now back"
    ]


async def test_each_chat_gets_its_alerts_in_the_order_they_happened(
    store: Store, catalog: Catalog, clock: FakeClock, live: FakeLive
) -> None:
    await store.subscribe("telegram", 1, "mexc", None, "en")
    notifier = RecordingNotifier()
    notifier.fail_next(SendError(SendErrorKind.TRANSIENT, "HTTP 502"), chat_id="1")
    sender = drainer(store, catalog, clock, notifier, backoff_s=30.0)
    await record(store, catalog, live, down("mexc/live_chat"))
    await record(store, catalog, live, down("mexc/email", detail="no MX records", reason=""))
    await record(store, catalog, live, down("mexc/help_center"))

    for _ in range(5):
        await sender.run_once()  # the first alert's retry is not due: nothing overtakes it
    assert notifier.texts("1") == []
    clock.advance(30)
    for _ in range(3):
        await sender.run_once()
    assert [t.split("\n")[0] for t in notifier.texts("1")] == [
        "❌ MEXC Online customer service is down",
        "❌ MEXC Customer service e-mail is down",
        "❌ MEXC Help center is down",
    ]


async def test_transient_errors_are_retried_with_growing_backoff_then_given_up(
    store: Store, catalog: Catalog, clock: FakeClock, live: FakeLive
) -> None:
    await store.subscribe("telegram", 1, "mexc", None, "en")
    notifier = RecordingNotifier()
    refused = SendError(SendErrorKind.TRANSIENT, "Bad Request: message is too long")
    notifier.fail_next(refused, times=3)
    sender = drainer(store, catalog, clock, notifier, backoff_s=2.0, max_attempts=3)
    await record(store, catalog, live, down())

    assert await sender.run_once() == 1  # attempt 1 fails: due again in 2 s
    clock.advance(1.9)
    assert await sender.run_once() == 0
    clock.advance(0.1)
    assert await sender.run_once() == 1  # attempt 2 fails: due again in 4 s
    clock.advance(3.9)
    assert await sender.run_once() == 0
    clock.advance(0.1)
    assert await sender.run_once() == 1  # attempt 3 fails: given up
    clock.advance(3600)
    assert await sender.run_once() == 0
    assert notifier.attempts == 3
    assert notifier.sent == []
    assert await states(store) == {"dead": 1}
    assert sender.stats.dead == 1 and sender.stats.deactivated == 0


async def test_an_unreachable_platform_never_uses_up_attempts_and_the_alert_waits(
    store: Store, catalog: Catalog, clock: FakeClock, live: FakeLive
) -> None:
    await store.subscribe("telegram", 1, "mexc", None, "en")
    notifier = RecordingNotifier()
    unreachable = SendError(SendErrorKind.UNREACHABLE, "ConnectError: connection refused")
    notifier.fail_next(unreachable, times=40)  # about 3 h of retries, far past max_attempts
    sender = drainer(store, catalog, clock, notifier, max_attempts=3, backoff_max_s=300.0)
    await record(store, catalog, live, down())

    for attempt in range(40):
        assert await sender.run_once() == 1  # never more than backoff_max_s between tries
        assert sender.unreachable() == {Platform.TELEGRAM: 300.0 * attempt}
        clock.advance(300)
    assert await states(store) == {"pending": 1}
    assert await sender.run_once() == 1  # Telegram is back

    assert [t.split("\n")[0] for t in notifier.texts("1")] == [
        "❌ MEXC Online customer service is down"
    ]
    assert await states(store) == {"sent": 1}
    assert sender.stats.unreachable == 40 and sender.stats.dead == 0
    assert sender.unreachable() == {Platform.TELEGRAM: 0.0}
    async with store.transaction() as conn:
        assert list(await conn.fetchall("SELECT attempts FROM outbox")) == [(0,)]


async def test_a_chat_that_blocked_the_bot_is_deactivated_and_never_retried(
    store: Store, catalog: Catalog, clock: FakeClock, live: FakeLive
) -> None:
    await store.subscribe("telegram", 1, "mexc", None, "en")
    await store.subscribe("telegram", 1, "kraken", None, "en")
    await store.subscribe("telegram", 2, "mexc", None, "en")
    notifier = RecordingNotifier(blocked={"1"})
    sender = drainer(store, catalog, clock, notifier)
    await record(store, catalog, live, down())
    await record(store, catalog, live, down("kraken/live_chat"))
    for _ in range(3):
        clock.advance(600)
        await sender.run_once()

    assert notifier.texts("1") == []
    assert len(notifier.texts("2")) == 1
    assert notifier.attempts == 2  # one try for chat 1, its other alert died with it
    assert sender.stats.deactivated == 2
    assert [s.active for s in await store.subscriptions_of("telegram", 1)] in ([], [False, False])


async def test_a_rate_limit_pauses_and_retries_without_counting_an_attempt(
    store: Store, catalog: Catalog, clock: FakeClock, live: FakeLive
) -> None:
    await store.subscribe("telegram", 1, "mexc", None, "en")
    notifier = RecordingNotifier()
    limited = SendError(SendErrorKind.RATE_LIMITED, "Too Many Requests", retry_after=7.0)
    notifier.fail_next(limited, times=4)
    sender = drainer(store, catalog, clock, notifier, max_attempts=2)
    await record(store, catalog, live, down())
    for _ in range(4):
        await sender.run_once()
        clock.advance(7)
    await sender.run_once()
    assert len(notifier.texts("1")) == 1
    assert sender.stats.rate_limited == 4


async def test_an_unsubscribed_chat_gets_nothing_even_if_already_queued(
    store: Store, catalog: Catalog, clock: FakeClock, live: FakeLive
) -> None:
    await store.subscribe("telegram", 1, "mexc", None, "en")
    await store.subscribe("telegram", 2, "mexc", None, "en")
    await record(store, catalog, live, down())
    await store.unsubscribe("telegram", 1, "mexc")
    notifier = RecordingNotifier()
    sender = drainer(store, catalog, clock, notifier)
    await sender.run_once()
    await store.subscribe("telegram", 1, "mexc", None, "en")  # back: only new alerts
    await record(store, catalog, live, back_up(at=START + minutes(5)))
    await sender.run_once()

    assert [t.split("\n")[0] for t in notifier.texts("1")] == [
        "✅ MEXC Online customer service is back"
    ]
    assert len(notifier.texts("2")) == 2


async def test_degraded_alerts_go_only_to_subscriptions_that_asked(
    store: Store, catalog: Catalog, clock: FakeClock, live: FakeLive
) -> None:
    from bot.health import Cause, Transition

    await store.subscribe("telegram", 1, "mexc", None, "en", include_degraded=True)
    await store.subscribe("telegram", 2, "mexc", None, "en")
    slow = Transition(
        "mexc/live_chat", START, Health.UP, Health.DEGRADED, Cause.SLOW, "slow", detail="2.4 s"
    )
    normal = Transition(
        "mexc/live_chat", START + minutes(20), Health.DEGRADED, Health.UP, Cause.NORMAL, "ok"
    )
    notifier = RecordingNotifier()
    sender = drainer(store, catalog, clock, notifier)
    await record(store, catalog, live, slow)
    await sender.run_once()
    await record(store, catalog, live, normal)
    await sender.run_once()

    assert notifier.texts("1") == [
        "⚠️ MEXC Online customer service is struggling\nAnswering slowly (2.4 s) since 19:02 UTC.",
        "✅ MEXC Online customer service is back to normal\n"
        "It was struggling for 20 min (19:02–19:22 UTC).",
    ]
    assert notifier.texts("2") == []


async def test_a_flapping_channel_sends_one_summary_instead_of_a_stream(
    store: Store, catalog: Catalog, clock: FakeClock, live: FakeLive
) -> None:
    await store.subscribe("telegram", 1, "mexc", None, "en")
    notifier = RecordingNotifier()
    sender = drainer(store, catalog, clock, notifier)
    at = START
    for n in range(4):  # health flags flapping from the 4th change on
        await record(store, catalog, live, down(at=at, flapping=n >= 2))
        at += minutes(2)
        await record(store, catalog, live, back_up(at=at, since=at - minutes(2), flapping=n >= 1))
        at += minutes(2)
        if n == 0:
            await sender.run_once()
    await sender.run_once()

    assert [t.split("\n")[0] for t in notifier.texts("1")] == [
        "✅ MEXC Online customer service was down for 2 min, now back",
        "🔁 MEXC Online customer service keeps going up and down",
    ]
    assert notifier.texts("1")[-1:] == [
        "🔁 MEXC Online customer service keeps going up and down\n"
        "4 changes in the last hour; now up.\n"
        "We hold its alerts back until it settles. Latest: /status mexc"
    ]


async def test_no_down_alert_inside_declared_maintenance_but_its_start_and_end(
    store: Store, catalog: Catalog, clock: FakeClock, live: FakeLive
) -> None:
    await store.subscribe("telegram", 1, "mexc", None, "en")
    await store.add_maintenance(
        "mexc", "live_chat", START, START + minutes(60), "App upgrade", "telegram:1"
    )
    notifier = RecordingNotifier()
    sender = drainer(store, catalog, clock, notifier, maintenance_every_s=0.0)
    await sender.run_once()
    await record(store, catalog, live, down(at=START + minutes(5)))
    await record(store, catalog, live, back_up(at=START + minutes(30), since=START + minutes(5)))
    clock.advance(3600)
    await sender.run_once()
    await sender.run_once()

    assert notifier.texts("1") == [
        "🛠 MEXC Online customer service: maintenance started\n"
        "Planned until 20:02 UTC.\nApp upgrade\nNo outage alerts for it meanwhile.",
        "✅ MEXC Online customer service: maintenance is over\nOutage alerts are on again.",
    ]


async def test_upstream_incidents_are_announced_when_opened_and_resolved(
    store: Store, catalog: Catalog, clock: FakeClock, live: FakeLive
) -> None:
    from bot.alerts.record import record_upstream
    from bot.verdict import Incident, Indicator, Upstream

    await store.subscribe("telegram", 1, "kraken", None, "en")
    await store.subscribe("telegram", 2, "mexc", None, "en")
    incident = Incident("Delayed withdrawals", "investigating", "minor")
    opened = Upstream(Indicator.MINOR, incidents=(incident,))
    assert await record_upstream(store, catalog, "kraken", opened, START) == 1
    assert await record_upstream(store, catalog, "kraken", opened, START + minutes(1)) == 0
    assert await record_upstream(store, catalog, "kraken", Upstream(), START + minutes(45)) == 1
    assert await record_upstream(store, catalog, "mexc", opened, START) == 0  # no status page
    notifier = RecordingNotifier()
    clock.advance(45 * 60)
    await drainer(store, catalog, clock, notifier).run_once()
    await drainer(store, catalog, clock, notifier).run_once()

    assert notifier.texts("1") == [
        "📣 Kraken reports an incident\nDelayed withdrawals\nImpact: minor.\n"
        "Reported at 19:02 UTC.\nOfficial status page: https://status.kraken.com",
        "✅ Kraken resolved an incident\nDelayed withdrawals\nIt lasted 45 min.\n"
        "Official status page: https://status.kraken.com",
    ]
    assert notifier.texts("2") == []


async def test_rows_a_crash_left_in_sending_are_sent_after_restart(
    store: Store, catalog: Catalog, clock: FakeClock, live: FakeLive
) -> None:
    await store.subscribe("telegram", 1, "mexc", None, "en")
    await record(store, catalog, live, down())
    async with store.transaction() as conn:  # a previous run claimed it, then died
        assert len(await outbox.claim(conn, clock.now().timestamp(), 10, ["telegram"])) == 1
    clock.advance(1)
    notifier = RecordingNotifier()
    sender = drainer(store, catalog, clock, notifier)
    assert await sender.start() == 1
    await sender.run_once()
    assert len(notifier.texts("1")) == 1


async def test_after_a_prune_and_a_restart_each_alert_is_sent_exactly_once(
    store: Store, catalog: Catalog, clock: FakeClock, live: FakeLive
) -> None:
    await store.subscribe("telegram", 1, "mexc", None, "en")
    await store.subscribe("discord", 2, "mexc", None, "en")  # Discord not running this week
    await record(store, catalog, live, down())
    telegram = RecordingNotifier()
    await drainer(store, catalog, clock, telegram).run_once()  # chat 1's alert sent
    await record(store, catalog, live, down("mexc/email"))
    async with store.transaction() as conn:  # claimed for chat 1, then the process died
        assert len(await outbox.claim(conn, clock.now().timestamp(), 10, ["telegram"])) == 1

    clock.advance(8 * 24 * 3600)
    report = await store.prune(clock.now())

    assert report.outbox_deleted == 1  # chat 1's sent alert; the pending and the claimed stay
    telegram_again = RecordingNotifier()
    discord = RecordingNotifier(platform_name=Platform.DISCORD)
    restarted = Drainer(
        store,
        {Platform.TELEGRAM: telegram_again, Platform.DISCORD: discord},
        catalog,
        clock,
        PacingSettings.off(),
        DrainerSettings(),
    )
    assert await restarted.start() == 1
    while await restarted.run_once():
        pass
    assert len(telegram.texts("1")) == 1
    assert [text.splitlines()[0] for text in telegram_again.texts("1")] == [
        "❌ MEXC Customer service e-mail is down"
    ]
    assert len(discord.texts("2")) == 2
    assert await states(store) == {"sent": 3}


async def test_a_20_percent_failure_storm_loses_nothing(
    store: Store, catalog: Catalog, clock: FakeClock, live: FakeLive
) -> None:
    for chat in range(300):
        await store.subscribe("telegram", chat, "mexc", None, "en" if chat % 2 else "zh")
    await record(store, catalog, live, down())
    await record(store, catalog, live, down("mexc/email"))
    notifier = RecordingNotifier(fail_ratio=0.2, seed=7)
    sender = drainer(store, catalog, clock, notifier, max_attempts=20)
    for _ in range(200):
        await sender.run_once()
        clock.advance(60)
        if not await sender.run_once() and not (await states(store)).get("pending"):
            break

    assert all(len(notifier.texts(str(chat))) == 2 for chat in range(300))
    assert notifier.attempts > 600  # failures happened and were retried
    assert await states(store) == {"sent": 600}


async def test_run_drains_in_the_background_and_stops_quickly(
    store: Store, catalog: Catalog, live: FakeLive
) -> None:
    from bot.clock import SystemClock

    for chat in range(50):
        await store.subscribe("telegram", chat, "mexc", None, "en")
    await record(store, catalog, live, down())
    notifier = RecordingNotifier()
    sender = Drainer(
        store, {Platform.TELEGRAM: notifier}, catalog, SystemClock(), PacingSettings.off()
    )
    task = asyncio.create_task(sender.run())
    for _ in range(200):
        if notifier.delivered == 50:
            break
        await asyncio.sleep(0.01)
    await asyncio.wait_for(sender.stop(), 2)
    assert task.done()
    assert notifier.delivered == 50
    assert await states(store) == {"sent": 50}


async def test_the_monitor_sink_records_the_transition_and_wakes_the_drainer(
    store: Store, catalog: Catalog, clock: FakeClock, live: FakeLive
) -> None:
    from bot.alerts.record import transition_sink

    await store.subscribe("telegram", 1, "mexc", None, "en")
    woken: list[bool] = []
    sink = transition_sink(store, catalog, live, clock.now, lambda: woken.append(True))
    await sink(down())
    [stored] = await store.transitions("mexc", START)
    assert (stored.channel, stored.old, stored.new) == ("mexc/live_chat", "up", "down")
    assert woken == [True]
    assert await states(store) == {"pending": 1}


class FlakyStore:
    """The store, but the next `fail` transactions raise as a locked database would."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.fail = 0

    def transaction(self) -> AbstractAsyncContextManager[Conn]:
        if self.fail:
            self.fail -= 1
            raise DatabaseUnavailable("database is locked", code="SQLITE_BUSY")
        return self.store.transaction()


async def test_a_locked_database_between_send_and_bookkeeping_sends_nothing_twice(
    store: Store, catalog: Catalog, clock: FakeClock, live: FakeLive
) -> None:
    for chat in range(3):
        await store.subscribe("telegram", chat, "mexc", None, "en")
    await record(store, catalog, live, down())
    notifier = RecordingNotifier()
    flaky = FlakyStore(store)
    sender = Drainer(flaky, {notifier.platform: notifier}, catalog, clock, PacingSettings.off())
    await sender.step()  # claims and starts the sends
    await asyncio.sleep(0.1)  # the sends are done; their outcomes wait to be written
    flaky.fail = 1
    with pytest.raises(DatabaseUnavailable):
        await sender.step()  # writing the outcomes fails: they are kept
    clock.advance(3600)  # long enough that a row left in `sending` would be sent again
    await sender.step()
    await sender.step()
    assert [len(notifier.texts(str(chat))) for chat in range(3)] == [1, 1, 1]
    assert await states(store) == {"sent": 3}
