"""Groups: only our commands are answered, admins manage alerts, migrations keep them."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from bot.adapters.telegram.rights import BLOCKED, REMOVED
from bot.alerts.notifier import SendError
from bot.render.en import EN
from bot.reply import Reply
from storage.engine import DatabaseError
from tests.fakes.telegram_api import BOT_USER, FakeTelegram, JsonDict
from tests.telegram.conftest import GROUP, Bot
from tests.telegram.test_commands import STATUS

OWNER, MEMBER = 500, 501


def group_roles(tg: FakeTelegram) -> None:
    """getChatMember: OWNER owns every group, everyone else is a plain member."""

    async def get_chat_member(params: JsonDict) -> JsonDict:
        user = {"id": int(params["user_id"]), "is_bot": False, "first_name": "U"}
        if int(params["user_id"]) == OWNER:
            return {"status": "creator", "user": user, "is_anonymous": False}
        return {"status": "member", "user": user}

    tg.register_method("getChatMember", get_chat_member)


def in_group(user_id: int = MEMBER) -> dict[str, Any]:
    return {"chat_id": GROUP, "user_id": user_id, "chat_type": "supergroup"}


async def test_a_command_addressed_to_the_bot_is_answered_in_the_group(bot: Bot) -> None:
    sent = await bot.ask("/status@supportlive_bot loopex", **in_group())
    assert sent["chat_id"] == GROUP
    assert sent["text"] == STATUS


async def test_a_plain_command_of_ours_is_answered_in_the_group(bot: Bot) -> None:
    assert (await bot.ask("/status loopex", **in_group()))["text"] == STATUS


@pytest.mark.parametrize(
    "line",
    ["is mexc support down?", "status loopex", "/status@other_bot loopex", "/weather berlin"],
)
async def test_what_is_not_our_command_is_ignored_in_a_group(bot: Bot, line: str) -> None:
    bot.tg.push_message(line, **in_group())
    assert await bot.quiet(GROUP, since=0)


async def test_a_group_admin_subscribes_the_group_and_alerts_go_to_the_group(bot: Bot) -> None:
    group_roles(bot.tg)
    sent = await bot.ask("/subscribe loopex", **in_group(OWNER))
    assert sent["text"].startswith("<b>🔔 ")
    [subscription] = await bot.store.subscriptions_of("telegram", str(GROUP))
    assert subscription.exchange == "loopex"
    assert await bot.store.subscriptions_of("telegram", str(OWNER)) == []
    await bot.adapter.notifier.send(subscription.chat_id, Reply(title="Loopex live chat is down"))
    assert bot.tg.sent_messages(GROUP)[-1]["text"] == "<b>Loopex live chat is down</b>"


async def test_a_plain_member_may_not_change_the_groups_alerts(bot: Bot) -> None:
    group_roles(bot.tg)
    sent = await bot.ask("/subscribe loopex", **in_group(MEMBER))
    assert sent["text"] == f"<b>{EN.manage_only}</b>"
    assert await bot.store.subscriptions_of("telegram", str(GROUP)) == []


async def test_when_member_rights_cannot_be_checked_the_answer_is_no(bot: Bot) -> None:
    sent = await bot.ask("/subscribe loopex", **in_group(OWNER))  # no getChatMember: 404
    assert sent["text"] == f"<b>{EN.manage_only}</b>"


async def test_anyone_may_subscribe_in_a_private_chat(bot: Bot) -> None:
    await bot.ask("/subscribe loopex", chat_id=MEMBER)
    assert len(await bot.store.subscriptions_of("telegram", str(MEMBER))) == 1


async def test_a_group_that_becomes_a_supergroup_keeps_its_subscriptions(bot: Bot) -> None:
    old, new = -4242, -1009999
    await bot.store.subscribe("telegram", str(old), "loopex", None, "en")
    bot.tg.push_message(
        "",
        chat_id=old,
        user_id=OWNER,
        chat_type="group",
        extra={"migrate_to_chat_id": new, "text": None},
    )
    sent = await bot.ask("/subscriptions", chat_id=new, user_id=OWNER, chat_type="supergroup")
    assert "Loopex" in sent["text"]
    assert await bot.store.subscriptions_of("telegram", str(old)) == []
    assert [s.exchange for s in await bot.store.subscriptions_of("telegram", str(new))] == [
        "loopex"
    ]


async def test_an_alert_to_a_migrated_group_follows_it(bot: Bot) -> None:
    old, new = -4343, -1008888
    await bot.store.subscribe("telegram", str(old), "loopex", None, "en")
    bot.tg.migrate_chat(old, new)
    await bot.adapter.notifier.send(str(old), Reply(title="Loopex live chat is back"))
    assert bot.tg.sent_messages(new)[-1]["text"] == "<b>Loopex live chat is back</b>"
    assert len(await bot.store.subscriptions_of("telegram", str(new))) == 1


async def test_a_reply_to_a_migrated_group_follows_it(bot: Bot) -> None:
    old, new = -4444, -1007777
    bot.tg.migrate_chat(old, new)
    bot.tg.push_message("/status loopex", chat_id=old, user_id=OWNER, chat_type="group")
    [sent] = await bot.tg.wait_for_messages(1, chat_id=new)
    assert sent["text"] == STATUS


async def test_an_alert_to_a_blocked_chat_is_a_permanent_failure(bot: Bot) -> None:
    bot.tg.block_chat(77)
    with pytest.raises(SendError) as failure:
        await bot.adapter.notifier.send("77", Reply(title="x"))
    assert failure.value.kind == "permanent"


async def test_an_alert_before_the_bot_is_connected_waits_as_for_an_unreachable_platform(
    bot: Bot,
) -> None:
    await bot.adapter.stop()
    with pytest.raises(SendError) as failure:
        await bot.adapter.notifier.send("42", Reply(title="x"))
    assert failure.value.kind == "unreachable"  # never counts toward the alert's death
    assert bot.tg.sent_messages(42) == []


_NO_RIGHT_TO_POST = "Bad Request: not enough rights to send text messages to the chat"
CHANNEL = -1005551111

_MUTED: JsonDict = {
    "status": "restricted", "is_member": True, "until_date": 0,
    "can_send_messages": False, "can_send_audios": False, "can_send_documents": False,
    "can_send_photos": False, "can_send_videos": False, "can_send_video_notes": False,
    "can_send_voice_notes": False, "can_send_polls": False, "can_send_other_messages": False,
    "can_add_web_page_previews": False, "can_change_info": False, "can_invite_users": False,
    "can_pin_messages": False, "can_manage_topics": False, "can_edit_tag": False,
    "can_react_to_messages": False,
}  # fmt: skip
_ADMIN_RIGHTS: JsonDict = {
    "can_be_edited": False, "is_anonymous": False, "can_manage_chat": True,
    "can_delete_messages": False, "can_manage_video_chats": False, "can_restrict_members": False,
    "can_promote_members": False, "can_change_info": False, "can_invite_users": False,
    "can_post_stories": False, "can_edit_stories": False, "can_delete_stories": False,
}  # fmt: skip
_NO_GIFTS: JsonDict = {
    "unlimited_gifts": False, "limited_gifts": False, "unique_gifts": False,
    "premium_subscription": False, "gifts_from_channels": False,
}  # fmt: skip


def my_rights_changed(
    chat_id: int, new: JsonDict, chat_type: str = "supergroup", old: JsonDict | None = None
) -> JsonDict:
    """The `my_chat_member` update Telegram sends when the bot's own membership in a chat
    changes (by default from restricted without the right to send messages)."""
    return {
        "my_chat_member": {
            "chat": {"id": chat_id, "type": chat_type, "title": "Traders"},
            "from": {"id": OWNER, "is_bot": False, "first_name": "Owner"},
            "date": 1_790_000_000,
            "old_chat_member": {"user": BOT_USER, **(old or _MUTED)},
            "new_chat_member": {"user": BOT_USER, **new},
        }
    }


def group_permissions(tg: FakeTelegram, *, can_send_messages: bool) -> None:
    """getChat: the group's default member permissions."""

    async def get_chat(params: JsonDict) -> JsonDict:
        return {
            "id": int(params["chat_id"]), "type": "supergroup", "title": "Traders",
            "accent_color_id": 0, "max_reaction_count": 11, "accepted_gift_types": _NO_GIFTS,
            "permissions": {"can_send_messages": can_send_messages},
        }  # fmt: skip

    tg.register_method("getChat", get_chat)


