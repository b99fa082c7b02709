"""The catalog's shape: exchanges, their channels and their routes for urgent cases.

Pydantic checks the structure here (types, slugs, hours syntax, time zones). The rules that
need the whole entry (official domains, route names, look-alikes) live in `rules.py`, so each
problem can be reported with its place.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    RootModel,
    field_validator,
)

from bot.vocab import Case, ChannelKind, Confidence, Locale, Mode
from probes.feeds.spec import StatusApi
from probes.spec import ProbeSpec

SLUG = r"^[a-z0-9][a-z0-9_-]{0,39}$"
_SLUG = re.compile(SLUG)


def _slug(value: str) -> str:
    if not _SLUG.fullmatch(value):
        shown = value if len(value) <= 40 else value[:37] + "..."
        raise ValueError(
            f"{shown!r} is not an id: use up to 40 lowercase letters, digits, '-' or '_', "
            "starting with a letter or digit"
        )
    return value


Slug = Annotated[str, AfterValidator(_slug)]

_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_WINDOW = re.compile(
    r"^(?P<first>[a-z]{3})(?:-(?P<last>[a-z]{3}))?\s+(?P<start>\d{2}:\d{2})-(?P<end>\d{2}:\d{2})$"
)


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _localize(value: object) -> object:
    """A plain string is the same text in every locale."""
    if isinstance(value, str | list):
        return {Locale.EN.value: value}
    return value


class Text(RootModel[dict[Locale, str]]):
    """Text per locale; a plain string in YAML means English (and the fallback)."""

    root: Annotated[dict[Locale, str], BeforeValidator(_localize)]
    model_config = ConfigDict(frozen=True)

    def get(self, locale: Locale) -> str:
        return self.root.get(locale) or self.root.get(Locale.EN) or next(iter(self.root.values()))


class TextList(RootModel[dict[Locale, list[str]]]):
    """A list of texts per locale (steps, what to have ready)."""

    root: Annotated[dict[Locale, list[str]], BeforeValidator(_localize)]
    model_config = ConfigDict(frozen=True)

    def get(self, locale: Locale) -> list[str]:
        return self.root.get(locale) or self.root.get(Locale.EN) or []


class Window(_Frozen):
    """Staffed time on some weekdays (0 = Monday). `end <= start` means it runs past midnight."""

    days: frozenset[int]
    start: time
    end: time


class Hours(_Frozen):
    """When a channel is staffed: always, or weekly windows in a time zone."""

    always: bool = False
    tz: str = "UTC"
    windows: tuple[Window, ...] = ()

    @field_validator("tz")
    @classmethod
    def _zone_exists(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}") from None
        return value


def _parse_window(text: str) -> Window:
    match = _WINDOW.match(text.strip().lower())
    if not match:
        raise ValueError(f"hours window {text!r} is not like 'mon-fri 09:00-18:00'")
    first, last = match["first"], match["last"] or match["first"]
    if first not in _DAYS or last not in _DAYS:
        raise ValueError(f"hours window {text!r}: days are mon, tue, wed, thu, fri, sat, sun")
    a, b = _DAYS.index(first), _DAYS.index(last)
    days = frozenset(range(a, b + 1)) if a <= b else frozenset([*range(a, 7), *range(b + 1)])
    return Window(days=days, start=_parse_clock(match["start"]), end=_parse_clock(match["end"]))


def _parse_clock(text: str) -> time:
    hour, minute = (int(part) for part in text.split(":"))
    if hour == 24 and minute == 0:
        return time(0, 0)
    if hour > 23 or minute > 59:
        raise ValueError(f"{text!r} is not a time of day")
    return time(hour, minute)


def _parse_hours(value: object) -> object:
    if value is None or isinstance(value, Hours):
        return value
    if isinstance(value, str):
        if value.strip().lower() in ("24/7", "always"):
            return Hours(always=True)
        raise ValueError(f"hours {value!r}: use '24/7' or {{tz: ..., weekly: [...]}}")
    if isinstance(value, dict):
        weekly = value.get("weekly")
        if not isinstance(weekly, list) or not weekly:
            raise ValueError("hours need 'weekly': a list like ['mon-fri 09:00-18:00']")
        unknown = set(value) - {"tz", "weekly"}
        if unknown:
            raise ValueError(f"hours: unknown field(s) {sorted(unknown)}")
        if not all(isinstance(item, str) for item in weekly):
            raise ValueError("hours 'weekly' must list texts like 'mon-fri 09:00-18:00'")
        windows = tuple(_parse_window(item) for item in weekly)
        return {"tz": value.get("tz", "UTC"), "windows": windows}
    raise ValueError("hours must be '24/7', a mapping with tz and weekly, or null")


class Channel(_Frozen):
    id: Slug
    kind: ChannelKind
    mode: Mode
    name: Text
    where: Text | None = None
    url: str | None = None
    address: str | None = None
    hours: Annotated[Hours | None, BeforeValidator(_parse_hours)] = None
    hours_source: str | None = None
    expected_reply: Text | None = None
    languages: tuple[str, ...] = ()
    probe: ProbeSpec | None = None
    source: str | None = None
    verified_on: date | None = None
    confidence: Confidence = Confidence.UNVERIFIED
    note: Text | None = None

    @property
    def verified(self) -> bool:
        return self.confidence in (Confidence.HIGH, Confidence.MEDIUM)

    @property
    def contact(self) -> bool:
        """A contact channel: one a person answers (see `ChannelKind.answered_by_person`)."""
        return self.kind.answered_by_person


class Route(_Frozen):
    """What to do for a case: the freeze step first (if any), then channels in order."""

    channels: tuple[Slug, ...]
    freeze: Text | None = None
    freeze_channel: Slug | None = None
    steps: TextList | None = None
    have_ready: TextList | None = None
    facts: TextList | None = None
    source: str | None = None
    confidence: Confidence = Confidence.UNVERIFIED


class MaintenanceWindow(_Frozen):
    """Planned maintenance from the catalog: one channel (or, without `channel`, all of them).

    Times must carry a zone (`2026-12-01T02:00:00Z`); `rules.py` checks that, the order of
    the bounds and the channel, so each problem is reported with its place.
    """

    channel: Slug | None = None
    starts_at: datetime
    ends_at: datetime
    reason: Text | None = None


class Exchange(_Frozen):
    id: Slug
    name: str = Field(min_length=1, max_length=64)
    aliases: tuple[str, ...] = ()
    official_domains: tuple[str, ...] = Field(min_length=1)
    never_link: tuple[str, ...] = ()
    status_page: str | None = None
    status_page_source: str | None = None
    # What the exchange itself says about phone support (for /verify of a phone number).
    phone_support: Text | None = None
    phone_support_source: str | None = None
    channels: tuple[Channel, ...] = Field(min_length=1)
    routes: dict[Case, Route] = Field(default_factory=dict)
    maintenance: tuple[MaintenanceWindow, ...] = ()
    status_api: StatusApi | None = None

    def channel(self, channel_id: str) -> Channel | None:
        return next((c for c in self.channels if c.id == channel_id), None)

    def key(self, channel: Channel) -> str:
        return f"{self.id}/{channel.id}"


class Catalog(_Frozen):
    exchanges: tuple[Exchange, ...] = Field(min_length=1)

    def exchange(self, exchange_id: str) -> Exchange | None:
        return next((e for e in self.exchanges if e.id == exchange_id), None)

    def channels(self) -> list[tuple[Exchange, Channel]]:
        return [(e, c) for e in self.exchanges for c in e.channels]


def catalog_from_data(data: Any) -> Catalog:
    """Structure-check parsed YAML (raises pydantic.ValidationError)."""
    return Catalog.model_validate(data)
