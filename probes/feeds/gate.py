"""Gate: `api/v4/spot/currencies` (per chain: deposits disabled, withdrawals disabled or
delayed). Gate publishes no system status or maintenance API.

The answer is a bare list; errors are `{"label": "...", "message": "..."}` with an HTTP error
status. The top-level flags of a currency are deprecated in favour of `chains[]`, which is
what is read here.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from probes.feeds.facts import Coin, Flag, Network, Scope, Wallet
from probes.feeds.kind import FeedKind, WalletEndpoint
from probes.feeds.parse import FeedError, disabled, enabled, listed, shape_error, text


def error_of(doc: object) -> str | None:
    if isinstance(doc, dict) and ("label" in doc or "message" in doc):
        return f"{text(doc.get('label'), 40)} {text(doc.get('message'))}".strip() or "error"
    return None


class _Chain(BaseModel):
    model_config = ConfigDict(extra="ignore")
    name: Any = None
    withdraw_disabled: Any = None
    withdraw_delayed: Any = None
    deposit_disabled: Any = None


class _Currency(BaseModel):
    model_config = ConfigDict(extra="ignore")
    currency: Any = None
    delisted: Any = None
    chains: list[Annotated[_Chain | Any, Field(union_mode="left_to_right")]] | None = None


class _Error(BaseModel):
    model_config = ConfigDict(extra="ignore")
    label: Any = None
    message: Any = None


_Row = Annotated[_Currency | Any, Field(union_mode="left_to_right")]
_DOC: TypeAdapter[list[_Row] | _Error] = TypeAdapter(
    Annotated[list[_Row] | _Error, Field(union_mode="left_to_right")]
)


def parse_wallet(body: bytes) -> Wallet:
    try:
        doc = _DOC.validate_json(body)
    except ValidationError as error:
        raise shape_error(error) from None
    if isinstance(doc, _Error):
        message = error_of(doc.model_dump(exclude_none=True))
        raise FeedError(f"Gate says {message}" if message else "unexpected answer: not a list")
    wallet: Wallet = {}
    for row in doc:
        if not isinstance(row, _Currency):
            continue
        code = text(row.currency, 20).upper()
        if code:
            networks = (_network(c) for c in row.chains or () if isinstance(c, _Chain))
            wallet[code] = Coin(code, tuple(n for n in networks if n is not None))
    return listed(wallet)


def _network(chain: _Chain) -> Network | None:
    name = text(chain.name, 40)
    if not name:
        return None
    withdraw = disabled(chain.withdraw_disabled)
    # `withdraw_delayed` is a yes/no like the others ("1"/"true" read as yes, as there).
    delayed = enabled(chain.withdraw_delayed)
    if withdraw is Flag.OPEN and delayed is Flag.OPEN:
        withdraw = Flag.DELAYED
    elif withdraw is Flag.OPEN and delayed is Flag.UNKNOWN:
        # Open, but we cannot tell whether it is delayed: say nothing we do not know.
        withdraw = Flag.UNKNOWN
    return Network(name, name, disabled(chain.deposit_disabled), withdraw)


KIND = FeedKind(
    name="gate",
    scope=Scope.NETWORK,
    system=None,
    wallet=WalletEndpoint("/api/v4/spot/currencies", parse_wallet),
    # 200 requests per 10 s per endpoint; one list per interval is far below it.
    min_gap_s=1.0,
    error_of=error_of,
)