async def stopped_for_no_rights(
    bot: Bot, chat_id: int, *subscriptions: tuple[str, str | None]
) -> None:
    for exchange, channel in subscriptions:
        await bot.store.subscribe("telegram", str(chat_id), exchange, channel, "zh")
    await bot.store.deactivate_chat("telegram", str(chat_id), _NO_RIGHT_TO_POST)


async def nothing_but_status(bot: Bot, chat_id: int = GROUP) -> None:
    """The updates pushed before are taken (in order) before this command, and none of them
    made the bot post: its answer is the chat's only message."""
    bot.tg.push_message("/status loopex", chat_id=chat_id, user_id=OWNER, chat_type="supergroup")
    await bot.tg.wait_for_messages(1, chat_id=chat_id)
    assert [m["text"] for m in bot.tg.sent_messages(chat_id)] == [STATUS]


async def test_when_the_bot_may_post_again_the_groups_alerts_come_back(bot: Bot) -> None:
    group_permissions(bot.tg, can_send_messages=True)
    await stopped_for_no_rights(bot, GROUP, ("loopex", None), ("loopex", "help_center"))

    bot.tg.push_update(my_rights_changed(GROUP, {"status": "member"}))

    [told] = await bot.tg.wait_for_messages(1, chat_id=GROUP)
    assert told["text"] == (
        "<b>🔔 这里的提醒已恢复</b>\n"
        "我又可以在这里发消息了，以下提醒已重新开启：\n"
        "• Loopex — 全部渠道\n"
        "• Loopex — 帮助中心\n"
        "无法发消息期间的提醒没有送达。发送 /status 查看当前状态。"
    )
    back = await bot.store.subscriptions_of("telegram", str(GROUP))
    assert [(s.exchange, s.channel) for s in back] == [("loopex", None), ("loopex", "help_center")]
    await bot.adapter.notifier.send(str(GROUP), Reply(title="Loopex live chat is down"))
    assert bot.tg.sent_messages(GROUP)[-1]["text"] == "<b>Loopex live chat is down</b>"


