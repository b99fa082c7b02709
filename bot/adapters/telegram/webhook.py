"""Telegram webhook mode: Telegram POSTs each update to our web side instead of being polled.

- Where: `/telegram/<first 32 hex digits of sha256(secret)>` on the web side (bot/web). The
  path only keeps scanners from finding the endpoint; what proves a request comes from
  Telegram is the `X-Telegram-Bot-Api-Secret-Token` header, which must equal
  TELEGRAM_WEBHOOK_SECRET (compared in constant time). The secret itself is in no URL and no
  log line.
- What a request gets: 405 for a method other than POST (the router says so), 401 without the
  right header, 413 for a body over `MAX_UPDATE_BYTES`, 400 for a body that is not a JSON
  update, 503 while the bot is not ready or the claim cannot be recorded (Telegram delivers
  it again later), else 200 at once: the update is handled in the background.
- Once: before an update is handed on, its (bot, update_id) is claimed in the database
  (`Store.claim_telegram_update`). A copy delivered again, to this replica or another one
  on the same database, finds the claim and is acknowledged without being answered again.
  The claim is recorded before the 200, so an update is answered at most once; one whose
  process dies between the claim and the answer stays unanswered (the user asks again).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from dataclasses import dataclass
from typing import Any, Protocol

from aiohttp import web
from telegram import Update

from storage.engine import DatabaseError, StorageError

log = logging.getLogger(__name__)

PATH_PREFIX = "/telegram/"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# An update is a few KiB (a 4,096-character message, its entities, the message it replies
# to); far more is not Telegram.
MAX_UPDATE_BYTES = 256 * 1024
MAX_UPDATE_ID = 2**63 - 1  # the widest integer both databases store (BIGINT)
# How long Telegram is asked to wait before delivering again when we cannot take an update.
RETRY_AFTER_S = 5


def webhook_path(secret: str) -> str:
    """The path the web side serves the webhook at, derived from the secret."""
    return PATH_PREFIX + hashlib.sha256(secret.encode()).hexdigest()[:32]


def webhook_url(base_url: str, secret: str) -> str:
    """The URL registered with Telegram: TELEGRAM_WEBHOOK_URL followed by the path."""
    return base_url.rstrip("/") + webhook_path(secret)


def bot_id_of(token: str) -> int:
    """The bot's id: the number before ':' in its token (the claims are kept per bot)."""
    return int(token.split(":", 1)[0])


class UpdateClaims(Protocol):
    async def claim_telegram_update(self, bot_id: int, update_id: int) -> bool: ...


class UpdateTaker(Protocol):
    """The Telegram adapter, as the webhook sees it."""

    def decode_update(self, data: dict[str, Any]) -> Update | None:
        """The update for the bot, or None while the bot is not ready."""
        ...

    async def take_update(self, update: Update) -> None:
        """Queue the update for the handlers the poller would have fed."""
        ...


class NotAnUpdate(ValueError):
    """The body is not a Telegram update."""


@dataclass
class WebhookCounts:
    """What the webhook did with the requests since start (`/metrics`)."""

    taken: int = 0  # handed to the handlers
    duplicate: int = 0  # claimed before: acknowledged, not answered again
    refused: int = 0  # 401, 400 or 413
    unavailable: int = 0  # 503: not ready, or the claim could not be recorded

    def by_outcome(self) -> dict[str, int]:
        """{outcome: requests}, for `telegram_webhook_requests_total{outcome}`."""
        return {
            "taken": self.taken,
            "duplicate": self.duplicate,
            "refused": self.refused,
            "unavailable": self.unavailable,
        }


class Webhook:
    """The aiohttp side of webhook mode: checks a request, claims its update, hands it on."""

    def __init__(self, secret: str, bot_id: int, claims: UpdateClaims, taker: UpdateTaker) -> None:
        self._secret = secret.encode()
        self._bot_id = bot_id
        self._claims = claims
        self._taker = taker
        self.path = webhook_path(secret)
        self.counts = WebhookCounts()

    def routes(self) -> list[web.RouteDef]:
        """Only POST: aiohttp answers another method with 405 and an Allow header."""
        return [web.post(self.path, self.receive)]

    async def receive(self, request: web.Request) -> web.Response:
        """One delivery from Telegram (see the module's docstring for the answers)."""
        if not self._authentic(request):
            self.counts.refused += 1
            return _plain(401, "unauthorized")
        body = await _read_capped(request, MAX_UPDATE_BYTES)
        if body is None:
            self.counts.refused += 1
            return _plain(413, f"an update is at most {MAX_UPDATE_BYTES} bytes")
        try:
            data, update_id = _parse(body)
            update = self._taker.decode_update(data)
        except NotAnUpdate as error:
            self.counts.refused += 1
            return _plain(400, f"not a Telegram update: {error}")
        if update is None:
            self.counts.unavailable += 1
            return _plain(503, "the bot is starting", retry=True)
        try:
            claimed = await self._claims.claim_telegram_update(self._bot_id, update_id)
        except (DatabaseError, StorageError) as error:  # Telegram will deliver it again
            code = getattr(error, "code", None)
            log.warning(
                "Telegram update %d not taken, its claim could not be recorded (%s%s); "
                "Telegram delivers it again",
                update_id,
                type(error).__name__,
                f"/{code}" if code else "",
            )
            self.counts.unavailable += 1
            return _plain(503, "cannot record the update now", retry=True)
        if not claimed:
            self.counts.duplicate += 1
            log.debug("Telegram update %d was delivered before; not answered again", update_id)
            return web.Response(status=200)
        await self._taker.take_update(update)
        self.counts.taken += 1
        return web.Response(status=200)

    def _authentic(self, request: web.Request) -> bool:
        given = request.headers.get(SECRET_HEADER, "")
        # Bytes, so a non-ASCII header compares (unequal) instead of raising.
        return hmac.compare_digest(given.encode("utf-8", "surrogateescape"), self._secret)


async def _read_capped(request: web.Request, cap: int) -> bytes | None:
    """The body, or None when it is longer than `cap` (without reading more than cap + 1)."""
    if request.content_length is not None and request.content_length > cap:
        return None
    body = await request.content.read(cap + 1)
    # `read(n)` may stop short of n at a chunk boundary: keep reading until the end or the cap.
    while len(body) <= cap:
        more = await request.content.read(cap + 1 - len(body))
        if not more:
            break
        body += more
    return None if len(body) > cap else body


def _parse(body: bytes) -> tuple[dict[str, Any], int]:
    """The update's JSON object and its update_id, or NotAnUpdate saying what is wrong."""
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, ValueError):
        raise NotAnUpdate("the body is not JSON") from None
    if not isinstance(data, dict):
        raise NotAnUpdate("the body is not a JSON object")
    update_id = data.get("update_id")
    # bool is an int in Python, never in Telegram.
    if not isinstance(update_id, int) or isinstance(update_id, bool):
        raise NotAnUpdate("no update_id")
    # Telegram's are far smaller; a wider one would fail the claim's INSERT (SQLite: a 500,
    # PostgreSQL: a 503 that tells Telegram to deliver it again and again).
    if not 0 <= update_id <= MAX_UPDATE_ID:
        raise NotAnUpdate("no update_id")
    return data, update_id


def _plain(status: int, words: str, *, retry: bool = False) -> web.Response:
    headers = {"Retry-After": str(RETRY_AFTER_S)} if retry else {}
    return web.Response(status=status, text=f"{status}: {words}\n", headers=headers)
