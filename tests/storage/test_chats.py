from __future__ import annotations

from storage import Store
from storage.engine import Database

TG = "telegram"


async def test_subscribing_twice_is_one_subscription(store: Store) -> None:
    assert await store.subscribe(TG, -100123, "mexc", None, "en") is True
    assert await store.subscribe(TG, "-100123", "mexc", None, "zh", include_degraded=True) is False
    (only,) = await store.subscriptions_of(TG, -100123)
    assert (only.chat_id, only.exchange, only.channel, only.locale, only.include_degraded) == (
        "-100123", "mexc", None, "zh", True
    )  # fmt: skip
    assert await store.count_subscriptions() == 1


async def test_a_channel_subscription_is_separate_from_the_exchange_wide_one(store: Store) -> None:
    await store.subscribe(TG, 1, "mexc", None, "en")
    await store.subscribe(TG, 1, "mexc", "live_chat", "en")
    await store.subscribe(TG, 1, "okx", None, "en")
    subscriptions = await store.subscriptions_of(TG, 1)
    assert [(s.exchange, s.channel) for s in subscriptions] == [
        ("mexc", None), ("mexc", "live_chat"), ("okx", None)
    ]  # fmt: skip


async def test_unsubscribing_deactivates_and_subscribing_again_reactivates(store: Store) -> None:
    await store.subscribe(TG, 1, "mexc", None, "en")
    await store.subscribe(TG, 1, "mexc", "live_chat", "en")
    await store.subscribe(TG, 1, "okx", None, "en")
    assert await store.unsubscribe(TG, 1, "mexc", "live_chat") == 1
    assert await store.unsubscribe(TG, 1, "mexc", "live_chat") == 0
    assert await store.unsubscribe(TG, 1, "mexc") == 1
    assert [s.exchange for s in await store.subscriptions_of(TG, 1)] == ["okx"]
    every = await store.subscriptions_of(TG, 1, active_only=False)
    assert [(s.active, s.deactivated_reason) for s in every if s.exchange == "mexc"] == [
        (False, "unsubscribed"), (False, "unsubscribed")
    ]  # fmt: skip
    old_id = next(s.id for s in every if s.channel is None and s.exchange == "mexc")
    assert await store.subscribe(TG, 1, "mexc", None, "en") is True
    assert [s.id for s in await store.subscriptions_of(TG, 1) if s.exchange == "mexc"] == [old_id]
    assert await store.unsubscribe(TG, 1) == 2
    assert await store.count_subscriptions() == 0
    assert await store.count_subscriptions(active_only=False) == 3


async def test_deactivating_a_chat_keeps_the_reason(store: Store) -> None:
    await store.subscribe("discord", 42, "mexc", None, "en")
    await store.subscribe("discord", 42, "okx", None, "en")
    await store.subscribe("discord", 43, "okx", None, "en")
    assert await store.deactivate_chat("discord", 42, "bot blocked") == 2
    gone = await store.subscriptions_of("discord", 42, active_only=False)
    assert {(s.active, s.deactivated_reason) for s in gone} == {(False, "bot blocked")}
    assert await store.count_subscriptions() == 1


async def test_migrating_a_chat_moves_and_merges_its_subscriptions(store: Store) -> None:
    old, new = -123, -100123
    await store.subscribe(TG, old, "mexc", None, "en")
    await store.subscribe(TG, old, "okx", "ticket", "en")
    await store.subscribe(TG, new, "mexc", None, "zh")
    await store.unsubscribe(TG, new, "mexc")
    assert await store.migrate_chat(TG, old, new) == 2
    moved = await store.subscriptions_of(TG, new)
    assert [(s.exchange, s.channel, s.locale) for s in moved] == [
        ("mexc", None, "zh"), ("okx", "ticket", "en")
    ]  # fmt: skip
    assert await store.subscriptions_of(TG, old) == []
    leftover = await store.subscriptions_of(TG, old, active_only=False)
    assert [(s.exchange, s.deactivated_reason) for s in leftover] == [("mexc", "migrated")]
    assert await store.count_subscriptions() == 2


