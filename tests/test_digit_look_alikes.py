"""Numbers typed or received as text are read only when int()/float() can read them.

`str.isdigit()` is true for '²' and '①', which int() and float() refuse: every parser that
checked isdigit() first raised on them instead of saying "not a number".
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.adapters.discord.chats import parse_chat_id
from probes.feeds.parse import ms_time
from probes.feeds.read import retry_after_s

LOOK_ALIKES = ["²", "①", "1²", "³⁰⁰"]


@pytest.mark.parametrize("text", LOOK_ALIKES)
def test_a_discord_chat_id_of_look_alikes_is_not_one(text: str) -> None:
    assert parse_chat_id(f"u:{text}") is None
    assert parse_chat_id("u:1234") == ("u", 1234)


@pytest.mark.parametrize("text", LOOK_ALIKES)
def test_a_feed_time_of_look_alikes_is_no_time(text: str) -> None:
    assert ms_time(text) is None
    assert ms_time("1767225600000") == datetime(2026, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize("text", LOOK_ALIKES)
def test_a_retry_after_of_look_alikes_is_unreadable(text: str) -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    assert retry_after_s(text, now) is None
    assert retry_after_s("7", now) == 7.0
