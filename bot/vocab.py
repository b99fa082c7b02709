"""The shared words of the bot (see the words in docs/design.md), as closed sets."""

from __future__ import annotations

from enum import StrEnum


class Health(StrEnum):
    """What probes say about a channel."""

    UP = "up"
    DEGRADED = "degraded"
    DOWN = "down"
    UNKNOWN = "unknown"


class Verdict(StrEnum):
    """The answer to "is it live now?", in the order the rules try them."""

    MAINTENANCE = "maintenance"
    DOWN = "down"
    UNKNOWN = "unknown"
    OFF_HOURS = "off_hours"
    DEGRADED = "degraded"
    LIVE = "live"


class Mode(StrEnum):
    """How a channel answers."""

    LIVE = "live"
    ASYNC = "async"
    SELF_SERVICE = "self_service"
    BROADCAST = "broadcast"


class ChannelKind(StrEnum):
    """What a channel is; `answered_by_person` says whether it is a contact channel."""

    LIVE_CHAT = "live_chat"
    HELP_CENTER = "help_center"
    TICKET = "ticket"
    EMAIL = "email"
    TELEGRAM = "telegram"
    X = "x"
    PHONE = "phone"
    STATUS_PAGE = "status_page"
    VERIFY_TOOL = "verify_tool"

    @property
    def answered_by_person(self) -> bool:
        """Whether a person answers it: the only kinds ever offered as the place to get help.

        Help centers and verify tools are self-service; X, Telegram accounts and status pages
        broadcast. They are listed, never recommended ("use now", fallbacks, routes, alerts).
        """
        return self in _ANSWERED_BY_PERSON


_ANSWERED_BY_PERSON = frozenset(
    {ChannelKind.LIVE_CHAT, ChannelKind.PHONE, ChannelKind.TICKET, ChannelKind.EMAIL}
)


class Case(StrEnum):
    """An urgent situation a user has."""

    ACCOUNT_COMPROMISED = "account_compromised"
    WITHDRAWAL_STUCK = "withdrawal_stuck"
    DEPOSIT_MISSING = "deposit_missing"
    ORDER_FAILED = "order_failed"
    KYC = "kyc"


class Confidence(StrEnum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    UNVERIFIED = "unverified"


class Locale(StrEnum):
    EN = "en"
    ZH = "zh"

    @classmethod
    def from_client(cls, code: str | None) -> Locale:
        """Map a client's language code (`zh-CN`, `zh-hans`, `en-US`, None) to a locale."""
        if code and code.strip().lower().startswith("zh"):
            return cls.ZH
        return cls.EN


class Platform(StrEnum):
    TELEGRAM = "telegram"
    DISCORD = "discord"
    CONSOLE = "console"
    WEB = "web"
