"""The situations the exact-reply tests show, set up on the fakes (one function each)."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.health import HealthState
from bot.verdict import Incident, Indicator, Upstream
from bot.vocab import Health
from tests.answers.fakes import FakeLive, FakeStore


def all_live(live: FakeLive, store: FakeStore, now: datetime) -> None:
    """MEXC: every probed channel answered within the last minutes; a week of rollups."""
    live.up("mexc/live_chat", now, 182)
    live.latencies["mexc/live_chat"] = [150.0, 170.0, 182.0, 410.0]
    live.up("mexc/help_center", now, 95)
    live.up("mexc/email", now, 12, age_s=100)
    store.rollup("mexc/live_chat", hours=24, count=1440, failures=0, ms=[180.0] * 100)
    store.rollup("mexc/live_chat", hours=168, count=10080, failures=20, ms=[180.0] * 100)
    store.rollup("mexc/live_chat", hours=720, count=43200, failures=432, ms=[180.0] * 100)


def chat_down(live: FakeLive, store: FakeStore, now: datetime) -> None:
    """MEXC at 03:00: live chat timing out for 12 min; help center and e-mail fine."""
    all_live(live, store, now)
    live.down("mexc/live_chat", now, minutes=12, detail="timeout after 10 s", error="timeout")


def stale(live: FakeLive, store: FakeStore, now: datetime) -> None:
    """MEXC: the last check of live chat and help center is 10 min old (interval 60 s)."""
    all_live(live, store, now)
    live.up("mexc/live_chat", now, 182, age_s=600)
    live.up("mexc/help_center", now, 95, age_s=600)


def nova_night(live: FakeLive, store: FakeStore, now: datetime) -> None:
    """Nova at 03:00 in Shanghai: live chat reachable but unstaffed until 09:00."""
    for key, ms in (("live_chat", 300), ("ticket", 210), ("freeze", 120), ("status", 80)):
        live.up(f"nova/{key}", now, ms)


def nova_incident(live: FakeLive, store: FakeStore, now: datetime) -> None:
    """Nova at night, and its status page reports a minor incident."""
    nova_night(live, store, now)
    incident = Incident("Delayed BTC withdrawals", "investigating", "minor")
    live.upstreams["nova"] = Upstream(Indicator.MINOR, (), (incident,))


def week_of_changes(store: FakeStore, now: datetime) -> None:
    """MEXC live chat: a 14-min outage yesterday, down again for the last 12 min."""
    from storage.records import TransitionRecord

    def changed(
        ago: timedelta, old: str, new: str, detail: str = "", error: str | None = None
    ) -> TransitionRecord:
        return TransitionRecord(
            "mexc/live_chat", "mexc", now - ago, old, new, "", detail, error=error
        )

    store.rows += [
        changed(timedelta(days=1, minutes=44), "up", "down", "HTTP 503", "http_status"),
        changed(timedelta(days=1, minutes=30), "down", "up"),
        changed(timedelta(minutes=12), "up", "down", "timeout after 10 s", "timeout"),
    ]


def nobody_answers(live: FakeLive, store: FakeStore, now: datetime) -> None:
    """MEXC: live chat and e-mail failing; only the help center is up (no person answers it)."""
    chat_down(live, store, now)
    live.down("mexc/email", now, minutes=5, detail="no such domain", error="dns")


def email_unchecked(live: FakeLive, store: FakeStore, now: datetime) -> None:
    """MEXC: live chat down; the e-mail's last check is 30 min old (stale, not seen down)."""
    chat_down(live, store, now)
    live.up("mexc/email", now, 12, age_s=1800)


def first_checks_failing(live: FakeLive, store: FakeStore, now: datetime) -> None:
    """MEXC just started: live chat and help center (one URL) failed their first check 3 s ago."""
    all_live(live, store, now)
    for key in ("mexc/live_chat", "mexc/help_center"):
        live.states[key] = HealthState(
            channel=key,
            health=Health.UNKNOWN,
            consecutive_failures=1,
            last_at=now - timedelta(seconds=3),
            last_ok=False,
            last_error="timeout",
            last_detail="timeout after 10 s",
        )


def never_checked(live: FakeLive, store: FakeStore, now: datetime) -> None:
    """MEXC right after start: nothing has been checked yet."""
