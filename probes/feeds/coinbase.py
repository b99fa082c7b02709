"""Coinbase Exchange: `currencies` gives one status per network ("online" or not), not
separate deposit and withdrawal flags, and Coinbase has no system-status API (its status
page is read elsewhere).

A network "online" is reported as open both ways; any other status word as suspended both
ways, and the bot words it as "not online" (Coinbase does not say which way is affected).
Errors are `{"message": "..."}` with an HTTP error status.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from probes.feeds.facts import Coin, Flag, Network, Scope, Wallet
from probes.feeds.kind import FeedKind, WalletEndpoint
from probes.feeds.parse import FeedError, listed, shape_error, text


def error_of(doc: object) -> str | None:
    if isinstance(doc, dict) and "message" in doc and "id" not in doc:
        return text(doc.get("message")) or "error"
    return None


class _Network(BaseModel):
    model_config = ConfigDict(extra="ignore")
    id: Any = None
    name: Any = None
    status: Any = None


class _Currency(BaseModel):
    model_config = ConfigDict(extra="ignore")
    id: Any = None
    status: Any = None
    supported_networks: (
        list[Annotated[_Network | Any, Field(union_mode="left_to_right")]] | None
    ) = None


class _Error(BaseModel):
    model_config = ConfigDict(extra="ignore")
    message: Any = None


_Row = Annotated[_Currency | Any, Field(union_mode="left_to_right")]
_DOC: TypeAdapter[list[_Row] | _Error] = TypeAdapter(
    Annotated[list[_Row] | _Error, Field(union_mode="left_to_right")]
)


def status_flag(value: object) -> Flag:
    """ "online" is open; another word is suspended; no word is unknown."""
    if not isinstance(value, str) or not value.strip():
        return Flag.UNKNOWN
    return Flag.OPEN if value.strip().lower() == "online" else Flag.SUSPENDED


def parse_wallet(body: bytes) -> Wallet:
    try:
        doc = _DOC.validate_json(body)
    except ValidationError as error:
        raise shape_error(error) from None
    if isinstance(doc, _Error):
        message = text(doc.message)
        raise FeedError(f"Coinbase says {message}" if message else "unexpected answer: not a list")
    wallet: Wallet = {}
    for row in doc:
        if not isinstance(row, _Currency):
            continue
        code = text(row.id, 20).upper()
        if not code:
            continue
        networks = []
        for item in row.supported_networks or ():
            if isinstance(item, _Network) and (ident := text(item.id, 40)):
                flag = status_flag(item.status)
                networks.append(Network(ident, text(item.name, 40) or ident, flag, flag))
        wallet[code] = Coin(code, tuple(networks))
    return listed(wallet)


KIND = FeedKind(
    name="coinbase",
    scope=Scope.NETWORK_SINGLE,
    system=None,
    wallet=WalletEndpoint("/currencies", parse_wallet),
    # 10 requests per second per IP (bursts of 15); one list per interval is far below it.
    min_gap_s=1.0,
    error_of=error_of,
)
