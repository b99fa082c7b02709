"""What a feed kind is: its endpoints, what each one's answer becomes, and its pace.

One module per kind (`probes/feeds/<kind>.py`) builds one `FeedKind`; `registry.py` lists
them. A parser is pure: bytes in, facts out, `FeedError` for a failed read.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from probes.feeds.facts import Scope, System, Wallet

# A full currency list is a few MiB; a system status answer a few KiB.
MAX_SYSTEM_BYTES = 256 * 1024
MAX_WALLET_BYTES = 16 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class SystemEndpoint:
    path: str
    parse: Callable[[bytes], System]
    max_bytes: int = MAX_SYSTEM_BYTES


@dataclass(frozen=True, slots=True)
class WalletEndpoint:
    path: str
    parse: Callable[[bytes], Wallet]
    max_bytes: int = MAX_WALLET_BYTES


@dataclass(frozen=True, slots=True)
class FeedKind:
    """One exchange API: its endpoints (None where it has no public one) and its pace.

    `min_gap_s` is the least time between two requests to this API (its documented limit,
    with room); `error_of` pulls the message out of an error answer (any HTTP status).
    """

    name: str
    scope: Scope
    system: SystemEndpoint | None
    wallet: WalletEndpoint | None
    min_gap_s: float
    error_of: Callable[[object], str | None]

    def requests_per_round(self) -> int:
        return (self.system is not None) + (self.wallet is not None)
