"""Pacing: an overall budget per platform, a gap per chat (longer for groups), 429 pauses."""

from __future__ import annotations

import asyncio
import random

from bot.alerts.pacing import Pace, Pacer, PacingSettings, SendBudget, SendKind
from bot.clock import FakeClock
from bot.vocab import Platform

TG = Platform.TELEGRAM


def pacer(pace: Pace) -> tuple[Pacer, FakeClock, list[float]]:
    clock = FakeClock()
    starts: list[float] = []

    async def sleep(seconds: float) -> None:
        clock.advance(seconds)
        await asyncio.sleep(0)

    return Pacer(PacingSettings(paces={TG: pace}), clock, sleep), clock, starts


async def send(p: Pacer, clock: FakeClock, starts: list[float], chat: str) -> None:
    await p.wait_turn(TG, chat)
    starts.append(clock.monotonic() - 1000.0)
    p.finished(TG, chat)


async def test_sends_to_different_chats_are_spaced_by_the_overall_pace() -> None:
    p, clock, starts = pacer(Pace(per_s=25.0, margin_s=0.0))
    for chat in range(5):
        await send(p, clock, starts, str(chat))
    assert [round(s, 3) for s in starts] == [0.0, 0.04, 0.08, 0.12, 0.16]


async def test_a_private_chat_gets_one_message_per_second_and_a_group_one_per_3_s() -> None:
    p, clock, starts = pacer(Pace(per_s=0.0, chat_gap_s=1.0, group_gap_s=3.0, margin_s=0.0))
    for chat in ("42", "42", "-100", "-100"):
        await send(p, clock, starts, chat)
    assert [round(s, 3) for s in starts] == [0.0, 1.0, 1.0, 4.0]


async def test_a_429_pauses_the_whole_platform() -> None:
    p, clock, starts = pacer(Pace(per_s=25.0, margin_s=0.0))
    await send(p, clock, starts, "1")
    p.pause(TG, 5.0)
    assert p.paused_for(TG) == 5.0
    await send(p, clock, starts, "2")
    assert [round(s, 3) for s in starts] == [0.0, 5.0]


async def test_with_pacing_off_nothing_waits_except_a_429_pause() -> None:
    clock = FakeClock()
    p = Pacer(PacingSettings.off(), clock)
    for _ in range(100):
        await p.wait_turn(TG, "1")
        p.finished(TG, "1")
    assert clock.monotonic() == 1000.0
    p.pause(TG, 2.0)
    assert p.paused_for(TG) == 2.0


async def test_replies_and_alerts_share_one_budget_and_no_second_holds_too_many() -> None:
    """However long sends take, the 31st send starts a second after the 1st ended (the
    platform counts arrivals, which fall between the two), and the 26th alert likewise."""
    clock = FakeClock()
    rng = random.Random(7)

    async def sleep(seconds: float) -> None:
        clock.advance(seconds)
        await asyncio.sleep(0)

    budget = SendBudget(30.0, 25.0, now=clock.monotonic, sleep=sleep)
    sends: list[tuple[SendKind, float, float]] = []

    async def one(kind: SendKind) -> None:
        async with budget.send(kind):
            start = clock.monotonic()
            await sleep(rng.uniform(0.0, 0.2))  # on the wire
        sends.append((kind, start, clock.monotonic()))

    kinds = [SendKind.ALERT if rng.random() < 0.7 else SendKind.REPLY for _ in range(300)]
    await asyncio.gather(*(one(kind) for kind in kinds))
    assert len(sends) == 300
    for limit, chosen in ((30, sends), (25, [s for s in sends if s[0] is SendKind.ALERT])):
        ordered = sorted(chosen, key=lambda s: s[1])
        for earlier, later in zip(ordered, ordered[limit:], strict=False):
            assert later[1] >= earlier[2] + 1.0
    replies = [s for s in sends if s[0] is SendKind.REPLY]
    assert max(s[1] for s in replies) < max(s[1] for s in sends)  # replies were not starved


async def test_an_outage_pause_holds_alerts_but_not_the_replies_sharing_the_budget() -> None:
    clock = FakeClock()
    budget = SendBudget(30.0, 25.0, now=clock.monotonic)
    p = Pacer(PacingSettings(), clock, budgets={TG: budget})
    p.pause(TG, 300.0, replies_too=False)
    assert p.paused_for(TG) == 300.0 and budget.paused_for() == 0.0
    p.pause(TG, 5.0)  # a 429: the bot's limit, replies wait too
    assert budget.paused_for() == 5.0
