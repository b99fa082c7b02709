"""KuCoin: `api/v1/status` (open, close, cancelonly) and `api/v3/currencies` (per chain:
deposits and withdrawals enabled or not).

Envelope `{"code": "200000", "data": ...}`; any other `code` is a failed read (429000: rate
limited, with a header saying when to retry). A currency list is a few MiB, so it is
validated straight from bytes with only the fields read declared.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from probes.feeds.facts import Coin, Network, Scope, System, TradingMode, Wallet
from probes.feeds.kind import FeedKind, SystemEndpoint, WalletEndpoint
from probes.feeds.parse import FeedError, enabled, listed, load_json, shape_error, text

OK = "200000"
MODES = {
    "open": TradingMode.NORMAL,
    "close": TradingMode.MAINTENANCE,
    "cancelonly": TradingMode.CANCEL_ONLY,
}


def error_of(doc: object) -> str | None:
    if isinstance(doc, dict) and "code" in doc and str(doc["code"]) != OK:
        return f"{text(str(doc['code']), 20)} {text(doc.get('msg'))}".strip()
    return None


def _check(code: object, msg: object) -> None:
    message = error_of({"code": code, "msg": msg}) if code is not None else "no code"
    if message:
        raise FeedError(f"KuCoin says {message}")


def parse_system(body: bytes) -> System:
    doc = load_json(body)
    if not isinstance(doc, dict):
        raise FeedError("unexpected answer: not an object")
    _check(doc.get("code"), doc.get("msg"))
    data = doc.get("data")
    if not isinstance(data, dict):
        raise FeedError("unexpected answer: no data object")
    status = data.get("status")
    mode = TradingMode.UNKNOWN
    if isinstance(status, str):
        mode = MODES.get(status.strip().lower(), TradingMode.UNKNOWN)
    return System(mode=mode, note=text(data.get("msg")))


class _Chain(BaseModel):
    model_config = ConfigDict(extra="ignore")
    chainName: Any = None
    chainId: Any = None
    isDepositEnabled: Any = None
    isWithdrawEnabled: Any = None


_Lenient = Annotated[_Chain | Any, Field(union_mode="left_to_right")]


class _Currency(BaseModel):
    model_config = ConfigDict(extra="ignore")
    currency: Any = None
    chains: list[_Lenient] | None = None


_Row = Annotated[_Currency | Any, Field(union_mode="left_to_right")]


class _Currencies(BaseModel):
    model_config = ConfigDict(extra="ignore")
    code: Any = None
    msg: Any = None
    # Left to right: a list is read as currencies once; anything else is kept as it came
    # (smart mode would also build the whole list as plain Python values, twice the work).
    data: Annotated[list[_Row] | Any, Field(union_mode="left_to_right")] = None


def parse_wallet(body: bytes) -> Wallet:
    try:
        doc = _Currencies.model_validate_json(body)
    except ValidationError as error:
        raise shape_error(error) from None
    _check(doc.code, doc.msg)
    if not isinstance(doc.data, list):
        raise FeedError("unexpected answer: no data list")
    wallet: Wallet = {}
    for row in doc.data:
        if not isinstance(row, _Currency):
            continue
        code = text(row.currency, 20).upper()
        if code:
            networks = tuple(_network(c) for c in row.chains or () if isinstance(c, _Chain))
            wallet[code] = Coin(code, tuple(n for n in networks if n is not None))
    return listed(wallet)


def _network(chain: _Chain) -> Network | None:
    ident = text(chain.chainId, 40) or text(chain.chainName, 40)
    if not ident:
        return None
    return Network(
        id=ident,
        name=text(chain.chainName, 40) or ident,
        deposit=enabled(chain.isDepositEnabled),
        withdraw=enabled(chain.isWithdrawEnabled),
    )


KIND = FeedKind(
    name="kucoin",
    scope=Scope.NETWORK,
    system=SystemEndpoint("/api/v1/status", parse_system),
    wallet=WalletEndpoint("/api/v3/currencies", parse_wallet),
    min_gap_s=1.0,
    error_of=error_of,
)
