"""A fake Telegram Bot API server for offline tests.

It speaks the wire format that python-telegram-bot (PTB) 22.x uses: every call is an HTTP POST
to ``/bot<token>/<method>`` with form-encoded (or multipart) string values, nested objects as
JSON strings. Success is HTTP 200 ``{"ok": true, "result": ...}``; errors set the *HTTP status*
(PTB picks the exception class from it) plus ``{"ok": false, "error_code": N, "description":
"..."[, "parameters": {...}]}``.

Usage::

    async with FakeTelegram(token="123:ABC") as tg:
        bot = telegram.Bot("123:ABC", base_url=tg.base_url, base_file_url=tg.base_file_url)
        async with bot:
            await bot.send_message(42, "hi")
        assert tg.sent_messages(42)[0]["text"] == "hi"

        tg.push_message("/start", chat_id=42, user_id=42)   # an update for getUpdates
        tg.fail_next("sendMessage", 429, retry_after=3)      # scripted fault
        await tg.wait_for_messages(1, chat_id=42)           # no sleeps in tests

Webhooks: ``setWebhook`` / ``deleteWebhook`` / ``getWebhookInfo`` answer as Telegram does
(descriptions "Webhook was set", "Webhook is already deleted", ...; a non-https URL, a port
other than 443/80/88/8443 or a secret token with other characters than A-Z a-z 0-9 _ - is a
400 with Telegram's words; ``getWebhookInfo`` never shows the secret). Once the bot registered
a webhook, ``route_webhook(base)`` says where its requests really go (the bot on loopback, as a
reverse proxy would forward them) and ``await deliver_pending()`` delivers the queued updates
like Telegram: a JSON POST with the ``X-Telegram-Bot-Api-Secret-Token`` header, an update
answered 2xx leaves the queue, another answer stops the round and shows in
``last_error_message``. ``await deliver(update)`` posts one update again (a redelivery).

Timestamps in :class:`Call` (``at``) use :func:`time.monotonic`.

Known simplifications (deliberate): one global ``message_id`` counter for all chats; returned
Message objects carry the plain text (markup stripped) but no ``entities``; the flood model is a
strict sliding window (Telegram allows short bursts); HTML/MarkdownV2 validation approximates
Telegram's parser (strict on ``<`` and unknown named entities, lenient on a bare ``&``/``>``);
webhooks are delivered only when asked (``deliver_pending``), one request at a time, and a
secret token's length and ``max_connections`` are not checked.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import json
import math
import random
import re
import time
import zlib
from collections import deque
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Self, TypeVar
from urllib.parse import urlsplit

import aiohttp
from aiohttp import web

__all__ = [
    "BOT_USER",
    "DEFAULT_TOKEN",
    "ApiError",
    "Call",
    "Described",
    "FakeTelegram",
    "Webhook",
    "parse_html",
    "parse_markdown_v2",
]

JsonDict = dict[str, Any]
ChatKey = int | str
MethodHandler = Callable[[JsonDict], Awaitable[Any]]
_T = TypeVar("_T")

DEFAULT_TOKEN = "123:ABC"

BOT_USER: JsonDict = {
    "id": 4242,
    "is_bot": True,
    "first_name": "Supportlive",
    "username": "supportlive_bot",
    "can_join_groups": True,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}

# Default HTTP-status -> description used when a fault is injected without a description.
DEFAULT_DESCRIPTIONS: dict[int, str] = {
    400: "Bad Request: chat not found",
    401: "Unauthorized",
    403: "Forbidden: bot was blocked by the user",
    404: "Not Found",
    409: "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}

BLOCKED_DESCRIPTION = "Forbidden: bot was blocked by the user"
CHAT_NOT_FOUND_DESCRIPTION = "Bad Request: chat not found"
MIGRATED_DESCRIPTION = "Bad Request: group chat was upgraded to a supergroup chat"
GETUPDATES_CONFLICT = (
    "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running"
)
WEBHOOK_CONFLICT = (
    "Conflict: can't use getUpdates method while webhook is active; "
    "use deleteWebhook to delete the webhook first"
)
BAD_WEBHOOK_URL = "Bad Request: bad webhook: An HTTPS URL must be provided for webhook"
BAD_WEBHOOK_PORT = (
    "Bad Request: bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443"
)
BAD_SECRET_TOKEN = "Bad Request: secret token contains unallowed characters"
WEBHOOK_PORTS = frozenset({80, 88, 443, 8443})
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
_SECRET_TOKEN_RE = re.compile(r"[A-Za-z0-9_-]+")
NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)

# Updates Telegram does not deliver unless explicitly listed in ``allowed_updates``.
_OPT_IN_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})

_INT_FIELDS = frozenset(
    {
        "chat_id",
        "from_chat_id",
        "message_id",
        "message_thread_id",
        "reply_to_message_id",
        "user_id",
        "offset",
        "limit",
        "timeout",
        "cache_time",
        "max_connections",
    }
)
_BOOL_FIELDS = frozenset(
    {
        "drop_pending_updates",
        "disable_notification",
        "disable_web_page_preview",
        "protect_content",
        "allow_sending_without_reply",
        "allow_paid_broadcast",
        "show_alert",
        "is_personal",
    }
)
_JSON_FIELDS = frozenset(
    {
        "reply_markup",
        "commands",
        "allowed_updates",
        "entities",
        "caption_entities",
        "link_preview_options",
        "scope",
        "reply_parameters",
        "media",
        "options",
    }
)
_CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
_COMMAND_RE = re.compile(r"[a-z0-9_]{1,32}")
_INT_RE = re.compile(r"-?\d+")
MAX_TEXT_LENGTH = 4096
MAX_CALLBACK_DATA = 64


def most_in_a_second(times: Iterable[float]) -> int:
    """The most of `times` inside any window (t - 1 s, t]: how the limits below count."""
    ordered = sorted(times)
    most, first = 0, 0
    for last, at in enumerate(ordered):
        while ordered[first] <= at - 1.0:
            first += 1
        most = max(most, last - first + 1)
    return most


@dataclass
class Call:
    """One request the fake received (authorised token, any method).

    ``status`` is the HTTP status the fake answered with (0 = connection dropped, -1 = still
    pending, e.g. a getUpdates long poll in progress); ``result`` is the ``result`` of a
    successful answer.
    """

    method: str
    params: dict[str, Any]
    at: float
    status: int = -1
    result: Any = None
    caller: str = ""  # who called, when it came through `base_url_for(caller)`

    @property
    def ok(self) -> bool:
        return self.status == 200


@dataclass(frozen=True)
class Described:
    """A method's result with the ``description`` Telegram adds to some successes
    (``{"ok": true, "result": true, "description": "Webhook was set"}``)."""

    result: Any
    description: str


@dataclass
class Webhook:
    """The webhook the bot registered (what ``setWebhook`` was given)."""

    url: str
    secret_token: str | None
    max_connections: int
    last_error_date: int | None = None
    last_error_message: str | None = None


class ApiError(Exception):
    """Raised by method handlers; turned into a Bot API error response."""

    def __init__(self, status: int, description: str, parameters: JsonDict | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters


class _DropConnection(Exception):
    """Internal: abort the TCP connection instead of answering."""


@dataclass
class _FailRule:
    status: int
    description: str
    retry_after: int | None
    migrate_to_chat_id: int | None
    remaining: int


@dataclass
class _RatioRule:
    ratio: float
    status: int
    description: str
    retry_after: int | None
    rng: random.Random


@dataclass(frozen=True)
class _Limits:
    per_chat_per_s: float
    global_per_s: float
    group_per_min: float


def _chat_key(value: Any) -> ChatKey:
    """Normalise a chat id as PTB sends it ("42", "-100123", "@channel") for comparisons."""
    if isinstance(value, bool):
        raise TypeError("chat id cannot be a bool")
    if isinstance(value, int):
        return value
    text = str(value).strip()
    if _INT_RE.fullmatch(text):
        return int(text)
    return text


def _is_group_chat(key: ChatKey) -> bool:
    """Telegram's per-group limit applies to groups, supergroups and channels (id < 0 or @name)."""
    return isinstance(key, str) or key < 0


