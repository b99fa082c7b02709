"""Replies as Discord embeds: exact markdown, escaping, links only from the catalog, limits."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.catalog import load_catalog
from bot.clock import FakeClock
from bot.commands.context import Core, Request
from bot.commands.dispatch import handle
from bot.commands.table import COMMANDS
from bot.render.discord_embed import (
    ActionCodec,
    escape,
    reply_to_embed,
    reply_to_view,
    within_limits,
)
from bot.reply import Button, Reply, Section, Span, Style, bold, link, text
from bot.settings import SHIPPED_CATALOG, load_settings
from bot.status import StatusService
from bot.vocab import Case, Platform
from tests.answers.fakes import FakeLive, FakeStore
from tests.discord.conftest import Bot, limit_problems


def test_it_renders_spans_as_markdown_with_dynamic_text_escaped() -> None:
    reply = Reply(
        title="MEXC_Official *support*",
        lines=(
            (bold("Best now:"), text(" "), link("Live_chat", "https://www.mexc.com/support")),
            (Span("service@mexc.com", Style.CODE), text(" · "), Span("1–3 days", Style.ITALIC)),
            (text("typed: https://evil.example/x and [a](https://evil.example)"),),
            (link("https://mexc.com/a_b", "https://mexc.com/a_b"), text(" "), link("no url", "")),
        ),
        sections=(Section("X @MEXC_Official", ((text("announcements only"),),)),),
        footer=((text("Official site: mexc.com. Never share your 2FA_code."),),),
        tone="warn",
    )
    embed = reply_to_embed(reply).to_dict()
    assert embed["title"] == "MEXC\\_Official \\*support\\*"
    assert embed["description"].splitlines() == [
        "**Best now:** [Live\\_chat](https://www.mexc.com/support)",
        "`service@mexc.com` · *1–3 days*",
        "typed: https:\\/\\/evil.example/x and \\[a](https:\\/\\/evil.example)",
        "https://mexc.com/a_b no url",
    ]
    assert embed["fields"] == [
        {"name": "X @MEXC\\_Official", "value": "announcements only", "inline": False}
    ]
    assert embed["footer"] == {"text": "Official site: mexc.com. Never share your 2FA_code."}
    assert embed["color"] == 0xF1C40F


def test_a_footer_with_links_stays_clickable_as_a_last_field() -> None:
    reply = Reply(
        title="t",
        footer=((text("Verify with "), link("Nova Verify", "https://nova.example/verify")),),
    )
    embed = reply_to_embed(reply).to_dict()
    assert "footer" not in embed
    assert embed["fields"] == [
        {
            "name": "\u200b",
            "value": "Verify with [Nova Verify](https://nova.example/verify)",
            "inline": False,
        }
    ]


def test_a_link_label_cannot_break_out_of_its_brackets() -> None:
    embed = reply_to_embed(Reply("t", lines=((link("a](https://evil", "https://ok.example"),),)))
    assert embed.description == "[a\\](https:\\/\\/evil](https://ok.example)"


def test_giant_replies_stay_within_every_limit() -> None:
    line = (text("_*x*_ " * 200),)
    reply = Reply(
        title="T_" * 300,
        lines=tuple(line for _ in range(30)),
        sections=tuple(Section(f"S_{i}" * 100, (line, line)) for i in range(40)),
        footer=tuple((text("f" * 500),) for _ in range(10)),
    )
    embed = reply_to_embed(reply)
    assert within_limits(embed) == []
    assert embed.description is not None and embed.description.endswith("\n…")
    assert (embed.title or "").endswith("T\\_T…")


def test_too_many_sections_end_with_a_more_field() -> None:
    reply = Reply("t", sections=tuple(Section(f"S{i}", ((text("v"),),)) for i in range(40)))
    embed = reply_to_embed(reply)
    assert len(embed.fields) == 25
    assert (embed.fields[0].name, embed.fields[-1].value) == ("S0", "…")
    long = Reply("t", sections=tuple(Section(f"S{i}", ((text("v" * 900),),)) for i in range(9)))
    cut = reply_to_embed(long)
    assert within_limits(cut) == []
    assert [f.name for f in cut.fields] == ["S0", "S1", "S2", "S3", "S4", "S5", "\u200b"]


def test_buttons_carry_their_action_in_at_most_100_characters() -> None:
    codec = ActionCodec()
    assert codec.encode("/status mexc") == "sl:/status mexc"
    long_action = "/urgent " + "x" * 200
    custom_id = codec.encode(long_action)
    assert len(custom_id) <= 100 and custom_id.startswith("sl:#")
    assert codec.decode(custom_id) == long_action
    assert codec.decode("sl:#unknown") is None and codec.decode("other:/status") is None
    rows = tuple(tuple(Button("L" * 90, f"/status e{r}{c}") for c in range(7)) for r in range(7))
    view = reply_to_view(Reply("t", buttons=rows))
    assert view is not None
    components = view.to_components()
    assert len(components) == 5 and all(len(row["components"]) == 5 for row in components)
    labels = [b["label"] for row in components for b in row["components"]]
    assert all(len(label) <= 80 for label in labels)
    assert reply_to_view(Reply("t")) is None


_texts = st.text(alphabet=st.sampled_from("ab _*~|`>#-[]()\\:/\n🚨中"), max_size=1200)
_spans = st.builds(
    Span,
    _texts,
    st.sampled_from(list(Style)),
    st.one_of(st.none(), st.just("https://mexc.com/a_(b)")),
)
_lines = st.lists(st.lists(_spans, max_size=4).map(tuple), max_size=12).map(tuple)


@settings(max_examples=60, deadline=None)
@given(
    title=_texts,
    lines=_lines,
    sections=st.lists(st.builds(Section, _texts, _lines), max_size=30).map(tuple),
    footer=_lines,
)
def test_any_reply_fits(
    title: str,
    lines: tuple[tuple[Span, ...], ...],
    sections: tuple[Section, ...],
    footer: tuple[tuple[Span, ...], ...],
) -> None:
    embed = reply_to_embed(Reply(title, lines, sections, footer))
    assert within_limits(embed) == []
    assert limit_problems(dict(embed.to_dict())) == []


def test_escape_leaves_plain_words_alone() -> None:
    assert escape("MEXC — 客服现在在线 ✅ 99.8 %") == "MEXC — 客服现在在线 ✅ 99.8 %"


async def test_every_answer_from_the_shipped_catalog_fits() -> None:
    catalog = load_catalog(SHIPPED_CATALOG)
    clock = FakeClock()
    settings_ = load_settings()
    core = Core(
        catalog, StatusService(catalog, FakeLive(), FakeStore(), clock), None, clock, settings_
    )
    lines = [f"/{c.name}" for c in COMMANDS]
    for exchange in catalog.exchanges:
        lines += [f"/status {exchange.id}", f"/channels {exchange.id}", f"/urgent {exchange.id}"]
        lines += [f"/urgent {exchange.id} {case.value}" for case in Case]
        lines += [f"/channels {exchange.id} {c.id}" for c in exchange.channels]
    largest = 0
    for locale in ("en", "zh-CN"):
        for line in lines:
            request = Request(Platform.DISCORD, "c:1", "1", locale, line, is_admin=True)
            embed = reply_to_embed(await handle(request, core))
            assert within_limits(embed) == [], line
            largest = max(largest, len(embed))
    assert largest > 1000  # the check saw real, long answers


async def test_the_largest_answers_arrive_within_limits(shipped: Bot) -> None:
    for exchange in shipped.catalog.exchanges:
        for locale in ("en-US", "zh-CN"):
            seen = await shipped.run("channels", {"exchange": exchange.id}, locale=locale)
            assert limit_problems(seen.embed) == [], (exchange.id, locale)
            assert not seen.ephemeral
    urgent = await shipped.run("urgent", {"exchange": "mexc", "case": "account_compromised"})
    assert limit_problems(urgent.embed) == []
    assert urgent.title == "🚨 Suspicious login or hacked account on MEXC"


def test_spaces_stay_outside_the_markers() -> None:
    line = (bold(" Best now: "), Span("code ", Style.CODE), Span("  ", Style.ITALIC))
    embed = reply_to_embed(Reply("t", lines=(line,)))
    assert embed.description == " **Best now:** `code`   "
