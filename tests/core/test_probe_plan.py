"""One probe per distinct check: channels probing the same URL share one result."""

from __future__ import annotations

from datetime import timedelta

from bot.catalog import load_catalog
from bot.catalog.models import catalog_from_data
from bot.clock import FakeClock
from bot.monitor import Monitor, targets_of
from bot.probe_plan import probe_plan
from bot.settings import SHIPPED_CATALOG
from bot.status import StatusService
from bot.vocab import Health, Verdict
from probes.result import ErrorKind, ProbeResult
from storage.store import Store
from tests.alerts.conftest import CATALOG_DATA, START


def test_channels_with_the_same_probe_share_one_target() -> None:
    plan = probe_plan(catalog_from_data(CATALOG_DATA))

    assert [t.channel for t in plan.targets] == ["mexc/live_chat", "mexc/email", "kraken/live_chat"]
    assert plan.shared == {"mexc/live_chat": ("mexc/help_center",)}


def test_the_shipped_catalog_probes_each_support_page_once() -> None:
    catalog = load_catalog(SHIPPED_CATALOG)
    plan = probe_plan(catalog)
    probed = [e.key(c) for e, c in catalog.channels() if c.probe is not None]

    assert len(targets_of(catalog)) == len(plan.targets) < len(probed)
    # Every probed channel is probed: by its own target or through the one it shares.
    fed = {t.channel for t in plan.targets} | {k for ks in plan.shared.values() for k in ks}
    assert fed == set(probed)
    assert "mexc/help_center" in plan.shared["mexc/live_chat"]  # both check /support


def test_the_same_url_checked_differently_is_its_own_probe() -> None:
    mexc = CATALOG_DATA["exchanges"][0]
    help_center = {
        **mexc["channels"][2],
        "probe": {**mexc["channels"][2]["probe"], "interval_s": 300},
    }
    data = {"exchanges": [{**mexc, "channels": [*mexc["channels"][:2], help_center]}]}
    plan = probe_plan(catalog_from_data(data))

    assert "mexc/help_center" in {t.channel for t in plan.targets}
    assert plan.shared == {}


async def test_one_result_gives_both_channels_one_truth(store: Store) -> None:
    catalog = catalog_from_data(CATALOG_DATA)
    clock = FakeClock(current=START)
    monitor = Monitor(catalog, store, clock)
    for i in range(3):
        clock.current = START + timedelta(seconds=30 * i)
        monitor.on_result(
            ProbeResult("mexc/live_chat", clock.now(), False, None, ErrorKind.TIMEOUT, "HTTP 503")
        )
    await monitor.flush()

    chat, help_center = monitor.health("mexc/live_chat"), monitor.health("mexc/help_center")
    assert chat is not None and help_center is not None
    assert (chat.health, help_center.health) == (Health.DOWN, Health.DOWN)
    assert chat.last_at == help_center.last_at and chat.since == help_center.since
    stored = await store.transitions("mexc", START)
    assert sorted((t.channel, t.new, t.error) for t in stored) == [
        ("mexc/help_center", "down", "timeout"),
        ("mexc/live_chat", "down", "timeout"),
    ]
    # Each channel keeps its own rows, so its bars and uptime read like any other's.
    assert len(await store.recent_results("mexc/help_center")) == 3

    view = await StatusService(catalog, monitor, store, clock).exchange_status(catalog.exchanges[0])
    verdicts = {c.channel.id: (c.verdict, c.evidence_age_s) for c in view.channels}
    assert verdicts["live_chat"] == verdicts["help_center"] == (Verdict.DOWN, 0.0)
