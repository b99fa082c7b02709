"""`/badge/{id}.svg`: a small SVG for forums and READMEs: the exchange's name and its answer
to "is support live now?" in a word, in the answer's colour (`?lang=zh` for Chinese).

Self-contained (no style sheet, no font, no script: presentation attributes only, so the
page's CSP holds even when the badge is opened on its own), and allowed on other sites'
pages (`Cross-Origin-Resource-Policy: cross-origin`). Kept a minute by caches.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping

from aiohttp import web
from markupsafe import escape

from bot.status import AnswerKind
from bot.vocab import Locale
from bot.web.cache import FEED_CACHE
from bot.web.context import context_of
from bot.web.pages import page_locale

CONTENT_TYPE = "image/svg+xml"
HEIGHT = 20
LEFT = "#555"
COLOUR: Mapping[str, str] = {
    "ok": "#1a7f37",
    "warn": "#9a6700",
    "bad": "#cf222e",
    "closed": "#5a6b8c",
    "info": "#6e7781",
}
TONE: Mapping[AnswerKind, str] = {
    AnswerKind.LIVE: "ok",
    AnswerKind.SLOW: "warn",
    AnswerKind.CLOSED: "closed",
    AnswerKind.DOWN: "bad",
    AnswerKind.MAINTENANCE: "warn",
    AnswerKind.UNKNOWN: "info",
    AnswerKind.NO_LIVE: "info",
}
WORD: Mapping[Locale, Mapping[AnswerKind, str]] = {
    Locale.EN: {
        AnswerKind.LIVE: "live",
        AnswerKind.SLOW: "slow",
        AnswerKind.CLOSED: "closed now",
        AnswerKind.DOWN: "down",
        AnswerKind.MAINTENANCE: "maintenance",
        AnswerKind.UNKNOWN: "unknown",
        AnswerKind.NO_LIVE: "written only",
    },
    Locale.ZH: {
        AnswerKind.LIVE: "在线",
        AnswerKind.SLOW: "较慢",
        AnswerKind.CLOSED: "非服务时间",
        AnswerKind.DOWN: "无法联系",
        AnswerKind.MAINTENANCE: "维护中",
        AnswerKind.UNKNOWN: "未知",
        AnswerKind.NO_LIVE: "仅书面",
    },
}


def routes() -> list[web.RouteDef]:
    return [web.get("/badge/{exchange}.svg", badge)]


async def badge(request: web.Request) -> web.Response:
    """The exchange's badge; 404 for an exchange we do not watch."""
    ctx = context_of(request)
    exchange = ctx.catalog.exchange(request.match_info["exchange"])
    if exchange is None:
        raise web.HTTPNotFound()
    view = await ctx.status.exchange_status(exchange)
    locale = page_locale(request)
    kind = AnswerKind.UNKNOWN if view.blind_since is not None else view.answer.kind
    body = badge_svg(exchange.name, WORD[locale][kind], COLOUR[TONE[kind]])
    return web.Response(
        text=body,
        content_type=CONTENT_TYPE,
        headers={
            "Cache-Control": FEED_CACHE,
            "Vary": "Accept-Language",
            "Cross-Origin-Resource-Policy": "cross-origin",
        },
    )


def badge_svg(name: str, word: str, colour: str) -> str:
    """Two boxes, the name on grey and the word on `colour`, sized to their text."""
    left, right = text_width(name) + 12, text_width(word) + 12
    width = left + right
    label = escape(f"{name}: {word}")
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{HEIGHT}" '
        f'role="img" aria-label="{label}"><title>{label}</title>'
        f'<rect width="{left}" height="{HEIGHT}" rx="3" fill="{LEFT}"/>'
        f'<rect x="{left}" width="{right}" height="{HEIGHT}" rx="3" fill="{colour}"/>'
        f'<rect x="{left - 3}" width="6" height="{HEIGHT}" fill="{colour}"/>'
        f'<g fill="#fff" font-family="Verdana,DejaVu Sans,Noto Sans CJK SC,sans-serif" '
        f'font-size="11" text-anchor="middle">'
        f'<text x="{left / 2}" y="14">{escape(name)}</text>'
        f'<text x="{left + right / 2}" y="14">{escape(word)}</text></g></svg>'
    )


def text_width(value: str) -> int:
    """About how wide `value` is at 11 px: wide (CJK) characters count double."""
    return sum(12 if unicodedata.east_asian_width(ch) in "WF" else 7 for ch in value)
