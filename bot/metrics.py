"""Prometheus metrics of one process, in a registry of its own (tests never collide).

Probes, alerts and command handlers call the small `observe_probe`, `count_send` and
`count_command` methods; values read from elsewhere (verdicts, outbox depth) are set just
before a scrape by the callbacks registered with `before_scrape`.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable, Iterable, Mapping
from datetime import datetime
from enum import StrEnum

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.metrics_core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from bot.catalog import Catalog
from bot.supervisor import TaskStatus
from bot.vocab import Verdict
from probes.feeds.facts import FeedFacts
from probes.result import ProbeResult

log = logging.getLogger(__name__)

CONTENT_TYPE = CONTENT_TYPE_LATEST
# Probe answers range from a loopback millisecond to a 10 s timeout.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0)
_LABEL = re.compile(r"^[a-z0-9_-]{1,32}$")
OTHER = "other"

ScrapeHook = Callable[[], Awaitable[None]]


class ProbeOutcome(StrEnum):
    """`result` label of `probe_results_total` for a success; failures use the error kind."""

    OK = "ok"
    SLOW = "slow"


def probe_outcome(result: ProbeResult) -> str:
    """Result label: "ok", "slow", or the failure's error kind ("timeout", "dns", ...)."""
    if result.ok:
        return ProbeOutcome.SLOW.value if result.slow else ProbeOutcome.OK.value
    return result.error.value if result.error is not None else "other"


