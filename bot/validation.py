"""Pydantic's validation errors in our words, for the catalog and the settings.

Pydantic says "Extra inputs are not permitted" and "Input should be a valid tuple"; a person
editing a catalog or a `.env` wants "unknown field 'colour'" and "must be a list". `describe`
turns one error into the place it concerns and a message; the caller names the place (the
catalog by exchange and channel ids, the settings by their names).

Pydantic also reports a list whose items failed as "should have at least 1 item after
validation" when every item failed: that is a consequence, not a problem, so it is dropped.
"""

from __future__ import annotations

from collections.abc import Sized
from dataclasses import dataclass

from pydantic_core import ErrorDetails

Loc = tuple[int | str, ...]

_KINDS = {
    **dict.fromkeys(("tuple_type", "list_type", "set_type", "frozen_set_type"), "must be a list"),
    **dict.fromkeys(
        ("dict_type", "model_type", "model_attributes_type"), "must be a mapping (name: value)"
    ),
    "string_type": "must be text",
    **dict.fromkeys(("int_type", "int_parsing", "int_from_float"), "must be a whole number"),
    **dict.fromkeys(("float_type", "float_parsing", "finite_number"), "must be a number"),
    **dict.fromkeys(("bool_type", "bool_parsing"), "must be true or false"),
    **dict.fromkeys(
        ("date_type", "date_parsing", "date_from_datetime_parsing", "date_from_datetime_inexact"),
        "must be a date like 2026-11-01",
    ),
    **dict.fromkeys(
        (
            "datetime_type",
            "datetime_parsing",
            "datetime_from_date_parsing",
            "datetime_object_invalid",
        ),
        "must be a date and time like 2026-12-01T02:00:00Z",
    ),
    "none_required": "must be empty",
}
_BOUNDS = {
    "greater_than": ("gt", "must be more than {}"),
    "greater_than_equal": ("ge", "must be at least {}"),
    "less_than": ("lt", "must be less than {}"),
    "less_than_equal": ("le", "must be at most {}"),
}


@dataclass(frozen=True, slots=True)
class Described:
    """Where a problem is (a pydantic location) and what it is, in our words."""

    loc: Loc
    message: str


def describe(error: ErrorDetails) -> Described | None:
    """Our words for one pydantic error; None when it only echoes another error."""
    kind, loc, ctx = error["type"], tuple(error["loc"]), error.get("ctx") or {}
    value = error["input"]
    if kind == "too_short" and _length(value) >= int(ctx.get("min_length", 0)):
        return None  # the items failed, not the length: their own errors say why
    if loc and loc[-1] == "[key]":
        key = loc[-2] if len(loc) > 1 else value
        return Described(loc[:-2], f"unknown key {_shown(str(key))}: use {ctx.get('expected', '')}")
    if kind == "missing":
        return Described(loc[:-1], f"missing field '{loc[-1]}'")
    if kind == "extra_forbidden":
        return Described(loc[:-1], f"unknown field '{loc[-1]}'")
    if kind == "union_tag_not_found":
        return Described(loc, f"missing field {ctx.get('discriminator', 'kind')}")
    if kind == "union_tag_invalid":
        field = str(ctx.get("discriminator", "'kind'")).strip("'")
        tag, expected = _shown(ctx.get("tag")), ctx.get("expected_tags")
        return Described((*loc, field), f"{tag} is not one of {expected}")
    return Described(loc, _message(kind, ctx, value, error["msg"]))


def _message(kind: str, ctx: dict[str, object], value: object, fallback: str) -> str:
    if kind in ("value_error", "assertion_error"):
        return str(ctx.get("error", fallback))
    if kind in ("enum", "literal_error"):
        return f"{_shown(value)} is not one of {ctx.get('expected', '')}"
    if kind in _KINDS:
        return _KINDS[kind]
    if kind in _BOUNDS:
        name, words = _BOUNDS[kind]
        bound = ctx.get(name)
        return words.format(
            int(bound) if isinstance(bound, float) and bound.is_integer() else bound
        )
    if kind == "too_short":
        return f"needs at least {_count(ctx.get('min_length'), 'entry', 'entries')}"
    if kind == "too_long":
        return f"has more than {_count(ctx.get('max_length'), 'entry', 'entries')}"
    if kind == "string_too_short":
        if ctx.get("min_length") == 1:
            return "must not be empty"
        return f"needs at least {_count(ctx.get('min_length'), 'character', 'characters')}"
    if kind == "string_too_long":
        return f"is longer than {_count(ctx.get('max_length'), 'character', 'characters')}"
    return fallback


def _shown(value: object) -> str:
    """A value as typed, cut short: a message names it, it does not reproduce it."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _length(value: object) -> int:
    return len(value) if isinstance(value, Sized) and not isinstance(value, str) else 0


def _count(n: object, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"
