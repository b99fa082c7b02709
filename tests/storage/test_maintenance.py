from __future__ import annotations

from datetime import timedelta

import pytest

from storage import Store

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
