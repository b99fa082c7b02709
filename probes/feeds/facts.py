"""What an exchange's own API says, as plain data: trading mode, maintenance, wallet flags.

Every value the API leaves out, or gives in a form we do not know, is `UNKNOWN`: a reader
never turns a missing flag into "open". Flags are global: "withdrawals open" is what the
exchange reports for everyone, never a promise about one user's withdrawal.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from probes.result import ErrorKind


class Flag(StrEnum):
    """Deposits or withdrawals of a coin on a network, as the exchange reports them."""

    OPEN = "open"
    SUSPENDED = "suspended"
    DELAYED = "delayed"  # withdrawals only: slowed, not stopped (Gate)
    UNKNOWN = "unknown"


class TradingMode(StrEnum):
    """The exchange's trading engine, in one word."""

    NORMAL = "normal"
    MAINTENANCE = "maintenance"
    CANCEL_ONLY = "cancel_only"
    POST_ONLY = "post_only"
    LIMIT_ONLY = "limit_only"
    UNKNOWN = "unknown"


class EventState(StrEnum):
    """Where a maintenance event stands."""

    SCHEDULED = "scheduled"
    ONGOING = "ongoing"
    PRE_OPEN = "pre_open"  # OKX: only cancels and post-only orders, about 10 min
    COMPLETED = "completed"
    CANCELED = "canceled"
    UNKNOWN = "unknown"


class Scope(StrEnum):
    """What a kind's public wallet data covers."""

    NETWORK = "network"  # deposits and withdrawals per coin and network
    NETWORK_SINGLE = "network_single"  # one status per network, not split (Coinbase)
    ASSET = "asset"  # per coin, all networks together (Kraken)
    NONE = "none"  # no public per-network source


@dataclass(frozen=True, slots=True)
class Event:
    """One maintenance or incident the API lists; times None when not given or unreadable.

    `url` is the API's own link; readers keep it only when it is on an official domain.
    """

    title: str
    state: EventState
    begins_at: datetime | None = None
    ends_at: datetime | None = None
    url: str | None = None
    incident: bool = False  # Kraken's `emergency`: an unresolved incident, not a plan


@dataclass(frozen=True, slots=True)
class System:
    """Trading mode (None where the kind has no such flag), a remark, and the events."""

    mode: TradingMode | None = None
    note: str = ""
    events: tuple[Event, ...] = ()


@dataclass(frozen=True, slots=True)
class Network:
    """One coin on one network: the exchange's id, a readable name, the two flags."""

    id: str
    name: str
    deposit: Flag
    withdraw: Flag


@dataclass(frozen=True, slots=True)
class Coin:
    code: str
    networks: tuple[Network, ...]


Wallet = dict[str, Coin]  # by upper-case coin code


@dataclass(frozen=True, slots=True)
class Part:
    """The last reading of one endpoint: data (and its time) from the last good read, and the
    last failure when it came after it."""

    at: datetime | None = None
    failed_at: datetime | None = None
    error: str = ""
    error_kind: ErrorKind | None = None

    @property
    def failing(self) -> bool:
        return self.failed_at is not None and (self.at is None or self.failed_at >= self.at)


@dataclass(frozen=True, slots=True)
class SystemPart(Part):
    data: System | None = None


@dataclass(frozen=True, slots=True)
class WalletPart(Part):
    data: Wallet | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class FeedFacts:
    """Everything last read from one exchange's API; a part is None where the kind has none."""

    exchange: str
    kind: str
    scope: Scope
    interval_s: float
    system: SystemPart | None = None
    wallet: WalletPart | None = None
