"""The fake Telegram Bot API against the real python-telegram-bot client."""

from __future__ import annotations

import asyncio
import datetime as dtm
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager, suppress
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeAllPrivateChats,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Conflict,
    EndPointNotFound,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
)
from telegram.ext import (
    Application,
    ApplicationBuilder,
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
)

from tests.fakes.telegram_api import BOT_USER, FakeTelegram

TOKEN = "123:ABC"
CHAT = 42

pytestmark = pytest.mark.timeout(10)


def seconds(value: int | dtm.timedelta) -> float:
    return value.total_seconds() if isinstance(value, dtm.timedelta) else float(value)


@pytest.fixture(autouse=True)
def _ptb_timedelta(monkeypatch: pytest.MonkeyPatch) -> None:
    # RetryAfter.retry_after warns (-> error under filterwarnings=error) without this opt-in.
    monkeypatch.setenv("PTB_TIMEDELTA", "1")


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram(token=TOKEN) as fake:
        yield fake


@pytest.fixture
async def bot(tg: FakeTelegram) -> AsyncIterator[Bot]:
    async with Bot(TOKEN, base_url=tg.base_url, base_file_url=tg.base_file_url) as client:
        yield client


@asynccontextmanager
async def running_app(
    tg: FakeTelegram,
    handlers: Sequence[BaseHandler[Any, Any, Any]],
    allowed_updates: Sequence[str] | None = None,
) -> AsyncIterator[Application[Any, Any, Any, Any, Any, Any]]:
    """The manual PTB lifecycle (no run_polling), as the service uses it."""
    app = ApplicationBuilder().token(TOKEN).base_url(tg.base_url)
    app = app.base_file_url(tg.base_file_url)
    application = app.build()
    for handler in handlers:
        application.add_handler(handler)
    async with application:
        assert application.updater is not None
        await application.updater.start_polling(
            poll_interval=0.0,
            timeout=dtm.timedelta(seconds=1),
            allowed_updates=allowed_updates,
        )
        await application.start()
        try:
            yield application
        finally:
            await application.updater.stop()
            await application.stop()


# ------------------------------------------------------------------ plain Bot


async def test_get_me_and_send_message_recorded(tg: FakeTelegram, bot: Bot) -> None:
    assert bot.id == BOT_USER["id"]
    assert bot.username == "supportlive_bot"
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("Subscribe", callback_data="sub:api")]])
    msg = await bot.send_message(CHAT, "All up", reply_markup=markup, message_thread_id=7)

    assert msg.text == "All up"
    assert msg.chat.id == CHAT
    assert msg.from_user is not None and msg.from_user.id == 4242
    assert msg.reply_markup == markup
    sent = tg.sent_messages(CHAT)
    assert len(sent) == 1
    assert sent[0]["chat_id"] == CHAT
    assert sent[0]["text"] == "All up"
    assert sent[0]["message_thread_id"] == 7
    assert sent[0]["reply_markup"] == {
        "inline_keyboard": [[{"text": "Subscribe", "callback_data": "sub:api"}]]
    }
    assert [c.method for c in tg.calls()] == ["getMe", "sendMessage"]
    second = await bot.send_message(CHAT, "again")
    assert second.message_id > msg.message_id
    assert tg.sent_messages(999) == []


async def test_wrong_token_is_invalid_token(tg: FakeTelegram) -> None:
    with pytest.raises(InvalidToken):
        async with Bot("999:WRONG", base_url=tg.base_url):
            pass
    assert tg.unauthorized_count == 1
    assert tg.calls() == []