async def test_a_channel_that_lets_the_bot_post_again_gets_its_alerts_back(bot: Bot) -> None:
    await stopped_for_no_rights(bot, CHANNEL, ("loopex", None))
    old = {"status": "administrator", **_ADMIN_RIGHTS, "can_post_messages": False}
    poster = {**old, "can_post_messages": True}
    bot.tg.push_update(my_rights_changed(CHANNEL, poster, chat_type="channel", old=old))
    [told] = await bot.tg.wait_for_messages(1, chat_id=CHANNEL)
    # A channel is not told to send /status: the bot answers no command there.
    assert told["text"].endswith("• Loopex — 全部渠道\n无法发消息期间的提醒没有送达。")
    assert len(await bot.store.subscriptions_of("telegram", str(CHANNEL))) == 1


_ADMIN: JsonDict = {"status": "administrator", **_ADMIN_RIGHTS}


@pytest.mark.parametrize(
    ("chat_id", "chat_type", "old", "new"),
    [
        # Still restricted without the right to send messages (another right changed).
        (GROUP, "supergroup", None, {**_MUTED, "can_pin_messages": True}),
        # Restricted "with every right" but no longer a member: it cannot post.
        (GROUP, "supergroup", None, {**_MUTED, "can_send_messages": True, "is_member": False}),
        # A channel admin without the right to post.
        (CHANNEL, "channel", _ADMIN, {**_ADMIN, "can_edit_messages": True}),
        # Added back after it was removed: whoever added it chooses its alerts afresh.
        (GROUP, "supergroup", {"status": "left"}, {"status": "member"}),
        (GROUP, "supergroup", {"status": "kicked", "until_date": 0}, {"status": "member"}),
        (GROUP, "supergroup", {**_MUTED, "is_member": False}, {"status": "member"}),
    ],
)
async def test_alerts_stay_off_unless_the_bot_in_the_chat_may_post_again(
    bot: Bot, chat_id: int, chat_type: str, old: JsonDict | None, new: JsonDict
) -> None:
    """Each case is followed, in the same chat (so taken after it), by the bot's removal:
    once that is stored, the case has been taken, and it must have said nothing."""
    group_permissions(bot.tg, can_send_messages=True)
    await stopped_for_no_rights(bot, chat_id, ("loopex", None))
    bot.tg.push_update(my_rights_changed(chat_id, new, chat_type=chat_type, old=old))
    gone = {"status": "left"}
    bot.tg.push_update(my_rights_changed(chat_id, gone, chat_type=chat_type, old=_ADMIN))
    await reasons_become(bot, chat_id, [REMOVED])
    assert bot.tg.sent_messages(chat_id) == []