def _error_body(status: int, description: str, parameters: JsonDict | None) -> JsonDict:
    body: JsonDict = {"ok": False, "error_code": status, "description": description}
    if parameters:
        body["parameters"] = parameters
    return body


def _bad_request(message: str) -> ApiError:
    return ApiError(400, f"Bad Request: {message}")


def _entities_error(message: str) -> ApiError:
    return _bad_request(f"can't parse entities: {message}")


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8"))


# --------------------------------------------------------------------------------------------
# Markup validation (approximation of Telegram's parsers; returns the plain text)
# --------------------------------------------------------------------------------------------

_HTML_TAGS = frozenset(
    {
        "b",
        "strong",
        "i",
        "em",
        "u",
        "ins",
        "s",
        "strike",
        "del",
        "span",
        "tg-spoiler",
        "a",
        "code",
        "pre",
        "blockquote",
        "tg-emoji",
        "tg-time",
    }
)
_HTML_TAG_RE = re.compile(
    r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)"
    r"((?:\s+[a-zA-Z][a-zA-Z0-9-]*(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s>\"']+))?)*)\s*>"
)
_HTML_ENTITY_RE = re.compile(r"&(#[0-9]+|#[xX][0-9a-fA-F]+|[a-zA-Z][a-zA-Z0-9]*);")
_HTML_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}


def parse_html(text: str) -> str:
    """Validate Telegram HTML markup; return the plain text or raise :class:`ApiError`."""
    out: list[str] = []
    stack: list[str] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char == "<":
            match = _HTML_TAG_RE.match(text, i)
            if match is None:
                raise _entities_error(
                    f"Unsupported start tag at byte offset {_byte_offset(text, i)}"
                )
            closing, name, attrs = match.group(1), match.group(2).lower(), match.group(3)
            if name not in _HTML_TAGS:
                raise _entities_error(
                    f'Unsupported start tag "{name}" at byte offset {_byte_offset(text, i)}'
                )
            if closing:
                if not stack or stack[-1] != name:
                    expected = f'expected "</{stack[-1]}>", ' if stack else ""
                    raise _entities_error(
                        f"Unmatched end tag at byte offset {_byte_offset(text, i)}, "
                        f'{expected}found "</{name}>"'
                    )
                stack.pop()
            else:
                if name == "span" and "tg-spoiler" not in attrs:
                    raise _entities_error('Tag "span" must have class "tg-spoiler"')
                stack.append(name)
            i = match.end()
            continue
        if char == "&":
            match = _HTML_ENTITY_RE.match(text, i)
            if match is not None:
                name = match.group(1)
                if name.startswith("#"):
                    code = int(name[2:], 16) if name[1:2] in ("x", "X") else int(name[1:])
                    out.append(chr(code))
                elif name in _HTML_NAMED:
                    out.append(_HTML_NAMED[name])
                else:
                    raise _entities_error(
                        f'Unsupported HTML entity "&{name};" at byte offset {_byte_offset(text, i)}'
                    )
                i = match.end()
                continue
        out.append(char)
        i += 1
    if stack:
        raise _entities_error(f'Can\'t find end tag corresponding to start tag "{stack[-1]}"')
    return "".join(out)


_MDV2_RESERVED = frozenset("_*[]()~`>#+-=|{}.!")
_MDV2_NAMES = {
    "bold": "Bold",
    "italic": "Italic",
    "underline": "Underline",
    "strikethrough": "Strikethrough",
    "spoiler": "Spoiler",
    "code": "Code",
    "pre": "Pre",
    "link": "TextUrl",
    "emoji": "CustomEmoji",
}
_PRE_LANGUAGE_RE = re.compile(r"[^\s`]*\n")


