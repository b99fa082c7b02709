"""A reply as structured text: the core decides words, adapters decide syntax.

The core (commands, rendering per locale) builds a `Reply`; the Telegram adapter turns it into
HTML with every string escaped, Discord into embeds, the console into plain text, the web into
HTML. Links carry URLs from the catalog only: `Span.url` is never set from user input.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum


class Style(StrEnum):
    PLAIN = "plain"
    BOLD = "bold"
    ITALIC = "italic"
    CODE = "code"
    LINK = "link"


@dataclass(frozen=True, slots=True)
class Span:
    text: str
    style: Style = Style.PLAIN
    url: str | None = None  # only for Style.LINK; always from the validated catalog


Line = tuple[Span, ...]


@dataclass(frozen=True, slots=True)
class Button:
    """A tap that runs a command, e.g. label "🚨 Urgent help", action "/urgent mexc".

    `action` is a command line in the command table's syntax; adapters encode it (Telegram
    callback_data under 64 bytes, Discord custom_id under 100 characters).
    """

    label: str
    action: str


# Buttons per row when a reply offers one per exchange: short names fit four to a row on a
# phone, and Discord takes at most 5 rows of 5.
CHOICES_PER_ROW = 4
MAX_CHOICE_ROWS = 5


def button_rows(buttons: Sequence[Button]) -> tuple[tuple[Button, ...], ...]:
    """Choices laid out four to a row, every one of them (up to 20: Discord's bound)."""
    kept = buttons[: CHOICES_PER_ROW * MAX_CHOICE_ROWS]
    return tuple(tuple(kept[i : i + CHOICES_PER_ROW]) for i in range(0, len(kept), CHOICES_PER_ROW))


@dataclass(frozen=True, slots=True)
class Section:
    """A titled group of lines (a Discord embed field, a paragraph elsewhere)."""

    title: str
    lines: tuple[Line, ...]


@dataclass(frozen=True, slots=True)
class Reply:
    title: str
    lines: tuple[Line, ...] = ()
    sections: tuple[Section, ...] = ()
    footer: tuple[Line, ...] = ()
    buttons: tuple[tuple[Button, ...], ...] = ()  # rows of buttons
    ephemeral: bool = False  # personal answers (errors, subscriptions) on Discord
    tone: str = "info"  # ok | warn | bad | info: colour of a Discord embed
    extra: dict[str, str] = field(default_factory=dict)

    def plain_lines(self) -> list[str]:
        """All text as plain lines (the console rendering and the length budget use it)."""
        out = [self.title, *(_plain(line) for line in self.lines)]
        for section in self.sections:
            out.extend(["", section.title, *(_plain(line) for line in section.lines)])
        if self.footer:
            out.extend(["", *(_plain(line) for line in self.footer)])
        return out


def _plain(line: Line) -> str:
    return "".join(
        f"{s.text} ({s.url})" if s.style is Style.LINK and s.url and s.url != s.text else s.text
        for s in line
    )


def text(value: str) -> Span:
    return Span(value)


def bold(value: str) -> Span:
    return Span(value, Style.BOLD)


def link(label: str, url: str) -> Span:
    return Span(label, Style.LINK, url)
