"""A `Reply` as Telegram HTML: every string escaped, within Telegram's limits.

Telegram counts a message's length after entity parsing (the visible text) and rejects more
than 4,096 characters; we count UTF-16 code units, as Telegram does, so emoji never push a
message over. A long reply is split between lines (never inside a tag: each line closes its
own tags) into at most a few messages, and the last one trimmed. Links come only from
`Span.url`, which the core fills from the validated catalog; a user's words are never a link.

Buttons become an inline keyboard. `callback_data` may hold 64 bytes: an action that fits is
sent as itself (`/status mexc`), a longer one as a short key into a bounded in-memory map. A key
forgotten (a restart, or evicted) decodes to None; the adapter then asks the user to type it.
"""

from __future__ import annotations

from html import escape

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.render.actions import ActionCodec as BaseCodec
from bot.reply import Line, Reply, Span, Style

MAX_TEXT = 4096
MAX_PARTS = 3
MAX_CALLBACK_BYTES = 64
ELLIPSIS = "…"
_KEY_PREFIX = "k:"


def units(text: str) -> int:
    """Length as Telegram counts it (UTF-16 code units)."""
    return len(text.encode("utf-16-le")) // 2


def span_html(span: Span) -> str:
    """One span as HTML, its text (and URL) escaped."""
    body = escape(span.text, quote=False)
    if span.style is Style.BOLD:
        return f"<b>{body}</b>"
    if span.style is Style.ITALIC:
        return f"<i>{body}</i>"
    if span.style is Style.CODE:
        return f"<code>{body}</code>"
    if span.style is Style.LINK and span.url and span.url.startswith(("https://", "http://")):
        return f'<a href="{escape(span.url, quote=True)}">{body}</a>'
    return body


def line_html(line: Line) -> str:
    return "".join(span_html(span) for span in line)


def _visible(line: Line) -> int:
    return sum(units(span.text) for span in line)


def _blocks(reply: Reply) -> list[Line]:
    """The reply as lines in reading order; an empty tuple is a blank line."""
    out: list[Line] = [(Span(reply.title, Style.BOLD),), *reply.lines]
    for section in reply.sections:
        out.extend([(), (Span(section.title, Style.BOLD),), *section.lines])
    if reply.footer:
        out.extend([(), *reply.footer])
    return out


def reply_to_html(reply: Reply) -> str:
    """The whole reply as one HTML text (may exceed the limit; see `split_html`)."""
    return "\n".join(line_html(line) for line in _blocks(reply))


def trim_line(line: Line, budget: int) -> Line:
    """Cut a line's visible text to `budget` units, ending with an ellipsis."""
    if _visible(line) <= budget:
        return line
    out: list[Span] = []
    left = max(budget - 1, 0)
    for span in line:
        size = units(span.text)
        if size <= left:
            out.append(span)
            left -= size
            continue
        cut = _cut(span.text, left)
        if cut:
            out.append(Span(cut, span.style, span.url))
        break
    out.append(Span(ELLIPSIS))
    return tuple(out)


def _cut(text: str, budget: int) -> str:
    """The longest prefix of `text` within `budget` UTF-16 units."""
    used = 0
    for index, char in enumerate(text):
        used += 2 if ord(char) > 0xFFFF else 1
        if used > budget:
            return text[:index]
    return text


def split_html(reply: Reply, limit: int = MAX_TEXT, max_parts: int = MAX_PARTS) -> list[str]:
    """The reply as one or more HTML messages, each within `limit` visible units.

    Splits between lines; a line too long for one message is trimmed; beyond `max_parts`
    messages the rest is dropped and the last message ends with an ellipsis line.
    """
    parts: list[list[Line]] = [[]]
    used = 0
    for line in _blocks(reply):
        newline = 1 if parts[-1] else 0
        if parts[-1] and used + newline + _visible(line) > limit:
            if len(parts) == max_parts:
                _end_with_ellipsis(parts[-1], used, limit)
                break
            while parts[-1] and not parts[-1][-1]:  # no trailing blank lines
                parts[-1].pop()
            parts.append([])
            used, newline = 0, 0
            if not line:  # nor leading ones
                continue
        line = trim_line(line, limit - used - newline)
        parts[-1].append(line)
        used += newline + _visible(line)
    return ["\n".join(line_html(line) for line in part) for part in parts if part]


def _end_with_ellipsis(part: list[Line], used: int, limit: int) -> None:
    """Mark a cut: an ellipsis line if it fits, else replace the last line's end."""
    if used + 2 <= limit:
        part.append((Span(ELLIPSIS),))
    elif part:
        part[-1] = trim_line(part[-1], max(_visible(part[-1]) - 2, 1))


class ActionCodec(BaseCodec):
    """Button actions <-> callback_data of at most 64 bytes (a bounded LRU for long ones)."""

    def __init__(self, capacity: int = 10_000) -> None:
        super().__init__(
            limit=MAX_CALLBACK_BYTES,
            measure=lambda data: len(data.encode()),
            key_mark=_KEY_PREFIX,
            digest_size=12,
            capacity=capacity,
        )


ACTIONS = ActionCodec()


def keyboard(reply: Reply, codec: ActionCodec = ACTIONS) -> InlineKeyboardMarkup | None:
    """The reply's buttons as an inline keyboard, or None when it has none."""
    rows = [
        [InlineKeyboardButton(b.label, callback_data=codec.encode(b.action)) for b in row]
        for row in reply.buttons
        if row
    ]
    return InlineKeyboardMarkup(rows) if rows else None