async def test_raw_http_bodies_and_error_shapes(tg: FakeTelegram) -> None:
    async with aiohttp.ClientSession() as session:
        async with session.post(tg.url("getMe").replace(TOKEN, "1:x")) as resp:
            assert resp.status == 401
            assert await resp.json() == {
                "ok": False,
                "error_code": 401,
                "description": "Unauthorized",
            }
        async with session.post(tg.url("noSuchMethod")) as resp:
            assert resp.status == 404
            assert await resp.json() == {
                "ok": False,
                "error_code": 404,
                "description": "Not Found: method not found",
            }
        body = {"chat_id": CHAT, "text": "json", "reply_markup": {"inline_keyboard": []}}
        async with session.post(tg.url("sendMessage"), json=body) as resp:
            assert resp.status == 200
            payload = await resp.json()
            assert payload["ok"] is True
            assert payload["result"]["text"] == "json"
        form = aiohttp.FormData()
        form.add_field("chat_id", "-100500")
        form.add_field("text", "multipart")
        form.add_field("document", b"abc", filename="a.txt", content_type="text/plain")
        async with session.post(tg.url("sendMessage"), data=form) as resp:
            assert resp.status == 200
        async with session.get(tg.url("sendMessage"), params={"chat_id": "7", "text": "q"}) as r:
            assert r.status == 200
    texts = [(m["chat_id"], m["text"]) for m in tg.sent_messages()]
    assert texts == [(CHAT, "json"), (-100500, "multipart"), (7, "q")]
    assert tg.sent_messages(-100500)[0]["document"]["content"] == b"abc"
    assert tg.calls("noSuchMethod")[0].status == 404


async def test_unknown_method_via_ptb(tg: FakeTelegram, bot: Bot) -> None:
    with pytest.raises((EndPointNotFound, InvalidToken)):
        await bot.do_api_request("fooBar")


# ------------------------------------------------------------------ failure injection


async def test_429_raises_retry_after(tg: FakeTelegram, bot: Bot) -> None:
    tg.fail_next("sendMessage", 429, retry_after=3)
    with pytest.raises(RetryAfter) as info:
        await bot.send_message(CHAT, "x")
    assert isinstance(info.value.retry_after, dtm.timedelta)
    assert info.value.retry_after.total_seconds() == 3
    call = tg.calls("sendMessage")[0]
    assert call.status == 429
    assert tg.sent_messages() == []
    assert len(tg.sent_messages(include_failed=True)) == 1
    # only the next call failed
    await bot.send_message(CHAT, "x")
    assert len(tg.sent_messages()) == 1


async def test_403_and_400_and_5xx(tg: FakeTelegram, bot: Bot) -> None:
    tg.fail_next("sendMessage", 403)
    with pytest.raises(Forbidden, match="blocked"):
        await bot.send_message(CHAT, "x")

    tg.fail_next("sendMessage", 400)
    with pytest.raises(BadRequest) as info:
        await bot.send_message(CHAT, "x")
    assert "chat not found" in str(info.value).lower()

    tg.fail_next("sendMessage", 502, times=2)
    for _ in range(2):
        with pytest.raises(NetworkError) as net:
            await bot.send_message(CHAT, "x")
        assert not isinstance(net.value, BadRequest)
    await bot.send_message(CHAT, "finally")
    assert [c.status for c in tg.calls("sendMessage")] == [403, 400, 502, 502, 200]

    tg.fail_next("*", 500, "Internal Server Error")
    with pytest.raises(NetworkError, match="Internal Server Error"):
        await bot.get_me()


async def test_dropped_connection_is_network_error(tg: FakeTelegram, bot: Bot) -> None:
    tg.fail_next("sendMessage", 0)
    with pytest.raises(NetworkError):
        await bot.send_message(CHAT, "x")
    assert tg.calls("sendMessage")[0].status == 0
    await bot.send_message(CHAT, "after")
    assert len(tg.sent_messages()) == 1


async def test_block_chat_migrate_and_not_found(tg: FakeTelegram, bot: Bot) -> None:
    tg.block_chat(CHAT)
    for _ in range(2):
        with pytest.raises(Forbidden):
            await bot.send_message(CHAT, "x")
    await bot.send_message(43, "other chat still works")
    tg.unblock_chat(CHAT)
    await bot.send_message(CHAT, "unblocked")

    tg.migrate_chat(-555, -100555)
    with pytest.raises(ChatMigrated) as info:
        await bot.send_message(-555, "x")
    assert info.value.new_chat_id == -100555

    tg.mark_chat_not_found(77)
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.send_message(77, "x")
    assert [m["chat_id"] for m in tg.sent_messages()] == [43, CHAT]


