"""An exchange's own status page: read by the bot when the catalog names it, and never
"All systems operational" when it could not be read."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.alerts.record import record_upstream
from bot.catalog import Catalog
from bot.catalog.models import catalog_from_data
from bot.clock import FakeClock
from bot.monitor import STATUS_PAGE_KEY, Monitor, status_page_targets
from bot.render.plain import to_plain
from bot.render.status import status_reply
from bot.render.words import Words
from bot.status import StatusService
from bot.verdict import Indicator, Upstream
from bot.vocab import Locale
from bot.web.api import upstream_json
from probes.result import ErrorKind, ProbeResult
from probes.spec import StatuspageProbe
from storage import outbox
from storage.store import Store
from tests.alerts.conftest import CATALOG_DATA, START

PAGE = f"kraken/{STATUS_PAGE_KEY}"
READ = ProbeResult(
    PAGE,
    START,
    True,
    210.0,
    detail="Minor Service Outage",
    slow=True,
    extra={
        "indicator": "minor",
        "description": "Minor Service Outage",
        "components": {"Funding": "partial_outage"},
        "incidents": [{"name": "Delayed BTC withdrawals", "impact": "minor", "status": "open"}],
        "maintenance": False,
    },
)
UNREADABLE = ProbeResult(
    PAGE, START + timedelta(minutes=2), False, None, ErrorKind.TIMEOUT, "timeout after 10 s"
)


@pytest.fixture
def catalog() -> Catalog:
    return catalog_from_data(CATALOG_DATA)


async def status_text(catalog: Catalog, monitor: Monitor, store: Store, clock: FakeClock) -> str:
    kraken = catalog.exchanges[1]
    view = await StatusService(catalog, monitor, store, clock).exchange_status(kraken)
    return to_plain(status_reply(view, Words.of(Locale.EN, clock.now())))


def test_the_catalogs_status_page_is_probed_without_a_channel_for_it(catalog: Catalog) -> None:
    [target] = status_page_targets(catalog)
    assert target.channel == PAGE
    assert target.spec == StatuspageProbe(url="https://status.kraken.com")
    assert target.official_domains == ("kraken.com",)


async def test_its_incidents_and_components_appear_in_status_and_the_api(
    catalog: Catalog, store: Store
) -> None:
    clock = FakeClock(current=START)
    monitor = Monitor(catalog, store, clock)
    monitor.on_result(READ)
    await monitor.flush()

    text = await status_text(catalog, monitor, store, clock)
    assert "Minor incident · https://status.kraken.com" in text
    assert "• Delayed BTC withdrawals" in text
    assert "• Funding: partial outage" in text
    assert monitor.health(PAGE) is None, "the page is no channel: no health, no alerts"
    assert PAGE not in await store.load_health()
    body = upstream_json(monitor.upstream("kraken"))
    assert body is not None
    assert body["reachable"] is True
    assert body["components"] == [{"name": "Funding", "status": "partial_outage"}]


async def test_a_page_that_cannot_be_read_is_unknown_never_operational(
    catalog: Catalog, store: Store
) -> None:
    clock = FakeClock(current=START)
    monitor = Monitor(catalog, store, clock)
    monitor.on_result(UNREADABLE)

    upstream = monitor.upstream("kraken")
    assert upstream == Upstream(indicator=Indicator.UNKNOWN, detail="timeout after 10 s")
    text = await status_text(catalog, monitor, store, clock)
    assert "Could not read the status page, so we can't say" in text
    assert "operational" not in text
    assert upstream_json(upstream) == {
        "indicator": "unknown",
        "reachable": False,
        "detail": "timeout after 10 s",
        "incidents": [],
        "components": [],
    }


async def test_an_unreadable_page_does_not_announce_its_incidents_resolved(
    catalog: Catalog, store: Store
) -> None:
    clock = FakeClock(current=START)
    monitor = Monitor(catalog, store, clock)
    monitor.on_result(READ)
    opened = monitor.upstream("kraken")
    assert await record_upstream(store, catalog, "kraken", opened, START) == 0  # no subscribers
    monitor.on_result(UNREADABLE)
    unknown = monitor.upstream("kraken")
    assert (
        await record_upstream(store, catalog, "kraken", unknown, START + timedelta(minutes=2)) == 0
    )
    async with store.transaction() as conn:
        still_open = await outbox.open_incidents(conn, "kraken")
    assert list(still_open) == ["Delayed BTC withdrawals"]
