"""A fake Discord (REST API v10 + gateway websocket) for offline tests.

It speaks the wire format that discord.py 2.7 uses, so the *real* library code runs against it:
login, gateway handshake with zlib-stream transport compression, READY/GUILD_CREATE, app-command
sync, interaction callbacks (``?with_response=1``), followups, ``@original`` edits, channel
messages and DMs, and the HTTP client's rate-limit/retry logic.

Pointing discord.py at it (two class attributes; :func:`point_discord_at` patches and restores
both)::

    discord.http.Route.BASE = dc.api_base                      # every REST call, incl. webhooks
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(dc.gateway_url)

A plain :class:`discord.Client` never asks ``GET /gateway/bot``: it connects straight to
``DiscordWebSocket.DEFAULT_GATEWAY`` (``gateway.py::from_client``) and, after READY, resumes at
READY's ``resume_gateway_url``.  Only :class:`discord.AutoShardedClient` calls
``GET /gateway/bot`` (this fake answers it with :attr:`FakeDiscord.gateway_url`).

Usage::

    async with FakeDiscord(token="fake-discord-token", guilds=[FakeGuild(id=GUILD_ID)]) as dc:
        with point_discord_at(dc):
            client = discord.Client(intents=discord.Intents.default(), guild_ready_timeout=0.05)
            tree = discord.app_commands.CommandTree(client)
            ...                                            # define commands
            async with client:
                task = asyncio.create_task(client.start("fake-discord-token"))
                await client.wait_until_ready()
                iid = await dc.dispatch_interaction("ping", {"target": "x"}, guild_id=GUILD_ID)
                cb = await dc.wait_for_callback(iid)
                assert cb.type == 4 and cb.content == "pong"
                await client.close()
                await task

Known simplifications (deliberate): one connected client at a time is the expected use (every
dispatch goes to every live session); REST buckets never run out unless a failure is injected;
no per-channel permission enforcement on sends (inject 403s instead); message ``mentions`` are
never resolved; zstd-stream transport compression is not implemented, so a client asking for it
gets plain text frames, which discord.py accepts (only ``bytes`` frames are decompressed).
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import hashlib
import json
import logging
import math
import re
import secrets
import socket
import time
import zlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, Final, Self, TypeVar

from aiohttp import WSMsgType, web

__all__ = [
    "ALREADY_ACKNOWLEDGED",
    "CANNOT_DM_USER",
    "DEFAULT_APP_ID",
    "DEFAULT_APP_PERMISSIONS",
    "DEFAULT_MEMBER_PERMISSIONS",
    "DEFAULT_TOKEN",
    "DEFAULT_USER_ID",
    "INVALID_FORM_BODY",
    "MISSING_ACCESS",
    "UNKNOWN_CHANNEL",
    "UNKNOWN_INTERACTION",
    "UNKNOWN_MESSAGE",
    "UNKNOWN_WEBHOOK",
    "Callback",
    "FailureRule",
    "FakeChannel",
    "FakeDiscord",
    "FakeGuild",
    "FakeRole",
    "FakeUser",
    "Followup",
    "GatewayConnection",
    "GatewaySession",
    "MessageEdit",
    "RecordedRequest",
    "point_discord_at",
]

_log = logging.getLogger(__name__)

JsonDict = dict[str, Any]
_T = TypeVar("_T")

API_PREFIX: Final = "/api/v10"
DEFAULT_TOKEN: Final = "fake-discord-token"
DEFAULT_APP_ID: Final = 1_100_000_000_000_000_001
DEFAULT_USER_ID: Final = 1_200_000_000_000_000_001
DISCORD_EPOCH_MS: Final = 1_420_070_400_000

# JSON error codes (https://discord.com/developers/docs/topics/opcodes-and-status-codes).
UNKNOWN_CHANNEL: Final = 10003
UNKNOWN_MESSAGE: Final = 10008
UNKNOWN_WEBHOOK: Final = 10015
UNKNOWN_INTERACTION: Final = 10062
ALREADY_ACKNOWLEDGED: Final = 40060
MISSING_ACCESS: Final = 50001
CANNOT_DM_USER: Final = 50007
INVALID_WEBHOOK_TOKEN: Final = 50027
INVALID_FORM_BODY: Final = 50035

# Permission bits.
_VIEW_CHANNEL = 1 << 10
_SEND_MESSAGES = 1 << 11
_EMBED_LINKS = 1 << 14
_ATTACH_FILES = 1 << 15
_READ_MESSAGE_HISTORY = 1 << 16
_ADD_REACTIONS = 1 << 6
_USE_EXTERNAL_EMOJIS = 1 << 18
_USE_APPLICATION_COMMANDS = 1 << 31
_SEND_MESSAGES_IN_THREADS = 1 << 38
DEFAULT_MEMBER_PERMISSIONS: Final = (
    _VIEW_CHANNEL
    | _SEND_MESSAGES
    | _EMBED_LINKS
    | _ATTACH_FILES
    | _READ_MESSAGE_HISTORY
    | _ADD_REACTIONS
    | _USE_EXTERNAL_EMOJIS
    | _USE_APPLICATION_COMMANDS
    | _SEND_MESSAGES_IN_THREADS
)
DEFAULT_APP_PERMISSIONS: Final = DEFAULT_MEMBER_PERMISSIONS

# Gateway intents.
_INTENT_GUILDS = 1 << 0
_PRIVILEGED_INTENTS = (1 << 1) | (1 << 8) | (1 << 15)  # members, presences, message content

# Interaction types / callback types.
_PING, _APPLICATION_COMMAND, _MESSAGE_COMPONENT, _AUTOCOMPLETE, _MODAL_SUBMIT = 1, 2, 3, 4, 5
_CB_CHANNEL_MESSAGE, _CB_DEFERRED_MESSAGE, _CB_DEFERRED_UPDATE, _CB_UPDATE_MESSAGE = 4, 5, 6, 7
_EPHEMERAL, _LOADING = 1 << 6, 1 << 7

_DEFAULT_ERRORS: Final[dict[int, tuple[str, int]]] = {
    400: ("Invalid Form Body", INVALID_FORM_BODY),
    401: ("401: Unauthorized", 0),
    403: ("Missing Access", MISSING_ACCESS),
    404: ("Unknown Channel", UNKNOWN_CHANNEL),
    405: ("405: Method Not Allowed", 0),
    500: ("500: Internal Server Error", 0),
    502: ("502: Bad Gateway", 0),
    503: ("503: Service Unavailable", 0),
    504: ("504: Gateway Timeout", 0),
}

_NAME_RE = re.compile(r"^[-_\w]{1,32}$")
# Routes that discord.py calls without an Authorization header (the URL token authenticates).
_TOKEN_AUTH_RE = re.compile(r"^/(interactions/\d+/[^/]+/callback|webhooks/\d+/[^/]+(/.*)?)$")


def _now_iso() -> str:
    return datetime.now(UTC).isoformat()


def _dumps(data: Any) -> str:
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False)


def _error(message: str, code: int, errors: JsonDict | None = None) -> JsonDict:
    body: JsonDict = {"message": message, "code": code}
    if errors:
        body["errors"] = errors
    return body


# --------------------------------------------------------------------------- data model


@dataclass
class FakeUser:
    """A Discord user known to the fake (interaction authors, DM recipients)."""

    id: int
    username: str = ""
    global_name: str | None = None
    bot: bool = False

    def to_payload(self) -> JsonDict:
        return {
            "id": str(self.id),
            "username": self.username or f"user{self.id}",
            "discriminator": "0",
            "global_name": self.global_name,
            "avatar": None,
            "bot": self.bot,
            "public_flags": 0,
            "flags": 0,
        }


@dataclass
class FakeChannel:
    """A guild channel (type 0 text, 5 announcement, 2 voice, 4 category...)."""

    id: int
    name: str = "general"
    type: int = 0
    position: int = 0
    permission_overwrites: list[JsonDict] = field(default_factory=list)
    topic: str | None = None
    parent_id: int | None = None

    def to_payload(self, guild_id: int) -> JsonDict:
        return {
            "id": str(self.id),
            "type": self.type,
            "guild_id": str(guild_id),
            "name": self.name,
            "position": self.position,
            "permission_overwrites": copy.deepcopy(self.permission_overwrites),
            "topic": self.topic,
            "nsfw": False,
            "parent_id": str(self.parent_id) if self.parent_id else None,
            "last_message_id": None,
            "rate_limit_per_user": 0,
            "flags": 0,
        }


@dataclass
class FakeRole:
    """A guild role; ``permissions`` is the integer bitfield."""

    id: int
    name: str
    permissions: int = 0
    position: int = 1

    def to_payload(self) -> JsonDict:
        return {
            "id": str(self.id),
            "name": self.name,
            "permissions": str(self.permissions),
            "position": self.position,
            "color": 0,
            "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
            "hoist": False,
            "icon": None,
            "unicode_emoji": None,
            "managed": False,
            "mentionable": False,
            "flags": 0,
        }


@dataclass
class FakeGuild:
    """A guild sent in READY (as unavailable) and then GUILD_CREATE (if the GUILDS intent is on).

    ``@everyone`` (role id == guild id) is added automatically with ``everyone_permissions``
    unless ``roles`` already contains it.  If ``channels`` is empty, one text channel
    ``#general`` with id ``guild id + 1`` is created.  The bot is a member with ``bot_roles``.
    """

    id: int
    name: str = "Test Guild"
    owner_id: int = DEFAULT_USER_ID
    channels: list[FakeChannel] = field(default_factory=list)
    roles: list[FakeRole] = field(default_factory=list)
    members: list[FakeUser] = field(default_factory=list)
    preferred_locale: str = "en-US"
    everyone_permissions: int = DEFAULT_MEMBER_PERMISSIONS
    bot_roles: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.channels:
            self.channels.append(FakeChannel(id=self.id + 1, name="general"))
        if not any(r.id == self.id for r in self.roles):
            everyone = FakeRole(self.id, "@everyone", self.everyone_permissions, position=0)
            self.roles.insert(0, everyone)

    def channel(self, channel_id: int) -> FakeChannel | None:
        return next((c for c in self.channels if c.id == channel_id), None)

    @property
    def default_channel(self) -> FakeChannel:
        return next((c for c in self.channels if c.type in (0, 5)), self.channels[0])


@dataclass(frozen=True)
class RecordedRequest:
    """One REST request as received (``path`` is below ``/api/v10``)."""

    method: str
    path: str
    query: dict[str, str]
    json: Any
    authorization: str | None
    at: float
    files: tuple[str, ...] = ()


@dataclass(frozen=True)
class Callback:
    """``POST /interactions/{id}/{token}/callback`` body."""

    interaction_id: int
    type: int
    data: JsonDict | None
    token: str = field(repr=False)
    query: dict[str, str] = field(default_factory=dict, repr=False)

    @property
    def content(self) -> str | None:
        return (self.data or {}).get("content")

    @property
    def embeds(self) -> list[JsonDict]:
        return list((self.data or {}).get("embeds") or [])

    @property
    def flags(self) -> int:
        return int((self.data or {}).get("flags") or 0)

    @property
    def ephemeral(self) -> bool:
        return bool(self.flags & _EPHEMERAL)

    @property
    def choices(self) -> list[JsonDict]:
        return list((self.data or {}).get("choices") or [])


@dataclass(frozen=True)
class Followup:
    """``POST /webhooks/{app_id}/{token}``: ``payload`` as sent, ``message`` as returned.

    ``replaced_original`` is True when it was the first followup after a deferred (type 5)
    response: Discord then turns the "thinking..." message into this one, keeping the
    deferral's ephemeral flag.
    """

    interaction_id: int
    token: str = field(repr=False)
    payload: JsonDict
    message: JsonDict = field(repr=False)
    replaced_original: bool = False

    @property
    def content(self) -> str | None:
        return self.payload.get("content")

    @property
    def embeds(self) -> list[JsonDict]:
        return list(self.payload.get("embeds") or [])

    @property
    def ephemeral(self) -> bool:
        return bool(int(self.message.get("flags") or 0) & _EPHEMERAL)


@dataclass(frozen=True)
class MessageEdit:
    """A PATCH of ``@original``, of a followup, or of a channel message."""

    interaction_id: int | None
    channel_id: int
    message_id: int
    payload: JsonDict
    original: bool

    @property
    def content(self) -> str | None:
        return self.payload.get("content")


@dataclass
class FailureRule:
    """An injected failure (see :meth:`FakeDiscord.fail_next`). ``hits`` counts uses."""

    method: str
    pattern: re.Pattern[str]
    status: int
    times: int
    retry_after: float
    message: str | None
    code: int | None
    is_global: bool
    scope: str
    via: bool
    body: Any
    hits: int = 0

    def matches(self, method: str, path: str) -> bool:
        return (
            self.hits < self.times
            and self.method in ("*", method)
            and bool(self.pattern.search(path))
        )


@dataclass(frozen=True)
class GatewayConnection:
    """Query parameters of one gateway websocket connection."""

    path: str
    v: str | None
    encoding: str | None
    compress: str | None
    compressed_frames: bool


@dataclass
class GatewaySession:
    """A gateway session (IDENTIFY -> READY); resumable until the client closes it cleanly."""

    session_id: str
    identify: JsonDict
    seq: int = 0
    history: list[JsonDict] = field(default_factory=list, repr=False)
    alive: bool = True
    conn: _Conn | None = field(default=None, repr=False)

    @property
    def intents(self) -> int:
        return int(self.identify.get("intents") or 0)


@dataclass
class _Interaction:
    id: int
    token: str
    type: int
    channel_id: int
    guild_id: int | None
    user: JsonDict
    name: str
    dispatched_at: float
    acked: bool = False
    callback_type: int | None = None
    original: JsonDict | None = None
    webhook_messages: dict[int, JsonDict] = field(default_factory=dict)


@dataclass
class _Route:
    method: str
    regex: re.Pattern[str]
    handler: Callable[[web.Request, RecordedRequest, re.Match[str]], Any]
    bucket: str


class _Conn:
    """Server side of one gateway websocket (serialises sends; zlib-stream if asked)."""

    def __init__(self, ws: web.WebSocketResponse, compress: bool) -> None:
        self.ws = ws
        self.compressor: Any = zlib.compressobj() if compress else None
        self.lock = asyncio.Lock()
        self.session: GatewaySession | None = None

    async def send(self, payload: JsonDict) -> None:
        text = _dumps(payload)
        async with self.lock:
            if self.ws.closed:
                return
            if self.compressor is not None:
                chunk = self.compressor.compress(text.encode()) + self.compressor.flush(
                    zlib.Z_SYNC_FLUSH
                )
                await self.ws.send_bytes(chunk)
            else:
                await self.ws.send_str(text)


# --------------------------------------------------------------------------- validation


def _validate_message(payload: Mapping[str, Any]) -> JsonDict:
    """Discord's documented message/embed limits; returns an ``errors`` tree (empty = ok)."""
    errors: JsonDict = {}

    def add(path: str, code: str, message: str) -> None:
        errors[path] = {"_errors": [{"code": code, "message": message}]}

    content = payload.get("content")
    if isinstance(content, str) and len(content) > 2000:
        add("content", "BASE_TYPE_MAX_LENGTH", "Must be 2000 or fewer in length.")
    embeds = payload.get("embeds") or []
    if len(embeds) > 10:
        add("embeds", "BASE_TYPE_MAX_LENGTH", "Must be 10 or fewer in length.")
    total = 0
    for i, embed in enumerate(embeds):
        limits = {"title": 256, "description": 4096}
        for key, limit in limits.items():
            text = embed.get(key) or ""
            total += len(text)
            if len(text) > limit:
                add(f"embeds.{i}.{key}", "BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer.")
        fields = embed.get("fields") or []
        if len(fields) > 25:
            add(f"embeds.{i}.fields", "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
        for j, fld in enumerate(fields):
            for key, limit in (("name", 256), ("value", 1024)):
                text = fld.get(key) or ""
                total += len(text)
                if not text:
                    add(f"embeds.{i}.fields.{j}.{key}", "BASE_TYPE_REQUIRED", "Required.")
                elif len(text) > limit:
                    add(f"embeds.{i}.fields.{j}.{key}", "BASE_TYPE_MAX_LENGTH", f"Max {limit}.")
        for key, sub, limit in (("footer", "text", 2048), ("author", "name", 256)):
            text = (embed.get(key) or {}).get(sub) or ""
            total += len(text)
            if len(text) > limit:
                add(f"embeds.{i}.{key}.{sub}", "BASE_TYPE_MAX_LENGTH", f"Max {limit}.")
    if total > 6000:
        add("embeds", "MAX_EMBED_SIZE_EXCEEDED", "Embed size exceeds maximum size of 6000")
    return errors


def _validate_commands(commands: Any) -> JsonDict:
    errors: JsonDict = {}

    def add(path: str, code: str, message: str) -> None:
        errors[path] = {"_errors": [{"code": code, "message": message}]}

    if not isinstance(commands, list):
        add("_root", "BASE_TYPE_ARRAY", "Must be an array.")
        return errors
    seen: set[tuple[str, int]] = set()
    for i, cmd in enumerate(commands):
        ctype = int(cmd.get("type") or 1)
        name = str(cmd.get("name") or "")
        if (name, ctype) in seen:
            add(f"{i}.name", "APPLICATION_COMMANDS_DUPLICATE_NAME", "Duplicate name.")
        seen.add((name, ctype))
        if ctype == 1:
            if not _NAME_RE.match(name) or name != name.lower():
                add(f"{i}.name", "APPLICATION_COMMAND_INVALID_NAME", "Invalid command name.")
            if not 1 <= len(str(cmd.get("description") or "")) <= 100:
                add(f"{i}.description", "BASE_TYPE_BAD_LENGTH", "Must be 1-100 long.")
        _validate_options(cmd.get("options") or [], f"{i}.options", add)
    return errors


def _validate_options(
    options: Sequence[Mapping[str, Any]], path: str, add: Callable[[str, str, str], None]
) -> None:
    if len(options) > 25:
        add(path, "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
    optional_seen = False
    for j, opt in enumerate(options):
        name = str(opt.get("name") or "")
        if not _NAME_RE.match(name) or name != name.lower():
            add(f"{path}.{j}.name", "APPLICATION_COMMAND_INVALID_NAME", "Invalid option name.")
        if not 1 <= len(str(opt.get("description") or "")) <= 100:
            add(f"{path}.{j}.description", "BASE_TYPE_BAD_LENGTH", "Must be 1-100 long.")
        if len(opt.get("choices") or []) > 25:
            add(f"{path}.{j}.choices", "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer.")
        if opt.get("type") in (1, 2):
            _validate_options(opt.get("options") or [], f"{path}.{j}.options", add)
            continue
        if opt.get("required"):
            if optional_seen:
                add(f"{path}.{j}", "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID", "Order.")
        else:
            optional_seen = True


def _infer_option_type(value: Any) -> int:
    if isinstance(value, bool):
        return 5
    if isinstance(value, int):
        return 4
    if isinstance(value, float):
        return 10
    if isinstance(value, str):
        return 3
    raise TypeError(f"cannot infer an option type for {value!r}; pass an option dict")


def _normalise_options(
    options: Mapping[str, Any] | Sequence[Mapping[str, Any]] | None,
) -> list[JsonDict]:
    if options is None:
        return []
    if isinstance(options, Mapping):
        return [{"name": k, "type": _infer_option_type(v), "value": v} for k, v in options.items()]
    return [copy.deepcopy(dict(o)) for o in options]


def _mark_focused(options: list[JsonDict], focused: str) -> bool:
    for opt in options:
        if opt.get("type") in (1, 2) and _mark_focused(opt.setdefault("options", []), focused):
            return True
        if opt.get("name") == focused and opt.get("type") not in (1, 2):
            opt["focused"] = True
            return True
    return False


# --------------------------------------------------------------------------- the fake


class FakeDiscord:
    """Fake Discord REST API v10 + gateway on ``127.0.0.1`` (random port).

    Recorded state (all public, read freely in tests):

    * ``requests``: every REST request (:class:`RecordedRequest`); ``unhandled``: ``"METHOD
      /path"`` of REST requests and ``"gateway op N"`` the fake does not implement.
    * ``callbacks`` (:class:`Callback`), ``followups`` (:class:`Followup`), ``edits``
      (:class:`MessageEdit`; ``original_edits`` filters ``@original``), ``messages`` (channel
      message objects as returned, in order; see :meth:`channel_messages`).
    * ``commands`` (global), :meth:`guild_commands`, ``sync_count`` (PUTs), ``sync_requests``.
    * Gateway: ``gateway_connections``, ``identifies``, ``resumes``, ``heartbeats``,
      ``gateway_received`` (every frame from the client), ``sessions``.

    Options: ``bot_user_id`` (default ``app_id``); ``guilds`` (sent in READY, then as
    GUILD_CREATE when the client's intents include GUILDS); ``gateway_compression=False`` sends
    plain text frames even if the client asks for zlib-stream; ``ack_timeout`` (default 3 s,
    None = off): a callback arriving later gets 404 / 10062 like Discord; a second callback
    gets 400 / 40060; ``privileged_intents_enabled=False`` closes IDENTIFYs asking for
    members/presences/message content with 4014; ``validate=False`` turns off the
    message/embed/command-shape checks (400 / 50035).
    """

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        app_id: int = DEFAULT_APP_ID,
        *,
        bot_user_id: int | None = None,
        bot_name: str = "supportlive",
        guilds: Sequence[FakeGuild] = (),
        heartbeat_interval_ms: int = 41_250,
        gateway_compression: bool = True,
        ack_timeout: float | None = 3.0,
        privileged_intents_enabled: bool = True,
        application_flags: int = 0,
        validate: bool = True,
    ) -> None:
        self.token = token
        self.app_id = app_id
        self.bot_user = FakeUser(bot_user_id or app_id, bot_name, global_name=None, bot=True)
        self.guilds: dict[int, FakeGuild] = {g.id: g for g in guilds}
        self.users: dict[int, FakeUser] = {self.bot_user.id: self.bot_user}
        self.heartbeat_interval_ms = heartbeat_interval_ms
        self.gateway_compression = gateway_compression
        self.ack_timeout = ack_timeout
        self.privileged_intents_enabled = privileged_intents_enabled
        self.application_flags = application_flags
        self.validate = validate

        self.requests: list[RecordedRequest] = []
        self.unhandled: list[str] = []
        self.callbacks: list[Callback] = []
        self.followups: list[Followup] = []
        self.edits: list[MessageEdit] = []
        self.messages: list[JsonDict] = []
        self.sync_count = 0
        self.sync_requests: list[tuple[int | None, list[JsonDict]]] = []
        self.blocked_dm_users: set[int] = set()

        self.gateway_connections: list[GatewayConnection] = []
        self.identifies: list[JsonDict] = []
        self.resumes: list[JsonDict] = []
        self.heartbeats = 0
        self.gateway_received: list[JsonDict] = []
        self.sessions: dict[str, GatewaySession] = {}

        self._commands: dict[int | None, list[JsonDict]] = {}
        self._command_ids: dict[tuple[int | None, str, int], int] = {}
        self._interactions: dict[int, _Interaction] = {}
        self._by_token: dict[str, _Interaction] = {}
        self._dm_channels: dict[int, int] = {}  # user id -> DM channel id
        self._channel_messages: dict[int, list[JsonDict]] = {}
        self._failures: list[FailureRule] = []
        self._conns: set[_Conn] = set()
        self._last_id = 0
        self._changed = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self._sock: socket.socket | None = None
        self._port = 0
        self._routes = self._build_routes()

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/gateway", self._ws_handler)
        app.router.add_get("/gateway-resume", self._ws_handler)
        app.router.add_route("*", API_PREFIX + "/{tail:.*}", self._rest_handler)
        app.router.add_route("*", "/{tail:.*}", self._outside_api)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.bind(("127.0.0.1", 0))
        self._port = self._sock.getsockname()[1]
        await web.SockSite(self._runner, self._sock).start()

    async def close(self) -> None:
        for conn in list(self._conns):
            with contextlib.suppress(Exception):
                await asyncio.wait_for(conn.ws.close(code=1001, message=b"fake closing"), 1.0)
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self._sock is not None:
            self._sock.close()
            self._sock = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    @property
    def port(self) -> int:
        return self._port

    @property
    def api_base(self) -> str:
        """Value for ``discord.http.Route.BASE``, e.g. ``http://127.0.0.1:PORT/api/v10``."""
        return f"http://127.0.0.1:{self._port}{API_PREFIX}"

    @property
    def gateway_url(self) -> str:
        """Websocket URL (no query; discord.py adds ``?v=10&encoding=json&compress=...``)."""
        return f"ws://127.0.0.1:{self._port}/gateway"

    @property
    def resume_gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self._port}/gateway-resume"

    # ------------------------------------------------------------------ setup helpers

    def add_guild(self, guild: FakeGuild) -> FakeGuild:
        """Register a guild (before the client connects: it is then part of READY)."""
        self.guilds[guild.id] = guild
        return guild

    async def join_guild(self, guild: FakeGuild) -> None:
        """The bot is added to a server while connected: GUILD_CREATE to every session,
        without ``unavailable`` (with it, a server known before would be back from an outage)."""
        self.guilds[guild.id] = guild
        payload = self._guild_create(guild)
        del payload["unavailable"]
        await self.dispatch("GUILD_CREATE", payload)

    async def leave_guild(self, guild_id: int) -> None:
        """The bot is removed from a server (kicked, or the server deleted): GUILD_DELETE
        without ``unavailable`` (with it, the server would only be out for a while)."""
        self.guilds.pop(guild_id, None)
        await self.dispatch("GUILD_DELETE", {"id": str(guild_id)})

    def user(self, user_id: int) -> FakeUser:
        """The user with that id (created on first use as ``user<id>``)."""
        if user_id not in self.users:
            self.users[user_id] = FakeUser(user_id, f"user{user_id}")
        return self.users[user_id]

    def dm_channel_id(self, user_id: int) -> int:
        """The (stable) DM channel id between the bot and ``user_id``."""
        if user_id not in self._dm_channels:
            self._dm_channels[user_id] = self._next_id()
        return self._dm_channels[user_id]

    def block_dms(self, user_id: int) -> None:
        """Sends to this user's DM channel fail with 403 / 50007 from now on."""
        self.blocked_dm_users.add(user_id)

    def fail_next(
        self,
        method: str,
        path_regex: str,
        status: int,
        times: int = 1,
        *,
        retry_after: float = 0.1,
        message: str | None = None,
        code: int | None = None,
        is_global: bool = False,
        scope: str | None = None,
        via: bool = True,
        body: Any = None,
    ) -> FailureRule:
        """Answer the next ``times`` matching REST requests with ``status``.

        ``method`` is an HTTP method or ``"*"``; ``path_regex`` is searched (``re.search``) in
        the path below ``/api/v10`` (e.g. ``r"^/channels/\\d+/messages$"``).  Bodies default
        to Discord's: 403 ``Missing Access``/50001 (use ``code=CANNOT_DM_USER, message="Cannot
        send messages to this user"`` for closed DMs), 404 ``Unknown Channel``/10003, 400
        ``Invalid Form Body``/50035, 5xx ``"<status>: ..."``/0.  429 carries the JSON body
        ``{"message", "retry_after", "global"}``, ``Retry-After``, ``X-RateLimit-*`` headers
        (``Scope`` ``user``/``global``/``shared``; ``X-RateLimit-Global: true`` if global) and
        ``Via`` (without ``Via`` - ``via=False`` - discord.py treats it as a Cloudflare ban and
        raises instead of retrying).  Note discord.py sleeps ``1 + 2*try`` seconds before
        retrying 500/502/504/524 (up to 5 tries); other 5xx raise ``DiscordServerError``.
        ``body`` replaces the JSON body entirely.  Returns the rule (``rule.hits``).
        """
        rule = FailureRule(
            method=method.upper(),
            pattern=re.compile(path_regex),
            status=status,
            times=times,
            retry_after=retry_after,
            message=message,
            code=code,
            is_global=is_global,
            scope=scope or ("global" if is_global else "user"),
            via=via,
            body=body,
        )
        self._failures.append(rule)
        return rule

    def clear_failures(self) -> None:
        self._failures.clear()

    # ------------------------------------------------------------------ records

    @property
    def commands(self) -> list[JsonDict]:
        """Global application commands as stored (with ids)."""
        return copy.deepcopy(self._commands.get(None, []))

    def guild_commands(self, guild_id: int) -> list[JsonDict]:
        return copy.deepcopy(self._commands.get(guild_id, []))

    @property
    def original_edits(self) -> list[MessageEdit]:
        return [e for e in self.edits if e.original]

    def channel_messages(self, channel_id: int) -> list[JsonDict]:
        """Messages the bot posted in a channel (``POST /channels/{id}/messages``)."""
        return list(self._channel_messages.get(channel_id, []))

    def dm_messages(self, user_id: int) -> list[JsonDict]:
        channel_id = self._dm_channels.get(user_id)
        return [] if channel_id is None else self.channel_messages(channel_id)

    def callbacks_for(self, interaction_id: int) -> list[Callback]:
        return [c for c in self.callbacks if c.interaction_id == interaction_id]

    def followups_for(self, interaction_id: int) -> list[Followup]:
        return [f for f in self.followups if f.interaction_id == interaction_id]

    def original_message(self, interaction_id: int) -> JsonDict | None:
        """The interaction's current ``@original`` message (None before a response)."""
        state = self._interactions.get(interaction_id)
        return None if state is None or state.original is None else copy.deepcopy(state.original)

    def requests_to(self, method: str, path_regex: str) -> list[RecordedRequest]:
        rx = re.compile(path_regex)
        return [r for r in self.requests if r.method == method.upper() and rx.search(r.path)]

    # ------------------------------------------------------------------ waiters

    async def wait_until(
        self, predicate: Callable[[], _T | None], timeout: float = 5.0, what: str = "condition"
    ) -> _T:
        """Wait until ``predicate()`` returns something truthy and return it.

        Re-checked after every REST request and gateway frame; on timeout raises
        ``AssertionError`` describing what the fake has seen so far.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            result = predicate()
            if result:
                return result
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise AssertionError(f"timed out after {timeout}s waiting for {what}; {self}")
            event = self._changed
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), remaining)

    async def wait_for_callback(self, interaction_id: int, timeout: float = 5.0) -> Callback:
        def find() -> Callback | None:
            return next((c for c in self.callbacks if c.interaction_id == interaction_id), None)

        return await self.wait_until(find, timeout, f"a callback for interaction {interaction_id}")

    async def wait_for_followups(
        self, n: int = 1, interaction_id: int | None = None, timeout: float = 5.0
    ) -> list[Followup]:
        def find() -> list[Followup] | None:
            found = [f for f in self.followups if interaction_id in (None, f.interaction_id)]
            return found if len(found) >= n else None

        return await self.wait_until(find, timeout, f"{n} followup(s) for {interaction_id}")

    async def wait_for_edits(
        self, n: int = 1, interaction_id: int | None = None, timeout: float = 5.0
    ) -> list[MessageEdit]:
        def find() -> list[MessageEdit] | None:
            found = [e for e in self.edits if interaction_id in (None, e.interaction_id)]
            return found if len(found) >= n else None

        return await self.wait_until(find, timeout, f"{n} edit(s) for {interaction_id}")

    async def wait_for_messages(
        self, n: int = 1, channel_id: int | None = None, timeout: float = 5.0
    ) -> list[JsonDict]:
        """Wait until at least ``n`` bot messages exist (in ``channel_id`` if given)."""

        def find() -> list[JsonDict] | None:
            found = self.messages if channel_id is None else self.channel_messages(channel_id)
            return list(found) if len(found) >= n else None

        where = "any channel" if channel_id is None else f"channel {channel_id}"
        return await self.wait_until(find, timeout, f"{n} message(s) in {where}")

    async def wait_for_session(self, timeout: float = 5.0) -> GatewaySession:
        """Wait until a client has identified (READY sent) and is connected."""

        def find() -> GatewaySession | None:
            return next((s for s in self.sessions.values() if s.alive and s.conn), None)

        return await self.wait_until(find, timeout, "a connected gateway session")

    def __repr__(self) -> str:
        return (
            f"<FakeDiscord port={self._port} sessions={len(self.sessions)}"
            f" callbacks={[(c.interaction_id, c.type, c.data) for c in self.callbacks]}"
            f" followups={[(f.interaction_id, f.payload) for f in self.followups]}"
            f" edits={[(e.message_id, e.payload) for e in self.edits]}"
            f" messages={[(m['channel_id'], m['content']) for m in self.messages]}"
            f" unhandled={self.unhandled}"
            f" last_requests={[(r.method, r.path) for r in self.requests[-10:]]}>"
        )

    # ------------------------------------------------------------------ injection

    def build_interaction(
        self,
        name: str,
        options: Mapping[str, Any] | Sequence[Mapping[str, Any]] | None = None,
        *,
        interaction_type: int = _APPLICATION_COMMAND,
        focused: str | None = None,
        command_type: int = 1,
        user_id: int = DEFAULT_USER_ID,
        guild_id: int | None = None,
        channel_id: int | None = None,
        permissions: int | None = None,
        app_permissions: int = DEFAULT_APP_PERMISSIONS,
        roles: Sequence[int] = (),
        locale: str = "en-US",
        guild_locale: str | None = None,
        resolved: JsonDict | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> JsonDict:
        """Build an INTERACTION_CREATE payload (not dispatched, not registered).

        ``options``: ``{"name": value}`` (types inferred: str 3, int 4, bool 5, float 10) or a
        list of raw option dicts (needed for subcommands, users, channels...).  ``focused``
        marks that option ``focused: true`` (added as an empty string if missing).  With
        ``guild_id`` it is a guild interaction (``member`` with ``permissions`` = ``permissions``
        or the guild's ``@everyone`` permissions), else a DM (``user``, channel type 1).
        """
        iid = self._next_id()
        token = f"fake-itoken-{iid}-{secrets.token_hex(6)}"
        opts = _normalise_options(options)
        if focused is not None and not _mark_focused(opts, focused):
            opts.append({"type": 3, "name": focused, "value": "", "focused": True})
        user = self.user(user_id).to_payload()
        registered_guild = (
            guild_id
            if guild_id is not None
            and any(
                c["name"] == name and int(c.get("type", 1)) == command_type
                for c in self._commands.get(guild_id, [])
            )
            else None
        )
        cmd_key = (registered_guild, name, command_type)
        if cmd_key not in self._command_ids:
            self._command_ids[cmd_key] = self._next_id()
        data: JsonDict = {"id": str(self._command_ids[cmd_key]), "name": name, "type": command_type}
        if opts:
            data["options"] = opts
        if registered_guild is not None:
            data["guild_id"] = str(registered_guild)
        if resolved:
            data["resolved"] = resolved
        payload: JsonDict = {
            "id": str(iid),
            "application_id": str(self.app_id),
            "type": interaction_type,
            "token": token,
            "version": 1,
            "data": data,
            "locale": locale,
            "app_permissions": str(app_permissions),
            "entitlements": [],
            "attachment_size_limit": 10 * 1024 * 1024,
        }
        if guild_id is not None:
            guild = self.guilds.get(guild_id)
            if guild is not None:
                chan = guild.channel(channel_id) if channel_id else guild.default_channel
                chan = chan or FakeChannel(id=channel_id or guild_id + 1)
                everyone = guild.everyone_permissions
                g_locale = guild_locale or guild.preferred_locale
            else:
                chan = FakeChannel(id=channel_id or guild_id + 1)
                everyone = DEFAULT_MEMBER_PERMISSIONS
                g_locale = guild_locale or "en-US"
            perms = everyone if permissions is None else permissions
            channel = chan.to_payload(guild_id)
            channel["permissions"] = str(perms)
            payload.update(
                guild_id=str(guild_id),
                guild_locale=g_locale,
                guild={"id": str(guild_id), "locale": g_locale, "features": []},
                channel_id=str(chan.id),
                channel=channel,
                context=0,
                authorizing_integration_owners={"0": str(guild_id)},
                member={
                    "user": user,
                    "roles": [str(r) for r in roles],
                    "joined_at": "2024-01-01T00:00:00+00:00",
                    "premium_since": None,
                    "deaf": False,
                    "mute": False,
                    "pending": False,
                    "nick": None,
                    "avatar": None,
                    "flags": 0,
                    "communication_disabled_until": None,
                    "permissions": str(perms),
                },
            )
        else:
            dm_id = channel_id or self.dm_channel_id(user_id)
            payload.update(
                channel_id=str(dm_id),
                channel={"id": str(dm_id), "type": 1, "recipients": [user], "flags": 0},
                context=1,
                authorizing_integration_owners={"0": "0"},
                user=user,
            )
        if extra:
            payload.update(copy.deepcopy(dict(extra)))
        return payload

    async def dispatch_interaction(
        self,
        name: str,
        options: Mapping[str, Any] | Sequence[Mapping[str, Any]] | None = None,
        **kwargs: Any,
    ) -> int:
        """Build (see :meth:`build_interaction`), register and dispatch an interaction.

        Returns the interaction id (use it with :meth:`wait_for_callback`).
        """
        payload = self.build_interaction(name, options, **kwargs)
        return await self.dispatch_interaction_payload(payload)

    async def dispatch_autocomplete(
        self,
        name: str,
        options: Mapping[str, Any] | Sequence[Mapping[str, Any]] | None,
        focused: str,
        **kwargs: Any,
    ) -> int:
        """An autocomplete interaction (type 4) with ``focused`` marked."""
        payload = self.build_interaction(
            name, options, interaction_type=_AUTOCOMPLETE, focused=focused, **kwargs
        )
        return await self.dispatch_interaction_payload(payload)

    async def dispatch_interaction_payload(self, payload: JsonDict) -> int:
        """Register a (possibly hand-made) interaction payload and dispatch it."""
        iid = int(payload["id"])
        raw_user = payload.get("user") or (payload.get("member") or {}).get("user") or {}
        state = _Interaction(
            id=iid,
            token=payload["token"],
            type=int(payload["type"]),
            channel_id=int(payload.get("channel_id") or 0),
            guild_id=int(payload["guild_id"]) if payload.get("guild_id") else None,
            user=raw_user,
            name=str((payload.get("data") or {}).get("name") or ""),
            dispatched_at=time.monotonic(),
        )
        self._interactions[iid] = state
        self._by_token[state.token] = state
        await self.dispatch("INTERACTION_CREATE", payload)
        return iid

    async def dispatch(self, event: str, data: Mapping[str, Any]) -> None:
        """Send a raw dispatch (op 0) to every live session (buffered for resume if away)."""
        live = [s for s in self.sessions.values() if s.alive]
        if not live:
            raise RuntimeError(
                "no gateway session: has the client connected? (await client.wait_until_ready())"
            )
        for session in live:
            await self._dispatch_to(session, event, dict(data))

    async def request_reconnect(self) -> None:
        """Send op 7 RECONNECT; discord.py closes (4000) and RESUMEs at resume_gateway_url."""
        for conn in list(self._conns):
            await conn.send({"op": 7, "d": None, "s": None, "t": None})

    async def invalidate_session(self, resumable: bool = False) -> None:
        """Send op 9 INVALID_SESSION."""
        for conn in list(self._conns):
            await conn.send({"op": 9, "d": resumable, "s": None, "t": None})

    # ------------------------------------------------------------------ payload builders

    def _next_id(self) -> int:
        ms = int(time.time() * 1000) - DISCORD_EPOCH_MS
        self._last_id = max(self._last_id + 1, ms << 22)
        return self._last_id

    def _notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    def _application(self) -> JsonDict:
        owner = self.user(DEFAULT_USER_ID).to_payload()
        return {
            "id": str(self.app_id),
            "name": self.bot_user.username,
            "icon": None,
            "description": "",
            "summary": "",
            "type": None,
            "rpc_origins": [],
            "bot_public": True,
            "bot_require_code_grant": False,
            "verify_key": "0" * 64,
            "owner": owner,
            "team": None,
            "flags": self.application_flags,
            "bot": self.bot_user.to_payload(),
            "tags": [],
            "redirect_uris": [],
            "interactions_endpoint_url": None,
        }

    def _channel_payload(self, channel_id: int) -> JsonDict | None:
        for guild in self.guilds.values():
            chan = guild.channel(channel_id)
            if chan is not None:
                return chan.to_payload(guild.id)
        for user_id, dm_id in self._dm_channels.items():
            if dm_id == channel_id:
                return {
                    "id": str(dm_id),
                    "type": 1,
                    "last_message_id": None,
                    "flags": 0,
                    "recipients": [self.user(user_id).to_payload()],
                }
        return None

    def _guild_of_channel(self, channel_id: int) -> int | None:
        return next((g.id for g in self.guilds.values() if g.channel(channel_id)), None)

    def _make_message(
        self,
        channel_id: int,
        payload: Mapping[str, Any],
        *,
        guild_id: int | None = None,
        message_type: int = 0,
        flags: int | None = None,
        webhook: bool = False,
        files: Sequence[str] = (),
        message_id: int | None = None,
    ) -> JsonDict:
        msg: JsonDict = {
            "id": str(message_id or self._next_id()),
            "channel_id": str(channel_id),
            "author": self.bot_user.to_payload(),
            "content": payload.get("content") or "",
            "timestamp": _now_iso(),
            "edited_timestamp": None,
            "tts": bool(payload.get("tts")),
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": [
                {
                    "id": str(self._next_id()),
                    "filename": name,
                    "size": 0,
                    "url": f"http://127.0.0.1:{self._port}/attachments/{name}",
                    "proxy_url": f"http://127.0.0.1:{self._port}/attachments/{name}",
                }
                for name in files
            ],
            "embeds": copy.deepcopy(payload.get("embeds") or []),
            "components": copy.deepcopy(payload.get("components") or []),
            "pinned": False,
            "type": message_type,
            "flags": int(payload.get("flags") or 0) if flags is None else flags,
        }
        if payload.get("nonce") is not None:
            msg["nonce"] = payload["nonce"]
        if guild_id is not None:
            msg["guild_id"] = str(guild_id)
        if webhook:
            msg["webhook_id"] = str(self.app_id)
            msg["application_id"] = str(self.app_id)
        return msg

    @staticmethod
    def _apply_edit(msg: JsonDict, payload: Mapping[str, Any]) -> None:
        for key in ("content", "embeds", "components"):
            if key in payload:
                value = payload[key]
                msg[key] = ("" if key == "content" else []) if value is None else value
        if "flags" in payload and payload["flags"] is not None:
            msg["flags"] = (int(msg.get("flags") or 0) & _EPHEMERAL) | int(payload["flags"])
        msg["flags"] = int(msg.get("flags") or 0) & ~_LOADING
        msg["edited_timestamp"] = _now_iso()

    # ------------------------------------------------------------------ REST plumbing

    def _build_routes(self) -> list[_Route]:
        table: list[tuple[str, str, Callable[[web.Request, RecordedRequest, re.Match[str]], Any]]]
        table = [
            ("GET", r"/gateway", self._get_gateway),
            ("GET", r"/gateway/bot", self._get_gateway_bot),
            ("GET", r"/users/@me", self._get_me),
            ("GET", r"/users/(?P<user_id>\d+)", self._get_user),
            ("POST", r"/users/@me/channels", self._create_dm),
            ("GET", r"/oauth2/applications/@me", self._get_application),
            ("GET", r"/applications/(?P<app>\d+)/commands", self._get_commands),
            ("PUT", r"/applications/(?P<app>\d+)/commands", self._put_commands),
            (
                "GET",
                r"/applications/(?P<app>\d+)/guilds/(?P<guild_id>\d+)/commands",
                self._get_commands,
            ),
            (
                "PUT",
                r"/applications/(?P<app>\d+)/guilds/(?P<guild_id>\d+)/commands",
                self._put_commands,
            ),
            ("POST", r"/interactions/(?P<iid>\d+)/(?P<token>[^/]+)/callback", self._callback),
            ("GET", r"/webhooks/(?P<app>\d+)/(?P<token>[^/]+)/messages/@original", self._wh_get),
            (
                "PATCH",
                r"/webhooks/(?P<app>\d+)/(?P<token>[^/]+)/messages/@original",
                self._wh_edit,
            ),
            (
                "DELETE",
                r"/webhooks/(?P<app>\d+)/(?P<token>[^/]+)/messages/@original",
                self._wh_delete,
            ),
            ("GET", r"/webhooks/(?P<app>\d+)/(?P<token>[^/]+)/messages/(?P<mid>\d+)", self._wh_get),
            (
                "PATCH",
                r"/webhooks/(?P<app>\d+)/(?P<token>[^/]+)/messages/(?P<mid>\d+)",
                self._wh_edit,
            ),
            (
                "DELETE",
                r"/webhooks/(?P<app>\d+)/(?P<token>[^/]+)/messages/(?P<mid>\d+)",
                self._wh_delete,
            ),
            ("POST", r"/webhooks/(?P<app>\d+)/(?P<token>[^/]+)", self._followup),
            ("GET", r"/channels/(?P<cid>\d+)", self._get_channel),
            ("POST", r"/channels/(?P<cid>\d+)/messages", self._post_message),
            ("PATCH", r"/channels/(?P<cid>\d+)/messages/(?P<mid>\d+)", self._edit_message),
            ("DELETE", r"/channels/(?P<cid>\d+)/messages/(?P<mid>\d+)", self._delete_message),
        ]
        routes = []
        for method, pattern, handler in table:
            bucket = hashlib.sha1(f"{method} {pattern}".encode()).hexdigest()[:32]
            routes.append(_Route(method, re.compile(pattern), handler, bucket))
        return routes

    def _ratelimit_headers(self, bucket: str | None) -> dict[str, str]:
        headers = {"Via": "1.1 google"}
        if bucket:
            reset_after = 1.0
            headers.update(
                {
                    "X-RateLimit-Limit": "50",
                    "X-RateLimit-Remaining": "49",
                    "X-RateLimit-Reset": f"{time.time() + reset_after:.3f}",
                    "X-RateLimit-Reset-After": f"{reset_after:.3f}",
                    "X-RateLimit-Bucket": bucket,
                }
            )
        return headers

    def _json(self, data: Any, status: int = 200, bucket: str | None = None) -> web.Response:
        # Exactly "application/json": discord.py's json_or_text treats anything else (e.g.
        # aiohttp's json_response "application/json; charset=utf-8") as text.
        return web.Response(
            body=_dumps(data).encode(),
            status=status,
            content_type="application/json",
            headers=self._ratelimit_headers(bucket),
        )

    def _no_content(self, bucket: str | None = None) -> web.Response:
        return web.Response(status=204, headers=self._ratelimit_headers(bucket))

    def _fail(
        self, status: int, message: str, code: int, errors: JsonDict | None = None
    ) -> web.Response:
        return self._json(_error(message, code, errors), status)

    def _failure_response(self, rule: FailureRule, bucket: str) -> web.Response:
        if rule.status == 429:
            body: Any = {
                "message": rule.message or "You are being rate limited.",
                "retry_after": rule.retry_after,
                "global": rule.is_global,
            }
            if rule.code is not None:
                body["code"] = rule.code
            headers = {
                "Retry-After": str(max(1, math.ceil(rule.retry_after))),
                "X-RateLimit-Scope": rule.scope,
            }
            if rule.is_global:
                headers["X-RateLimit-Global"] = "true"
            else:
                headers.update(
                    {
                        "X-RateLimit-Limit": "50",
                        "X-RateLimit-Remaining": "0",
                        "X-RateLimit-Reset": f"{time.time() + rule.retry_after:.3f}",
                        "X-RateLimit-Reset-After": f"{rule.retry_after:.3f}",
                        "X-RateLimit-Bucket": bucket,
                    }
                )
            if rule.via:
                headers["Via"] = "1.1 google"
        else:
            default_message, default_code = _DEFAULT_ERRORS.get(
                rule.status, (f"{rule.status}: Error", 0)
            )
            body = _error(rule.message or default_message, rule.code or default_code)
            headers = self._ratelimit_headers(bucket)
        if rule.body is not None:
            body = rule.body
        return web.Response(
            body=_dumps(body).encode(),
            status=rule.status,
            content_type="application/json",
            headers=headers,
        )

    async def _read_body(self, request: web.Request) -> tuple[Any, tuple[str, ...]]:
        if request.content_type.startswith("multipart/"):
            form = await request.post()
            files = tuple(
                getattr(v, "filename", "") for k, v in form.items() if k.startswith("files[")
            )
            raw = form.get("payload_json")
            return (json.loads(raw) if isinstance(raw, str) else None), files
        text = await request.text()
        if not text:
            return None, ()
        try:
            return json.loads(text), ()
        except ValueError:
            return text, ()

    async def _outside_api(self, request: web.Request) -> web.StreamResponse:
        self.unhandled.append(f"{request.method} {request.path}")
        _log.warning("fake discord: unhandled %s %s", request.method, request.path)
        self._notify()
        return self._json({"message": "Unknown", "code": 0}, 404)

    async def _rest_handler(self, request: web.Request) -> web.StreamResponse:
        path = "/" + request.match_info["tail"]
        body, files = await self._read_body(request)
        auth = request.headers.get("Authorization")
        rec = RecordedRequest(
            method=request.method,
            path=path,
            query=dict(request.query),
            json=body,
            authorization=auth,
            at=time.monotonic(),
            files=files,
        )
        self.requests.append(rec)
        try:
            if not _TOKEN_AUTH_RE.match(path) and auth != f"Bot {self.token}":
                return self._fail(401, "401: Unauthorized", 0)
            route, match = self._resolve(request.method, path)
            bucket = route.bucket if route else hashlib.sha1(path.encode()).hexdigest()[:32]
            for rule in self._failures:
                if rule.matches(request.method, path):
                    rule.hits += 1
                    return self._failure_response(rule, bucket)
            if route is None or match is None:
                self.unhandled.append(f"{request.method} {path}")
                _log.warning("fake discord: unhandled %s %s", request.method, path)
                return self._json({"message": "Unknown", "code": 0}, 404)
            response: web.Response = await route.handler(request, rec, match)
            response.headers.update(self._ratelimit_headers(route.bucket))
            return response
        finally:
            self._notify()

    def _resolve(self, method: str, path: str) -> tuple[_Route | None, re.Match[str] | None]:
        for route in self._routes:
            if route.method == method:
                match = route.regex.fullmatch(path)
                if match:
                    return route, match
        return None, None

    # ------------------------------------------------------------------ REST handlers

    async def _get_gateway(self, _r: web.Request, _rec: RecordedRequest, _m: Any) -> Any:
        return self._json({"url": self.gateway_url})

    async def _get_gateway_bot(self, _r: web.Request, _rec: RecordedRequest, _m: Any) -> Any:
        return self._json(
            {
                "url": self.gateway_url,
                "shards": 1,
                "session_start_limit": {
                    "total": 1000,
                    "remaining": 999,
                    "reset_after": 14_400_000,
                    "max_concurrency": 1,
                },
            }
        )

    async def _get_me(self, _r: web.Request, _rec: RecordedRequest, _m: Any) -> Any:
        me = self.bot_user.to_payload()
        me.update(verified=True, mfa_enabled=False, locale="en-US", email=None)
        return self._json(me)

    async def _get_user(self, _r: web.Request, _rec: RecordedRequest, m: re.Match[str]) -> Any:
        return self._json(self.user(int(m["user_id"])).to_payload())

    async def _get_application(self, _r: web.Request, _rec: RecordedRequest, _m: Any) -> Any:
        return self._json(self._application())

    async def _create_dm(self, _r: web.Request, rec: RecordedRequest, _m: Any) -> Any:
        try:
            user_id = int((rec.json or {})["recipient_id"])
        except (KeyError, TypeError, ValueError):
            return self._fail(400, "Invalid Form Body", INVALID_FORM_BODY)
        channel = self._channel_payload(self.dm_channel_id(user_id))
        return self._json(channel)

    async def _get_channel(self, _r: web.Request, _rec: RecordedRequest, m: re.Match[str]) -> Any:
        channel = self._channel_payload(int(m["cid"]))
        if channel is None:
            return self._fail(404, "Unknown Channel", UNKNOWN_CHANNEL)
        return self._json(channel)

    def _check_app(self, m: re.Match[str]) -> web.Response | None:
        if int(m["app"]) != self.app_id:
            return self._fail(404, "Unknown Application", 10002)
        return None

    async def _get_commands(self, _r: web.Request, _rec: RecordedRequest, m: re.Match[str]) -> Any:
        if (err := self._check_app(m)) is not None:
            return err
        guild_id = int(m["guild_id"]) if m.groupdict().get("guild_id") else None
        return self._json(self._commands.get(guild_id, []))

    async def _put_commands(self, _r: web.Request, rec: RecordedRequest, m: re.Match[str]) -> Any:
        if (err := self._check_app(m)) is not None:
            return err
        guild_id = int(m["guild_id"]) if m.groupdict().get("guild_id") else None
        if self.validate and (errors := _validate_commands(rec.json)):
            return self._fail(400, "Invalid Form Body", INVALID_FORM_BODY, errors)
        stored: list[JsonDict] = []
        for cmd in rec.json or []:
            ctype = int(cmd.get("type") or 1)
            key = (guild_id, str(cmd["name"]), ctype)
            if key not in self._command_ids:
                self._command_ids[key] = self._next_id()
            out = {
                "description": "",
                "options": [],
                "default_member_permissions": None,
                "nsfw": False,
                "contexts": None,
                "integration_types": None,
                **copy.deepcopy(cmd),
            }
            out.update(
                id=str(self._command_ids[key]),
                application_id=str(self.app_id),
                type=ctype,
                version=str(self._next_id()),
            )
            if guild_id is not None:
                out["guild_id"] = str(guild_id)
            stored.append(out)
        self._commands[guild_id] = stored
        self.sync_count += 1
        self.sync_requests.append((guild_id, copy.deepcopy(rec.json or [])))
        return self._json(stored)

    async def _callback(self, _r: web.Request, rec: RecordedRequest, m: re.Match[str]) -> Any:
        state = self._interactions.get(int(m["iid"]))
        if state is None or state.token != m["token"]:
            return self._fail(404, "Unknown interaction", UNKNOWN_INTERACTION)
        if self.ack_timeout is not None and (
            time.monotonic() - state.dispatched_at > self.ack_timeout
        ):
            return self._fail(404, "Unknown interaction", UNKNOWN_INTERACTION)
        if state.acked:
            return self._fail(
                400, "Interaction has already been acknowledged.", ALREADY_ACKNOWLEDGED
            )
        body = rec.json if isinstance(rec.json, dict) else {}
        cb_type = int(body.get("type") or 0)
        data = body.get("data")
        if cb_type in (_CB_CHANNEL_MESSAGE, _CB_UPDATE_MESSAGE) and self.validate:
            errors = _validate_message(data or {})
            if errors:
                return self._fail(400, "Invalid Form Body", INVALID_FORM_BODY, {"data": errors})
        state.acked = True
        state.callback_type = cb_type
        self.callbacks.append(Callback(state.id, cb_type, data, state.token, rec.query))
        flags = int((data or {}).get("flags") or 0)
        message_type = 20 if state.type == _APPLICATION_COMMAND else 0
        if cb_type == _CB_CHANNEL_MESSAGE:
            state.original = self._make_message(
                state.channel_id,
                data or {},
                guild_id=state.guild_id,
                message_type=message_type,
                flags=flags & _EPHEMERAL,
                webhook=True,
                files=rec.files,
            )
        elif cb_type == _CB_DEFERRED_MESSAGE:
            state.original = self._make_message(
                state.channel_id,
                {},
                guild_id=state.guild_id,
                message_type=message_type,
                flags=(flags & _EPHEMERAL) | _LOADING,
                webhook=True,
            )
        if rec.query.get("with_response", "").lower() not in ("1", "true"):
            return self._no_content()
        original = (
            state.original if cb_type in (_CB_CHANNEL_MESSAGE, _CB_DEFERRED_MESSAGE) else None
        )
        interaction: JsonDict = {"id": str(state.id), "type": state.type}
        if original is not None:
            interaction.update(
                response_message_id=original["id"],
                response_message_loading=cb_type == _CB_DEFERRED_MESSAGE,
                response_message_ephemeral=bool(original["flags"] & _EPHEMERAL),
            )
        resource: JsonDict = {"type": cb_type}
        if original is not None:
            resource["message"] = copy.deepcopy(original)
        return self._json({"interaction": interaction, "resource": resource})

    def _webhook_state(self, m: re.Match[str]) -> tuple[_Interaction | None, web.Response | None]:
        if int(m["app"]) != self.app_id:
            return None, self._fail(404, "Unknown Webhook", UNKNOWN_WEBHOOK)
        state = self._by_token.get(m["token"])
        if state is None:
            return None, self._fail(401, "Invalid Webhook Token", INVALID_WEBHOOK_TOKEN)
        if not state.acked:
            return None, self._fail(404, "Unknown Webhook", UNKNOWN_WEBHOOK)
        return state, None

    def _webhook_message(self, state: _Interaction, m: re.Match[str]) -> JsonDict | None:
        mid = m.groupdict().get("mid")
        if mid is None:
            return state.original
        return state.webhook_messages.get(int(mid))

    async def _followup(self, _r: web.Request, rec: RecordedRequest, m: re.Match[str]) -> Any:
        state, err = self._webhook_state(m)
        if state is None:
            return err
        payload = rec.json if isinstance(rec.json, dict) else {}
        if self.validate and (errors := _validate_message(payload)):
            return self._fail(400, "Invalid Form Body", INVALID_FORM_BODY, errors)
        original = state.original
        replaced = (
            original is not None
            and bool(int(original.get("flags") or 0) & _LOADING)
            and state.callback_type == _CB_DEFERRED_MESSAGE
        )
        if replaced and original is not None:
            self._apply_edit(original, {k: v for k, v in payload.items() if k != "flags"})
            original["edited_timestamp"] = None
            message = original
        else:
            flags = int(payload.get("flags") or 0) & _EPHEMERAL
            message = self._make_message(
                state.channel_id,
                payload,
                guild_id=state.guild_id,
                flags=flags,
                webhook=True,
                files=rec.files,
            )
            state.webhook_messages[int(message["id"])] = message
        self.followups.append(
            Followup(
                state.id, state.token, copy.deepcopy(payload), copy.deepcopy(message), replaced
            )
        )
        if rec.query.get("wait", "").lower() in ("1", "true"):
            return self._json(message)
        return self._no_content()

    async def _wh_get(self, _r: web.Request, _rec: RecordedRequest, m: re.Match[str]) -> Any:
        state, err = self._webhook_state(m)
        if state is None:
            return err
        message = self._webhook_message(state, m)
        if message is None:
            return self._fail(404, "Unknown Message", UNKNOWN_MESSAGE)
        return self._json(message)

    async def _wh_edit(self, _r: web.Request, rec: RecordedRequest, m: re.Match[str]) -> Any:
        state, err = self._webhook_state(m)
        if state is None:
            return err
        payload = rec.json if isinstance(rec.json, dict) else {}
        if self.validate and (errors := _validate_message(payload)):
            return self._fail(400, "Invalid Form Body", INVALID_FORM_BODY, errors)
        is_original = m.groupdict().get("mid") is None
        message = self._webhook_message(state, m)
        if message is None and is_original and state.callback_type == _CB_DEFERRED_UPDATE:
            message = state.original = self._make_message(
                state.channel_id, {}, guild_id=state.guild_id, webhook=True
            )
        if message is None:
            return self._fail(404, "Unknown Message", UNKNOWN_MESSAGE)
        was_loading = bool(int(message.get("flags") or 0) & _LOADING)
        self._apply_edit(message, payload)
        if was_loading:
            message["edited_timestamp"] = None
        self.edits.append(
            MessageEdit(
                state.id, state.channel_id, int(message["id"]), copy.deepcopy(payload), is_original
            )
        )
        return self._json(message)

    async def _wh_delete(self, _r: web.Request, _rec: RecordedRequest, m: re.Match[str]) -> Any:
        state, err = self._webhook_state(m)
        if state is None:
            return err
        mid = m.groupdict().get("mid")
        if mid is None:
            if state.original is None:
                return self._fail(404, "Unknown Message", UNKNOWN_MESSAGE)
            state.original = None
        elif state.webhook_messages.pop(int(mid), None) is None:
            return self._fail(404, "Unknown Message", UNKNOWN_MESSAGE)
        return self._no_content()

    async def _post_message(self, _r: web.Request, rec: RecordedRequest, m: re.Match[str]) -> Any:
        channel_id = int(m["cid"])
        recipient = next((u for u, c in self._dm_channels.items() if c == channel_id), None)
        if recipient is not None and recipient in self.blocked_dm_users:
            return self._fail(403, "Cannot send messages to this user", CANNOT_DM_USER)
        payload = rec.json if isinstance(rec.json, dict) else {}
        if self.validate:
            errors = _validate_message(payload)
            keys = ("content", "embeds", "components", "sticker_ids", "poll")
            if not rec.files and not any(payload.get(k) for k in keys):
                return self._fail(400, "Cannot send an empty message", 50006)
            if errors:
                return self._fail(400, "Invalid Form Body", INVALID_FORM_BODY, errors)
        message = self._make_message(
            channel_id, payload, guild_id=self._guild_of_channel(channel_id), files=rec.files
        )
        self._channel_messages.setdefault(channel_id, []).append(message)
        self.messages.append(message)
        return self._json(message)

    def _find_channel_message(self, m: re.Match[str]) -> JsonDict | None:
        mid = m["mid"]
        return next(
            (x for x in self._channel_messages.get(int(m["cid"]), []) if x["id"] == mid), None
        )

    async def _edit_message(self, _r: web.Request, rec: RecordedRequest, m: re.Match[str]) -> Any:
        message = self._find_channel_message(m)
        if message is None:
            return self._fail(404, "Unknown Message", UNKNOWN_MESSAGE)
        payload = rec.json if isinstance(rec.json, dict) else {}
        if self.validate and (errors := _validate_message(payload)):
            return self._fail(400, "Invalid Form Body", INVALID_FORM_BODY, errors)
        self._apply_edit(message, payload)
        self.edits.append(
            MessageEdit(None, int(m["cid"]), int(m["mid"]), copy.deepcopy(payload), False)
        )
        return self._json(message)

    async def _delete_message(
        self, _r: web.Request, _rec: RecordedRequest, m: re.Match[str]
    ) -> Any:
        message = self._find_channel_message(m)
        if message is None:
            return self._fail(404, "Unknown Message", UNKNOWN_MESSAGE)
        self._channel_messages[int(m["cid"])].remove(message)
        return self._no_content()

    # ------------------------------------------------------------------ gateway

    async def _ws_handler(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse(autoping=True, max_msg_size=0, timeout=1.0)
        await ws.prepare(request)
        query = request.query
        compress = query.get("compress")
        use_zlib = self.gateway_compression and compress == "zlib-stream"
        self.gateway_connections.append(
            GatewayConnection(
                path=request.path,
                v=query.get("v"),
                encoding=query.get("encoding"),
                compress=compress,
                compressed_frames=use_zlib,
            )
        )
        conn = _Conn(ws, compress=use_zlib)
        self._conns.add(conn)
        self._notify()
        try:
            if query.get("encoding", "json") != "json":
                await ws.close(code=4002, message=b"Error while decoding payload.")
                return ws
            if query.get("v") not in (None, "10"):
                await ws.close(code=4012, message=b"Invalid API version")
                return ws
            await conn.send(
                {
                    "op": 10,
                    "d": {"heartbeat_interval": self.heartbeat_interval_ms, "_trace": ["fake"]},
                    "s": None,
                    "t": None,
                }
            )
            async for msg in ws:
                if msg.type not in (WSMsgType.TEXT, WSMsgType.BINARY):
                    break
                try:
                    frame = json.loads(msg.data)
                except ValueError:
                    await ws.close(code=4002, message=b"Error while decoding payload.")
                    break
                self.gateway_received.append(frame)
                await self._on_frame(conn, frame)
                self._notify()
        finally:
            self._conns.discard(conn)
            session = conn.session
            if session is not None and session.conn is conn:
                session.conn = None
                if ws.close_code in (1000, 1001):
                    session.alive = False  # a clean client close invalidates the session
            self._notify()
        return ws

    async def _on_frame(self, conn: _Conn, frame: JsonDict) -> None:
        op = frame.get("op")
        data = frame.get("d")
        if op == 1:
            self.heartbeats += 1
            await conn.send({"op": 11, "d": None, "s": None, "t": None})
        elif op == 2:
            await self._identify(conn, data if isinstance(data, dict) else {})
        elif op == 6:
            await self._resume(conn, data if isinstance(data, dict) else {})
        elif conn.session is None:
            await conn.ws.close(code=4003, message=b"Not authenticated.")
        elif op == 8:
            await self._request_members(conn.session, data if isinstance(data, dict) else {})
        elif op in (3, 4):
            pass  # presence / voice state updates: recorded in gateway_received only
        else:
            self.unhandled.append(f"gateway op {op}")

    async def _identify(self, conn: _Conn, data: JsonDict) -> None:
        if conn.session is not None:
            await conn.ws.close(code=4005, message=b"Already authenticated.")
            return
        self.identifies.append(data)
        if data.get("token") != self.token:
            await conn.ws.close(code=4004, message=b"Authentication failed.")
            return
        intents = int(data.get("intents") or 0)
        if intents & _PRIVILEGED_INTENTS and not self.privileged_intents_enabled:
            await conn.ws.close(code=4014, message=b"Disallowed intent(s).")
            return
        session = GatewaySession(session_id=secrets.token_hex(16), identify=data, conn=conn)
        conn.session = session
        self.sessions[session.session_id] = session
        me = self.bot_user.to_payload()
        me.update(verified=True, mfa_enabled=False, email=None)
        ready: JsonDict = {
            "v": 10,
            "user": me,
            "user_settings": {},
            "guilds": [{"id": str(g), "unavailable": True} for g in self.guilds],
            "session_id": session.session_id,
            "session_type": "normal",
            "resume_gateway_url": self.resume_gateway_url,
            "relationships": [],
            "private_channels": [],
            "presences": [],
            "guild_join_requests": [],
            "geo_ordered_rtc_regions": [],
            "application": {"id": str(self.app_id), "flags": self.application_flags},
            "_trace": ["fake-discord"],
        }
        if "shard" in data:
            ready["shard"] = data["shard"]
        await self._dispatch_to(session, "READY", ready)
        if intents & _INTENT_GUILDS:
            for guild in self.guilds.values():
                await self._dispatch_to(session, "GUILD_CREATE", self._guild_create(guild))

    async def _resume(self, conn: _Conn, data: JsonDict) -> None:
        self.resumes.append(data)
        session = self.sessions.get(str(data.get("session_id")))
        if data.get("token") != self.token:
            await conn.ws.close(code=4004, message=b"Authentication failed.")
            return
        if session is None or not session.alive:
            await conn.send({"op": 9, "d": False, "s": None, "t": None})
            return
        old = session.conn
        if old is not None and old is not conn:
            with contextlib.suppress(Exception):
                await old.ws.close(code=4000)
        session.conn = conn
        conn.session = session
        last = int(data.get("seq") or 0)
        for frame in session.history:
            if frame["s"] > last:
                await conn.send(frame)
        await self._dispatch_to(session, "RESUMED", {"_trace": ["fake-discord"]})

    async def _request_members(self, session: GatewaySession, data: JsonDict) -> None:
        guild = self.guilds.get(int(data.get("guild_id") or 0))
        members = [] if guild is None else self._members(guild)
        await self._dispatch_to(
            session,
            "GUILD_MEMBERS_CHUNK",
            {
                "guild_id": str(data.get("guild_id")),
                "members": members,
                "chunk_index": 0,
                "chunk_count": 1,
                "not_found": [],
                "nonce": data.get("nonce"),
            },
        )

    async def _dispatch_to(self, session: GatewaySession, event: str, data: JsonDict) -> None:
        session.seq += 1
        frame = {"op": 0, "t": event, "s": session.seq, "d": data}
        session.history.append(frame)
        if session.conn is not None:
            await session.conn.send(frame)

    def _members(self, guild: FakeGuild) -> list[JsonDict]:
        def member(user: FakeUser, roles: Sequence[int]) -> JsonDict:
            return {
                "user": user.to_payload(),
                "roles": [str(r) for r in roles],
                "joined_at": "2024-01-01T00:00:00+00:00",
                "premium_since": None,
                "deaf": False,
                "mute": False,
                "pending": False,
                "nick": None,
                "avatar": None,
                "flags": 0,
                "communication_disabled_until": None,
            }

        out = [member(self.bot_user, guild.bot_roles)]
        out.extend(member(u, ()) for u in guild.members if u.id != self.bot_user.id)
        return out

    def _guild_create(self, guild: FakeGuild) -> JsonDict:
        members = self._members(guild)
        return {
            "id": str(guild.id),
            "name": guild.name,
            "icon": None,
            "splash": None,
            "discovery_splash": None,
            "banner": None,
            "description": None,
            "owner_id": str(guild.owner_id),
            "afk_channel_id": None,
            "afk_timeout": 300,
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "mfa_level": 0,
            "nsfw_level": 0,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "premium_progress_bar_enabled": False,
            "preferred_locale": guild.preferred_locale,
            "features": [],
            "system_channel_id": None,
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "public_updates_channel_id": None,
            "safety_alerts_channel_id": None,
            "vanity_url_code": None,
            "application_id": None,
            "max_members": 500000,
            "max_video_channel_users": 25,
            "joined_at": "2024-01-01T00:00:00+00:00",
            "large": False,
            "unavailable": False,
            "member_count": len(members),
            "roles": [r.to_payload() for r in guild.roles],
            "channels": [c.to_payload(guild.id) for c in guild.channels],
            "members": members,
            "emojis": [],
            "stickers": [],
            "threads": [],
            "presences": [],
            "voice_states": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
        }


@contextlib.contextmanager
def point_discord_at(dc: FakeDiscord) -> Iterator[None]:
    """Point discord.py (process-wide) at ``dc``; restores the real endpoints on exit.

    Patches ``discord.http.Route.BASE`` (read by every ``Route``, including the interaction
    callback/webhook adapter) and ``discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY`` (where a
    plain ``Client`` connects; ``AutoShardedClient`` asks ``GET /gateway/bot`` instead, which
    the fake also answers).  Enter it *before* ``client.start()``/``client.login()``.
    """
    import discord.gateway
    import discord.http
    import yarl

    old_base = discord.http.Route.BASE
    old_gateway = discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    discord.http.Route.BASE = dc.api_base
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(dc.gateway_url)
    try:
        yield
    finally:
        discord.http.Route.BASE = old_base
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = old_gateway