async def test_fail_ratio_is_seeded(tg: FakeTelegram, bot: Bot) -> None:
    async def storm() -> list[int]:
        tg.clear_calls()
        tg.fail_ratio("sendMessage", 0.5, status=500, seed=7)
        for i in range(20):
            with suppress(NetworkError):
                await bot.send_message(CHAT, f"m{i}")
        return [c.status for c in tg.calls("sendMessage")]

    first = await storm()
    assert 0 < first.count(500) < 20
    assert first.count(200) == 20 - first.count(500)
    assert await storm() == first
    tg.fail_ratio("sendMessage", 0)
    await bot.send_message(CHAT, "calm")
    assert tg.calls("sendMessage")[-1].ok


async def test_enforce_limits(tg: FakeTelegram, bot: Bot) -> None:
    tg.enforce_limits(per_chat_per_s=1, global_per_s=3, group_per_min=2)
    await bot.send_message(1, "a")
    with pytest.raises(RetryAfter) as info:
        await bot.send_message(1, "b")  # same private chat within 1 s
    assert seconds(info.value.retry_after) == 1
    await bot.send_message(2, "c")
    await bot.send_message(3, "d")
    with pytest.raises(RetryAfter):
        await bot.send_message(4, "e")  # 4th message within 1 s overall
    assert tg.too_many_count == 2
    # chat actions and callback answers are not throttled
    await bot.send_chat_action(4, "typing")

    tg.enforce_limits(per_chat_per_s=100, global_per_s=100, group_per_min=2)
    await bot.send_message(-1001, "g1")
    await bot.send_message(-1001, "g2")
    with pytest.raises(RetryAfter) as group_info:
        await bot.send_message(-1001, "g3")
    assert 59 <= seconds(group_info.value.retry_after) <= 60
    assert tg.too_many_count == 3
    tg.disable_limits()
    await bot.send_message(-1001, "g4")


# ------------------------------------------------------------------ getUpdates semantics


async def test_get_updates_offset_limit_and_long_poll(tg: FakeTelegram, bot: Bot) -> None:
    for i in range(3):
        tg.push_message(f"hello {i}", chat_id=CHAT)
    updates = await bot.get_updates(limit=2)
    assert [u.update_id for u in updates] == [1, 2]
    assert updates[0].message is not None and updates[0].message.text == "hello 0"
    # not confirmed yet: same again
    assert [u.update_id for u in await bot.get_updates()] == [1, 2, 3]
    # confirm through offset
    assert [u.update_id for u in await bot.get_updates(offset=3)] == [3]
    assert [u["update_id"] for u in tg.pending_updates] == [3]
    assert await bot.get_updates(offset=4) == ()

    loop = asyncio.get_running_loop()
    started = loop.time()
    loop.call_later(0.1, lambda: tg.push_message("/late", chat_id=CHAT))
    late = await bot.get_updates(offset=4, timeout=2)
    elapsed = loop.time() - started
    assert [u.update_id for u in late] == [4]
    assert 0.05 < elapsed < 1.5

    started = loop.time()
    assert await bot.get_updates(offset=5, timeout=dtm.timedelta(seconds=0.3)) == ()
    assert loop.time() - started >= 0.25


async def test_get_updates_allowed_updates(tg: FakeTelegram, bot: Bot) -> None:
    tg.push_message("hi", chat_id=CHAT)
    tg.push_update(
        {
            "chat_member": {
                "chat": {"id": -1001, "type": "supergroup", "title": "G"},
                "from": {"id": 1, "is_bot": False, "first_name": "A"},
                "date": 0,
                "old_chat_member": {"status": "left", "user": BOT_USER},
                "new_chat_member": {"status": "member", "user": BOT_USER},
            }
        }
    )
    # chat_member is opt-in, like on Telegram
    assert [u.update_id for u in await bot.get_updates()] == [1]
    got = await bot.get_updates(allowed_updates=["chat_member"])
    assert [u.update_id for u in got] == [2]
    assert got[0].chat_member is not None
    assert tg.calls("getUpdates")[-1].params["allowed_updates"] == ["chat_member"]


