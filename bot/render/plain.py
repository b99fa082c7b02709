"""Plain text for the console: the reply's lines, links as "label (url)", buttons as hints."""

from __future__ import annotations

from bot.reply import Reply


def to_plain(reply: Reply) -> str:
    """The reply as plain text; each button row becomes "[label: /action]  [label: /action]"."""
    lines = reply.plain_lines()
    rows = ["  ".join(f"[{b.label}: {b.action}]" for b in row) for row in reply.buttons if row]
    if rows:
        lines.extend(["", *rows])
    return "\n".join(lines)
