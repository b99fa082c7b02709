"""Kraken: `SystemStatus` (trading mode, upcoming maintenance, open incidents) and `Assets`
(per asset, all networks together: deposits and withdrawals on or off).

Envelope: `{"error": [...], "result": {...}}`; a non-empty `error` is a failed read. The
fields inside `upcoming_maintenance` and `emergency` items are not documented, so they are
read by several likely names and kept only as far as they make sense.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from probes.feeds.facts import Coin, Event, EventState, Flag, Network, Scope, System, TradingMode
from probes.feeds.facts import Wallet as WalletFacts
from probes.feeds.kind import FeedKind, SystemEndpoint, WalletEndpoint
from probes.feeds.parse import (
    MAX_EVENTS,
    FeedError,
    iso_time,
    items,
    listed,
    load_json,
    ms_time,
    shape_error,
    text,
)

MODES = {
    "online": TradingMode.NORMAL,
    "maintenance": TradingMode.MAINTENANCE,
    "cancel_only": TradingMode.CANCEL_ONLY,
    "post_only": TradingMode.POST_ONLY,
    "limit_only": TradingMode.LIMIT_ONLY,
}
# Asset status → (deposits, withdrawals).
ASSET_FLAGS = {
    "enabled": (Flag.OPEN, Flag.OPEN),
    "deposit_only": (Flag.OPEN, Flag.SUSPENDED),
    "withdrawal_only": (Flag.SUSPENDED, Flag.OPEN),
    "funding_temporarily_disabled": (Flag.SUSPENDED, Flag.SUSPENDED),
}
ALL_NETWORKS = "all"


def error_of(doc: object) -> str | None:
    """The first entry of a non-empty `error` list (or a bare error string)."""
    if not isinstance(doc, dict):
        return None
    error = doc.get("error")
    if isinstance(error, list) and error:
        return text(error[0]) or "error"
    if isinstance(error, str) and error.strip():
        return text(error)
    return None


def _result(doc: object) -> dict[str, Any]:
    message = error_of(doc)
    if message:
        raise FeedError(f"Kraken says {message}")
    if not isinstance(doc, dict) or not isinstance(doc.get("result"), dict):
        raise FeedError("unexpected answer: no result object")
    result: dict[str, Any] = doc["result"]
    return result


def parse_system(body: bytes) -> System:
    result = _result(load_json(body))
    status = result.get("status")
    mode = TradingMode.UNKNOWN
    if isinstance(status, str):
        mode = MODES.get(status.strip().lower(), TradingMode.UNKNOWN)
    events = [
        *(_event(item, incident=False) for item in items(result.get("upcoming_maintenance"))),
        *(_event(item, incident=True) for item in items(result.get("emergency"))),
    ]
    return System(mode=mode, events=tuple(e for e in events if e is not None)[:MAX_EVENTS])


def _event(item: object, *, incident: bool) -> Event | None:
    """An item of `upcoming_maintenance` or `emergency`; a bare string is its title."""
    if isinstance(item, str):
        title = text(item)
        state = EventState.ONGOING if incident else EventState.SCHEDULED
        return Event(title, state, incident=incident) if title else None
    if not isinstance(item, dict):
        return None
    title = _first_text(item, "title", "name", "description", "message", "services")
    begins = _time(item, "start_time", "starts_at", "start", "begin", "effective_time")
    ends = _time(item, "end_time", "ends_at", "end")
    url = _first_text(item, "url", "href", "link") or None
    # Upcoming maintenance has not started (Kraken removes it once its window opens);
    # an emergency is an unresolved incident, so it is under way.
    state = EventState.ONGOING if incident else EventState.SCHEDULED
    return Event(title or "maintenance", state, begins, ends, url, incident)


def _first_text(item: dict[str, Any], *names: str) -> str:
    for name in names:
        value = item.get(name)
        if isinstance(value, list):
            value = ", ".join(str(v) for v in value if isinstance(v, str))
        found = text(value)
        if found:
            return found
    return ""


def _time(item: dict[str, Any], *names: str) -> datetime | None:
    for name in names:
        value = item.get(name)
        moment = iso_time(value) or ms_time(value)
        if moment is not None:
            return moment
    return None


class _Asset(BaseModel):
    model_config = ConfigDict(extra="ignore")
    altname: Any = None
    status: Any = None


class _Assets(BaseModel):
    model_config = ConfigDict(extra="ignore")
    error: Any = None
    result: dict[str, _Asset | Any] | None = None


def parse_wallet(body: bytes) -> WalletFacts:
    """`Assets`: one coin per asset, one pseudo-network "all" carrying the asset's status."""
    try:
        doc = _Assets.model_validate_json(body)
    except ValidationError as error:
        raise shape_error(error) from None
    message = error_of({"error": doc.error})
    if message:
        raise FeedError(f"Kraken says {message}")
    if doc.result is None:
        raise FeedError("unexpected answer: no result object")
    wallet: WalletFacts = {}
    for asset_id, asset in doc.result.items():
        if not isinstance(asset, _Asset):
            continue
        code = text(asset.altname, 20) or text(asset_id, 20)
        if not code:
            continue
        status = asset.status.strip().lower() if isinstance(asset.status, str) else ""
        deposit, withdraw = ASSET_FLAGS.get(status, (Flag.UNKNOWN, Flag.UNKNOWN))
        network = Network(ALL_NETWORKS, ALL_NETWORKS, deposit, withdraw)
        wallet[code.upper()] = Coin(code.upper(), (network,))
    return listed(wallet)


KIND = FeedKind(
    name="kraken",
    scope=Scope.ASSET,
    system=SystemEndpoint("/0/public/SystemStatus", parse_system),
    wallet=WalletEndpoint("/0/public/Assets", parse_wallet),
    # Public endpoints: about one call per second per IP stays within Kraken's limits.
    min_gap_s=1.5,
    error_of=error_of,
)