async def test_webhook_and_conflict(tg: FakeTelegram, bot: Bot) -> None:
    assert await bot.set_webhook("https://example.invalid/hook")
    info = await bot.get_webhook_info()
    assert info.url == "https://example.invalid/hook"
    with pytest.raises(Conflict):
        await bot.get_updates()
    tg.push_message("x", chat_id=CHAT)
    assert await bot.delete_webhook(drop_pending_updates=True)
    assert tg.pending_updates == []
    assert (await bot.get_webhook_info()).url == ""
    assert tg.calls("deleteWebhook")[0].params == {"drop_pending_updates": True}
    assert await bot.close()
    assert await bot.log_out()


async def raw_call(tg: FakeTelegram, method: str, **params: Any) -> tuple[int, dict[str, Any]]:
    """One form-encoded call, as PTB makes them: (HTTP status, the JSON answer)."""
    async with (
        aiohttp.ClientSession() as http,
        http.post(tg.url(method), data={k: str(v) for k, v in params.items()}) as response,
    ):
        return response.status, await response.json()


async def test_webhook_answers_carry_telegrams_descriptions(tg: FakeTelegram) -> None:
    url = "https://bot.example.org/telegram/abc"
    assert await raw_call(tg, "setWebhook", url=url, secret_token="s3cret_-X") == (
        200,
        {"ok": True, "result": True, "description": "Webhook was set"},
    )
    assert (await raw_call(tg, "setWebhook", url=url, secret_token="s3cret_-X"))[1][
        "description"
    ] == "Webhook is already set"
    assert (await raw_call(tg, "deleteWebhook"))[1]["description"] == "Webhook was deleted"
    assert (await raw_call(tg, "deleteWebhook"))[1]["description"] == "Webhook is already deleted"
    # An empty URL removes the webhook, as Telegram documents.
    await raw_call(tg, "setWebhook", url=url)
    assert (await raw_call(tg, "setWebhook", url=""))[1]["description"] == "Webhook was deleted"


@pytest.mark.parametrize(
    ("params", "description"),
    [
        (
            {"url": "http://bot.example.org/hook"},
            "Bad Request: bad webhook: An HTTPS URL must be provided for webhook",
        ),
        (
            {"url": "https://bot.example.org:8080/hook"},
            "Bad Request: bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443",
        ),
        (
            {"url": "https://bot.example.org/hook", "secret_token": "has:colon"},
            "Bad Request: secret token contains unallowed characters",
        ),
    ],
)
async def test_a_webhook_telegram_would_refuse_is_a_bad_request(
    tg: FakeTelegram, bot: Bot, params: dict[str, str], description: str
) -> None:
    assert await raw_call(tg, "setWebhook", **params) == (
        400,
        {"ok": False, "error_code": 400, "description": description},
    )
    with pytest.raises(BadRequest):
        await bot.set_webhook(**params)
    assert tg.webhook is None


async def test_webhook_info_tells_what_telegram_tells_never_the_secret(
    tg: FakeTelegram, bot: Bot
) -> None:
    assert (await bot.get_webhook_info()).to_dict() == {
        "url": "",
        "has_custom_certificate": False,
        "pending_update_count": 0,
    }
    await bot.set_webhook(
        "https://bot.example.org:8443/hook", secret_token="top_secret", allowed_updates=["message"]
    )
    tg.push_message("hi", chat_id=CHAT)
    info = await bot.get_webhook_info()
    assert info.to_dict() == {
        "url": "https://bot.example.org:8443/hook",
        "has_custom_certificate": False,
        "pending_update_count": 1,
        "max_connections": 40,
        "allowed_updates": ["message"],
    }
    assert "top_secret" not in str(info.to_dict())


