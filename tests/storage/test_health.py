from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from storage import HealthRow, Store, TransitionRecord

from .conftest import NOW


def transition(channel: str, minutes: int, new: str = "down") -> TransitionRecord:
    return TransitionRecord(
        channel=channel,
        exchange=channel.split("/")[0],
        at=NOW + timedelta(minutes=minutes),
        old="up",
        new=new,
        reason="3 failures",
        detail="HTTP 503",
        error="http_status",
    )


async def test_it_saves_and_loads_health_state(store: Store) -> None:
    state = {"health": "down", "failures": 3, "since": "2026-11-24T19:00:00Z", "ring": [1.5]}
    await store.save_health([HealthRow("mexc/live_chat", state, NOW)])
    await store.save_health(
        [HealthRow("mexc/live_chat", {"health": "up"}, NOW), HealthRow("okx/ticket", {}, NOW)]
    )
    loaded = await store.load_health()
    assert loaded == {
        "mexc/live_chat": HealthRow("mexc/live_chat", {"health": "up"}, NOW),
        "okx/ticket": HealthRow("okx/ticket", {}, NOW),
    }


async def test_it_stores_transitions_and_reads_them_newest_first(store: Store) -> None:
    ids = [
        await store.add_transition(transition("mexc/live_chat", 0)),
        await store.add_transition(transition("okx/ticket", 1)),
        await store.add_transition(transition("mexc/email", 2, new="degraded")),
    ]
    assert ids == sorted(ids)
    mexc = await store.transitions("mexc", NOW)
    assert [(t.channel, t.new, t.id) for t in mexc] == [
        ("mexc/email", "degraded", ids[2]),
        ("mexc/live_chat", "down", ids[0]),
    ]
    assert mexc[1] == replace(transition("mexc/live_chat", 0), id=ids[0])
    assert [t.id for t in await store.transitions(None, NOW + timedelta(minutes=1))] == ids[:0:-1]
    assert len(await store.transitions(None, NOW, limit=1)) == 1


async def test_a_transition_and_other_rows_commit_together_or_not_at_all(store: Store) -> None:
    with pytest.raises(RuntimeError):
        async with store.transaction() as conn:
            await store.add_transition(transition("mexc/live_chat", 0), conn=conn)
            await conn.execute("INSERT INTO channels (key) VALUES ('outbox/stand_in')")
            raise RuntimeError("send queue failed")
    assert await store.transitions(None, NOW) == []
    async with store.transaction() as conn:
        await store.add_transition(transition("mexc/live_chat", 0), conn=conn)
    assert len(await store.transitions(None, NOW)) == 1


async def test_it_refuses_a_connection_that_is_not_its_transaction(store: Store) -> None:
    with pytest.raises(ValueError, match="not the connection"):
        await store.add_transition(transition("a/b", 0), conn=object())  # type: ignore[arg-type]
