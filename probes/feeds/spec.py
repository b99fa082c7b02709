"""An exchange's own status API as the catalog names it (`status_api:` of an exchange).

`kind` picks the reader in `probes/feeds/registry.py`; `base_url` is the API's root (its host
must be an official domain of the exchange, or one of `api_domains`); the whole API is read
every `interval_s` seconds and questions are answered from memory. Facts per kind and their
sources: docs/status-apis.md.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

FeedKindName = Literal["kraken", "binance", "okx", "bybit", "kucoin", "gate", "coinbase"]


class StatusApi(BaseModel):
    """Where and how often to read an exchange's public status API."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: FeedKindName
    base_url: str
    interval_s: float = Field(default=60.0, ge=10.0, le=86_400.0)
    timeout_s: float = Field(default=10.0, gt=0.0, le=60.0)
    # Hosts that serve only the API (Gate's api.gateio.ws); never shown to users as links.
    api_domains: tuple[str, ...] = ()
    source: str | None = None
    verified_on: date | None = None
