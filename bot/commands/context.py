"""What a command handler gets: the request, the shared core, the locale and the words."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from bot.catalog import Catalog
from bot.clock import Clock
from bot.render.words import Words
from bot.settings import Settings
from bot.status import StatusService
from bot.vocab import Locale, Platform


class SubscriptionRow(Protocol):
    @property
    def exchange(self) -> str: ...

    @property
    def channel(self) -> str | None: ...


class WindowRow(Protocol):
    """A maintenance window as `/maintenance ... end` needs it; `channel` None: all."""

    @property
    def id(self) -> int: ...

    @property
    def exchange(self) -> str: ...

    @property
    def channel(self) -> str | None: ...


class CommandStore(Protocol):
    """The storage writes and reads chat commands need (storage/store.py `Store` has them)."""

    async def subscribe(
        self,
        platform: str,
        chat_id: str,
        exchange: str,
        channel: str | None,
        locale: str,
        include_degraded: bool = False,
    ) -> bool: ...

    async def unsubscribe(
        self, platform: str, chat_id: str, exchange: str | None = None, channel: str | None = None
    ) -> int: ...

    async def subscriptions_of(self, platform: str, chat_id: str) -> Sequence[SubscriptionRow]: ...

    async def set_locale(
        self, platform: str, user_id: str, locale: str, own_chat: str | None = None
    ) -> None: ...

    async def get_locale(self, platform: str, user_id: str) -> str | None: ...

    async def add_maintenance(
        self,
        exchange: str,
        channel: str | None,
        starts_at: datetime,
        ends_at: datetime | None,
        reason: str,
        created_by: str,
    ) -> int: ...

    async def active_maintenance(self, now: datetime) -> Sequence[WindowRow]: ...

    async def end_maintenance(self, window_id: int, now: datetime) -> bool: ...

    async def count_subscriptions(self, active_only: bool = True) -> int: ...

    async def outbox_depth(self) -> dict[str, int]: ...


@dataclass(frozen=True, slots=True)
class Request:
    """One command as an adapter received it.

    `text` is the raw command line ("/status@supportlive_bot MEXC"); `client_locale` the
    client's language code; `locale` a language fixed by the caller (console `--lang`),
    which wins over the user's stored choice.
    """

    platform: Platform
    chat_id: str
    user_id: str
    client_locale: str | None
    text: str
    is_group: bool = False
    is_admin: bool = False
    can_manage: bool = True
    locale: Locale | None = None


@dataclass(frozen=True, slots=True)
class Core:
    """What every command shares; `store` is None when there is no database (console)."""

    catalog: Catalog
    status: StatusService
    store: CommandStore | None
    clock: Clock
    settings: Settings


@dataclass(frozen=True, slots=True)
class Context:
    """One command being answered."""

    request: Request
    core: Core
    command: str
    words: tuple[str, ...]
    w: Words

    @property
    def catalog(self) -> Catalog:
        return self.core.catalog

    @property
    def locale(self) -> Locale:
        return self.w.locale
