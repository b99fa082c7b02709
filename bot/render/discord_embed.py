"""A `Reply` as a Discord embed and a row of buttons, within Discord's limits.

- Title, field names and text go through `discord.utils.escape_markdown`; a URL a user typed
  is also kept from turning into a link (`https:\\/\\/`), so the only links are `[label](url)`
  from `Span.url`, which comes from the validated catalog.
- Lines become the description, sections the fields, the footer the embed's footer (plain text,
  as Discord shows it). A footer with links becomes a last field instead, to keep them clickable.
- Limits (https://discord.com/developers/docs/resources/message#embed-object-embed-limits):
  title 256, description 4,096, 25 fields of name 256 / value 1,024, footer 2,048, 6,000 in
  all. Text is cut at whole lines with "…"; the 6,000 total drops fields from the end.
- Buttons carry their `Button.action` in the `custom_id` (`sl:/status mexc`, at most 100
  characters; longer actions are kept in a bounded table under a short key). `ActionButton`
  is a `DynamicItem`: a click on any message the bot ever sent (also before a restart) reaches
  the client's `run_action`, which runs the action through the command core.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Sequence
from typing import Any, Protocol, Self, runtime_checkable

from bot.render.actions import ActionCodec as BaseCodec
from bot.render.words import WORD_JOINER
from bot.reply import Line, Reply, Span, Style

# discord.py 2.7 imports the stdlib `audioop` (voice only), deprecated since Python 3.11.
with warnings.catch_warnings():
    warnings.filterwarnings("ignore", "'audioop' is deprecated", DeprecationWarning)
    import discord
    from discord.utils import escape_markdown

TITLE_LIMIT = 256
DESCRIPTION_LIMIT = 4096
FIELD_LIMIT = 25
FIELD_NAME_LIMIT = 256
FIELD_VALUE_LIMIT = 1024
FOOTER_LIMIT = 2048
TOTAL_LIMIT = 6000
CUSTOM_ID_LIMIT = 100
BUTTON_LABEL_LIMIT = 80
MAX_ROWS = 5
MAX_PER_ROW = 5
MORE = "…"
BLANK = "\u200b"  # a field's name and value must not be empty

ACTION_PREFIX = "sl:"
_KEY_MARK = "#"

COLOURS = {
    "ok": discord.Colour(0x2ECC71),
    "warn": discord.Colour(0xF1C40F),
    "bad": discord.Colour(0xE74C3C),
    "info": discord.Colour(0x5865F2),
}

_MARKERS = {Style.BOLD: "**", Style.ITALIC: "*", Style.CODE: "`"}
_SCHEME = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*):(//)")
_UNESCAPED_BRACKET = re.compile(r"(?<!\\)([\[\]])")


# ---------------------------------------------------------------------------------- text


def escape(value: str) -> str:
    """Dynamic text shown as is: markdown escaped, and no bare URL Discord would link."""
    # Discord links no bare host or @name: the word joiners kept for Telegram can go.
    value = value.replace(WORD_JOINER, "")
    return _SCHEME.sub(r"\1:\\/\\/", escape_markdown(value))


def _label(value: str) -> str:
    """Text inside `[...]` of a link: also no bracket that would end it early."""
    return _UNESCAPED_BRACKET.sub(r"\\\1", escape(value))


def _url(value: str) -> str:
    return value.replace(" ", "%20").replace("(", "%28").replace(")", "%29").replace("<", "%3C")


def render_span(span: Span) -> str:
    if span.style is Style.LINK:
        if span.url and span.url.lower().startswith(("https://", "http://")):
            if span.text == span.url:
                return _url(span.url)
            return f"[{_label(span.text)}]({_url(span.url)})"
        return escape(span.text)
    marker = _MARKERS.get(span.style)
    if marker is None or not span.text.strip():
        return escape(span.text)
    # Discord ignores `** x**`: the spaces around the words go outside the markers.
    core = span.text.strip()
    before = span.text[: len(span.text) - len(span.text.lstrip())]
    after = span.text[len(span.text.rstrip()) :]
    shown = core.replace("`", "ˋ") if span.style is Style.CODE else escape(core)
    return f"{before}{marker}{shown}{marker}{after}"


def render_line(line: Line) -> str:
    """One line of markdown."""
    return "".join(render_span(span) for span in line)


def _plain(line: Line) -> str:
    """A line as Discord shows plain text (footer): links as "label (url)"."""
    return "".join(
        f"{s.text} ({s.url})" if s.style is Style.LINK and s.url and s.url != s.text else s.text
        for s in line
    )


def _cut(value: str, limit: int) -> str:
    """At most `limit` characters, "…" at the end when cut (never a dangling escape)."""
    if len(value) <= limit:
        return value
    kept = value[: limit - len(MORE)].rstrip()
    while kept.endswith("\\"):
        kept = kept[:-1]
    return kept + MORE


def _escaped_cut(raw: str, limit: int) -> str:
    """`raw` escaped within `limit`, cut before escaping so no escape sequence is split."""
    shown = escape(raw)
    if len(shown) <= limit:
        return shown
    end = min(len(raw), limit)
    while end > 0:
        shown = escape(raw[:end]).rstrip()
        if len(shown) + len(MORE) <= limit:
            return shown + MORE
        end -= max(1, len(shown) + len(MORE) - limit)
    return MORE


def _join(lines: Sequence[Line], limit: int) -> str:
    """Lines as markdown within `limit`: whole lines, then "…"; a giant first line is cut."""
    out: list[str] = []
    used = -1  # no newline before the first line
    for line in lines:
        rendered = render_line(line)
        if used + 1 + len(rendered) <= limit:
            out.append(rendered)
            used += 1 + len(rendered)
            continue
        if not out:  # one line alone over the limit: its plain text, escaped and cut
            out.append(_escaped_cut(_plain(line), limit))
            break
        while out and used + 1 + len(MORE) > limit:
            used -= 1 + len(out.pop())
        out.append(MORE)
        break
    return "\n".join(out)


# ---------------------------------------------------------------------------------- embed


def _has_links(lines: Sequence[Line]) -> bool:
    return any(span.style is Style.LINK and span.url for line in lines for span in line)


def reply_to_embed(reply: Reply) -> discord.Embed:
    """The reply as one embed within every Discord limit."""
    embed = discord.Embed(
        title=_escaped_cut(reply.title, TITLE_LIMIT) or BLANK,
        description=_join(reply.lines, DESCRIPTION_LIMIT) or None,
        colour=COLOURS.get(reply.tone, COLOURS["info"]),
    )
    fields = [
        (
            _escaped_cut(section.title, FIELD_NAME_LIMIT) or BLANK,
            _join(section.lines, FIELD_VALUE_LIMIT) or BLANK,
        )
        for section in reply.sections
    ]
    footer = reply.footer
    if footer and _has_links(footer):
        fields = [*fields[: FIELD_LIMIT - 1], (BLANK, _join(footer, FIELD_VALUE_LIMIT) or BLANK)]
        footer = ()
    elif len(fields) > FIELD_LIMIT:
        fields = [*fields[: FIELD_LIMIT - 1], (BLANK, MORE)]
    footer_text = _cut("\n".join(_plain(line) for line in footer), FOOTER_LIMIT)
    title, description = embed.title or "", embed.description or ""
    over = len(title) + len(description) + len(footer_text) + len(BLANK + MORE) - TOTAL_LIMIT
    if over > 0:  # only hand-made giants: the footer gives way first, then the description
        footer_text = _cut(footer_text, len(footer_text) - over) if over < len(footer_text) else ""
        over = len(title) + len(description) + len(footer_text) + len(BLANK + MORE) - TOTAL_LIMIT
        if over > 0:
            embed.description = _join(reply.lines, len(description) - over) or None
    room = TOTAL_LIMIT - len(title) - len(embed.description or "") - len(footer_text)
    kept: list[tuple[str, str]] = []
    for name, value in fields:
        if len(name) + len(value) > room - len(BLANK) - len(MORE):
            kept.append((BLANK, MORE))
            break
        kept.append((name, value))
        room -= len(name) + len(value)
    for name, value in kept:
        embed.add_field(name=name, value=value, inline=False)
    if footer_text:
        embed.set_footer(text=footer_text)
    return embed


def embed_size(embed: discord.Embed) -> int:
    """What Discord counts towards the 6,000: title, description, fields, footer, author."""
    return len(embed)


def within_limits(embed: discord.Embed) -> list[str]:
    """Every limit the embed breaks (empty when it may be sent)."""
    problems: list[str] = []
    checks = [
        ("title", embed.title or "", TITLE_LIMIT),
        ("description", embed.description or "", DESCRIPTION_LIMIT),
        ("footer", embed.footer.text or "", FOOTER_LIMIT),
    ]
    for index, field in enumerate(embed.fields):
        checks.append((f"field {index} name", field.name or "", FIELD_NAME_LIMIT))
        checks.append((f"field {index} value", field.value or "", FIELD_VALUE_LIMIT))
        if not field.name or not field.value:
            problems.append(f"field {index} is empty")
    problems.extend(
        f"{what}: {len(text)} > {limit}" for what, text, limit in checks if len(text) > limit
    )
    if len(embed.fields) > FIELD_LIMIT:
        problems.append(f"{len(embed.fields)} fields > {FIELD_LIMIT}")
    if embed_size(embed) > TOTAL_LIMIT:
        problems.append(f"total {embed_size(embed)} > {TOTAL_LIMIT}")
    return problems


# ---------------------------------------------------------------------------------- buttons


class ActionCodec(BaseCodec):
    """Button actions <-> custom_ids of at most 100 characters (a bounded table for long ones)."""

    def __init__(self, capacity: int = 10_000) -> None:
        super().__init__(
            limit=CUSTOM_ID_LIMIT,
            measure=len,
            key_mark=_KEY_MARK,
            digest_size=16,
            prefix=ACTION_PREFIX,
            capacity=capacity,
        )


ACTIONS = ActionCodec()


@runtime_checkable
class ActionRunner(Protocol):
    """The client that answers a button click (the Discord adapter's client)."""

    async def run_action(
        self, interaction: discord.Interaction[Any], action: str | None
    ) -> None: ...


class ActionButton(
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]],
    template=re.compile(re.escape(ACTION_PREFIX) + r"(?P<body>.+)", re.DOTALL),
):
    """A button that runs a command line when clicked, on any message the bot has sent."""

    def __init__(self, action: str, label: str, row: int | None = None) -> None:
        self.action: str | None = action
        super().__init__(
            discord.ui.Button(
                label=_cut(label, BUTTON_LABEL_LIMIT) or BLANK,
                custom_id=ACTIONS.encode(action),
                style=discord.ButtonStyle.secondary,
                row=row,
            )
        )

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> Self:
        action = ACTIONS.decode(match.string)
        button = cls(action or "/help", getattr(item, "label", None) or BLANK)
        button.action = action
        return button

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        runner = interaction.client
        if isinstance(runner, ActionRunner):
            await runner.run_action(interaction, self.action)


def reply_to_view(reply: Reply) -> discord.ui.View | None:
    """The reply's buttons (5 rows of 5 at most), or None when it has none."""
    rows = [row for row in reply.buttons if row][:MAX_ROWS]
    if not rows:
        return None
    view = discord.ui.View(timeout=None)
    for index, row in enumerate(rows):
        for button in row[:MAX_PER_ROW]:
            view.add_item(ActionButton(button.action, button.label, row=index))
    return view


__all__ = [
    "ACTIONS",
    "ActionButton",
    "ActionCodec",
    "ActionRunner",
    "embed_size",
    "escape",
    "render_line",
    "reply_to_embed",
    "reply_to_view",
    "within_limits",
]
