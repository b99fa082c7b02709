"""Numbers, times and reasons in words, for one locale and one display time zone."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.catalog import Channel, Hours, Window
from bot.lookalike import DOT_LIKES
from bot.render.strings import Strings, strings
from bot.status import ChannelStatus
from bot.verdict import Reason, ReasonCode
from bot.vocab import Locale
from probes.result import ErrorKind

MAX_ECHO = 40
WORD_JOINER = "\u2060"
# Where Telegram would start a link: ".com", "@name", "://" (not "v2.1" or "19:30"); the
# wide dots browsers read as "." (mexc。com) count as dots.
_UNLINK = re.compile(rf"[.{DOT_LIKES}](?=[^\W\d_])|@(?=\w)|:(?=/)")
_ERROR_KINDS = frozenset(kind.value for kind in ErrorKind)


@dataclass(frozen=True, slots=True)
class Words:
    """Wording context of one reply: the locale's strings, now, and the user's zone if known."""

    locale: Locale
    s: Strings
    now: datetime
    user_tz: ZoneInfo | None = None

    @classmethod
    def of(cls, locale: Locale, now: datetime, user_tz: ZoneInfo | None = None) -> Words:
        return cls(locale, strings(locale), now, user_tz)

    def zone_for(self, channel: Channel | None) -> ZoneInfo:
        """The user's zone if known, else the channel's hours zone, else UTC."""
        if self.user_tz is not None:
            return self.user_tz
        if channel is not None and channel.hours is not None and channel.hours.windows:
            return ZoneInfo(channel.hours.tz)
        return ZoneInfo("UTC")

    def latency(self, ms: float | None) -> str:
        if ms is None:
            return self.s.missing
        if ms < 1000:
            return self.s.ms.format(n=max(1, round(ms)))
        return self.s.seconds_latency.format(n=f"{ms / 1000:.1f}")

    def percent(self, share: float | None) -> str:
        """Uptime share, floored to 0.1 % so 99.96 % never shows as 100 %."""
        if share is None:
            return self.s.missing
        tenths = math.floor(share * 1000 + 1e-9) / 10
        return self.s.percent.format(n=f"{tenths:.0f}" if tenths == int(tenths) else f"{tenths}")

    def duration(self, seconds: float) -> str:
        s = self.s
        seconds = max(0, int(seconds))
        if seconds < 60:
            return s.dur_s.format(n=seconds)
        minutes = seconds // 60
        if minutes < 60:
            return s.dur_min.format(n=minutes)
        hours, minutes = divmod(minutes, 60)
        if hours < 24:
            return s.dur_h_min.format(h=hours, m=minutes) if minutes else s.dur_h.format(h=hours)
        days, hours = divmod(hours, 24)
        return s.dur_d_h.format(d=days, h=hours) if hours else s.dur_d.format(d=days)

    def ago(self, seconds: float | None) -> str:
        """ "40 s ago", "12 min ago", "3 h ago", "2 d ago"."""
        s = self.s
        if seconds is None:
            return s.missing
        seconds = max(0, int(seconds))
        if seconds < 5:
            return s.just_now
        if seconds < 60:
            return s.ago_s.format(n=seconds)
        if seconds < 3600:
            return s.ago_min.format(n=seconds // 60)
        if seconds < 48 * 3600:
            return s.ago_h.format(n=seconds // 3600)
        return s.ago_d.format(n=seconds // 86400)

    def until(self, at: datetime) -> str:
        """ "in 6 h", rounded up to the minute."""
        seconds = math.ceil((at - self.now).total_seconds() / 60) * 60
        return self.s.in_time.format(d=self.duration(seconds))

    def when(self, at: datetime, zone: ZoneInfo) -> str:
        """ "09:00 UTC+8" today, "Thu 09:00 UTC+8" this week, "Dec 2 09:00 UTC+8" later."""
        local = at.astimezone(zone)
        today = self.now.astimezone(zone).date()
        clock = f"{local:%H:%M} {zone_label(local)}"
        if local.date() == today:
            return clock
        if abs((local.date() - today).days) < 7:
            return f"{self.s.weekdays[local.weekday()]} {clock}"
        day = self.s.date.format(month=self.s.months[local.month - 1], day=local.day)
        return f"{day} {clock}"

    def stamp(self, at: datetime, zone: ZoneInfo) -> str:
        """ "Nov 24 18:48 UTC" (zh "11月24日 18:48 UTC"): always with the date, for records."""
        local = at.astimezone(zone)
        day = self.s.date.format(month=self.s.months[local.month - 1], day=local.day)
        return f"{day} {local:%H:%M} {zone_label(local)}"

    def hours(self, hours: Hours | None) -> str:
        """ "hours: 24/7", "hours: Mon–Fri 09:00–18:00 (UTC+8)", "hours: not officially stated"."""
        if hours is None:
            return self.s.hours_unknown
        if hours.always:
            return self.s.hours_always
        windows = self.s.list_sep.join(self._window(w) for w in hours.windows)
        zone = ZoneInfo(hours.tz)
        return self.s.hours_weekly.format(
            windows=windows, zone=zone_label(self.now.astimezone(zone))
        )

    def _window(self, window: Window) -> str:
        days = sorted(window.days)
        names = self.s.weekdays
        if len(days) > 2 and days == list(range(days[0], days[-1] + 1)):
            span = self.s.day_range.format(first=names[days[0]], last=names[days[-1]])
        else:
            span = self.s.list_sep.join(names[d] for d in days)
        return f"{span} {window.start:%H:%M}–{window.end:%H:%M}"

    def names(self, items: Sequence[str], limit: int = 12) -> str:
        """A list joined for reading, cut after `limit` with "and N more"."""
        shown = self.s.list_sep.join(items[:limit])
        if len(items) <= limit:
            return shown
        return self.s.and_more.format(names=shown, n=len(items) - limit)

    def failure(self, status: ChannelStatus) -> str:
        """What the last failed check said: the probe's own detail in English, a word in zh."""
        state = status.state
        if state is None:
            return ""
        return self.failed_check(state.last_error, state.last_detail)

    def failed_check(self, error: str | None, detail: str) -> str:
        """A failed check's words: its own detail in English, its kind's word in zh."""
        if self.locale is Locale.EN and detail:
            return echo(detail, 60)
        if error in _ERROR_KINDS:
            return self.s.error_kind[ErrorKind(str(error))]
        return ""

    def reason(self, reason: Reason, status: ChannelStatus) -> str:
        """One verdict reason in words, with its detail where it has one."""
        params = reason.params
        age = params.get("age_s")
        text = self.s.reason[reason.code].format(
            age=self.duration(float(age)) if isinstance(age, int | float) else "",
            exchange=status.exchange.name,
        )
        extra = self._reason_extra(reason, status)
        return self.s.reason_detail.format(reason=text, detail=extra) if extra else text

    def note(self, reason: Reason) -> str:
        """A declared maintenance's reason in this locale (else as declared), safe to show."""
        params = reason.params
        note = params.get(f"note_{self.locale.value}") or params.get("note")
        return echo(str(note), 120) if note else ""

    def _reason_extra(self, reason: Reason, status: ChannelStatus) -> str:
        params = reason.params
        zone = self.zone_for(status.channel)
        code = reason.code
        if code in (ReasonCode.PROBE_DOWN, ReasonCode.SLOW, ReasonCode.INTERMITTENT):
            return self.failure(status)
        if code is ReasonCode.OFF_HOURS and isinstance(params.get("next_open"), datetime):
            at = params["next_open"]
            assert isinstance(at, datetime)
            return self.s.opens_at.format(when=self.when(at, zone))
        if code is ReasonCode.API_MAINTENANCE:
            return self._api_event(reason, zone)
        if code is ReasonCode.DECLARED_MAINTENANCE:
            end = params.get("until")
            until = ""
            if isinstance(end, datetime):
                until = self.s.until_time.format(when=self.when(end, zone))
            return " · ".join(part for part in (until, self.note(reason)) if part)
        incidents = params.get("incidents")
        return echo(str(incidents), 120) if incidents else ""

    def _api_event(self, reason: Reason, zone: ZoneInfo) -> str:
        """ "Spot upgrade, expected to end 04:00 UTC": the API's event, as far as it says."""
        title = self.note(reason)
        end = reason.params.get("until")
        if not isinstance(end, datetime):
            return title
        when = self.when(end, zone)
        if not title:
            return self.s.expected_end.format(when=when)
        return self.s.title_expected_end.format(title=title, when=when)


def zone_label(local: datetime) -> str:
    """ "UTC", "UTC+8", "UTC+5:30", "UTC-4" for a local time's offset."""
    offset = local.utcoffset() or timedelta(0)
    minutes = int(offset.total_seconds() // 60)
    if minutes == 0:
        return "UTC"
    sign = "+" if minutes > 0 else "-"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours}" + (f":{rest:02d}" if rest else "")


def clean(text: str, limit: int = MAX_ECHO) -> str:
    """Outside text as data: printable, one line, at most `limit` characters."""
    text = text.replace(WORD_JOINER, "")
    kept = " ".join("".join(ch if ch.isprintable() else " " for ch in text).split())
    return kept if len(kept) <= limit else kept[: limit - 1] + "…"


def echo(text: str, limit: int = MAX_ECHO) -> str:
    """Outside text made safe to show: `clean`, and nothing a chat app would make a link of.

    Telegram links host names, @usernames and tg:// in plain text; an invisible word joiner
    after a "." before a letter, an "@" before a name and a ":" before "/" stops that, so a
    look-alike domain or account a user typed (or a status page wrote) is never a tap away.
    The text reads the same.
    """
    return _UNLINK.sub(lambda m: m.group() + WORD_JOINER, clean(text, limit))
