"""Groups: only our commands are answered, admins manage alerts, migrations keep them."""

from __future__ import annotations

from typing import Any

import pytest

from bot.alerts.notifier import SendError
from bot.render.en import EN
from bot.reply import Reply
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


def my_rights_changed(chat_id: int, new: JsonDict, chat_type: str = "supergroup") -> JsonDict:
    """The `my_chat_member` update Telegram sends when the bot's own rights in a chat change
    (from restricted without the right to send messages)."""
    muted = {
        "status": "restricted", "user": BOT_USER, "is_member": True, "until_date": 0,
        "can_send_messages": False, "can_send_audios": False, "can_send_documents": False,
        "can_send_photos": False, "can_send_videos": False, "can_send_video_notes": False,
        "can_send_voice_notes": False, "can_send_polls": False, "can_send_other_messages": False,
        "can_add_web_page_previews": False, "can_change_info": False, "can_invite_users": False,
        "can_pin_messages": False, "can_manage_topics": False, "can_edit_tag": False,
        "can_react_to_messages": False,
    }  # fmt: skip
    return {
        "my_chat_member": {
            "chat": {"id": chat_id, "type": chat_type, "title": "Traders"},
            "from": {"id": OWNER, "is_bot": False, "first_name": "Owner"},
            "date": 1_790_000_000,
            "old_chat_member": muted,
            "new_chat_member": {"user": BOT_USER, **new},
        }
    }


async def test_when_the_bot_may_post_again_the_groups_alerts_come_back(bot: Bot) -> None:
    await bot.store.subscribe("telegram", str(GROUP), "loopex", None, "zh")
    await bot.store.subscribe("telegram", str(GROUP), "mexc", "live_chat", "zh")
    await bot.store.deactivate_chat("telegram", str(GROUP), _NO_RIGHT_TO_POST)

    bot.tg.push_update(my_rights_changed(GROUP, {"status": "member"}))

    [told] = await bot.tg.wait_for_messages(1, chat_id=GROUP)
    assert told["text"] == (
        "<b>🔔 本群的提醒已恢复</b>\n"
        "我又可以在这里发消息了，2 项提醒订阅已重新开启。无法发消息期间的提醒没有送达，"
        "发送 /status 查看当前状态。"
    )
    back = await bot.store.subscriptions_of("telegram", str(GROUP))
    assert [(s.exchange, s.channel) for s in back] == [("loopex", None), ("mexc", "live_chat")]
    await bot.adapter.notifier.send(str(GROUP), Reply(title="Loopex live chat is down"))
    assert bot.tg.sent_messages(GROUP)[-1]["text"] == "<b>Loopex live chat is down</b>"


async def test_a_right_that_still_does_not_allow_posting_changes_nothing(bot: Bot) -> None:
    await bot.store.subscribe("telegram", str(GROUP), "loopex", None, "en")
    await bot.store.deactivate_chat("telegram", str(GROUP), _NO_RIGHT_TO_POST)
    still_muted = my_rights_changed(GROUP, {})["my_chat_member"]["old_chat_member"]
    bot.tg.push_update(my_rights_changed(GROUP, {**still_muted, "can_pin_messages": True}))
    # A channel whose admins made the bot an administrator without the right to post:
    no_post = {"status": "administrator", "can_post_messages": False, **_ADMIN_RIGHTS}
    bot.tg.push_update(my_rights_changed(-1005550000, no_post, chat_type="channel"))
    bot.tg.push_message("/status loopex", **in_group(OWNER))  # taken after the two above
    await bot.tg.wait_for_messages(1, chat_id=GROUP)
    assert [m["text"] for m in bot.tg.sent_messages(GROUP)] == [STATUS]
    assert bot.tg.sent_messages(-1005550000) == []
    assert await bot.store.subscriptions_of("telegram", str(GROUP)) == []


async def test_a_removed_bots_subscriptions_stay_off_when_it_is_added_again(bot: Bot) -> None:
    await bot.store.subscribe("telegram", str(GROUP), "loopex", None, "en")
    await bot.store.deactivate_chat("telegram", str(GROUP), "Forbidden: bot was kicked")
    bot.tg.push_update(my_rights_changed(GROUP, {"status": "member"}))
    bot.tg.push_message("/status loopex", **in_group(OWNER))
    await bot.tg.wait_for_messages(1, chat_id=GROUP)
    assert [m["text"] for m in bot.tg.sent_messages(GROUP)] == [STATUS]
    assert await bot.store.subscriptions_of("telegram", str(GROUP)) == []


async def test_a_channel_that_lets_the_bot_post_again_gets_its_alerts_back(bot: Bot) -> None:
    channel = -1005551111
    await bot.store.subscribe("telegram", str(channel), "loopex", None, "en")
    await bot.store.deactivate_chat("telegram", str(channel), _NO_RIGHT_TO_POST)
    poster = {"status": "administrator", "can_post_messages": True, **_ADMIN_RIGHTS}
    bot.tg.push_update(my_rights_changed(channel, poster, chat_type="channel"))
    [told] = await bot.tg.wait_for_messages(1, chat_id=channel)
    assert told["text"].startswith("<b>🔔 Alerts are back on here</b>\nI can post in this chat")
    assert "its 1 alert subscription(s) are on again" in told["text"]
    assert len(await bot.store.subscriptions_of("telegram", str(channel))) == 1


_ADMIN_RIGHTS = {
    "can_be_edited": False, "is_anonymous": False, "can_manage_chat": True,
    "can_delete_messages": False, "can_manage_video_chats": False, "can_restrict_members": False,
    "can_promote_members": False, "can_change_info": False, "can_invite_users": False,
    "can_post_stories": False, "can_edit_stories": False, "can_delete_stories": False,
}  # fmt: skip
