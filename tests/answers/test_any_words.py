"""Whatever a user types: no crash, never empty, within 4,096 characters, official links only."""

from __future__ import annotations

import asyncio

from hypothesis import HealthCheck, given
from hypothesis import settings as examples
from hypothesis import strategies as st

from bot.catalog import Catalog
from bot.clock import FakeClock
from bot.commands.args import CASE_WORDS
from bot.commands.dispatch import Core, Request, handle
from bot.commands.table import COMMANDS
from bot.render.budget import size
from bot.render.en import EN
from bot.render.plain import to_plain
from bot.reply import Reply
from bot.settings import Settings
from bot.status import StatusService
from bot.vocab import Case, Platform
from tests.answers import scenes
from tests.answers.fakes import FakeChats, FakeLive, FakeStore

WORDS = st.sampled_from(
    [
        "mexc",
        "MEXC",
        "抹茶",
        "nova",
        "mexx",
        "chat",
        "email",
        "all",
        "30",
        "zh",
        "en",
        "<b>",
        "&amp;",
    ]
    + [w for words in CASE_WORDS.values() for w in words[:3]]
)
ANY_TEXT = st.text(max_size=300)
LINES = st.one_of(
    ANY_TEXT,
    st.builds(
        lambda name, words, bot: f"/{name}{bot} " + " ".join(words),
        st.sampled_from([c.name for c in COMMANDS] + ["foo", "STATUS", "状态"]),
        st.lists(st.one_of(WORDS, ANY_TEXT), max_size=10),
        st.sampled_from(["", "@supportlive_bot", "@"]),
    ),
)


def _urls(catalog: Catalog) -> set[str]:
    found = {e.status_page for e in catalog.exchanges if e.status_page}
    found |= {c.url for _, c in catalog.channels() if c.url}
    return found


def _labels(catalog: Catalog) -> set[str]:
    return {n for _, c in catalog.channels() for n in c.name.root.values()}


def _action_words(catalog: Catalog) -> set[str]:
    words = {f"/{c.name}" for c in COMMANDS} | {"en", "zh"} | {c.value for c in Case}
    words |= {e.id for e in catalog.exchanges}
    return words | {c.id for _, c in catalog.channels()}


def _spans(reply: Reply) -> list[object]:
    lines = [*reply.lines, *(line for s in reply.sections for line in s.lines), *reply.footer]
    return [span for line in lines for span in line]


@examples(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(line=LINES, lang=st.sampled_from([None, "en", "zh-CN", "fr"]), admin=st.booleans())
def test_it_answers_any_line_within_bounds(
    catalog: Catalog, settings: Settings, line: str, lang: str | None, admin: bool
) -> None:
    clock, live, store = FakeClock(), FakeLive(), FakeStore()
    scenes.chat_down(live, store, clock.now())
    scenes.nova_incident(live, store, clock.now())
    core = Core(catalog, StatusService(catalog, live, store, clock), FakeChats(), clock, settings)
    request = Request(Platform.TELEGRAM, "chat", "user", lang, line, is_admin=admin)
    reply = asyncio.run(handle(request, core))

    assert reply.title != EN.internal_error
    assert to_plain(reply).strip()
    assert size(reply) <= 4096
    urls, labels = _urls(catalog), _labels(catalog)
    for span in _spans(reply):
        url = getattr(span, "url", None)
        if url is not None:
            assert url in urls
            assert getattr(span, "text", None) in urls | labels
    allowed = _action_words(catalog)
    for row in reply.buttons:
        for button in row:
            assert set(button.action.split()) <= allowed, button.action