async def test_pending_updates_are_delivered_to_the_webhook_like_telegram_does(
    tg: FakeTelegram, bot: Bot
) -> None:
    received: list[tuple[str, str | None, dict[str, Any]]] = []
    answers = [500, 200, 200]

    async def hook(request: web.Request) -> web.Response:
        received.append(
            (
                request.path,
                request.headers.get("X-Telegram-Bot-Api-Secret-Token"),
                await request.json(),
            )
        )
        return web.Response(status=answers.pop(0))

    app = web.Application()
    app.router.add_post("/telegram/abc", hook)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        await bot.set_webhook("https://bot.example.org/telegram/abc", secret_token="s3cret")
        tg.route_webhook(f"http://127.0.0.1:{runner.addresses[0][1]}")
        first = tg.push_message("/status", chat_id=CHAT)
        tg.push_message("/help", chat_id=CHAT)

        assert await tg.deliver_pending() == [500]  # the round stops at a failure
        info = await bot.get_webhook_info()
        assert info.pending_update_count == 2
        assert (
            info.last_error_message == "Wrong response from the webhook: 500 Internal Server Error"
        )
        assert await tg.deliver_pending() == [200, 200]
        assert tg.pending_updates == []
    finally:
        await runner.cleanup()
    assert [(path, secret) for path, secret, _ in received] == [("/telegram/abc", "s3cret")] * 3
    assert [update["update_id"] for _, _, update in received] == [first["update_id"]] * 2 + [
        first["update_id"] + 1
    ]


# ------------------------------------------------------------------ other methods


async def test_commands_round_trip(tg: FakeTelegram, bot: Bot) -> None:
    cmds = [BotCommand("status", "Show status"), BotCommand("channels", "List channels")]
    assert await bot.set_my_commands(cmds)
    assert await bot.set_my_commands(
        [BotCommand("start", "Start")], scope=BotCommandScopeAllPrivateChats(), language_code="ru"
    )
    assert tuple(await bot.get_my_commands()) == tuple(cmds)
    assert tg.commands() == [
        {"command": "status", "description": "Show status"},
        {"command": "channels", "description": "List channels"},
    ]
    assert tg.commands({"type": "all_private_chats"}, "ru") == [
        {"command": "start", "description": "Start"}
    ]
    assert await bot.delete_my_commands()
    assert await bot.get_my_commands() == ()
    with pytest.raises(BadRequest):
        await bot.set_my_commands([BotCommand("Status", "upper case is invalid")])


async def test_edits_chat_action_and_get_chat(tg: FakeTelegram, bot: Bot) -> None:
    kb = InlineKeyboardMarkup([[InlineKeyboardButton("Refresh", callback_data="r")]])
    msg = await bot.send_message(CHAT, "v1", reply_markup=kb)
    edited = await bot.edit_message_text("v2", chat_id=CHAT, message_id=msg.message_id)
    assert not isinstance(edited, bool)
    assert edited.text == "v2"
    assert edited.reply_markup is None  # editing without reply_markup drops the keyboard
    with pytest.raises(BadRequest, match="not modified"):
        await bot.edit_message_text("v2", chat_id=CHAT, message_id=msg.message_id)
    edited = await bot.edit_message_reply_markup(CHAT, msg.message_id, reply_markup=kb)
    assert not isinstance(edited, bool)
    assert edited.reply_markup == kb
    assert tg.message(CHAT, msg.message_id)["text"] == "v2"
    with pytest.raises(BadRequest, match="not found"):
        await bot.edit_message_text("v3", chat_id=CHAT, message_id=9999)
    assert await bot.delete_message(CHAT, msg.message_id)
    assert tg.bot_messages(CHAT) == []

    assert await bot.send_chat_action(CHAT, "typing")
    with pytest.raises(BadRequest):
        await bot.send_chat_action(CHAT, "dancing")

    tg.push_message("hi", chat_id=-100777, user_id=5, chat_type="supergroup", chat_title="Ops")
    chat = await bot.get_chat(-100777)
    assert chat.type == "supergroup" and chat.title == "Ops"
    private = await bot.get_chat(CHAT)
    assert private.type == "private"


