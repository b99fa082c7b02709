"""Maintenance windows and alerts, as subscribers read them: declared in chat or in the catalog,
no down alerts inside, and a down alert when a window ends on a channel that is still down."""

from __future__ import annotations

import copy
from datetime import datetime

from bot.alerts.drainer import Drainer, DrainerSettings
from bot.alerts.notifier import RecordingNotifier
from bot.alerts.pacing import PacingSettings
from bot.catalog import Catalog
from bot.catalog.models import catalog_from_data
from bot.clock import FakeClock
from bot.maintenance import sync_catalog_maintenance
from bot.status import StatusService
from bot.verdict import ReasonCode
from bot.vocab import Health, Verdict
from storage.store import Store
from tests.alerts.conftest import CATALOG_DATA, START, FakeLive, back_up, down, minutes, record

STARTED_EN = (
    "🛠 MEXC Online customer service: maintenance started\n"
    "Planned until 20:02 UTC.\nApp upgrade\nNo outage alerts for it meanwhile."
)
ENDED_EN = "✅ MEXC Online customer service: maintenance is over\nOutage alerts are on again."


def drainer(store: Store, catalog: Catalog, clock: FakeClock, live: FakeLive) -> Drainer:
    """Checks windows on every pass (the real one does every 5 s)."""
    notifier = RecordingNotifier()
    return Drainer(
        store,
        {notifier.platform: notifier},
        catalog,
        clock,
        PacingSettings.off(),
        DrainerSettings(maintenance_every_s=0.0),
        live=live,
    )


def texts(sender: Drainer, chat: str) -> list[str]:
    notifier = sender._notifiers[next(iter(sender._notifiers))]
    assert isinstance(notifier, RecordingNotifier)
    return notifier.texts(chat)


async def declare_hour(store: Store, channel: str | None = "live_chat") -> None:
    await store.add_maintenance(
        "mexc", channel, START, START + minutes(60), "App upgrade", "telegram:1"
    )


async def test_a_channel_still_down_when_its_window_ends_gets_its_down_alert_then(
    store: Store, catalog: Catalog, clock: FakeClock, live: FakeLive
) -> None:
    await store.subscribe("telegram", 1, "mexc", None, "en")
    await store.subscribe("telegram", 2, "mexc", "live_chat", "zh")
    await declare_hour(store)
    live.states["mexc/email"] = Health.UP
    sender = drainer(store, catalog, clock, live)
    await sender.run_once()
    await record(store, catalog, live, down(at=START + minutes(5)))
    await sender.run_once()
    assert texts(sender, "1") == [STARTED_EN]  # nothing about the outage inside the window

    # By the end the e-mail is down too: the alert says so as of now, and never offers the
    # help center (no person answers it) though it is up.
    live.states["mexc/email"] = Health.DOWN
    live.states["mexc/help_center"] = Health.UP
    clock.advance(3600)
    await sender.run_once()
    await sender.run_once()

    assert texts(sender, "1") == [
        STARTED_EN,
        ENDED_EN,
        "❌ MEXC Online customer service is still down after maintenance\n"
        "Timeout after 10 s (3 checks in a row) · since 19:07 UTC.\n"
        "Nobody else is confirmed to answer right now.",
    ]
    assert texts(sender, "2")[1:] == [
        "✅ MEXC 在线客服：维护已结束\n中断提醒已恢复。",
        "❌ 维护已结束，MEXC 在线客服 仍无法访问\n"
        "响应超时 · 自 北京时间 03:07 起。\n"
        "目前没有确认可联系的其他人工客服。",
    ]


async def test_after_the_still_down_alert_the_recovery_is_announced(
    store: Store, catalog: Catalog, clock: FakeClock, live: FakeLive
) -> None:
    await store.subscribe("telegram", 1, "mexc", None, "en")
    await declare_hour(store)
    sender = drainer(store, catalog, clock, live)
    await sender.run_once()
    await record(store, catalog, live, down(at=START + minutes(5)))
    clock.advance(3600)
    await sender.run_once()
    await sender.run_once()
    clock.advance(600)
    at = START + minutes(70)
    await record(store, catalog, live, back_up(at=at, since=START + minutes(5)))
    await sender.run_once()

    assert [t.split("\n")[0] for t in texts(sender, "1")] == [
        "🛠 MEXC Online customer service: maintenance started",
        "✅ MEXC Online customer service: maintenance is over",
        "❌ MEXC Online customer service is still down after maintenance",
        "✅ MEXC Online customer service is back",
    ]
    assert texts(sender, "1")[-1].endswith("It was down for 1 h 5 min (19:07–20:12 UTC).")


