"""A small status mark per verdict, health and answer: readable at a glance on a phone."""

from __future__ import annotations

from bot.status import AnswerKind, ChannelStatus
from bot.vocab import Health, Mode, Verdict

VERDICT_MARK: dict[Verdict, str] = {
    Verdict.LIVE: "✅",
    Verdict.DEGRADED: "⚠️",
    Verdict.OFF_HOURS: "🌙",
    Verdict.DOWN: "❌",
    Verdict.MAINTENANCE: "🛠",
    Verdict.UNKNOWN: "❔",
}
ASYNC_MARK = "📨"
BROADCAST_MARK = "ℹ️"

HEALTH_MARK: dict[Health, str] = {
    Health.UP: "✅",
    Health.DEGRADED: "⚠️",
    Health.DOWN: "❌",
    Health.UNKNOWN: "❔",
}

ANSWER_MARK: dict[AnswerKind, str] = {
    AnswerKind.LIVE: "✅",
    AnswerKind.SLOW: "⚠️",
    AnswerKind.CLOSED: "🌙",
    AnswerKind.DOWN: "❌",
    AnswerKind.MAINTENANCE: "🛠",
    AnswerKind.UNKNOWN: "❔",
    AnswerKind.NO_LIVE: "📨",
}


def channel_mark(status: ChannelStatus) -> str:
    """The verdict's mark; an accepting async channel 📨, a broadcast account ℹ️."""
    if status.channel.mode is Mode.BROADCAST:
        return BROADCAST_MARK
    if status.channel.mode is Mode.ASYNC and status.verdict is Verdict.LIVE:
        return ASYNC_MARK
    return VERDICT_MARK[status.verdict]