async def test_subscribers_of_a_channel_are_one_per_chat(store: Store) -> None:
    await store.subscribe(TG, 1, "mexc", None, "en")
    await store.subscribe(TG, 1, "mexc", "live_chat", "zh", include_degraded=True)
    await store.subscribe(TG, 2, "mexc", None, "en")
    await store.subscribe(TG, 3, "mexc", "email", "en")
    await store.subscribe(TG, 4, "okx", None, "en")
    await store.subscribe("discord", 1, "mexc", None, "en")
    await store.deactivate_chat(TG, 2, "blocked")
    chosen = await store.subscribers("mexc", "live_chat")
    assert [(s.platform, s.chat_id, s.channel) for s in chosen] == [
        (TG, "1", "live_chat"), ("discord", "1", None)
    ]  # fmt: skip


async def test_it_remembers_a_users_locale(store: Store) -> None:
    assert await store.get_locale(TG, 7) is None
    await store.set_locale(TG, 7, "zh")
    await store.set_locale(TG, 7, "en")
    await store.set_locale("discord", 7, "zh")
    assert await store.get_locale(TG, "7") == "en"
    assert await store.get_locale("discord", 7) == "zh"


async def test_a_chat_gets_back_the_subscriptions_a_lost_right_stopped(database: Database) -> None:
    """On both engines: only those that stopped for one of the reasons come back."""
    store = Store(database)
    chat = -100777
    await store.subscribe(TG, chat, "mexc", None, "zh")
    await store.subscribe(TG, chat, "okx", "ticket", "zh")
    await store.deactivate_chat(TG, chat, "Not enough rights to send text messages to the chat")
    await store.subscribe(TG, chat, "bybit", None, "zh")
    await store.unsubscribe(TG, chat, "bybit")  # the chat's own choice: stays off
    await store.subscribe(TG, -100778, "mexc", None, "en")
    await store.deactivate_chat(TG, -100778, "Bad Request: not enough rights to send")  # other chat
    await store.subscribe("discord", chat, "mexc", None, "en")  # the same id on another platform
    await store.deactivate_chat("discord", chat, "not enough rights")

    back = await store.reactivate_chat(TG, chat, ["not enough rights", "have no rights"])

    assert [(s.exchange, s.channel, s.active, s.deactivated_reason) for s in back] == [
        ("mexc", None, True, None), ("okx", "ticket", True, None)
    ]  # fmt: skip
    assert [s.exchange for s in await store.subscriptions_of(TG, chat)] == ["mexc", "okx"]
    off = await store.subscriptions_of(TG, chat, active_only=False)
    assert [(s.exchange, s.deactivated_reason) for s in off if not s.active] == [
        ("bybit", "unsubscribed")
    ]
    assert await store.subscriptions_of(TG, -100778) == []
    assert await store.subscriptions_of("discord", chat) == []
    assert await store.reactivate_chat(TG, chat, ["not enough rights"]) == []  # nothing left


async def test_retiring_a_chat_stops_its_subscriptions_for_good(database: Database) -> None:
    """On both engines: the active ones stop, and those stopped for the replaced reasons take
    the new reason (so they no longer come back); other chats and reasons are left alone."""
    store = Store(database)
    chat = -100900
    await store.subscribe(TG, chat, "mexc", "ticket", "en")
    await store.deactivate_chat(TG, chat, "Not enough rights to send text messages")
    await store.subscribe(TG, chat, "mexc", None, "en")
    await store.subscribe(TG, chat, "okx", None, "en")
    await store.unsubscribe(TG, chat, "okx")
    await store.subscribe(TG, -100901, "mexc", None, "en")

    assert await store.retire_chat(TG, chat, "removed", ["not enough rights"]) == 1

    rows = await store.subscriptions_of(TG, chat, active_only=False)
    assert [(s.exchange, s.channel, s.active, s.deactivated_reason) for s in rows] == [
        ("mexc", None, False, "removed"),
        ("mexc", "ticket", False, "removed"),
        ("okx", None, False, "unsubscribed"),
    ]
    assert await store.reactivate_chat(TG, chat, ["not enough rights"]) == []
    assert len(await store.subscriptions_of(TG, -100901)) == 1