async def test_markup_validation(tg: FakeTelegram, bot: Bot) -> None:
    ok = await bot.send_message(CHAT, "<b>v1.2</b> &lt;ok&gt; Tom & Jerry", parse_mode="HTML")
    assert ok.text == "v1.2 <ok> Tom & Jerry"
    with pytest.raises(BadRequest, match="parse entities"):
        await bot.send_message(CHAT, "<blink>x</blink>", parse_mode=ParseMode.HTML)
    with pytest.raises(BadRequest, match="parse entities"):
        await bot.send_message(CHAT, "a <b>b", parse_mode=ParseMode.HTML)
    ok = await bot.send_message(
        CHAT, r"*All up*\. v1\.2 \(ok\)\! [docs](https://x.io/a\)b)", parse_mode="MarkdownV2"
    )
    assert ok.text == "All up. v1.2 (ok)! docs"
    with pytest.raises(BadRequest, match="reserved"):
        await bot.send_message(CHAT, "v1.2", parse_mode=ParseMode.MARKDOWN_V2)
    with pytest.raises(BadRequest, match="too long"):
        await bot.send_message(CHAT, "x" * 4097)
    with pytest.raises(BadRequest):
        await bot.send_message(
            CHAT,
            "x",
            reply_markup=InlineKeyboardMarkup(
                [[InlineKeyboardButton("b", callback_data="d" * 65)]]
            ),
        )


async def test_wait_for_messages_times_out_with_details(tg: FakeTelegram, bot: Bot) -> None:
    await bot.send_message(CHAT, "only one")
    with pytest.raises(AssertionError, match="only one"):
        await tg.wait_for_messages(2, chat_id=CHAT, timeout=0.1)
    assert len(await tg.wait_for_messages(1, chat_id=CHAT, timeout=0.1)) == 1


# ------------------------------------------------------------------ full Application


async def test_application_command_round_trip(tg: FakeTelegram) -> None:
    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None and update.effective_user is not None
        lang = update.effective_user.language_code
        await update.effective_message.reply_text(f"Hello {lang}")

    async with running_app(tg, [CommandHandler("start", start)]):
        tg.push_message("/start", chat_id=CHAT, user_id=CHAT, language_code="de")
        tg.push_message("no command here", chat_id=CHAT)
        tg.push_message("/start@supportlive_bot", chat_id=-1009, user_id=5, chat_type="supergroup")
        sent = await tg.wait_for_messages(2, timeout=3.0)
    assert [(m["chat_id"], m["text"]) for m in sent] == [(CHAT, "Hello de"), (-1009, "Hello en")]
    methods = {c.method for c in tg.calls()}
    assert {"getMe", "deleteWebhook", "getUpdates", "sendMessage"} <= methods
    # everything was confirmed by the final getUpdates(offset=...) of updater.stop()
    assert tg.pending_updates == []


async def test_application_callback_query_round_trip(tg: FakeTelegram) -> None:
    seen: list[str] = []

    async def menu(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        kb = InlineKeyboardMarkup([[InlineKeyboardButton("Subscribe", callback_data="sub:api")]])
        await update.effective_message.reply_text("Pick", reply_markup=kb)

    async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None and query.data is not None
        seen.append(query.data)
        await query.answer("Subscribed")
        await query.edit_message_text("Subscribed to api")

    handlers: list[BaseHandler[Any, Any, Any]] = [
        CommandHandler("menu", menu),
        CallbackQueryHandler(on_button, pattern=r"^sub:"),
    ]
    async with running_app(tg, handlers, allowed_updates=["message", "callback_query"]):
        tg.push_message("/menu", chat_id=CHAT)
        [menu_msg] = await tg.wait_for_messages(1, chat_id=CHAT, timeout=3.0)
        assert menu_msg["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "sub:api"
        bot_msg = tg.bot_messages(CHAT)[-1]
        update = tg.push_callback_query("sub:api", chat_id=CHAT, message_id=bot_msg["message_id"])
        [edit] = await tg.wait_for_calls("editMessageText", timeout=3.0)

    assert seen == ["sub:api"]
    [answer] = tg.calls("answerCallbackQuery")
    assert answer.ok
    assert answer.params == {
        "callback_query_id": update["callback_query"]["id"],
        "text": "Subscribed",
    }
    assert edit.ok and edit.params["text"] == "Subscribed to api"
    assert tg.message(CHAT, bot_msg["message_id"])["text"] == "Subscribed to api"
    assert "reply_markup" not in tg.message(CHAT, bot_msg["message_id"])
