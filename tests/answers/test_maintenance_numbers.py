"""/maintenance reads minutes as int() does: digit look-alikes get the usage, not an apology."""

from __future__ import annotations

import pytest

from bot.commands.dispatch import Core
from bot.render.en import EN
from tests.answers.conftest import plain, reply_to


@pytest.mark.parametrize("minutes", ["²", "①", "³⁰", "1²"])
async def test_digit_look_alikes_get_the_usage(stored_core: Core, minutes: str) -> None:
    reply = await reply_to(stored_core, f"/maintenance mexc live_chat {minutes}", is_admin=True)
    assert reply.title != EN.internal_error
    assert reply.title == EN.maintenance_usage


async def test_fullwidth_digits_are_minutes(stored_core: Core) -> None:
    answer = await plain(stored_core, "/maintenance mexc chat ３０", is_admin=True)
    assert answer.startswith("🛠 Maintenance declared for MEXC Online customer service until")


async def test_arabic_indic_digits_are_minutes_as_int_reads_them(stored_core: Core) -> None:
    answer = await plain(stored_core, "/maintenance mexc chat ٣٠", is_admin=True)
    assert answer.startswith("🛠 Maintenance declared for MEXC Online customer service until")
