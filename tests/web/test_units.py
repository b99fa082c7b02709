"""The small parts on their own: languages, metrics, the 24 h bars."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.catalog import Catalog
from bot.clock import FakeClock
from bot.metrics import Metrics
from bot.vocab import Locale, Verdict
from bot.web.bars import HourlyBars, Level
from bot.web.lang import BadLanguage, from_accept_language, requested
from probes.result import ErrorKind, ProbeResult
from storage import Store, open_database
from storage.records import RollupSummary
from tests.web.conftest import HourlyStore

AT = datetime(2026, 11, 24, 19, tzinfo=UTC)


@pytest.mark.parametrize(
    ("header", "locale"),
    [
        (None, Locale.EN),
        ("", Locale.EN),
        ("zh-CN,zh;q=0.9,en;q=0.8", Locale.ZH),
        ("en-US,en;q=0.9,zh-CN;q=0.8", Locale.EN),
        ("fr-FR,fr;q=0.9,zh-TW;q=0.5", Locale.ZH),
        ("en;q=0.2,zh-Hans;q=0.7", Locale.ZH),
        ("zh;q=0,en;q=0.1", Locale.EN),
        ("zh;q=abc", Locale.EN),
        ("de-DE", Locale.EN),
    ],
)
def test_it_picks_the_preferred_language(header: str | None, locale: Locale) -> None:
    assert from_accept_language(header) is locale


def test_it_reads_the_lang_parameter() -> None:
    assert requested({"lang": "ZH"}) is Locale.ZH
    assert requested({}) is None
    with pytest.raises(BadLanguage):
        requested({"lang": "fr"})


def sample(metrics: Metrics, name: str, **labels: str) -> float | None:
    return metrics.registry.get_sample_value(name, labels)


def test_it_counts_probe_results_by_kind_and_result() -> None:
    metrics = Metrics()
    metrics.observe_probe(ProbeResult("a/b", AT, True, 120.0), "http")
    metrics.observe_probe(ProbeResult("a/b", AT, True, 2500.0, slow=True), "http")
    metrics.observe_probe(ProbeResult("a/b", AT, False, 10_000.0, ErrorKind.TIMEOUT), "http")

    assert sample(metrics, "probe_results_total", kind="http", result="ok") == 1
    assert sample(metrics, "probe_results_total", kind="http", result="slow") == 1
    assert sample(metrics, "probe_results_total", kind="http", result="timeout") == 1
    # Failures do not pose as latency: only the two successes are in the histogram.
    assert sample(metrics, "probe_latency_seconds_count", kind="http") == 2
    assert sample(metrics, "probe_latency_seconds_sum", kind="http") == pytest.approx(2.62)


def test_it_keeps_command_and_outcome_labels_bounded() -> None:
    metrics = Metrics(commands=["status"])
    metrics.count_command("telegram", "/Status")
    metrics.count_command("telegram", "/whatever")
    metrics.count_send("discord", "rate_limited")
    metrics.count_send("discord", "Weird Outcome!")

    assert sample(metrics, "commands_total", platform="telegram", command="status") == 1
    assert sample(metrics, "commands_total", platform="telegram", command="other") == 1
    assert sample(metrics, "alert_sends_total", platform="discord", outcome="rate_limited") == 1
    assert sample(metrics, "alert_sends_total", platform="discord", outcome="other") == 1


def test_it_replaces_verdicts_so_a_removed_channel_disappears() -> None:
    metrics = Metrics()
    metrics.set_verdicts([("mexc", "live_chat", Verdict.DOWN), ("mexc", "email", Verdict.LIVE)])
    metrics.set_verdicts([("mexc", "live_chat", Verdict.LIVE)])

    assert sample(metrics, "channel_verdict", exchange="mexc", channel="live_chat", verdict="live")
    assert not sample(
        metrics, "channel_verdict", exchange="mexc", channel="live_chat", verdict="down"
    )
    assert (
        sample(metrics, "channel_verdict", exchange="mexc", channel="email", verdict="live") is None
    )


def test_it_counts_results_under_their_channels_probe_kind(catalog: Catalog) -> None:
    metrics = Metrics()
    observe = metrics.probe_observer(catalog)
    observe(ProbeResult("mexc/email", AT, True, 12.0))
    observe(ProbeResult("gone/channel", AT, False, None, ErrorKind.DNS))

    assert sample(metrics, "probe_results_total", kind="dns", result="ok") == 1
    assert sample(metrics, "probe_results_total", kind="other", result="dns") == 1


def test_it_keeps_each_metrics_object_in_its_own_registry() -> None:
    first, second = Metrics(), Metrics()
    first.count_command("telegram", "help")

    assert sample(second, "commands_total", platform="telegram", command="help") is None


async def test_it_runs_scrape_hooks_and_survives_a_failing_one() -> None:
    metrics = Metrics()

    async def depth() -> None:
        metrics.set_outbox_depth({"pending": 7})

    async def broken() -> None:
        raise RuntimeError("database locked")

    metrics.before_scrape(broken)
    metrics.before_scrape(depth)

    assert b'outbox_depth{state="pending"} 7.0' in await metrics.scrape()


def test_it_shows_how_long_alerts_to_an_unreachable_platform_have_waited() -> None:
    metrics = Metrics()
    metrics.set_alerts_unreachable({"telegram": 1500.0, "discord": 0.0})

    assert sample(metrics, "alerts_unreachable_seconds", platform="telegram") == 1500.0
    assert sample(metrics, "alerts_unreachable_seconds", platform="discord") == 0.0


async def test_it_reads_complete_hours_once_an_hour_and_this_hour_every_30_s() -> None:
    clock = FakeClock(AT + timedelta(minutes=5))
    store = HourlyStore()
    store.hour("mexc/live_chat", AT, 5, 5)  # the hour under way: down
    store.hour("mexc/live_chat", AT - timedelta(hours=1), 60, 40)
    store.hour("mexc/live_chat", AT - timedelta(hours=23), 60, 1)
    store.hour("mexc/live_chat", AT - timedelta(hours=24), 60, 60)  # out of the window
    bars = HourlyBars(store, clock)

    first = await bars.for_channels(["mexc/live_chat"])
    await bars.for_channels(["mexc/live_chat"])
    assert store.reads == 24  # 23 complete hours and the one under way

    row = first["mexc/live_chat"]
    assert len(row) == 24
    assert [h.level for h in (row[0], row[1], row[-2], row[-1])] == [
        Level.SOME,
        Level.NONE,
        Level.BAD,
        Level.BAD,
    ]
    assert (row[-1].start, row[-1].partial, row[-2].partial) == (AT, True, False)

    clock.advance(31)
    store.hour("mexc/live_chat", AT, 7, 5)
    again = await bars.for_channels(["mexc/live_chat"])
    assert store.reads == 25  # only the hour under way again
    assert (again["mexc/live_chat"][-1].count, again["mexc/live_chat"][-1].failures) == (7, 5)

    clock.advance(3600)
    moved = await bars.for_channels(["mexc/live_chat"])
    assert store.reads == 49
    assert moved["mexc/live_chat"][-2].count == 7  # this hour is complete now
    assert not moved["mexc/live_chat"][-2].partial


async def test_it_shows_empty_bars_when_rollups_cannot_be_read() -> None:
    class Broken(HourlyStore):
        async def rollup_summaries(
            self,
            channels: Iterable[str] | None,
            since: datetime,
            until: datetime,
            *,
            with_latency: bool = True,
        ) -> dict[str, RollupSummary]:
            raise RuntimeError("database locked")

    bars = HourlyBars(Broken(), FakeClock(AT))

    assert await bars.for_channels(["mexc/live_chat"]) == {}
    assert [h.level for h in bars.empty()] == [Level.NONE] * 24
    assert [h.partial for h in bars.empty()] == [False] * 23 + [True]


async def test_it_builds_the_bars_from_real_rollups(tmp_path: Path) -> None:
    db = await open_database(tmp_path / "bars.sqlite3")
    try:
        store = Store(db, now=lambda: AT)
        hour_ago = AT - timedelta(minutes=50)
        await store.write_results(
            [
                ProbeResult("mexc/live_chat", hour_ago, True, 150.0),
                ProbeResult("mexc/live_chat", hour_ago, False, None, ErrorKind.TIMEOUT),
                ProbeResult("mexc/live_chat", AT - timedelta(hours=30), True, 150.0),
                ProbeResult("mexc/live_chat", AT + timedelta(minutes=1), False, None),
            ]
        )

        bars = HourlyBars(store, FakeClock(AT + timedelta(minutes=5)))
        row = (await bars.for_channels(["mexc/live_chat"]))["mexc/live_chat"]
    finally:
        await db.close()

    assert [(h.count, h.failures, h.partial) for h in row[-2:]] == [(2, 1, False), (1, 1, True)]
    assert sum(h.count for h in row) == 3  # not 30 h ago
