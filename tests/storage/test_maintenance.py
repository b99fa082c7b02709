from __future__ import annotations

from datetime import timedelta

import pytest

from storage import PlannedWindow, Store

from .conftest import NOW

H = timedelta(hours=1)


async def test_a_window_is_active_from_its_start_until_before_its_end(store: Store) -> None:
    window = await store.add_maintenance("mexc", None, NOW, NOW + H, "upgrade", "admin")
    channel = await store.add_maintenance("okx", "live_chat", NOW + H, None, "", "admin")
    assert [w.id for w in await store.active_maintenance(NOW - timedelta(seconds=1))] == []
    (active,) = await store.active_maintenance(NOW)
    assert (active.id, active.exchange, active.channel, active.ends_at) == (
        window, "mexc", None, NOW + H
    )  # fmt: skip
    (later,) = await store.active_maintenance(NOW + H)
    assert (later.id, later.channel, later.ends_at) == (channel, "live_chat", None)
    assert [w.id for w in await store.active_maintenance(NOW + 1000 * H)] == [channel]


async def test_ending_a_window_ends_it_now(store: Store) -> None:
    window = await store.add_maintenance("mexc", None, NOW, None, "", "admin")
    assert await store.end_maintenance(window, NOW + H) is True
    assert await store.end_maintenance(window, NOW + 2 * H) is False
    assert await store.active_maintenance(NOW + H) == []
    assert len(await store.active_maintenance(NOW + 0.5 * H)) == 1


async def test_a_window_must_end_after_it_starts(store: Store) -> None:
    with pytest.raises(ValueError, match="end after"):
        await store.add_maintenance("mexc", None, NOW, NOW, "", "admin")


def planned(
    source: str = "catalog:mexc/live_chat@a",
    start: timedelta = H,
    end: timedelta = 3 * H,
    reason: str = "Upgrade",
    channel: str | None = "live_chat",
) -> PlannedWindow:
    return PlannedWindow(
        source, "mexc", channel, NOW + start, NOW + end, reason, {"en": reason, "zh": "升级"}
    )


async def all_windows(store: Store) -> list[tuple[str | None, object, object, str]]:
    async with store.db.reading() as conn:
        rows = await conn.fetchall(
            "SELECT source, starts_at, ends_at, reason FROM maintenance ORDER BY id"
        )
    return [tuple(row) for row in rows]  # type: ignore[misc]


async def test_catalog_windows_are_stored_once_however_often_they_are_synced(
    store: Store,
) -> None:
    assert await store.sync_planned([planned()], NOW) == 1
    await store.sync_planned([planned()], NOW)  # a restart
    assert len(await all_windows(store)) == 1
    (window,) = await store.active_maintenance(NOW + 2 * H)
    assert (window.channel, window.reason, window.reasons) == (
        "live_chat", "Upgrade", {"en": "Upgrade", "zh": "升级"}
    )  # fmt: skip
    assert (window.source, window.created_by) == ("catalog:mexc/live_chat@a", "catalog")


async def test_a_catalog_edit_updates_the_stored_window(store: Store) -> None:
    await store.sync_planned([planned()], NOW)
    await store.sync_planned([planned(end=5 * H, reason="Longer upgrade")], NOW)
    (window,) = await store.active_maintenance(NOW + 4 * H)
    assert (window.ends_at, window.reason) == (NOW + 5 * H, "Longer upgrade")


async def test_a_window_that_left_the_catalog_is_dropped_or_ended_now(store: Store) -> None:
    running = planned("catalog:mexc/*@running", start=-H, channel=None)
    await store.sync_planned([planned(), running], NOW)
    await store.add_maintenance("mexc", "email", NOW, NOW + H, "from chat", "telegram:7")
    later = NOW + timedelta(minutes=10)
    await store.sync_planned([], later)
    assert [w.source for w in await store.active_maintenance(NOW + timedelta(minutes=5))] == [
        "catalog:mexc/*@running",
        None,
    ]
    # The future one is gone, the running one ended at the sync, the chat one untouched.
    assert [w.reason for w in await store.active_maintenance(later)] == ["from chat"]
    assert [w.reason for w in await store.active_maintenance(NOW + 2 * H)] == []
    assert len(await all_windows(store)) == 2


async def test_a_window_an_admin_ended_early_stays_ended_after_a_restart(store: Store) -> None:
    window = planned(start=-H)
    await store.sync_planned([window], NOW)
    (stored,) = await store.active_maintenance(NOW)
    assert await store.end_maintenance(stored.id, NOW)
    await store.sync_planned([window], NOW + timedelta(minutes=1))
    assert await store.active_maintenance(NOW + timedelta(minutes=1)) == []


async def test_a_window_already_over_is_not_stored(store: Store) -> None:
    assert await store.sync_planned([planned(start=-3 * H, end=-H)], NOW) == 0
    assert await all_windows(store) == []
