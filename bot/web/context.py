"""What every web handler reads: the status service, the catalog, metrics, and the bars."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

import jinja2
from aiohttp import web

from bot.catalog import Catalog
from bot.metrics import Metrics
from bot.status import ExchangeStatus, StatusService
from bot.web.bars import Bars, DailyBars

HealthCheck = Callable[[], Awaitable[tuple[bool, str]]]
# What /healthz adds about this replica ({"role": "leader", "role_since": ...}).
Describe = Callable[[], Mapping[str, str | None]]


def _alone() -> Mapping[str, str | None]:
    return {}


@dataclass(frozen=True, slots=True)
class WebContext:
    status: StatusService
    catalog: Catalog
    metrics: Metrics
    health_check: HealthCheck
    bars: Bars  # the last 24 hours
    templates: jinja2.Environment
    daily: DailyBars  # the last 90 days, read per exchange
    describe: Describe = _alone

    async def all_statuses(self) -> list[ExchangeStatus]:
        """Every exchange's status now, in catalog order."""
        return [await self.status.exchange_status(e) for e in self.catalog.exchanges]


CONTEXT = web.AppKey("supportlive_web", WebContext)


def context_of(request: web.Request) -> WebContext:
    return request.app[CONTEXT]
