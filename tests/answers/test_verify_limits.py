"""/verify never judges a part of what it was sent."""

from __future__ import annotations

from bot.commands.dispatch import Core
from bot.commands.handlers import MAX_VERIFY
from tests.answers.conftest import plain


async def test_a_verify_too_long_to_read_is_not_judged_by_a_part_of_it(core: Core) -> None:
    """Cut at the limit, `https://www.mexc.com.security-check.io` would read as MEXC's host."""
    fake = "https://www.mexc.com.security-check.io/login"
    padding = "x" * (MAX_VERIFY - len("Hello,  https://www.mexc.com"))
    answer = await plain(core, f"/verify Hello, {padding} {fake}")
    assert answer.startswith("🔍 Check a link, e-mail, @account or phone number\n")
    assert "more links than we read at once, so we can't vouch for it" in answer
    assert "Official" not in answer
    whole = await plain(core, f"/verify Hello, {fake}")
    assert whole.startswith("❌ Not MEXC")
