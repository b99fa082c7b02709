"""A standby's view of the leader's checks (bot/following.py): it follows what the leader
stored, and judges the checks stopped once the leader's heartbeat is older than
SILENT_AFTER_S; on both engines, with a fake clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.app import silent_leader
from bot.catalog import Catalog, load_catalog
from bot.clock import FakeClock
from bot.following import SILENT_AFTER_S, ReplicaView, leader_beats
from bot.health import HealthState
from bot.monitor import Monitor
from bot.vocab import Health
from storage import Database
from storage.records import HealthRow
from storage.store import Store
from tests.answers.conftest import CATALOG

CHAT = "mexc/live_chat"


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog(CATALOG)


def standby(database: Database, catalog: Catalog, clock: FakeClock) -> ReplicaView:
    store = Store(database, clock.now)
    return ReplicaView(Monitor(catalog, store, clock), store, catalog, clock, lambda: False)


async def store_up(store: Store, clock: FakeClock) -> None:
    """The leader stored the live chat up, checked just now."""
    state = HealthState(CHAT, Health.UP, since=clock.now(), last_at=clock.now(), last_ok=True)
    await store.save_health([HealthRow(CHAT, state.to_json(), clock.now())])


async def test_a_standby_whose_leader_beats_follows_it(
    database: Database, catalog: Catalog
) -> None:
    clock = FakeClock()
    store = Store(database, clock.now)
    view = standby(database, catalog, clock)
    await store_up(store, clock)
    beat = clock.now()
    await store.beat(beat)
    await view.follow()
    clock.advance(SILENT_AFTER_S)
    assert view.stopped_since() is None
    assert view.heartbeat() == beat
    assert view.describe() == {"leader_heartbeat": "2026-11-24T19:00:00Z"}
    state = view.health(CHAT)
    assert state is not None and state.health is Health.UP
    assert await leader_beats(store, clock)


async def test_a_silent_leader_makes_every_health_unknown_until_it_beats_again(
    database: Database, catalog: Catalog
) -> None:
    clock = FakeClock()
    store = Store(database, clock.now)
    view = standby(database, catalog, clock)
    await store_up(store, clock)
    beat = clock.now()
    await store.beat(beat)
    await view.follow()
    clock.advance(SILENT_AFTER_S + 1)
    await view.follow()
    assert view.stopped_since() == beat
    state = view.health(CHAT)
    assert state is not None and state.health is Health.UNKNOWN, "not up from a stopped check"
    assert state.last_at == beat, "when it was last checked stays true"
    assert not await leader_beats(store, clock)

    await store.beat(clock.now())  # the leader thawed
    await view.follow()
    assert view.stopped_since() is None
    state = view.health(CHAT)
    assert state is not None and state.health is Health.UP


async def test_a_beat_keeps_the_blind_state_the_leader_stored(database: Database) -> None:
    clock = FakeClock()
    store = Store(database, clock.now)
    blind = clock.now() - timedelta(minutes=3)
    await store.save_sight(blind, blind)
    await store.beat(clock.now())
    assert await store.load_sight() == blind
    assert await store.load_heartbeat() == clock.now()


async def test_with_no_heartbeat_ever_stored_a_standby_waits_then_says_nothing_was_checked(
    database: Database, catalog: Catalog
) -> None:
    """A leader frozen before its first beat (or none running at all)."""
    clock = FakeClock()
    view = standby(database, catalog, clock)
    assert view.stopped_since() is None, "nothing read yet: no judgement"
    await view.follow()
    waiting = clock.now()
    clock.advance(SILENT_AFTER_S)
    await view.follow()
    assert view.stopped_since() is None
    clock.advance(1)
    assert view.stopped_since() == waiting
    assert view.describe() == {"leader_heartbeat": None}


async def test_the_leader_itself_is_never_judged(database: Database, catalog: Catalog) -> None:
    clock = FakeClock()
    store = Store(database, clock.now)
    leading = ReplicaView(Monitor(catalog, store, clock), store, catalog, clock, lambda: True)
    await leading.follow()
    clock.advance(SILENT_AFTER_S * 10)
    assert leading.stopped_since() is None
    assert leading.heartbeat() is None
    assert leading.describe() == {}


def test_healthz_names_the_silence_and_puts_this_replicas_own_failures_first() -> None:
    last = datetime(2026, 11, 29, 10, 2, 13, 600_000, tzinfo=UTC)
    now = last + timedelta(seconds=45)
    assert silent_leader(last, now) == (
        "the leader has not checked anything since 2026-11-29 10:02:13 UTC (45 s ago) but "
        "still holds the lock: it is frozen or cut off from the database; this standby shows "
        "its last checks as unconfirmed and takes over once the lock is free"
    )
    following = "following is down for 20 s (4 failures): DatabaseUnavailable: connection refused"
    assert silent_leader(last, now, [following]) == (
        f"{following}; no heartbeat from the leader read since 2026-11-29 10:02:13 UTC (45 s ago)"
    )
