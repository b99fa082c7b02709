"""Keep a reply within every platform's limits: cut the tail and say where the rest is.

Telegram takes 4,096 characters of text; a Discord embed field holds 1,024 (its name 256)
and an embed 25 fields. The plain text (links with their URLs) is the longest form, counted
in UTF-16 code units as Telegram counts, so a reply whose plain text fits fits everywhere.
"""

from __future__ import annotations

from dataclasses import replace

from bot.reply import Line, Reply, Section, text

LIMIT = 4096
SECTION_LIMIT = 1024
TITLE_LIMIT = 256
MAX_SECTIONS = 24  # one field left for the "…more" note on Discord
SPAN_LIMIT = 900


def size(reply: Reply) -> int:
    """Length of the reply's plain text in UTF-16 code units, as Telegram counts it."""
    return _units("\n".join(reply.plain_lines()))


def fit(reply: Reply, more: str) -> Reply:
    """The reply as is when it fits; else its sections cut from the end, with a `more` line."""
    reply = _capped(reply)
    if _fits(reply):
        return reply
    base = replace(reply, sections=())
    room = LIMIT - size(base) - _units(more) - 4
    kept: list[Section] = []
    for section in reply.sections[:MAX_SECTIONS]:
        room -= _units(section.title) + 2
        lines: list[Line] = []
        used = 0
        for line in section.lines:
            width = _width(line) + 1
            if width > room or used + width > SECTION_LIMIT - _units(more) - 2:
                return _with_more(base, [*kept, Section(section.title, tuple(lines))], more)
            lines.append(line)
            used += width
            room -= width
        kept.append(Section(section.title, tuple(lines)))
    return _with_more(base, kept, more)


def _with_more(base: Reply, sections: list[Section], more: str) -> Reply:
    sections = [s for s in sections if s.lines]
    note: Line = (text(more),)
    if sections:
        last = sections[-1]
        sections[-1] = Section(last.title, (*last.lines, note))
        cut = replace(base, sections=tuple(sections))
    else:
        cut = replace(base, lines=(*base.lines, note))
    while size(cut) > LIMIT and len(cut.lines) > 1:  # only hand-made giants reach this
        cut = replace(cut, lines=cut.lines[:-2] + cut.lines[-1:])
    return cut


def _fits(reply: Reply) -> bool:
    if size(reply) > LIMIT or len(reply.sections) > MAX_SECTIONS:
        return False
    return all(sum(_width(line) + 1 for line in s.lines) <= SECTION_LIMIT for s in reply.sections)


def _capped(reply: Reply) -> Reply:
    """No single title or span so long that nothing else fits."""
    return replace(
        reply,
        title=_cut(reply.title, TITLE_LIMIT),
        lines=tuple(_cap_line(line) for line in reply.lines),
        sections=tuple(
            Section(_cut(s.title, TITLE_LIMIT), tuple(_cap_line(line) for line in s.lines))
            for s in reply.sections
        ),
        footer=tuple(_cap_line(line) for line in reply.footer),
    )


def _cap_line(line: Line) -> Line:
    if all(len(span.text) <= SPAN_LIMIT for span in line):
        return line
    return tuple(replace(span, text=_cut(span.text, SPAN_LIMIT)) for span in line)


def _width(line: Line) -> int:
    return _units(Reply("", lines=(line,)).plain_lines()[1])


def _units(value: str) -> int:
    """UTF-16 code units: an emoji outside the BMP counts two."""
    return len(value.encode("utf-16-le")) // 2


def _cut(value: str, limit: int) -> str:
    return value if len(value) <= limit else value[: limit - 1] + "…"