async def test_an_outage_caught_just_after_the_window_ended_is_sent_once(
    store: Store, catalog: Catalog, clock: FakeClock, live: FakeLive
) -> None:
    await store.subscribe("telegram", 1, "mexc", None, "en")
    await declare_hour(store)
    sender = drainer(store, catalog, clock, live)
    await sender.run_once()
    clock.advance(61 * 60)
    await sender.run_once()  # the end is announced while the channel still looks up
    # The monitor stores a failure from the window's last second only now.
    await record(store, catalog, live, down(at=START + minutes(59)))
    await sender.run_once()
    await sender.run_once()
    # And one that began after the window: an ordinary down alert, not held.
    await record(store, catalog, live, down("mexc/email", at=START + minutes(61)))
    await sender.run_once()

    assert [t.split("\n")[0] for t in texts(sender, "1")] == [
        "🛠 MEXC Online customer service: maintenance started",
        "✅ MEXC Online customer service: maintenance is over",
        "❌ MEXC Online customer service is still down after maintenance",
        "❌ MEXC Customer service e-mail is down",
    ]


async def test_a_whole_exchange_window_releases_only_the_channels_still_down(
    store: Store, catalog: Catalog, clock: FakeClock, live: FakeLive
) -> None:
    await store.subscribe("telegram", 1, "mexc", None, "en")
    await declare_hour(store, channel=None)
    sender = drainer(store, catalog, clock, live)
    await sender.run_once()
    await record(store, catalog, live, down(at=START + minutes(5)))
    await record(store, catalog, live, down("mexc/email", at=START + minutes(6)))
    await record(
        store, catalog, live, back_up("mexc/email", START + minutes(20), START + minutes(6))
    )
    clock.advance(3600)
    await sender.run_once()
    await sender.run_once()

    assert [t.split("\n")[0] for t in texts(sender, "1")] == [
        "🛠 MEXC: maintenance started",
        "✅ MEXC: maintenance is over",
        "❌ MEXC Online customer service is still down after maintenance",
    ]


def catalog_with_window() -> Catalog:
    data = copy.deepcopy(CATALOG_DATA)
    data["exchanges"][0]["maintenance"] = [
        {
            "channel": "live_chat",
            "starts_at": START + minutes(10),
            "ends_at": START + minutes(70),
            "reason": {"en": "Chat system upgrade", "zh": "客服系统升级"},
        }
    ]
    return catalog_from_data(data)


async def test_a_catalog_window_behaves_like_a_declared_one(
    store: Store, clock: FakeClock, live: FakeLive
) -> None:
    catalog = catalog_with_window()
    await store.subscribe("telegram", 1, "mexc", None, "en")
    await store.subscribe("telegram", 2, "mexc", None, "zh")
    await sync_catalog_maintenance(store, catalog, clock.now())
    await sync_catalog_maintenance(store, catalog, clock.now())  # a restart changes nothing
    sender = drainer(store, catalog, clock, live)
    await sender.run_once()
    assert texts(sender, "1") == []  # not started yet

    clock.advance(10 * 60)
    live.states["mexc/live_chat"] = Health.UP
    status = await StatusService(catalog, live, store, clock).exchange_status(catalog.exchanges[0])
    chat = status.channel("live_chat")
    assert chat is not None and chat.verdict is Verdict.MAINTENANCE
    assert chat.reasons[0].code is ReasonCode.DECLARED_MAINTENANCE
    assert chat.reasons[0].params == {
        "until": datetime.fromisoformat("2026-11-24T20:12:00+00:00"),
        "note": "Chat system upgrade",
        "note_en": "Chat system upgrade",
        "note_zh": "客服系统升级",
    }
    await sender.run_once()
    await sync_catalog_maintenance(store, catalog, clock.now())  # a restart inside the window
    await record(store, catalog, live, down(at=START + minutes(15)))
    clock.advance(3600)
    await sender.run_once()
    await sender.run_once()

    assert texts(sender, "1") == [
        "🛠 MEXC Online customer service: maintenance started\n"
        "Planned until 20:12 UTC.\nChat system upgrade\nNo outage alerts for it meanwhile.",
        "✅ MEXC Online customer service: maintenance is over\nOutage alerts are on again.",
        "❌ MEXC Online customer service is still down after maintenance\n"
        "Timeout after 10 s (3 checks in a row) · since 19:17 UTC.\n"
        "Nobody else is confirmed to answer right now.\n"
        "You can still write: Customer service e-mail service@mexc.com · "
        "replies in 1–3 business days",
    ]
    assert texts(sender, "2")[0] == (
        "🛠 MEXC 在线客服：维护开始\n"
        "预计持续到 北京时间 04:12。\n客服系统升级\n维护期间不发送中断提醒。"
    )
