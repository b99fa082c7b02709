"""The boundary between the drainer and a chat platform: send one reply to one chat.

A notifier classifies every failure as a `SendError`: `permanent` (the bot was blocked, the chat
is gone, no access: never retried, the subscription is deactivated), `transient` (the platform
refused this message for another reason: retried a bounded number of times), `unreachable` (the
platform could not be reached or failed on its side: connection refused/reset, timeout, DNS,
5xx, not connected yet, token refused; it says nothing about the message or the chat, so the
message waits for as long as that lasts) or `rate_limited` (the platform said wait `retry_after`
seconds).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol

from bot.reply import Reply
from bot.vocab import Platform


class SendErrorKind(StrEnum):
    PERMANENT = "permanent"
    TRANSIENT = "transient"
    UNREACHABLE = "unreachable"
    RATE_LIMITED = "rate_limited"


class SendError(Exception):
    """A send the platform did not accept, classified for the drainer."""

    def __init__(self, kind: SendErrorKind, detail: str, retry_after: float | None = None) -> None:
        super().__init__(f"{kind}: {detail}")
        self.kind = kind
        self.detail = detail
        self.retry_after = retry_after


class Notifier(Protocol):
    @property
    def platform(self) -> Platform: ...

    async def send(self, chat_id: str, reply: Reply) -> None:
        """Deliver `reply` to the chat; return only once the platform accepted it."""
        ...


@dataclass(frozen=True, slots=True)
class Sent:
    chat_id: str
    reply: Reply


@dataclass
class RecordingNotifier:
    """Records what it was asked to send; fails on request (tests and benchmarks).

    `blocked` chats fail permanently; `fail_next` queues errors for the next sends (to any chat
    when the key is ""); `fail_ratio` fails that share of sends transiently, from a seeded RNG.
    """

    platform_name: Platform = Platform.TELEGRAM
    keep: bool = True
    sent: list[Sent] = field(default_factory=list)
    attempts: int = 0
    delivered: int = 0
    blocked: set[str] = field(default_factory=set)
    fail_ratio: float = 0.0
    fail_kind: SendErrorKind = SendErrorKind.TRANSIENT
    seed: int = 0
    _scripted: dict[str, list[SendError]] = field(default_factory=dict)
    _rng: random.Random = field(init=False)

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)

    @property
    def platform(self) -> Platform:
        return self.platform_name

    def fail_next(self, error: SendError, chat_id: str = "", times: int = 1) -> None:
        self._scripted.setdefault(chat_id, []).extend([error] * times)

    def texts(self, chat_id: str) -> list[str]:
        """The plain text of every reply the chat received, in order."""
        return ["\n".join(s.reply.plain_lines()) for s in self.sent if s.chat_id == chat_id]

    async def send(self, chat_id: str, reply: Reply) -> None:
        self.attempts += 1
        for key in (chat_id, ""):
            queued = self._scripted.get(key)
            if queued:
                raise queued.pop(0)
        if chat_id in self.blocked:
            raise SendError(SendErrorKind.PERMANENT, "Forbidden: bot was blocked by the user")
        if self.fail_ratio and self._rng.random() < self.fail_ratio:
            if self.fail_kind is SendErrorKind.RATE_LIMITED:
                raise SendError(self.fail_kind, "Too Many Requests", retry_after=0.0)
            raise SendError(self.fail_kind, "HTTP 502 Bad Gateway")
        self.delivered += 1
        if self.keep:
            self.sent.append(Sent(chat_id, reply))
