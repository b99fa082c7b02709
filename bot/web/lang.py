"""The page's language: `?lang=` first, then the browser's Accept-Language, then English."""

from __future__ import annotations

from collections.abc import Mapping

from bot.vocab import Locale

MAX_HEADER = 256


class BadLanguage(ValueError):
    """`?lang=` names a language we do not speak."""


def requested(query: Mapping[str, str]) -> Locale | None:
    """The `lang` query parameter as a locale, None when absent; BadLanguage when unknown."""
    value = query.get("lang")
    if value is None:
        return None
    try:
        return Locale(value.strip().lower())
    except ValueError:
        raise BadLanguage("lang must be 'en' or 'zh'") from None


def from_accept_language(header: str | None) -> Locale:
    """The best of en/zh by q-value (`zh-CN,zh;q=0.9,en;q=0.8` → zh); English by default."""
    best: tuple[float, int, Locale] | None = None
    for position, part in enumerate((header or "")[:MAX_HEADER].split(",")):
        tag, _, params = part.strip().partition(";")
        tag = tag.strip().lower()
        if not tag.startswith(("zh", "en")):
            continue
        q = _quality(params)
        if q <= 0:
            continue
        candidate = (-q, position, Locale.from_client(tag))
        if best is None or candidate < best:
            best = candidate
    return best[2] if best is not None else Locale.EN


def _quality(params: str) -> float:
    for param in params.split(";"):
        name, _, value = param.strip().partition("=")
        if name.strip().lower() == "q":
            try:
                return max(0.0, min(1.0, float(value)))
            except ValueError:
                return 0.0
    return 1.0