class Metrics:
    """The process's counters, gauges and histograms, and the text a scrape returns."""

    def __init__(self, commands: Iterable[str] | None = None) -> None:
        """`commands`: the command table's names; any other name is counted as "other"."""
        self.registry = CollectorRegistry(auto_describe=True)
        self._commands = None if commands is None else frozenset(commands)
        self._hooks: list[ScrapeHook] = []
        self.probe_results = Counter(
            "probe_results",
            "Probe checks by probe kind and result (ok, slow, or the error kind).",
            ["kind", "result"],
            registry=self.registry,
        )
        self.probe_latency = Histogram(
            "probe_latency_seconds",
            "Latency of successful probe checks, by probe kind.",
            ["kind"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.channel_verdict = Gauge(
            "channel_verdict",
            "1 for each channel's current verdict, 0 for the other verdicts.",
            ["exchange", "channel", "verdict"],
            registry=self.registry,
        )
        self.outbox_depth = Gauge(
            "outbox_depth",
            "Alert messages in the outbox, by state (pending, claimed, ...).",
            ["state"],
            registry=self.registry,
        )
        self.alert_sends = Counter(
            "alert_sends",
            "Alert sends by platform and outcome (sent, rate_limited, transient, permanent).",
            ["platform", "outcome"],
            registry=self.registry,
        )
        self.alerts_unreachable = Gauge(
            "alerts_unreachable_seconds",
            "Seconds alert sends to a platform have been paused because it cannot be reached "
            "(0 while it can); the alerts wait in the outbox.",
            ["platform"],
            registry=self.registry,
        )
        self.commands = Counter(
            "commands",
            "Chat commands answered, by platform and command.",
            ["platform", "command"],
            registry=self.registry,
        )

    # -- what the rest of the program calls ---------------------------------------------

    def observe_probe(self, result: ProbeResult, kind: str) -> None:
        """Count one probe result; successful checks also feed the latency histogram."""
        self.probe_results.labels(kind=kind, result=probe_outcome(result)).inc()
        if result.ok and result.latency_ms is not None and result.latency_ms >= 0:
            self.probe_latency.labels(kind=kind).observe(result.latency_ms / 1000)

    def count_command(self, platform: str, command: str) -> None:
        """Count one answered command (names outside the command table count as "other")."""
        name = command.lstrip("/").lower()
        known = self._commands is None or name in self._commands
        self.commands.labels(platform=platform, command=_bounded(name) if known else OTHER).inc()

    def count_send(self, platform: str, outcome: str) -> None:
        """Count one alert send attempt by how it ended."""
        self.alert_sends.labels(platform=platform, outcome=_bounded(outcome)).inc()

    def set_outbox_depth(self, by_state: Mapping[str, int]) -> None:
        """Outbox rows per state, as `AlertDrainer.depth()` / `storage.outbox.depth` give them."""
        for state, count in by_state.items():
            self.outbox_depth.labels(state=_bounded(state)).set(count)

    def set_alerts_unreachable(self, seconds: Mapping[str, float]) -> None:
        """Per platform, as `Drainer.unreachable()` gives them."""
        for platform, value in seconds.items():
            self.alerts_unreachable.labels(platform=_bounded(platform)).set(value)

    def probe_observer(self, catalog: Catalog) -> Callable[[ProbeResult], None]:
        """A `Monitor(observe=...)` callback that counts each result under its probe kind."""
        kinds = {
            exchange.key(channel): channel.probe.kind
            for exchange, channel in catalog.channels()
            if channel.probe is not None
        }

        def observe(result: ProbeResult) -> None:
            self.observe_probe(result, kinds.get(result.channel, OTHER))

        return observe

    def set_verdicts(self, verdicts: Iterable[tuple[str, str, Verdict]]) -> None:
        """Replace every channel's verdict gauge with (exchange, channel id, verdict) triples."""
        self.channel_verdict.clear()
        for exchange, channel, verdict in verdicts:
            for candidate in Verdict:
                self.channel_verdict.labels(
                    exchange=exchange, channel=channel, verdict=candidate.value
                ).set(1 if candidate is verdict else 0)

    def watch_tasks(self, statuses: Callable[[], Iterable[TaskStatus]]) -> None:
        """`task_up{task}` and `task_failures_total{task,kind}` of the supervised tasks."""
        self.registry.register(_TaskCollector(statuses))

    def count_dropped_results(self, dropped: Callable[[], int]) -> None:
        """`probe_results_dropped_total`: raw results dropped while the database was out."""
        self.registry.register(_CounterCollector(
            "probe_results_dropped",
            "Raw probe results dropped (oldest first) while the database took no writes.",
            dropped,
        ))  # fmt: skip

    def watch_webhook(self, by_outcome: Callable[[], Mapping[str, int]]) -> None:
        """`telegram_webhook_requests_total{outcome}`: what the Telegram webhook did."""
        self.registry.register(_LabelledCounterCollector(
            "telegram_webhook_requests",
            "Requests to the Telegram webhook by outcome (taken, duplicate: delivered before, "
            "refused: 401/400/413, unavailable: 503).",
            "outcome",
            by_outcome,
        ))  # fmt: skip

    def watch_feeds(
        self, facts: Callable[[], Iterable[FeedFacts]], now: Callable[[], datetime]
    ) -> None:
        """`status_api_age_seconds` and `status_api_failing` per exchange and endpoint."""
        self.registry.register(_FeedCollector(facts, now))

    # -- scraping -----------------------------------------------------------------------

    def watch_leader(self, leading: Callable[[], bool]) -> None:
        """`supportlive_leader`: 1 while this replica leads (bot/leader.py), else 0."""
        gauge = Gauge(
            "supportlive_leader",
            "1 while this replica is the leader (runs the probes and pollers), 0 on standby.",
            registry=self.registry,
        )
        gauge.set_function(lambda: 1.0 if leading() else 0.0)

    def watch_following(
        self,
        stopped: Callable[[], datetime | None],
        heartbeat: Callable[[], datetime | None],
        now: Callable[[], datetime],
    ) -> None:
        """`supportlive_checks_stopped` (1 on a standby whose leader went silent: its answers
        are the last checks, unconfirmed; bot/following.py) and
        `supportlive_leader_heartbeat_age_seconds` (on a standby: how old the leader's last
        heartbeat is, as last read; NaN on the leader, or before any)."""
        gauge = Gauge(
            "supportlive_checks_stopped",
            "1 while this standby's leader has not checked anything for too long, else 0.",
            registry=self.registry,
        )
        gauge.set_function(lambda: 0.0 if stopped() is None else 1.0)

        def age() -> float:
            beat = heartbeat()
            return float("nan") if beat is None else (now() - beat).total_seconds()

        heard = Gauge(
            "supportlive_leader_heartbeat_age_seconds",
            "Seconds since the leader's last heartbeat, as this standby last read it.",
            registry=self.registry,
        )
        heard.set_function(age)

    def before_scrape(self, hook: ScrapeHook) -> None:
        """Run `hook` before every scrape (e.g. read the outbox depth from the database)."""
        self._hooks.append(hook)

    async def scrape(self) -> bytes:
        """Run the hooks, then the Prometheus text format; a failing hook is logged, not fatal."""
        for hook in self._hooks:
            try:
                await hook()
            except Exception:
                log.exception("metrics hook %r failed; serving the last values", hook)
        return generate_latest(self.registry)


def _bounded(value: str) -> str:
    """Label values come from closed sets; anything odd is folded into "other"."""
    return value if _LABEL.match(value) else OTHER


class _TaskCollector(Collector):
    """Reads the supervisor's task states at scrape time."""

    def __init__(self, statuses: Callable[[], Iterable[TaskStatus]]) -> None:
        self._statuses = statuses

    def collect(self) -> Iterable[Metric]:
        up = GaugeMetricFamily(
            "task_up", "1 while a supervised task runs, 0 while it is down.", labels=["task"]
        )
        failures = CounterMetricFamily(
            "task_failures",
            "Failures of supervised tasks (each is retried with backoff), by failure kind.",
            labels=["task", "kind"],
        )
        for status in self._statuses():
            up.add_metric([status.name], 0 if status.is_down else 1)
            for kind, count in status.failures.items():
                failures.add_metric([status.name, kind], count)
        return [up, failures]


class _FeedCollector(Collector):
    """Reads the status APIs' last readings at scrape time (probes/feeds/runner.py)."""

    def __init__(
        self, facts: Callable[[], Iterable[FeedFacts]], now: Callable[[], datetime]
    ) -> None:
        self._facts, self._now = facts, now

    def collect(self) -> Iterable[Metric]:
        labels = ["exchange", "part"]
        age = GaugeMetricFamily(
            "status_api_age_seconds",
            "Seconds since the exchange's status API was last read successfully.",
            labels=labels,
        )
        failing = GaugeMetricFamily(
            "status_api_failing", "1 when the latest read of the API failed.", labels=labels
        )
        now = self._now()
        for facts in self._facts():
            for name, part in (("system", facts.system), ("wallet", facts.wallet)):
                if part is None:
                    continue
                if part.at is not None:
                    age.add_metric([facts.exchange, name], (now - part.at).total_seconds())
                failing.add_metric([facts.exchange, name], 1 if part.failing else 0)
        return [age, failing]


class _CounterCollector(Collector):
    """A counter whose value another part of the program keeps."""

    def __init__(self, name: str, documentation: str, read: Callable[[], int]) -> None:
        self._name, self._documentation, self._read = name, documentation, read

    def collect(self) -> Iterable[Metric]:
        return [CounterMetricFamily(self._name, self._documentation, value=self._read())]


class _LabelledCounterCollector(Collector):
    """A counter per label value, whose values another part of the program keeps."""

    def __init__(
        self, name: str, documentation: str, label: str, read: Callable[[], Mapping[str, int]]
    ) -> None:
        self._name, self._documentation, self._label, self._read = name, documentation, label, read

    def collect(self) -> Iterable[Metric]:
        family = CounterMetricFamily(self._name, self._documentation, labels=[self._label])
        for value, count in self._read().items():
            family.add_metric([value], count)
        return [family]
