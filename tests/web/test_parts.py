"""The page's pure parts: incidents from transitions, the 90-day bars, cell labels, icons."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.clock import FakeClock
from bot.render.words import Words
from bot.vocab import Locale
from bot.web.bars import DAY, DailyBars, Hour
from bot.web.icons import with_icons
from bot.web.incidents import Incident, incidents
from bot.web.views import cell
from probes.result import ErrorKind, ProbeResult
from storage import Store, open_database
from storage.records import TransitionRecord
from tests.web.conftest import HourlyStore

AT = datetime(2026, 11, 24, 19, tzinfo=UTC)
WINDOW = AT - timedelta(days=30)


def change(
    channel: str, minutes_ago: float, old: str, new: str, detail: str = ""
) -> TransitionRecord:
    at = AT - timedelta(minutes=minutes_ago)
    return TransitionRecord(f"mexc/{channel}", "mexc", at, old, new, "", detail)


def test_it_groups_transitions_into_incidents_newest_first() -> None:
    rows = [
        change("live_chat", 300, "up", "degraded", "slow: 2.1 s"),
        change("live_chat", 290, "degraded", "down", "HTTP 503"),
        change("live_chat", 280, "down", "unknown"),
        change("live_chat", 270, "unknown", "up"),
        change("email", 100, "unknown", "up"),  # a first check: no incident
        change("help_center", 20, "up", "down", "timeout after 10 s"),
    ]

    found = incidents(rows, WINDOW)

    assert found == [
        Incident("help_center", AT - timedelta(minutes=20), None, "down", "timeout after 10 s"),
        Incident(
            "live_chat",
            AT - timedelta(minutes=300),
            AT - timedelta(minutes=270),
            "down",  # the worst it got
            "slow: 2.1 s",
        ),
    ]
    assert found[1].seconds(AT) == 30 * 60
    assert found[0].seconds(AT) == 20 * 60


def test_an_incident_under_way_when_the_window_opens_starts_before_it() -> None:
    found = incidents([change("live_chat", 60, "down", "up")], WINDOW)

    assert found == [Incident("live_chat", WINDOW, AT - timedelta(hours=1), "down", "", True)]


def test_a_cell_says_its_hour_checks_and_failures_in_both_languages() -> None:
    en, zh = Words.of(Locale.EN, AT), Words.of(Locale.ZH, AT)
    hour = Hour(AT.replace(hour=2), 60, 5)

    assert cell(hour, en).label == "02:00–03:00 UTC · 60 checks · 5 failed"
    assert cell(hour, zh).label == "02:00–03:00 UTC · 检测 60 次 · 失败 5 次"
    assert cell(hour, en).level == "some"
    partial = cell(Hour(AT, 1, 0, partial=True), en)
    assert (partial.level, partial.label) == (
        "ok partial",
        "19:00–20:00 UTC · so far · 1 check · 0 failed",
    )
    empty = cell(Hour(AT), en)
    assert (empty.level, empty.label) == ("none", "19:00–20:00 UTC · no checks, no data")
    day = cell(Hour(AT.replace(hour=0), 1440, 900, length=DAY), en, daily=True)
    assert (day.level, day.label) == ("bad", "Nov 24 (UTC) · 1440 checks · 900 failed")


def test_status_marks_become_icons_and_decoration_is_dropped() -> None:
    html = str(with_icons("🚨 Urgent help · ✅ live · <b>"))

    assert html.startswith('Urgent help · <svg class="i i-ok"')
    assert "🚨" not in html and "✅" not in html
    assert html.endswith(" live · &lt;b&gt;")


async def test_the_90_day_bar_reads_days_from_real_rollups(tmp_path: Path) -> None:
    db = await open_database(tmp_path / "days.sqlite3")
    try:
        store = Store(db, now=lambda: AT)
        await store.write_results(
            [
                ProbeResult("mexc/live_chat", AT - timedelta(hours=2), True, 150.0),
                ProbeResult("mexc/live_chat", AT - DAY, False, None, ErrorKind.TIMEOUT),
                ProbeResult("mexc/live_chat", AT - DAY, True, 120.0),
                ProbeResult("mexc/live_chat", AT - 95 * DAY, True, 120.0),  # out of the window
            ]
        )
        bars = DailyBars(store, FakeClock(AT + timedelta(minutes=5)))
        row = (await bars.for_channels(["mexc/live_chat", "mexc/email"]))["mexc/live_chat"]
    finally:
        await db.close()

    assert len(row) == 90
    today, yesterday = row[-1], row[-2]
    assert (today.start, today.count, today.failures, today.partial) == (
        AT.replace(hour=0),
        1,
        0,
        True,
    )
    assert (yesterday.count, yesterday.failures, yesterday.partial) == (2, 1, False)
    assert sum(d.count for d in row) == 3
    assert row[0].start == AT.replace(hour=0) - 89 * DAY


async def test_the_90_day_bar_reads_an_exchanges_days_once_a_day_and_today_every_30_s() -> None:
    store = HourlyStore()
    # The fake answers a day's window with its 24 h rollup: every day looks the same.
    store.rollup("mexc/live_chat", hours=24, count=1440, failures=3, ms=[150.0])
    clock = FakeClock(AT)
    bars = DailyBars(store, clock)

    first = await bars.for_channels(["mexc/live_chat", "mexc/email"])
    assert store.reads == 90  # 89 complete days and today, for these two channels only
    assert list(first) == ["mexc/live_chat"]  # e-mail has no checks: no bar of its own
    assert {(d.count, d.failures, d.level.value) for d in first["mexc/live_chat"]} == {
        (1440, 3, "some")
    }
    await bars.for_channels(["mexc/live_chat", "mexc/email"])
    assert store.reads == 90
    clock.advance(31)
    await bars.for_channels(["mexc/live_chat"])
    assert store.reads == 91  # only today again
    clock.advance(86400)
    await bars.for_channels(["mexc/live_chat"])
    assert store.reads == 181  # a new day: the complete days again