def parse_markdown_v2(text: str) -> str:
    """Validate MarkdownV2 markup; return the plain text or raise :class:`ApiError`."""
    out: list[str] = []
    stack: list[tuple[str, int]] = []
    i = 0
    n = len(text)

    def toggle(kind: str, pos: int) -> None:
        kinds = [k for k, _ in stack]
        if kind not in kinds:
            stack.append((kind, pos))
        elif kinds[-1] == kind:
            stack.pop()
        else:
            top_kind, top_pos = stack[-1]
            raise _entities_error(
                f"Can't find end of {_MDV2_NAMES[top_kind]} entity at byte offset "
                f"{_byte_offset(text, top_pos)}"
            )

    while i < n:
        char = text[i]
        top = stack[-1][0] if stack else None
        if top in ("code", "pre"):
            if char == "\\" and i + 1 < n and text[i + 1] in "`\\":
                out.append(text[i + 1])
                i += 2
            elif top == "pre" and text.startswith("```", i):
                stack.pop()
                i += 3
            elif top == "code" and char == "`":
                stack.pop()
                i += 1
            else:
                out.append(char)
                i += 1
            continue
        at_line_start = i == 0 or text[i - 1] == "\n"
        if char == "\\":
            if i + 1 >= n:
                raise _entities_error(
                    "Character '\\' is reserved and must be escaped with the preceding '\\'"
                )
            out.append(text[i + 1])
            i += 2
        elif char == "`":
            if text.startswith("```", i):
                stack.append(("pre", i))
                i += 3
                language = _PRE_LANGUAGE_RE.match(text, i)
                if language is not None:
                    i = language.end()
            else:
                stack.append(("code", i))
                i += 1
        elif char == "*":
            if at_line_start and text.startswith("**>", i):  # expandable block quotation
                i += 3
                continue
            toggle("bold", i)
            i += 1
        elif char == "_":
            if text.startswith("__", i):
                toggle("underline", i)
                i += 2
            else:
                toggle("italic", i)
                i += 1
        elif char == "~":
            toggle("strikethrough", i)
            i += 1
        elif char == "|" and text.startswith("||", i):
            toggle("spoiler", i)
            i += 2
        elif char == "!" and text.startswith("![", i):
            stack.append(("emoji", i))
            i += 2
        elif char == "[":
            stack.append(("link", i))
            i += 1
        elif char == "]" and top in ("link", "emoji"):
            kind, pos = stack.pop()
            i += 1
            if i >= n or text[i] != "(":
                raise _entities_error(
                    f"Can't find end of {_MDV2_NAMES[kind]} entity at byte offset "
                    f"{_byte_offset(text, pos)}"
                )
            j = i + 1
            while j < n and text[j] != ")":
                j += 2 if text[j] == "\\" else 1
            if j >= n:
                raise _entities_error(
                    f"Can't find end of {_MDV2_NAMES[kind]} entity at byte offset "
                    f"{_byte_offset(text, pos)}"
                )
            i = j + 1
        elif char == ">" and at_line_start:  # block quotation
            i += 1
        elif char in _MDV2_RESERVED:
            raise _entities_error(
                f"Character '{char}' is reserved and must be escaped with the preceding '\\'"
            )
        else:
            out.append(char)
            i += 1
    if stack:
        kind, pos = stack[-1]
        raise _entities_error(
            f"Can't find end of {_MDV2_NAMES[kind]} entity at byte offset {_byte_offset(text, pos)}"
        )
    return "".join(out)


# --------------------------------------------------------------------------------------------
# The server
# --------------------------------------------------------------------------------------------


