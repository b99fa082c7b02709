"""The monitor with a probe node's sightings in the database: one region failing alone changes
nothing but the page's words; two regions seeing it down make one down transition."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.catalog.models import catalog_from_data
from bot.clock import FakeClock
from bot.health import Transition
from bot.monitor import Monitor
from bot.render.plain import to_plain
from bot.render.status import channels_reply, status_reply
from bot.render.words import Words
from bot.status import ChannelStatus, StatusService
from bot.vocab import Health, Locale, Verdict
from bot.web.views import region_lines
from probes.result import ErrorKind, ProbeResult
from storage.records import SightingRow
from storage.store import Store
from tests.alerts.conftest import CATALOG_DATA, START

KEY = "mexc/live_chat"


class World:
    """Region `a` is this monitor; region `b` a probe node writing sightings."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.clock = FakeClock(current=START)
        self.catalog = catalog_from_data(CATALOG_DATA)
        self.monitor = Monitor(self.catalog, store, self.clock, region="a")
        self.transitions: list[Transition] = []
        self.monitor.on_transition = self._sink
        self.status = StatusService(
            self.catalog, self.monitor, store, self.clock, regions=self.monitor
        )

    async def _sink(self, transition: Transition) -> None:
        if transition.channel == KEY:  # the help center shares its probe: its own news
            self.transitions.append(transition)

    async def node_sees(
        self, ok: bool, *, health: str | None = None, at: datetime | None = None
    ) -> None:
        """Region b's latest check of the live chat (made `at`, default now) and its own health
        after it (default: up after a success, down after a failure)."""
        at = self.clock.now() if at is None else at
        row = (
            SightingRow(KEY, "b", at, True, health or "up")
            if ok
            else SightingRow(KEY, "b", at, False, health or "down", "http_status", "HTTP 503")
        )
        await self.store.write_region_results("b", [], [row])
        await self.monitor.hear_regions()

    async def check_here(self, ok: bool) -> None:
        """Region a's own check of the live chat, one interval later; then a flush."""
        self.clock.advance(60)
        at = self.clock.now()
        result = (
            ProbeResult(KEY, at, True, 150.0)
            if ok
            else ProbeResult(KEY, at, False, None, ErrorKind.HTTP_STATUS, "HTTP 503")
        )
        self.monitor.on_result(result)
        await self.monitor.flush()

    async def live_chat(self) -> ChannelStatus:
        view = await self.status.exchange_status(self.catalog.exchanges[0])
        found = view.channel("live_chat")
        assert found is not None
        return found


async def test_failing_here_alone_while_the_node_reaches_it_sends_no_down_and_says_where(
    store: Store,
) -> None:
    world = World(store)
    await world.node_sees(ok=True)
    await world.check_here(ok=True)
    for _ in range(5):
        await world.node_sees(ok=True)
        await world.check_here(ok=False)
    assert [(t.old, t.new) for t in world.transitions] == [(Health.UNKNOWN, Health.UP)]
    status = await world.live_chat()
    assert status.verdict is Verdict.LIVE
    assert status.unreachable_from == ("a",)
    assert [s.region for s in status.regions] == ["a", "b"]
    en = Words.of(Locale.EN, world.clock.now())
    assert region_lines(status, en) == [
        "Seen from a: failed just now (HTTP 503).",
        "Seen from b: answered 1 min ago.",
        "Unreachable from a only: the other regions reach it, so the problem is the network "
        "near a, not MEXC.",
    ]
    zh = Words.of(Locale.ZH, world.clock.now())
    assert region_lines(status, zh)[-1] == (
        "仅从 a 无法访问：其他地区可以访问，问题出在 a 附近的网络，而非MEXC。"
    )
    # In chat: /status's line for the channel, and the /channels detail.
    view = await world.status.exchange_status(world.catalog.exchanges[0])
    said = to_plain(status_reply(view, en))
    assert "✅ Online customer service — live · unreachable from a only" in said, said
    detail = to_plain(channels_reply(view, zh, "live_chat"))
    assert "仅从 a 无法访问：其他地区可以访问，问题出在 a 附近的网络，而非MEXC。" in detail, detail
    # Uptime and the hourly bars: our network's failures are no checks of the exchange.
    hour = await store.rollup_summary(KEY, START, world.clock.now() + timedelta(hours=1))
    assert (hour.count, hour.failures) == (1, 0)