async def test_a_user_who_blocks_the_bot_has_their_alerts_stopped_as_blocked(bot: Bot) -> None:
    user = 7_777
    await bot.store.subscribe("telegram", str(user), "loopex", None, "en")
    blocked = my_rights_changed(
        user, {"status": "kicked", "until_date": 0}, chat_type="private", old={"status": "member"}
    )
    bot.tg.push_update(blocked)
    await reasons_become(bot, user, [BLOCKED])
    assert bot.tg.sent_messages(user) == []


async def reasons_become(bot: Bot, chat_id: int, reasons: list[str | None]) -> None:
    """Wait until the chat's stored subscriptions stopped for these reasons (in their order)."""
    seen: list[str | None] = []
    for _ in range(200):
        rows = await bot.store.subscriptions_of("telegram", str(chat_id), active_only=False)
        seen = [s.deactivated_reason for s in rows]
        if seen == reasons:
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"the reasons stayed {seen}")


async def test_a_database_failure_is_logged_not_apologised_for_in_the_chat(
    bot: Bot, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    group_permissions(bot.tg, can_send_messages=True)
    await stopped_for_no_rights(bot, GROUP, ("loopex", None))

    async def locked(*_: object) -> list[object]:
        raise DatabaseError("database is locked", code="SQLITE_BUSY")

    monkeypatch.setattr(bot.store, "reactivate_chat", locked)
    bot.tg.push_update(my_rights_changed(GROUP, {"status": "member"}))
    await nothing_but_status(bot)  # no apology before the answer
    logged = f"could not update the alerts of Telegram chat {GROUP}: database is locked"
    assert logged in caplog.text


async def test_a_group_that_still_mutes_its_members_does_not_get_alerts_back(bot: Bot) -> None:
    group_permissions(bot.tg, can_send_messages=False)
    await stopped_for_no_rights(bot, GROUP, ("loopex", None))
    bot.tg.push_update(my_rights_changed(GROUP, {"status": "member"}))
    await nothing_but_status(bot)
    assert await bot.store.subscriptions_of("telegram", str(GROUP)) == []
    # An administrator is not bound by the group's default permissions.
    admin = {"status": "administrator", **_ADMIN_RIGHTS}
    bot.tg.push_update(my_rights_changed(GROUP, admin, old={"status": "member"}))
    [_, told] = await bot.tg.wait_for_messages(2, chat_id=GROUP)
    assert told["text"].startswith("<b>🔔 这里的提醒已恢复</b>")


@pytest.mark.parametrize("gone", [{"status": "left"}, {**_MUTED, "is_member": False}])
async def test_a_group_that_removes_the_bot_stops_its_alerts_for_good(
    bot: Bot, gone: JsonDict
) -> None:
    group_permissions(bot.tg, can_send_messages=True)
    await stopped_for_no_rights(bot, GROUP, ("loopex", "help_center"))
    await bot.store.subscribe("telegram", str(GROUP), "loopex", None, "en")  # still on
    bot.tg.push_update(my_rights_changed(GROUP, gone, old={"status": "member"}))
    # Added back, later restricted and set free: nothing from before the removal comes back.
    bot.tg.push_update(my_rights_changed(GROUP, {"status": "member"}, old=gone))
    bot.tg.push_update(my_rights_changed(GROUP, _MUTED, old={"status": "member"}))
    bot.tg.push_update(my_rights_changed(GROUP, {"status": "member"}))
    await nothing_but_status(bot)
    stopped = await bot.store.subscriptions_of("telegram", str(GROUP), active_only=False)
    assert [(s.channel, s.active, s.deactivated_reason) for s in stopped] == [
        (None, False, "the bot was removed from the chat"),
        ("help_center", False, "the bot was removed from the chat"),
    ]
