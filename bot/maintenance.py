"""Maintenance windows the catalog declares, copied into the store at start.

The store keeps every window, whether an admin declared it in chat or the catalog did, in
one table: verdicts, held-back down alerts and the started/ended announcements all read
that table, so a catalog window behaves exactly like one declared with `/maintenance`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Protocol

from bot.catalog import Catalog, Exchange, MaintenanceWindow
from bot.vocab import Locale
from storage.maintenance import CATALOG_SOURCE
from storage.records import PlannedWindow


class PlanStore(Protocol):
    """`storage.Store` has it."""

    async def sync_planned(self, windows: Sequence[PlannedWindow], now: datetime) -> int: ...


def planned_windows(catalog: Catalog) -> list[PlannedWindow]:
    """Every window of the catalog, each keyed by exchange, channel and start."""
    return [_planned(e, w) for e in catalog.exchanges for w in e.maintenance]


async def sync_catalog_maintenance(store: PlanStore, catalog: Catalog, now: datetime) -> int:
    """Put the catalog's windows in the store (idempotent); returns rows written."""
    return await store.sync_planned(planned_windows(catalog), now)


def _planned(exchange: Exchange, window: MaintenanceWindow) -> PlannedWindow:
    start = window.starts_at.astimezone(UTC)
    reasons = {} if window.reason is None else {k.value: v for k, v in window.reason.root.items()}
    fallback = "" if window.reason is None else window.reason.get(Locale.EN)
    return PlannedWindow(
        source=f"{CATALOG_SOURCE}{exchange.id}/{window.channel or '*'}@{start:%Y-%m-%dT%H:%M:%SZ}",
        exchange=exchange.id,
        channel=window.channel,
        starts_at=start,
        ends_at=window.ends_at.astimezone(UTC),
        reason=fallback,
        reasons=reasons,
    )