class FakeTelegram:
    """In-process fake of the Telegram Bot API (aiohttp server on 127.0.0.1, random port)."""

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        bot_user: JsonDict | None = None,
        validate_markup: bool = True,
    ) -> None:
        self.token = token
        self.bot_user: JsonDict = dict(BOT_USER if bot_user is None else bot_user)
        self.validate_markup = validate_markup

        self.call_log: list[Call] = []
        self.unauthorized_count = 0
        self.too_many_count = 0

        self._runner: web.AppRunner | None = None
        self._port: int | None = None
        self._closing = False

        self._updates: deque[JsonDict] = deque()
        self._next_update_id = 1
        self._allowed_updates: list[str] | None = None
        self._poll_generation = 0
        self._updates_event = asyncio.Event()
        self._calls_event = asyncio.Event()

        self._next_message_id = 1
        self._next_callback_id = 1
        self._messages: dict[tuple[ChatKey, int], JsonDict] = {}
        self._raw_texts: dict[tuple[ChatKey, int], str] = {}
        self._chats: dict[ChatKey, JsonDict] = {}
        self._callback_ids: set[str] = set()
        self._commands: dict[tuple[str, str], list[JsonDict]] = {}
        self._webhook: Webhook | None = None
        self._webhook_base: str | None = None

        self._fail_rules: dict[str, deque[_FailRule]] = {}
        self._ratio_rules: dict[str, _RatioRule] = {}
        self._blocked: dict[ChatKey, str] = {}
        self._not_found: set[ChatKey] = set()
        self._migrated: dict[ChatKey, int] = {}
        self._limits: _Limits | None = None
        self._global_sends: deque[float] = deque()
        self._chat_sends: dict[ChatKey, deque[float]] = {}

        self._methods: dict[str, tuple[str, MethodHandler]] = {}
        for name, handler in (
            ("getMe", self._get_me),
            ("getUpdates", self._get_updates),
            ("sendMessage", self._send_message),
            ("editMessageText", self._edit_message_text),
            ("editMessageReplyMarkup", self._edit_message_reply_markup),
            ("deleteMessage", self._delete_message),
            ("answerCallbackQuery", self._answer_callback_query),
            ("setMyCommands", self._set_my_commands),
            ("getMyCommands", self._get_my_commands),
            ("deleteMyCommands", self._delete_my_commands),
            ("setWebhook", self._set_webhook),
            ("deleteWebhook", self._delete_webhook),
            ("getWebhookInfo", self._get_webhook_info),
            ("close", self._ok),
            ("logOut", self._ok),
            ("sendChatAction", self._send_chat_action),
            ("getChat", self._get_chat),
        ):
            self.register_method(name, handler)

    # ---------------------------------------------------------------- lifecycle

    async def start(self) -> None:
        if self._runner is not None:
            raise RuntimeError("FakeTelegram already started")
        self._closing = False
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_route("*", "/as/{caller}/bot{token}/{method}", self._handle)
        app.router.add_route("*", "/file/bot{token}/{path:.*}", self._handle_file)
        runner = web.AppRunner(
            app, handler_cancellation=True, access_log=None, shutdown_timeout=1.0
        )
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        try:
            await site.start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        self._port = int(runner.addresses[0][1])

    async def stop(self) -> None:
        self._closing = True
        self._wake_pollers()
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("FakeTelegram is not started")
        return self._port

    @property
    def base_url(self) -> str:
        """For ``Bot(base_url=...)``/``ApplicationBuilder().base_url(...)``: PTB appends the
        token, so requests go to ``{base_url}{token}/{method}``."""
        return f"http://127.0.0.1:{self.port}/bot"

    def base_url_for(self, caller: str) -> str:
        """Like `base_url`, but every call made through it names `caller` (`Call.caller`):
        several processes that share one bot token can be told apart."""
        return f"http://127.0.0.1:{self.port}/as/{caller}/bot"

    @property
    def base_file_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/file/bot"

    def url(self, method: str) -> str:
        """Full URL of a method for this fake's token (for raw HTTP tests)."""
        return f"{self.base_url}{self.token}/{method}"

    def register_method(self, name: str, handler: MethodHandler) -> None:
        """Add or override a method: ``handler(params) -> result`` (raise :class:`ApiError`)."""
        self._methods[name.lower()] = (name, handler)

    def method_handler(self, name: str) -> MethodHandler:
        """The handler that answers `name` now: an override can wrap it (e.g. hold a send)."""
        return self._methods[name.lower()][1]

    # ---------------------------------------------------------------- inspection

    def calls(self, method: str | None = None) -> list[Call]:
        """All recorded calls (including failed ones), optionally of one method."""
        if method is None:
            return list(self.call_log)
        wanted = method.lower()
        return [c for c in self.call_log if c.method.lower() == wanted]

    def sent_messages(
        self, chat_id: int | str | None = None, *, include_failed: bool = False
    ) -> list[JsonDict]:
        """Params of sendMessage calls that succeeded (all attempts with ``include_failed``)."""
        key = None if chat_id is None else _chat_key(chat_id)
        out: list[JsonDict] = []
        for call in self.calls("sendMessage"):
            if not include_failed and not call.ok:
                continue
            if key is not None and _chat_key(call.params.get("chat_id", "")) != key:
                continue
            out.append(call.params)
        return out

    def message(self, chat_id: int | str, message_id: int) -> JsonDict:
        """Current state (after edits) of a stored message, as a Message object."""
        return copy.deepcopy(self._messages[(_chat_key(chat_id), message_id)])

    def bot_messages(self, chat_id: int | str | None = None) -> list[JsonDict]:
        """Current state of every message the bot sent (edits applied, deletions removed)."""
        key = None if chat_id is None else _chat_key(chat_id)
        return [
            copy.deepcopy(msg)
            for (chat, _), msg in self._messages.items()
            if msg.get("from", {}).get("id") == self.bot_user["id"] and key in (None, chat)
        ]

    def commands(self, scope: JsonDict | None = None, language_code: str = "") -> list[JsonDict]:
        """Commands stored by setMyCommands for a scope (default scope when None)."""
        return copy.deepcopy(self._commands.get(self._commands_key(scope, language_code), []))

    @property
    def webhook_url(self) -> str:
        return self._webhook.url if self._webhook is not None else ""

    @property
    def webhook(self) -> Webhook | None:
        """The registered webhook, secret included (for assertions), or None."""
        return copy.deepcopy(self._webhook)

    @property
    def pending_updates(self) -> list[JsonDict]:
        """Updates queued and not yet confirmed by an ``offset``."""
        return copy.deepcopy(list(self._updates))

    def clear_pending(self) -> None:
        """Forget the queued updates (a test that delivers one itself, with ``deliver``)."""
        self._updates.clear()

    def clear_calls(self) -> None:
        self.call_log.clear()

    async def wait_for_calls(
        self,
        method: str,
        n: int = 1,
        timeout: float = 5.0,
    ) -> list[Call]:
        """Wait until at least ``n`` completed calls of ``method`` are recorded."""

        def done() -> list[Call] | None:
            found = [c for c in self.calls(method) if c.status != -1]
            return found if len(found) >= n else None

        result = await self._wait_until(done, timeout)
        if result is None:
            seen = [(c.method, c.status) for c in self.call_log if c.method != "getUpdates"]
            raise AssertionError(
                f"expected {n} {method} call(s) within {timeout}s, got "
                f"{len(self.calls(method))}; calls seen: {seen}"
            )
        return result

    async def wait_for_messages(
        self,
        n: int,
        chat_id: int | str | None = None,
        timeout: float = 5.0,
    ) -> list[JsonDict]:
        """Wait until at least ``n`` successful sendMessage calls (to ``chat_id`` if given)
        are recorded; return their params. Raises AssertionError with what was seen."""

        def done() -> list[JsonDict] | None:
            found = self.sent_messages(chat_id)
            return found if len(found) >= n else None

        result = await self._wait_until(done, timeout)
        if result is None:
            where = "" if chat_id is None else f" to chat {chat_id!r}"
            seen = [
                (c.params.get("chat_id"), c.params.get("text"), c.status)
                for c in self.calls("sendMessage")
            ]
            others = [(c.method, c.status) for c in self.call_log if c.method != "getUpdates"]
            raise AssertionError(
                f"expected {n} sent message(s){where} within {timeout}s, got "
                f"{len(self.sent_messages(chat_id))}; sendMessage calls (chat_id, text, status): "
                f"{seen}; other calls: {others}"
            )
        return result

    async def _wait_until(self, check: Callable[[], _T | None], within: float) -> _T | None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while True:
            event = self._calls_event
            result = check()
            remaining = deadline - loop.time()
            if result is not None or remaining <= 0:
                return result
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), remaining)

    # ---------------------------------------------------------------- injecting updates

    def push_update(self, update: JsonDict) -> JsonDict:
        """Queue a raw Update (``update_id`` assigned if missing). Returns the queued dict."""
        update = copy.deepcopy(update)
        if "update_id" in update:
            self._next_update_id = max(self._next_update_id, int(update["update_id"]) + 1)
        else:
            update["update_id"] = self._next_update_id
            self._next_update_id += 1
        self._updates.append(update)
        self._wake_pollers()
        return update

    def push_message(
        self,
        text: str,
        chat_id: int,
        user_id: int | None = None,
        chat_type: str = "private",
        language_code: str | None = "en",
        username: str | None = None,
        first_name: str = "User",
        message_thread_id: int | None = None,
        *,
        chat_title: str | None = None,
        extra: JsonDict | None = None,
    ) -> JsonDict:
        """Queue a ``message`` update from a user. A leading ``/command`` gets a
        ``bot_command`` entity. ``user_id`` defaults to ``chat_id`` for private chats."""
        if user_id is None:
            if chat_type != "private":
                raise ValueError("user_id is required for non-private chats")
            user_id = chat_id
        user: JsonDict = {"id": user_id, "is_bot": False, "first_name": first_name}
        user["username"] = username if username is not None else f"user{user_id}"
        if language_code is not None:
            user["language_code"] = language_code
        chat = self._remember_chat(chat_id, chat_type, user, chat_title, message_thread_id)
        message: JsonDict = {
            "message_id": self._new_message_id(),
            "from": user,
            "chat": chat,
            "date": int(time.time()),
            "text": text,
        }
        if text.startswith("/"):
            length = len(text.split(maxsplit=1)[0]) if text.strip() else 1
            # Telegram counts entity offsets/lengths in UTF-16 code units.
            length = len(text[:length].encode("utf-16-le")) // 2
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
        if message_thread_id is not None:
            message["message_thread_id"] = message_thread_id
            message["is_topic_message"] = True
        if extra:
            message.update(copy.deepcopy(extra))
        self._messages[(_chat_key(chat_id), message["message_id"])] = message
        return self.push_update({"message": message})

    def push_callback_query(
        self,
        data: str,
        chat_id: int,
        user_id: int | None = None,
        message_id: int | None = None,
        language_code: str | None = "en",
        *,
        username: str | None = None,
        first_name: str = "User",
    ) -> JsonDict:
        """Queue a ``callback_query`` update: a press on a button of a message the bot sent
        (``message_id``, default: the bot's latest message in the chat)."""
        key = _chat_key(chat_id)
        if message_id is None:
            own = [m for m in self.bot_messages(chat_id) if m.get("reply_markup")]
            own = own or self.bot_messages(chat_id)
            if not own:
                raise ValueError(f"the bot has sent no message to chat {chat_id!r}")
            message_id = int(own[-1]["message_id"])
        if (key, message_id) not in self._messages:
            raise ValueError(f"no message {message_id} in chat {chat_id!r}")
        if user_id is None:
            if not isinstance(key, int) or key < 0:
                raise ValueError("user_id is required for non-private chats")
            user_id = key
        user: JsonDict = {"id": user_id, "is_bot": False, "first_name": first_name}
        user["username"] = username if username is not None else f"user{user_id}"
        if language_code is not None:
            user["language_code"] = language_code
        query_id = f"cq{self._next_callback_id}"
        self._next_callback_id += 1
        self._callback_ids.add(query_id)
        query: JsonDict = {
            "id": query_id,
            "from": user,
            "chat_instance": f"ci{key}",
            "data": data,
            "message": copy.deepcopy(self._messages[(key, message_id)]),
        }
        return self.push_update({"callback_query": query})

    # ---------------------------------------------------------------- failure injection

    def fail_next(
        self,
        method: str,
        status: int,
        description: str | None = None,
        retry_after: int | None = None,
        times: int = 1,
        *,
        migrate_to_chat_id: int | None = None,
    ) -> None:
        """Answer the next ``times`` calls of ``method`` (``"*"`` = any method) with an error.

        ``status=0`` drops the connection without an answer (PTB: ``NetworkError``). For 429
        ``retry_after`` defaults to 1 and is sent as ``parameters.retry_after``.
        """
        if status == 429 and retry_after is None:
            retry_after = 1
        rule = _FailRule(
            status=status,
            description=self._describe(status, description, retry_after),
            retry_after=retry_after,
            migrate_to_chat_id=migrate_to_chat_id,
            remaining=times,
        )
        self._fail_rules.setdefault(method.lower(), deque()).append(rule)

    def fail_ratio(
        self,
        method: str,
        ratio: float,
        status: int = 500,
        seed: int | None = 0,
        *,
        description: str | None = None,
        retry_after: int | None = None,
    ) -> None:
        """Fail a random ``ratio`` (0..1) of ``method`` calls (``"*"`` = any). ``ratio=0``
        removes the rule."""
        key = method.lower()
        if ratio <= 0:
            self._ratio_rules.pop(key, None)
            return
        if status == 429 and retry_after is None:
            retry_after = 1
        self._ratio_rules[key] = _RatioRule(
            ratio=min(ratio, 1.0),
            status=status,
            description=self._describe(status, description, retry_after),
            retry_after=retry_after,
            rng=random.Random(seed),
        )

    def clear_failures(self) -> None:
        """Remove scripted failures, blocks, migrations and flood enforcement."""
        self._fail_rules.clear()
        self._ratio_rules.clear()
        self._blocked.clear()
        self._not_found.clear()
        self._migrated.clear()
        self._limits = None

    def block_chat(self, chat_id: int | str, description: str = BLOCKED_DESCRIPTION) -> None:
        """Every send/edit to the chat answers 403 (default: blocked by the user)."""
        self._blocked[_chat_key(chat_id)] = description

    def unblock_chat(self, chat_id: int | str) -> None:
        self._blocked.pop(_chat_key(chat_id), None)

    def mark_chat_not_found(self, chat_id: int | str) -> None:
        """Every call naming the chat answers 400 "Bad Request: chat not found"."""
        self._not_found.add(_chat_key(chat_id))

    def migrate_chat(self, old_chat_id: int | str, new_chat_id: int) -> None:
        """Every call naming ``old_chat_id`` answers 400 with ``migrate_to_chat_id``
        (PTB: ``ChatMigrated``)."""
        self._migrated[_chat_key(old_chat_id)] = new_chat_id

    def enforce_limits(
        self,
        per_chat_per_s: float = 1,
        global_per_s: float = 30,
        group_per_min: float = 20,
    ) -> None:
        """Answer 429 (with ``retry_after``) when sends exceed Telegram's flood limits.

        Counts sliding windows over successful sends (send*/copyMessage/forwardMessage,
        not sendChatAction): per chat per second, all chats per second, and per group or
        channel (negative id or ``@name``) per minute. Each 429 bumps ``too_many_count``.
        """
        self._limits = _Limits(per_chat_per_s, global_per_s, group_per_min)
        self._global_sends.clear()
        self._chat_sends.clear()

    def disable_limits(self) -> None:
        self._limits = None

    @staticmethod
    def _describe(status: int, description: str | None, retry_after: int | None) -> str:
        if description is not None:
            return description
        if status == 429:
            return f"Too Many Requests: retry after {retry_after}"
        return DEFAULT_DESCRIPTIONS.get(status, f"Error {status}")

    # ---------------------------------------------------------------- HTTP plumbing

    async def _handle_file(self, request: web.Request) -> web.StreamResponse:
        return web.json_response(_error_body(404, "Not Found", None), status=404)

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != self.token:
            self.unauthorized_count += 1
            return web.json_response(_error_body(401, "Unauthorized", None), status=401)
        raw_method = request.match_info["method"]
        entry = self._methods.get(raw_method.lower())
        method = entry[0] if entry is not None else raw_method
        call = Call(
            method=method,
            params={},
            at=time.monotonic(),
            caller=request.match_info.get("caller", ""),
        )
        self.call_log.append(call)
        try:
            call.params = await self._read_params(request)
            if entry is None:
                raise ApiError(404, "Not Found: method not found")
            self._check_faults(method, call.params)
            result = await entry[1](call.params)
        except _DropConnection:
            call.status = 0
            if request.transport is not None:
                request.transport.abort()
            self._notify_calls()
            return web.Response(status=500)
        except ApiError as err:
            call.status = err.status
            self._notify_calls()
            return web.json_response(
                _error_body(err.status, err.description, err.parameters), status=err.status
            )
        except (ValueError, TypeError, KeyError) as exc:
            # Malformed parameters (e.g. limit="abc"): answer like Telegram, not with a 500.
            call.status = 400
            self._notify_calls()
            return web.json_response(
                _error_body(400, f"Bad Request: invalid parameters ({exc!r})", None), status=400
            )
        except asyncio.CancelledError:
            call.status = 0
            self._notify_calls()
            raise
        call.status = 200
        body: JsonDict = {"ok": True, "result": result}
        if isinstance(result, Described):
            body = {"ok": True, "result": result.result, "description": result.description}
        call.result = body["result"]
        self._notify_calls()
        return web.json_response(body)

    async def _read_params(self, request: web.Request) -> JsonDict:
        raw: JsonDict = dict(request.query)
        if request.body_exists:
            if request.content_type == "application/json":
                try:
                    body = await request.json()
                except ValueError as exc:
                    raise _bad_request("can't parse JSON object") from exc
                if not isinstance(body, dict):
                    raise _bad_request("can't parse JSON object")
                raw.update(body)
            else:
                form = await request.post()
                for name, value in form.items():
                    if isinstance(value, web.FileField):
                        try:
                            raw[name] = {
                                "filename": value.filename,
                                "content_type": value.content_type,
                                "content": value.file.read(),
                            }
                        finally:
                            value.file.close()
                    else:
                        raw[name] = value
        return self._decode_params(raw)

    @staticmethod
    def _decode_params(raw: JsonDict) -> JsonDict:
        params: JsonDict = {}
        for name, value in raw.items():
            if isinstance(value, str):
                if name == "chat_id" or name == "from_chat_id":
                    value = _chat_key(value)
                elif name in _INT_FIELDS and _INT_RE.fullmatch(value.strip()):
                    value = int(value)
                elif name in _BOOL_FIELDS and value in ("true", "false"):
                    value = value == "true"
                elif name in _JSON_FIELDS:
                    try:
                        value = json.loads(value)
                    except ValueError as exc:
                        raise _bad_request(f"can't parse {name} JSON object") from exc
            params[name] = value
        return params

    def _notify_calls(self) -> None:
        event, self._calls_event = self._calls_event, asyncio.Event()
        event.set()

    def _wake_pollers(self) -> None:
        event, self._updates_event = self._updates_event, asyncio.Event()
        event.set()

    # ---------------------------------------------------------------- faults and limits

    def _check_faults(self, method: str, params: JsonDict) -> None:
        name = method.lower()
        for key in (name, "*"):
            rules = self._fail_rules.get(key)
            if rules:
                rule = rules[0]
                rule.remaining -= 1
                if rule.remaining <= 0:
                    rules.popleft()
                self._raise_rule(
                    rule.status, rule.description, rule.retry_after, rule.migrate_to_chat_id
                )
        for key in (name, "*"):
            ratio = self._ratio_rules.get(key)
            if ratio is not None and ratio.rng.random() < ratio.ratio:
                self._raise_rule(ratio.status, ratio.description, ratio.retry_after, None)

        if "chat_id" not in params:
            return
        chat = _chat_key(params["chat_id"])
        if chat in self._migrated:
            raise ApiError(400, MIGRATED_DESCRIPTION, {"migrate_to_chat_id": self._migrated[chat]})
        if chat in self._not_found:
            raise ApiError(400, CHAT_NOT_FOUND_DESCRIPTION)
        is_send = name.startswith(("send", "copy", "forward")) and name != "sendchataction"
        if chat in self._blocked and (is_send or name.startswith(("edit", "sendchataction"))):
            raise ApiError(403, self._blocked[chat])
        if is_send and self._limits is not None:
            self._check_limits(chat, self._limits)

    @staticmethod
    def _raise_rule(
        status: int, description: str, retry_after: int | None, migrate_to: int | None
    ) -> None:
        if status == 0:
            raise _DropConnection()
        parameters: JsonDict = {}
        if retry_after is not None:
            parameters["retry_after"] = retry_after
        if migrate_to is not None:
            parameters["migrate_to_chat_id"] = migrate_to
        raise ApiError(status, description, parameters or None)

    def _check_limits(self, chat: ChatKey, limits: _Limits) -> None:
        now = time.monotonic()
        waits: list[float] = []
        while self._global_sends and self._global_sends[0] <= now - 1.0:
            self._global_sends.popleft()
        if len(self._global_sends) >= limits.global_per_s:
            waits.append(self._global_sends[0] + 1.0 - now)
        sends = self._chat_sends.setdefault(chat, deque())
        while sends and sends[0] <= now - 60.0:
            sends.popleft()
        last_second = [t for t in sends if t > now - 1.0]
        if len(last_second) >= limits.per_chat_per_s:
            waits.append(last_second[0] + 1.0 - now)
        if _is_group_chat(chat) and len(sends) >= limits.group_per_min:
            waits.append(sends[0] + 60.0 - now)
        if waits:
            self.too_many_count += 1
            retry_after = max(1, math.ceil(max(waits)))
            raise ApiError(
                429, f"Too Many Requests: retry after {retry_after}", {"retry_after": retry_after}
            )
        self._global_sends.append(now)
        sends.append(now)

    # ---------------------------------------------------------------- helpers

    def _bot_sender(self) -> JsonDict:
        """The bot as it appears in ``Message.from`` (no getMe-only capability fields)."""
        keys = ("id", "is_bot", "first_name", "username")
        return {k: self.bot_user[k] for k in keys if k in self.bot_user}

    def _new_message_id(self) -> int:
        message_id = self._next_message_id
        self._next_message_id += 1
        return message_id

    def _remember_chat(
        self,
        chat_id: int,
        chat_type: str,
        user: JsonDict,
        title: str | None,
        message_thread_id: int | None,
    ) -> JsonDict:
        chat: JsonDict = {"id": chat_id, "type": chat_type}
        if chat_type == "private":
            chat["first_name"] = user["first_name"]
            chat["username"] = user["username"]
        else:
            chat["title"] = title if title is not None else f"Chat {chat_id}"
            if message_thread_id is not None and chat_type == "supergroup":
                chat["is_forum"] = True
        self._chats[_chat_key(chat_id)] = chat
        return dict(chat)

    def _chat_object(self, chat_id: Any) -> JsonDict:
        key = _chat_key(chat_id)
        known = self._chats.get(key)
        if known is not None:
            return dict(known)
        if isinstance(key, str):
            name = key.lstrip("@")
            fake_id = -1_000_000_000_000 - zlib.crc32(name.encode()) % 10**9
            return {"id": fake_id, "type": "channel", "title": name, "username": name}
        if key > 0:
            return {"id": key, "type": "private", "first_name": "User"}
        if str(key).startswith("-100"):
            return {"id": key, "type": "supergroup", "title": f"Chat {key}"}
        return {"id": key, "type": "group", "title": f"Chat {key}"}

    def _render_text(self, text: Any, parse_mode: Any) -> str:
        if not isinstance(text, str) or not text.strip():
            raise _bad_request("message text is empty")
        plain = text
        if self.validate_markup and isinstance(parse_mode, str):
            mode = parse_mode.lower()
            if mode == "html":
                plain = parse_html(text)
            elif mode == "markdownv2":
                plain = parse_markdown_v2(text)
            elif mode != "markdown":
                raise _bad_request(f"unsupported parse_mode {parse_mode!r}")
        if not plain.strip():
            raise _bad_request("text must be non-empty")
        if len(plain) > MAX_TEXT_LENGTH:
            raise _bad_request("message is too long")
        return plain

    @staticmethod
    def _check_reply_markup(markup: Any) -> JsonDict | None:
        if markup is None:
            return None
        if not isinstance(markup, dict):
            raise _bad_request("can't parse reply keyboard markup JSON object")
        rows = markup.get("inline_keyboard")
        if rows is not None:
            for row in rows:
                for button in row:
                    data = button.get("callback_data")
                    if data is not None and not 1 <= len(str(data).encode()) <= MAX_CALLBACK_DATA:
                        raise _bad_request("BUTTON_DATA_INVALID")
                    if not button.get("text"):
                        raise _bad_request("text buttons are unallowed in the inline keyboard")
        return markup

    def _editable(self, params: JsonDict) -> tuple[tuple[ChatKey, int], JsonDict]:
        if "chat_id" not in params or "message_id" not in params:
            raise _bad_request("message identifier is not specified")
        key = (_chat_key(params["chat_id"]), int(params["message_id"]))
        message = self._messages.get(key)
        if message is None:
            raise _bad_request("message to edit not found")
        if message.get("from", {}).get("id") != self.bot_user["id"]:
            raise _bad_request("message can't be edited")
        return key, message

    @staticmethod
    def _commands_key(scope: Any, language_code: Any) -> tuple[str, str]:
        scope = scope if isinstance(scope, dict) else {"type": "default"}
        return json.dumps(scope, sort_keys=True), str(language_code or "")

    # ---------------------------------------------------------------- Bot API methods

    async def _ok(self, params: JsonDict) -> bool:
        return True

    async def _get_me(self, params: JsonDict) -> JsonDict:
        return dict(self.bot_user)

    async def _get_updates(self, params: JsonDict) -> list[JsonDict]:
        if self._webhook is not None:
            raise ApiError(409, WEBHOOK_CONFLICT)
        offset = int(params.get("offset", 0))
        limit = min(max(int(params.get("limit", 100)), 1), 100)
        timeout = max(float(params.get("timeout", 0)), 0.0)
        allowed = params.get("allowed_updates")
        if isinstance(allowed, list):
            self._allowed_updates = [str(a) for a in allowed] or None
        if offset > 0:
            while self._updates and self._updates[0]["update_id"] < offset:
                self._updates.popleft()
        elif offset < 0:
            while len(self._updates) > -offset:
                self._updates.popleft()

        # A newer getUpdates terminates an older one, like Telegram does.
        self._poll_generation += 1
        generation = self._poll_generation
        self._wake_pollers()

        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            event = self._updates_event
            if generation != self._poll_generation:
                raise ApiError(409, GETUPDATES_CONFLICT)
            batch = self._select_updates(limit)
            remaining = deadline - loop.time()
            if batch or self._closing or remaining <= 0:
                return batch
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), remaining)

    def _select_updates(self, limit: int) -> list[JsonDict]:
        allowed = self._allowed_updates
        batch: list[JsonDict] = []
        for update in self._updates:
            kind = next((k for k in update if k != "update_id"), "")
            if allowed is None:
                if kind in _OPT_IN_UPDATES:
                    continue
            elif kind not in allowed:
                continue
            batch.append(copy.deepcopy(update))
            if len(batch) >= limit:
                break
        return batch

    async def _send_message(self, params: JsonDict) -> JsonDict:
        if "chat_id" not in params or params["chat_id"] == "":
            raise _bad_request("chat_id is empty")
        text = self._render_text(params.get("text"), params.get("parse_mode"))
        markup = self._check_reply_markup(params.get("reply_markup"))
        chat_key = _chat_key(params["chat_id"])
        message: JsonDict = {
            "message_id": self._new_message_id(),
            "from": self._bot_sender(),
            "chat": self._chat_object(chat_key),
            "date": int(time.time()),
            "text": text,
        }
        if "message_thread_id" in params:
            message["message_thread_id"] = params["message_thread_id"]
        if markup is not None and "inline_keyboard" in markup:
            message["reply_markup"] = markup
        self._messages[(chat_key, message["message_id"])] = message
        self._raw_texts[(chat_key, message["message_id"])] = params["text"]
        return copy.deepcopy(message)

    async def _edit_message_text(self, params: JsonDict) -> JsonDict | bool:
        if "inline_message_id" in params:
            self._render_text(params.get("text"), params.get("parse_mode"))
            return True
        key, message = self._editable(params)
        text = self._render_text(params.get("text"), params.get("parse_mode"))
        markup = self._check_reply_markup(params.get("reply_markup"))
        new_markup = markup if markup is not None and "inline_keyboard" in markup else None
        if self._raw_texts.get(key) == params["text"] and message.get("reply_markup") == (
            new_markup
        ):
            raise ApiError(400, NOT_MODIFIED)
        message["text"] = text
        self._raw_texts[key] = params["text"]
        # Like Telegram: an edit without reply_markup removes the inline keyboard.
        if new_markup is None:
            message.pop("reply_markup", None)
        else:
            message["reply_markup"] = new_markup
        message["edit_date"] = int(time.time())
        return copy.deepcopy(message)

    async def _edit_message_reply_markup(self, params: JsonDict) -> JsonDict | bool:
        markup = self._check_reply_markup(params.get("reply_markup"))
        if "inline_message_id" in params:
            return True
        _, message = self._editable(params)
        new_markup = markup if markup is not None and "inline_keyboard" in markup else None
        if message.get("reply_markup") == new_markup:
            raise ApiError(400, NOT_MODIFIED)
        if new_markup is None:
            message.pop("reply_markup", None)
        else:
            message["reply_markup"] = new_markup
        message["edit_date"] = int(time.time())
        return copy.deepcopy(message)

    async def _delete_message(self, params: JsonDict) -> bool:
        key = (_chat_key(params.get("chat_id", "")), int(params.get("message_id", 0)))
        if self._messages.pop(key, None) is None:
            raise _bad_request("message to delete not found")
        self._raw_texts.pop(key, None)
        return True

    async def _answer_callback_query(self, params: JsonDict) -> bool:
        if str(params.get("callback_query_id", "")) not in self._callback_ids:
            raise _bad_request(
                "query is too old and response timeout expired or query ID is invalid"
            )
        return True

    async def _set_my_commands(self, params: JsonDict) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list):
            raise _bad_request("can't parse commands JSON object")
        if len(commands) > 100:
            raise _bad_request("BOT_COMMANDS_TOO_MUCH")
        for command in commands:
            if not isinstance(command, dict) or not _COMMAND_RE.fullmatch(
                str(command.get("command", ""))
            ):
                raise _bad_request("BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description", ""))) <= 256:
                raise _bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        key = self._commands_key(params.get("scope"), params.get("language_code"))
        self._commands[key] = copy.deepcopy(commands)
        return True

    async def _get_my_commands(self, params: JsonDict) -> list[JsonDict]:
        key = self._commands_key(params.get("scope"), params.get("language_code"))
        return copy.deepcopy(self._commands.get(key, []))

    async def _delete_my_commands(self, params: JsonDict) -> bool:
        self._commands.pop(
            self._commands_key(params.get("scope"), params.get("language_code")), None
        )
        return True

    async def _set_webhook(self, params: JsonDict) -> Described:
        url = str(params.get("url", "")).strip()
        if not url:  # "Use an empty string to remove webhook integration"
            return await self._delete_webhook(params)
        parts = urlsplit(url)
        if parts.scheme != "https" or not parts.hostname:
            raise ApiError(400, BAD_WEBHOOK_URL)
        if (parts.port or 443) not in WEBHOOK_PORTS:
            raise ApiError(400, BAD_WEBHOOK_PORT)
        secret = params.get("secret_token") or None
        if secret is not None and not _SECRET_TOKEN_RE.fullmatch(str(secret)):
            raise ApiError(400, BAD_SECRET_TOKEN)
        allowed = params.get("allowed_updates")
        if isinstance(allowed, list):  # left out: the previous setting stays
            self._allowed_updates = [str(a) for a in allowed] or None
        if params.get("drop_pending_updates") is True:
            self._updates.clear()
        webhook = Webhook(url, secret, int(params.get("max_connections", 40)))
        again = self._webhook == webhook
        if not again:
            self._webhook = webhook
        self._wake_pollers()  # a long poll in progress ends with the conflict
        return Described(True, "Webhook is already set" if again else "Webhook was set")

    async def _delete_webhook(self, params: JsonDict) -> Described:
        had, self._webhook = self._webhook, None
        if params.get("drop_pending_updates") is True:
            self._updates.clear()
        return Described(True, "Webhook was deleted" if had else "Webhook is already deleted")

    async def _get_webhook_info(self, params: JsonDict) -> JsonDict:
        webhook = self._webhook
        info: JsonDict = {
            "url": webhook.url if webhook is not None else "",
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }
        if webhook is None:
            return info
        # Like Telegram: never the secret token; the optional fields only when they apply.
        info["max_connections"] = webhook.max_connections
        if self._allowed_updates is not None:
            info["allowed_updates"] = list(self._allowed_updates)
        if webhook.last_error_date is not None:
            info["last_error_date"] = webhook.last_error_date
            info["last_error_message"] = webhook.last_error_message
        return info

    # ---------------------------------------------------------------- webhook delivery

    def route_webhook(self, base_url: str) -> None:
        """Send webhook requests to ``base_url`` + the registered URL's path (the bot on
        loopback), as a reverse proxy in front of the public URL would forward them."""
        self._webhook_base = base_url.rstrip("/")

    async def deliver_pending(self, timeout: float = 10.0) -> list[int]:
        """Deliver the queued updates in order, like Telegram; return the HTTP statuses.

        An update answered 2xx leaves the queue; the first other answer (or a connection
        failure, status 0) stops the round and is recorded as the webhook's last error.
        """
        statuses: list[int] = []
        while self._updates:
            update = self._updates[0]
            status = await self.deliver(update, timeout=timeout)
            statuses.append(status)
            if not 200 <= status < 300:
                break
            if self._updates and self._updates[0] is update:
                self._updates.popleft()
        return statuses

    async def deliver(self, update: JsonDict, timeout: float = 10.0) -> int:
        """POST one update to the webhook as Telegram does (also one delivered before)."""
        webhook = self._webhook
        if webhook is None or self._webhook_base is None:
            raise RuntimeError("no webhook registered, or route_webhook() not called")
        parts = urlsplit(webhook.url)
        target = self._webhook_base + (parts.path or "/")
        headers = {"Content-Type": "application/json"}
        if webhook.secret_token is not None:
            headers[SECRET_HEADER] = webhook.secret_token
        try:
            async with (
                aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout)) as http,
                http.post(target, data=json.dumps(update), headers=headers) as response,
            ):
                status, reason = response.status, response.reason or ""
        except (aiohttp.ClientError, TimeoutError) as error:
            status, reason = 0, f"Connection failed ({type(error).__name__})"
        if not 200 <= status < 300:
            webhook.last_error_date = int(time.time())
            webhook.last_error_message = (
                f"Wrong response from the webhook: {status} {reason}" if status else reason
            )
        return status

    async def _send_chat_action(self, params: JsonDict) -> bool:
        if "chat_id" not in params:
            raise _bad_request("chat_id is empty")
        if params.get("action") not in _CHAT_ACTIONS:
            raise _bad_request("wrong parameter action in request")
        return True

    async def _get_chat(self, params: JsonDict) -> JsonDict:
        if "chat_id" not in params:
            raise _bad_request("chat_id is empty")
        chat = self._chat_object(params["chat_id"])
        chat.update(
            {
                "accent_color_id": 0,
                "max_reaction_count": 11,
                "accepted_gift_types": {
                    "unlimited_gifts": False,
                    "limited_gifts": False,
                    "unique_gifts": False,
                    "premium_subscription": False,
                    "gifts_from_channels": False,
                },
            }
        )
        return chat
