"""Telegram HTML rendering: exact output, escaping, links, limits, button data."""

from __future__ import annotations

import pytest

from bot.render.telegram_html import (
    MAX_TEXT,
    ActionCodec,
    keyboard,
    reply_to_html,
    split_html,
    units,
)
from bot.reply import Button, Reply, Section, Span, Style, bold, link, text
from tests.fakes.telegram_api import parse_html


def test_it_renders_title_lines_sections_and_footer_with_every_string_escaped() -> None:
    reply = Reply(
        title="A&B <live chat>",
        lines=((text("Use "), bold("<now>"), text(" · "), Span("x<y", Style.ITALIC)),),
        sections=(Section("Tom & Jerry", ((Span("a@b.example", Style.CODE),),)),),
        footer=((link("Help <center>", 'https://help.example/?a=1&b="2"'),),),
    )
    assert reply_to_html(reply) == (
        "<b>A&amp;B &lt;live chat&gt;</b>\n"
        "Use <b>&lt;now&gt;</b> · <i>x&lt;y</i>\n"
        "\n"
        "<b>Tom &amp; Jerry</b>\n"
        "<code>a@b.example</code>\n"
        "\n"
        '<a href="https://help.example/?a=1&amp;b=&quot;2&quot;">Help &lt;center&gt;</a>'
    )


def test_it_makes_links_only_of_web_urls_from_the_span() -> None:
    reply = Reply(
        title="t",
        lines=(
            (Span("click", Style.LINK, "javascript:alert(1)"),),
            (Span("no url", Style.LINK, None),),
            (text('<a href="https://evil.example">x</a>'),),
        ),
    )
    assert reply_to_html(reply) == (
        '<b>t</b>\nclick\nno url\n&lt;a href="https://evil.example"&gt;x&lt;/a&gt;'
    )


def test_it_counts_length_as_telegram_does() -> None:
    assert units("abc") == 3
    assert units("✅") == 1
    assert units("🚨") == 2  # outside the BMP: two UTF-16 code units


def test_a_reply_that_fits_is_one_message() -> None:
    reply = Reply(title="Hi", lines=((text("there"),),))
    assert split_html(reply) == ["<b>Hi</b>\nthere"]


def test_a_long_reply_is_split_between_lines_each_part_valid_and_within_the_limit() -> None:
    lines = tuple((text(f"line {i} "), bold("<" + "x" * 60 + ">")) for i in range(150))
    parts = split_html(Reply(title="Long", lines=lines))
    assert len(parts) == 3
    plain = [parse_html(part) for part in parts]  # the fake's parser: balanced tags
    assert all(units(p) <= MAX_TEXT for p in plain)
    assert plain[0].startswith("Long\nline 0 <xxx")
    assert plain[1].startswith("line ")
    assert not any(p.startswith("\n") or p.endswith("\n") for p in plain)


def test_beyond_the_last_part_the_reply_is_cut_with_an_ellipsis() -> None:
    lines = tuple((text("y" * 100),) for _ in range(200))
    parts = split_html(Reply(title="Huge", lines=lines), max_parts=2)
    assert len(parts) == 2
    assert parts[-1].endswith("\n…")
    assert all(units(parse_html(p)) <= MAX_TEXT for p in parts)


def test_a_single_line_longer_than_a_message_is_trimmed_inside_its_tags() -> None:
    title, part = split_html(Reply(title="T", lines=((bold("🚨" * 3000),),)))
    assert title == "<b>T</b>"
    assert part.startswith("<b>🚨🚨")
    assert part.endswith("</b>…")
    assert MAX_TEXT - 2 <= units(parse_html(part)) <= MAX_TEXT  # emoji are never cut in half


def test_short_actions_are_their_own_callback_data() -> None:
    reply = Reply(title="t", buttons=((Button("🔔 Alerts", "/subscribe mexc"),),))
    markup = keyboard(reply)
    assert markup is not None
    assert markup.to_dict() == {
        "inline_keyboard": [[{"text": "🔔 Alerts", "callback_data": "/subscribe mexc"}]]
    }


def test_long_actions_become_short_keys_that_decode_back() -> None:
    codec = ActionCodec(capacity=2)
    action = "/urgent " + "交易所" * 20  # 188 bytes in UTF-8
    data = codec.encode(action)
    assert len(data.encode()) <= 64
    assert codec.decode(data) == action
    assert codec.decode("/status mexc") == "/status mexc"
    assert codec.decode("k:forgotten") is None


def test_the_key_map_is_bounded_and_forgets_the_oldest() -> None:
    codec = ActionCodec(capacity=2)
    keys = [codec.encode("/status " + "x" * 70 + str(i)) for i in range(3)]
    assert codec.decode(keys[0]) is None
    assert codec.decode(keys[2]) is not None


def test_a_reply_without_buttons_has_no_keyboard() -> None:
    assert keyboard(Reply(title="t")) is None


@pytest.mark.parametrize("title", ["&amp;", "<b>", "a > b", '"quoted"', "\u202eRTL"])
def test_any_title_renders_to_text_the_fake_bot_api_accepts(title: str) -> None:
    [part] = split_html(Reply(title=title))
    assert parse_html(part) == title