async def test_a_kicked_bots_subscriptions_do_not_come_back_with_a_right(store: Store) -> None:
    await store.subscribe(TG, -5, "mexc", None, "en")
    await store.deactivate_chat(TG, -5, "Forbidden: bot was kicked from the supergroup chat")
    assert await store.reactivate_chat(TG, -5, ["not enough rights"]) == []
    assert await store.subscriptions_of(TG, -5) == []


async def test_the_chats_a_lost_right_stopped_are_listed_once(database: Database) -> None:
    """On both engines: each chat of the platform with a subscription stopped for one of the
    reasons, once, whatever else it has; not chats stopped for other reasons."""
    store = Store(database)
    refused = "HTTP 403 (code 50013): Missing Permissions"
    for chat in ("c:2", "c:1"):
        await store.subscribe("discord", chat, "mexc", None, "en")
        await store.subscribe("discord", chat, "okx", None, "en")
        await store.deactivate_chat("discord", chat, refused)
    await store.subscribe("discord", "c:1", "bybit", None, "en")  # on: c:1 is listed anyway
    await store.subscribe("discord", "c:3", "mexc", None, "en")
    await store.deactivate_chat("discord", "c:3", "HTTP 404 (code 10003): Unknown Channel")
    await store.subscribe(TG, "c:4", "mexc", None, "en")  # another platform
    await store.deactivate_chat(TG, "c:4", refused)

    assert await store.stopped_chats("discord", ["code 50001", "CODE 50013"]) == ["c:1", "c:2"]
    assert await store.stopped_chats("discord", ["code 50001"]) == []
    assert await store.stopped_chats("discord", []) == []


async def test_retiring_many_chats_at_once(database: Database) -> None:
    """On both engines: every chat named is retired in one go; the count is of those active."""
    store = Store(database)
    for chat in ("c:1", "c:2", "c:3"):
        await store.subscribe("discord", chat, "mexc", None, "en")
    await store.deactivate_chat("discord", "c:2", "HTTP 403 (code 50001): Missing Access")

    assert (
        await store.retire_chats("discord", ["c:1", "c:2", "c:9"], "removed", ["code 50001"]) == 1
    )

    assert await store.stopped_chats("discord", ["code 50001"]) == []
    for chat in ("c:1", "c:2"):
        rows = await store.subscriptions_of("discord", chat, active_only=False)
        assert [(s.active, s.deactivated_reason) for s in rows] == [(False, "removed")]
    assert len(await store.subscriptions_of("discord", "c:3")) == 1


async def test_what_a_chat_turned_off_does_not_come_back_with_a_right(database: Database) -> None:
    """On both engines: a subscription stopped for a lost right and then unsubscribed by its
    chat stays off when the right comes back; the count is of those that were on."""
    store = Store(database)
    chat = -100950
    await store.subscribe(TG, chat, "mexc", None, "en")
    await store.subscribe(TG, chat, "okx", None, "en")
    await store.deactivate_chat(TG, chat, "Not enough rights to send text messages")
    await store.subscribe(TG, chat, "bybit", None, "en")

    assert await store.unsubscribe(TG, chat, "mexc") == 0  # it was already off
    assert await store.unsubscribe(TG, chat, "bybit") == 1

    back = await store.reactivate_chat(TG, chat, ["not enough rights"])
    assert [s.exchange for s in back] == ["okx"]
    rows = await store.subscriptions_of(TG, chat, active_only=False)
    assert [(s.exchange, s.active, s.deactivated_reason) for s in rows] == [
        ("bybit", False, "unsubscribed"),
        ("mexc", False, "unsubscribed"),
        ("okx", True, None),
    ]
