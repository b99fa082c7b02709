"""Which channels a person answers, and which one a trader is sent to: pure table tests."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot import contact
from bot.catalog.models import Channel, Exchange
from bot.status import AnswerKind, ChannelStatus, Latency, Uptime, answer_of
from bot.vocab import ChannelKind, Confidence, Mode, Verdict

NOW = datetime(2026, 11, 24, 19, 0, tzinfo=UTC)
PROBE = {"kind": "http", "url": "https://www.mexc.com/support"}


@pytest.mark.parametrize(
    ("kind", "answered"),
    [
        (ChannelKind.LIVE_CHAT, True),
        (ChannelKind.PHONE, True),
        (ChannelKind.TICKET, True),
        (ChannelKind.EMAIL, True),
        (ChannelKind.HELP_CENTER, False),
        (ChannelKind.VERIFY_TOOL, False),
        (ChannelKind.X, False),
        (ChannelKind.TELEGRAM, False),
        (ChannelKind.STATUS_PAGE, False),
    ],
)
def test_it_knows_which_kinds_a_person_answers(kind: ChannelKind, answered: bool) -> None:
    assert kind.answered_by_person is answered


def test_every_kind_is_in_the_table_above() -> None:
    assert {k.value for k in ChannelKind} == {
        "live_chat", "phone", "ticket", "email", "help_center", "verify_tool", "x",
        "telegram", "status_page",
    }  # fmt: skip


_MODES = {
    "live_chat": Mode.LIVE,
    "phone": Mode.LIVE,
    "ticket": Mode.ASYNC,
    "email": Mode.ASYNC,
    "help_center": Mode.SELF_SERVICE,
    "verify_tool": Mode.SELF_SERVICE,
    "telegram": Mode.ASYNC,  # as the shipped catalog has Gate's copy-trading account
    "x": Mode.BROADCAST,
    "status_page": Mode.BROADCAST,
}


def status(
    channel_id: str,
    verdict: Verdict,
    *,
    kind: str | None = None,
    probed: bool = True,
    verified: bool = True,
    ms: float | None = None,
) -> ChannelStatus:
    """A channel of a test exchange with this verdict; the kind defaults to the id."""
    kind = kind or channel_id
    channel = Channel.model_validate(
        {
            "id": channel_id,
            "kind": kind,
            "mode": _MODES[kind],
            "name": channel_id,
            "probe": PROBE if probed else None,
            "confidence": Confidence.HIGH if verified else Confidence.UNVERIFIED,
        }
    )
    exchange = Exchange(id="ex", name="Ex", official_domains=("mexc.com",), channels=(channel,))
    return ChannelStatus(
        exchange, channel, verdict, (), None, None, Latency(last=ms), Uptime(), None
    )


L, D, DN, U, OFF, M = (
    Verdict.LIVE,
    Verdict.DEGRADED,
    Verdict.DOWN,
    Verdict.UNKNOWN,
    Verdict.OFF_HOURS,
    Verdict.MAINTENANCE,
)

FALLBACKS = [
    # (channels in catalog order, the one to use now)
    pytest.param([("help_center", L), ("verify_tool", L), ("x", L)], None, id="no_person"),
    pytest.param([("telegram", L), ("email", L)], "email", id="telegram_account_never"),
    pytest.param([("live_chat", DN), ("help_center", L), ("email", L)], "email", id="chat_down"),
    pytest.param([("email", L), ("live_chat", L)], "live_chat", id="a_person_now_first"),
    pytest.param([("live_chat", D), ("email", L)], "email", id="live_before_slow"),
    pytest.param([("live_chat", OFF), ("ticket", L)], "ticket", id="off_hours_never"),
    pytest.param([("live_chat", U), ("email", M)], None, id="unknown_and_maintenance_never"),
    pytest.param([("ticket", L), ("email", L)], "ticket", id="catalog_order"),
]


@pytest.mark.parametrize(("channels", "expected"), FALLBACKS)
def test_it_offers_only_a_reachable_contact_channel(
    channels: list[tuple[str, Verdict]], expected: str | None
) -> None:
    statuses = [status(kind, verdict) for kind, verdict in channels]
    found = contact.fallback(statuses)
    assert (found.channel.id if found else None) == expected


def test_it_prefers_verified_then_probed_channels() -> None:
    statuses = [
        status("t1", L, kind="ticket", verified=False),
        status("t2", L, kind="ticket", probed=False),
        status("t3", L, kind="ticket"),
    ]
    assert contact.fallback(statuses) == statuses[2]
    assert contact.fallback(statuses[:2]) == statuses[1]


def test_it_leaves_out_the_channel_that_went_down() -> None:
    statuses = [status("live_chat", L), status("email", L)]
    found = contact.fallback(statuses, exclude="live_chat")
    assert found is not None and found.channel.id == "email"


BEST_ASYNC = [
    pytest.param([("live_chat", U), ("email", U)], "email", id="unconfirmed_email"),
    pytest.param([("email", DN), ("ticket", M)], "ticket", id="never_one_seen_down"),
    pytest.param([("email", DN)], None, id="only_down"),
    pytest.param([("live_chat", U), ("help_center", L)], None, id="no_async_contact"),
    pytest.param([("telegram", U)], None, id="not_a_telegram_account"),
]


@pytest.mark.parametrize(("channels", "expected"), BEST_ASYNC)
def test_it_names_the_async_channel_to_write_to_anyway(
    channels: list[tuple[str, Verdict]], expected: str | None
) -> None:
    found = contact.best_async([status(kind, verdict) for kind, verdict in channels])
    assert (found.channel.id if found else None) == expected


HEADLINES = [
    # (channels, answer kind, headline channel, fallback, best async)
    pytest.param(
        [("phone", U, False), ("help_center", L, True), ("email", L, True)],
        AnswerKind.NO_LIVE, "email", "email", None,
        id="unprobed_phone_never_leads",
    ),
    pytest.param(
        [("phone", U, False), ("email", DN, True)],
        AnswerKind.DOWN, "email", None, None,
        id="probed_email_down_leads",
    ),
    pytest.param(
        [("live_chat", DN, True), ("help_center", L, True), ("verify_tool", L, True)],
        AnswerKind.DOWN, "live_chat", None, None,
        id="no_verify_tool_as_fallback",
    ),
    pytest.param(
        [("live_chat", U, True), ("ticket", U, True)],
        AnswerKind.UNKNOWN, "live_chat", None, "ticket",
        id="unknown_writes_to_ticket",
    ),
    pytest.param(
        [("help_center", L, True), ("x", L, False)],
        AnswerKind.NO_LIVE, None, None, None,
        id="no_contact_channel_at_all",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("channels", "kind", "subject", "use", "write_to"), HEADLINES)
def test_the_headline_is_about_the_first_probed_contact_channel(
    channels: list[tuple[str, Verdict, bool]],
    kind: AnswerKind,
    subject: str | None,
    use: str | None,
    write_to: str | None,
) -> None:
    answer = answer_of([status(k, v, probed=p) for k, v, p in channels], NOW)

    def id_of(found: ChannelStatus | None) -> str | None:
        return found.channel.id if found else None

    assert answer.kind is kind
    assert id_of(answer.subject) == subject
    assert id_of(answer.fallback) == use
    assert id_of(answer.best_async) == write_to
