"""Status icons as inline SVG: one shape per state, so colour is never the only signal.

Each icon is a filled circle in the state's colour (`.i-<name>` in the style sheet sets
`color`) with a white glyph whose shape differs per state: a check, a cross, an exclamation
mark, a moon, a wrench, a question mark, an envelope, an "i". Inline SVG is part of the page,
so the CSP (`default-src 'none'`) has nothing to fetch. Icons are decoration next to words
that say the same; they are hidden from screen readers unless given a label.
"""

from __future__ import annotations

from markupsafe import Markup, escape

from bot.status import AnswerKind, ChannelStatus
from bot.vocab import Mode, Verdict

# Glyphs drawn in white over the circle, in a 16 x 16 box.
_STROKE = (
    'fill="none" stroke="#fff" stroke-width="1.8" stroke-linecap="round" stroke-linejoin="round"'
)
GLYPHS: dict[str, str] = {
    "ok": f'<path d="M4.6 8.3l2.3 2.3 4.5-4.7" {_STROKE}/>',
    "bad": f'<path d="M5.4 5.4l5.2 5.2M10.6 5.4l-5.2 5.2" {_STROKE}/>',
    "warn": f'<path d="M8 4.3v4.6M8 11.5v.2" {_STROKE}/>',
    "closed": '<path d="M9.6 4.2a4 4 0 1 0 2.2 6.1 3.3 3.3 0 0 1-2.2-6.1z" fill="#fff"/>',
    "maintenance": f'<path d="M5 11l3.6-3.6" {_STROKE}/><circle cx="10" cy="6" r="1.9" {_STROKE}/>',
    "unknown": f'<path d="M6.2 6.3a1.9 1.9 0 1 1 2.6 1.7c-.5.3-.8.6-.8 1.2M8 11.5v.2" {_STROKE}/>',
    "mail": f'<path d="M4.3 5.6h7.4v5H4.3zM4.5 5.9L8 8.5l3.5-2.6" {_STROKE}/>',
    "info": f'<path d="M8 7.4v4.1M8 4.7v.2" {_STROKE}/>',
}

VERDICT_ICON: dict[Verdict, str] = {
    Verdict.LIVE: "ok",
    Verdict.DEGRADED: "warn",
    Verdict.OFF_HOURS: "closed",
    Verdict.DOWN: "bad",
    Verdict.MAINTENANCE: "maintenance",
    Verdict.UNKNOWN: "unknown",
}

ANSWER_ICON: dict[AnswerKind, str] = {
    AnswerKind.LIVE: "ok",
    AnswerKind.SLOW: "warn",
    AnswerKind.CLOSED: "closed",
    AnswerKind.DOWN: "bad",
    AnswerKind.MAINTENANCE: "maintenance",
    AnswerKind.UNKNOWN: "unknown",
    AnswerKind.NO_LIVE: "mail",
}


def channel_icon(status: ChannelStatus) -> str:
    """The verdict's icon; an accepting async channel "mail", a broadcast account "info"."""
    if status.channel.mode is Mode.BROADCAST:
        return "info"
    if status.channel.mode is Mode.ASYNC and status.verdict is Verdict.LIVE:
        return "mail"
    return VERDICT_ICON[status.verdict]


def icon(name: str, label: str | None = None) -> Markup:
    """The SVG for `name` (a key of GLYPHS); with `label`, announced as an image."""
    a11y = (
        f'role="img" aria-label="{escape(label)}"'
        if label
        else 'aria-hidden="true" focusable="false"'
    )
    return Markup(
        f'<svg class="i i-{name}" viewBox="0 0 16 16" width="16" height="16" {a11y}>'
        f'<circle cx="8" cy="8" r="8" fill="currentColor"/>{GLYPHS[name]}</svg>'
    )


# The chat renderer's emoji marks, as the page draws them: a status mark becomes its icon;
# a decorative one (🚨, 🔔 …) is dropped, since the words next to it say the same.
MARK_ICONS: dict[str, str] = {
    "✅": "ok",
    "❌": "bad",
    "⛔": "bad",
    "⚠️": "warn",
    "🌙": "closed",
    "🛠": "maintenance",
    "❔": "unknown",
    "❓": "unknown",
    "📨": "mail",
    "ℹ️": "info",
}
DROPPED_MARKS = ("🚨", "🔔", "🔕", "🔍", "🧹", "🗓", "📞", "📋", "⏳", "⏱")


def with_icons(value: str) -> Markup:
    """`value` escaped, its status marks drawn as icons and decorative emoji left out."""
    said = str(escape(value))
    for mark in DROPPED_MARKS:
        said = said.replace(mark + " ", "").replace(mark + "\ufe0f", "").replace(mark, "")
    for mark, name in MARK_ICONS.items():
        if mark in said:
            said = said.replace(mark, str(icon(name)))
    return Markup(said)