async def test_when_the_node_sees_it_down_too_the_next_failure_here_makes_one_down(
    store: Store,
) -> None:
    world = World(store)
    await world.node_sees(ok=True)
    await world.check_here(ok=True)
    for _ in range(3):
        await world.node_sees(ok=True)
        await world.check_here(ok=False)
    await world.node_sees(ok=False)
    for _ in range(3):
        await world.check_here(ok=False)
        await world.node_sees(ok=False)
    downs = [t for t in world.transitions if t.new is Health.DOWN]
    assert [(t.old, t.detail) for t in downs] == [(Health.UP, "HTTP 503")]
    status = await world.live_chat()
    assert status.verdict is Verdict.DOWN
    assert status.unreachable_from == ()
    # The 3 failures while b reached it count for nothing; the 3 both saw count.
    hour = await store.rollup_summary(KEY, START, world.clock.now() + timedelta(hours=1))
    assert (hour.count, hour.failures) == (4, 3)


async def test_a_node_that_stopped_reporting_leaves_this_region_deciding_alone(
    store: Store,
) -> None:
    world = World(store)
    await world.node_sees(ok=True)
    await world.check_here(ok=True)
    world.clock.advance(600)  # the node's last sighting is ten minutes old
    await world.monitor.hear_regions()
    for _ in range(3):
        await world.check_here(ok=False)
    assert [t.new for t in world.transitions] == [Health.UP, Health.DOWN]
    assert (await world.live_chat()).regions == ()


async def test_a_sighting_that_arrives_after_a_read_of_its_time_is_still_heard(
    store: Store,
) -> None:
    """Each read takes only what is new, but a slow check's sighting is written late."""
    world = World(store)
    await world.monitor.hear_regions()  # nothing yet
    world.clock.advance(2)
    started = world.clock.now() - timedelta(seconds=8)  # a check that took 8 s
    late = SightingRow(KEY, "b", started, False, "down", "timeout", "timeout after 8 s")
    await store.write_region_results("b", [], [late])
    await world.monitor.hear_regions()
    assert [(s.region, s.ok) for s in world.monitor.sightings(KEY)] == [("b", False)]


async def test_a_stopped_node_whose_clock_ran_ahead_hides_no_outage(store: Store) -> None:
    """A node's sightings carry its own clock: one an hour ahead, written just before the node
    stopped, must not keep the node's say (its 'up') for the hour to come."""
    world = World(store)
    ahead = SightingRow(KEY, "b", world.clock.now() + timedelta(hours=1), True, "up")
    await store.write_region_results("b", [], [ahead])
    await world.check_here(ok=True)
    world.clock.advance(600)
    await world.monitor.hear_regions()
    for _ in range(3):
        await world.check_here(ok=False)
    assert [t.new for t in world.transitions] == [Health.UP, Health.DOWN]


async def test_a_channel_down_is_not_back_on_a_node_whose_own_check_failed_too(
    store: Store,
) -> None:
    """The node was silent when this region took the channel down alone; its next sighting
    says "up" only because its own count of failures has not reached the threshold yet: its
    check failed, so nothing answered, and no "back" is announced (a live right after the
    down alert would be false)."""
    world = World(store)
    await world.node_sees(ok=True)
    await world.check_here(ok=True)
    world.clock.advance(600)  # the node is silent: this region decides alone
    await world.monitor.hear_regions()
    for _ in range(3):
        await world.check_here(ok=False)
    await world.node_sees(ok=False, health="up")  # its first failure: still up there
    await world.check_here(ok=False)
    assert [t.new for t in world.transitions] == [Health.UP, Health.DOWN]
    assert (await world.live_chat()).verdict is Verdict.DOWN


async def test_a_channel_down_is_not_back_on_a_node_check_made_before_it_went_down(
    store: Store,
) -> None:
    """A node's answer from before the outage began proves nothing about now."""
    world = World(store)
    await world.check_here(ok=True)
    for _ in range(2):
        await world.check_here(ok=False)
    answered_at = world.clock.now() - timedelta(seconds=1)
    await world.check_here(ok=False)  # the third failure: down, the node not heard yet
    await world.node_sees(ok=True, at=answered_at)  # an answer from before the outage began
    await world.check_here(ok=False)
    assert [t.new for t in world.transitions] == [Health.UP, Health.DOWN]
    assert (await world.live_chat()).verdict is Verdict.DOWN


async def test_a_channel_down_is_back_once_the_node_answers_after_it_went_down(
    store: Store,
) -> None:
    world = World(store)
    await world.check_here(ok=True)
    for _ in range(3):
        await world.check_here(ok=False)
    await world.node_sees(ok=True)
    await world.check_here(ok=False)
    assert [t.new for t in world.transitions] == [Health.UP, Health.DOWN, Health.UP]
    assert world.transitions[-1].reason == "answering from b"
    assert (await world.live_chat()).verdict is Verdict.LIVE
