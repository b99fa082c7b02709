"""Alert texts in English and Simplified Chinese: one outbox payload + locale → one `Reply`.

Names and links come from the catalog at render time (the payload holds ids only), so an alert
can only ever link what the catalog lists; what a remote side wrote (a probe's detail, an
incident's or a maintenance's title, an API's network name) goes through `echo`, which leaves
nothing a chat app would make a link of. Times are shown in UTC for English readers and in
Beijing time (UTC+8) for Chinese readers.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from bot.catalog import Catalog, Channel, Exchange
from bot.render.words import echo
from bot.reply import Button, Line, Reply, Span, Style, bold, link, text
from bot.vocab import Locale

Payload = dict[str, Any]
# Remote words are cut here: a probe's reason, an incident's title, a maintenance note.
REMOTE_CHARS = 200

BEIJING = timezone(timedelta(hours=8))

_ERRORS_ZH = {
    "timeout": "响应超时",
    "dns": "域名解析失败",
    "connect": "无法连接",
    "tls": "证书（TLS）错误",
    "http_status": "网页返回错误",
    "keyword": "页面内容异常",
    "body": "页面内容异常",
    "other": "检测失败",
}


class UnknownAlert(Exception):
    """The payload names an exchange or channel the catalog no longer has."""


def render(
    kind: str, payload: Payload, locale: Locale, catalog: Catalog, subscribed: str = "*"
) -> Reply:
    """The alert a subscriber reads; `subscribed` is the subscription's channel ('*' = all)."""
    exchange = catalog.exchange(str(payload.get("exchange", "")))
    if exchange is None:
        raise UnknownAlert(f"exchange {payload.get('exchange')!r} is not in the catalog")
    channel_id = str(payload.get("channel") or "")
    channel = exchange.channel(channel_id) if channel_id else None
    if channel_id and channel is None:
        raise UnknownAlert(f"channel {exchange.id}/{channel_id} is not in the catalog")
    builder = _BUILDERS.get(kind)
    if builder is None:
        raise UnknownAlert(f"no text for alert kind {kind!r}")
    words = _ZH if locale is Locale.ZH else _EN
    reply = builder(_Context(exchange, channel, payload, locale, words))
    action = f"/unsubscribe {exchange.id}" + ("" if subscribed in ("", "*") else f" {subscribed}")
    return Reply(
        title=reply.title,
        lines=reply.lines,
        buttons=((Button(words["stop"], action),),),
        tone=reply.tone,
    )


class _Context:
    def __init__(
        self,
        exchange: Exchange,
        channel: Channel | None,
        payload: Payload,
        locale: Locale,
        words: dict[str, str],
    ) -> None:
        self.exchange = exchange
        self.channel = channel
        self.payload = payload
        self.locale = locale
        self.words = words

    @property
    def zh(self) -> bool:
        return self.locale is Locale.ZH

    def subject(self) -> str:
        """ "MEXC Online customer service" / "MEXC 在线客服"; the exchange alone if no channel."""
        if self.channel is None:
            return self.exchange.name
        return f"{self.exchange.name} {self.channel.name.get(self.locale)}"

    def time(self, key: str) -> str:
        value = self.payload.get(key)
        if value is None:
            return ""
        moment = datetime.fromtimestamp(float(value), UTC)
        if self.zh:
            return f"北京时间 {moment.astimezone(BEIJING):%H:%M}"
        return f"{moment:%H:%M} UTC"

    def clock(self, key: str) -> str:
        """Only HH:MM in the reader's zone (for ranges whose zone is named once)."""
        value = self.payload.get(key)
        if value is None:
            return ""
        moment = datetime.fromtimestamp(float(value), UTC)
        return f"{moment.astimezone(BEIJING if self.zh else UTC):%H:%M}"

    def zone(self) -> str:
        return "北京时间" if self.zh else "UTC"

    def duration(self, key: str) -> str:
        return format_duration(float(self.payload.get(key) or 0.0), self.locale)

    def note(self) -> str:
        """A maintenance window's reason in the reader's locale, else as declared."""
        note = self.payload.get(f"note_{self.locale.value}") or self.payload.get("note") or ""
        return echo(str(note), REMOTE_CHARS)

    def reason(self, *, capital: bool = True) -> str:
        """What failed, in the reader's words: the probe's detail in English, a label in Chinese."""
        error = self.payload.get("error")
        detail = echo(str(self.payload.get("detail") or ""), REMOTE_CHARS)
        if self.zh:
            label = _ERRORS_ZH.get(str(error), "检测失败")
            if error == "http_status" and detail:
                return f"{label}（{detail}）"
            return label
        said = echo(str(self.payload.get("reason") or ""), REMOTE_CHARS) or detail
        said = said or str(error or "check failed").replace("_", " ")
        return said[:1].upper() + said[1:] if capital else said

    def where(self, channel: Channel) -> Span:
        """How to reach an official channel: its catalog link, or its address."""
        name = channel.name.get(self.locale)
        if channel.url:
            return link(name, channel.url)
        if channel.address:
            return Span(f"{name} {channel.address}")
        return text(name)


def format_duration(seconds: float, locale: Locale) -> str:
    """4 min · 1 h 5 min · 2 d 3 h (分钟/小时/天 in Chinese); under a minute is "1 min"."""
    minutes = max(1, round(seconds / 60))
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    units = ("天", "小时", "分钟") if locale is Locale.ZH else ("d", "h", "min")
    parts = []
    if days:
        parts.append(f"{days} {units[0]}")
    if hours:
        parts.append(f"{hours} {units[1]}")
    if mins and not days:
        parts.append(f"{mins} {units[2]}")
    return " ".join(parts)


def _down(c: _Context) -> Reply:
    w = c.words
    key = "down_after_maintenance" if c.payload.get("after_maintenance") else "down"
    title = w[key].format(subject=c.subject())
    lines: list[Line] = [(text(w["down_why"].format(reason=c.reason(), since=c.time("since"))),)]
    lines.extend(_alternatives(c))
    return Reply(title=title, lines=tuple(lines), tone="bad")


def _alternatives(c: _Context) -> list[Line]:
    """ "Meanwhile: <contact channel>", or that nobody answers and where to write anyway."""
    alt = _contact(c, "alternative")
    if alt is not None:
        return [_contact_line(c, "meanwhile", alt)]
    lines: list[Line] = [(text(c.words["no_alternative"]),)]
    write_to = _contact(c, "write_to")
    if write_to is not None:
        lines.append(_contact_line(c, "write_to", write_to, reply_time=True))
    return lines


def _contact(c: _Context, field: str) -> Channel | None:
    """The payload's channel `field`, if it is a contact channel (older rows may name others)."""
    channel_id = c.payload.get(field)
    channel = c.exchange.channel(str(channel_id)) if channel_id else None
    return channel if channel is not None and channel.contact else None


def _contact_line(c: _Context, lead: str, channel: Channel, *, reply_time: bool = False) -> Line:
    line: list[Span] = [text(c.words[lead]), c.where(channel)]
    if channel.expected_reply is not None:
        line.append(text(c.words["replies_in"].format(when=channel.expected_reply.get(c.locale))))
    elif reply_time:
        line.append(text(c.words["reply_time_unknown"]))
    return tuple(line)


def _degraded(c: _Context) -> Reply:
    w = c.words
    key = "degraded_slow" if c.payload.get("cause") == "slow" else "degraded_intermittent"
    lines: list[Line] = [
        (text(w[key].format(detail=c.reason(capital=False), since=c.time("since"))),)
    ]
    return Reply(title=w["degraded"].format(subject=c.subject()), lines=tuple(lines), tone="warn")


def _recovered(c: _Context) -> Reply:
    w = c.words
    was = "down" if c.payload.get("from") == "down" else "degraded"
    span = w["range"].format(start=c.clock("since"), end=c.clock("at"), zone=c.zone())
    duration = c.duration("down_for_s")
    if c.payload.get("missed_down"):
        title = w[f"missed_{was}"].format(subject=c.subject(), duration=duration)
        lines: list[Line] = [(text(w["missed_line"].format(span=span)),)]
    else:
        title = w[f"back_{was}"].format(subject=c.subject())
        lines = [(text(w[f"back_{was}_line"].format(duration=duration, span=span)),)]
    return Reply(title=title, lines=tuple(lines), tone="ok")


def _flapping(c: _Context) -> Reply:
    w = c.words
    health = str(c.payload.get("health") or "unknown")
    now = w.get(f"health_{health}", health)
    lines: list[Line] = [
        (text(w["flapping_line"].format(flips=int(c.payload.get("flips") or 0), now=now)),),
        (text(w["flapping_hold"].format(exchange=c.exchange.id)),),
    ]
    return Reply(title=w["flapping"].format(subject=c.subject()), lines=tuple(lines), tone="warn")


def _incident_opened(c: _Context) -> Reply:
    w = c.words
    name = echo(str(c.payload.get("incident") or ""), REMOTE_CHARS)
    lines: list[Line] = []
    impact = str(c.payload.get("impact") or "")
    if impact and impact != "none":
        lines.append((text(w["impact"].format(impact=w.get(f"impact_{impact}", impact))),))
    lines.append((text(w["incident_since"].format(since=c.time("since"))),))
    lines.extend(_status_page(c))
    title = w["incident_opened"].format(subject=c.subject())
    return Reply(title=title, lines=((Span(name, Style.BOLD),), *lines), tone="warn")


def _incident_resolved(c: _Context) -> Reply:
    w = c.words
    name = echo(str(c.payload.get("incident") or ""), REMOTE_CHARS)
    line = text(w["incident_lasted"].format(duration=c.duration("duration_s")))
    return Reply(
        title=w["incident_resolved"].format(subject=c.subject()),
        lines=((bold(name),), (line,), *_status_page(c)),
        tone="ok",
    )


def _status_page(c: _Context) -> list[Line]:
    if not c.exchange.status_page:
        return []
    return [(text(c.words["status_page"]), link(c.exchange.status_page, c.exchange.status_page))]


def _maintenance_started(c: _Context) -> Reply:
    w = c.words
    lines: list[Line] = []
    if c.payload.get("ends_at") is not None:
        lines.append((text(w["maintenance_until"].format(until=c.time("ends_at"))),))
    if note := c.note():
        lines.append((text(note),))
    lines.append((text(w["maintenance_quiet"]),))
    title = w["maintenance_started"].format(subject=c.subject())
    return Reply(title=title, lines=tuple(lines), tone="info")


def _maintenance_ended(c: _Context) -> Reply:
    w = c.words
    title = w["maintenance_ended"].format(subject=c.subject())
    return Reply(title=title, lines=((text(w["maintenance_back"]),),), tone="ok")


def _wallet(c: _Context) -> Reply:
    """A coin's deposits or withdrawals on a network changed, as the exchange's API says;
    other networks of the coin that changed in the same reading follow, one line each."""
    w, p = c.words, c.payload
    bad, moves = _network_moves(w, p)
    network = w["wallet_all"] if p.get("scope") == "asset" else echo(str(p.get("network") or ""))
    title = w["wallet_title"].format(
        mark="⛔" if bad else "✅",
        exchange=c.exchange.name,
        coin=echo(str(p.get("coin") or "")),
        network=network,
        moves=moves,
    )
    coin = str(p.get("coin") or "").lower()
    lines: list[Line] = []
    others = p.get("also")
    for other in others if isinstance(others, list) else ():
        if isinstance(other, dict):
            worse, said = _network_moves(w, {**other, "scope": p.get("scope")})
            bad = bad or worse
            line = w["wallet_also"].format(
                mark="⛔" if worse else "✅",
                network=echo(str(other.get("network") or "")),
                moves=said,
            )
            lines.append((text(line),))
    lines.append((text(w["wallet_source"].format(exchange=c.exchange.name, at=c.time("at"))),))
    lines.append((text(w["wallet_latest"].format(id=c.exchange.id, coin=coin)),))
    return Reply(title=title, lines=tuple(lines), tone="warn" if bad else "ok")


def _network_moves(w: Mapping[str, str], p: Mapping[str, object]) -> tuple[bool, str]:
    """Whether one network's change is bad news, and its moves in words."""
    moves = []
    for way in ("deposit", "withdraw"):
        now, was = str(p.get(way)), str(p.get(f"{way}_was"))
        if now != was and "unknown" not in (now, was):
            moves.append(w[f"wallet_{way}"].format(state=w[f"wallet_{_move(was, now)}"]))
    if p.get("scope") == "network_single":  # one status per network: both ways together
        moves = [w["wallet_single"].format(state=w[f"wallet_single_{p.get('deposit')}"])]
    bad = any(p.get(way) in ("suspended", "delayed") for way in ("deposit", "withdraw"))
    return bad, w["wallet_join"].join(moves)


def _move(was: str, now: str) -> str:
    """ "suspended", "delayed" or "reopened" (back to open)."""
    return "reopened" if now == "open" else now


def _api_maintenance(c: _Context) -> Reply:
    """The exchange's API says the whole exchange entered or left maintenance."""
    w = c.words
    started = c.payload.get("edge") == "started"
    title = w["api_maint_started" if started else "api_maint_ended"].format(
        exchange=c.exchange.name
    )
    lines: list[Line] = [
        (text(w["wallet_source"].format(exchange=c.exchange.name, at=c.time("at"))),),
        (text(w["api_maint_latest"].format(id=c.exchange.id)),),
    ]
    return Reply(title=title, lines=tuple(lines), tone="warn" if started else "ok")


_BUILDERS: dict[str, Callable[[_Context], Reply]] = {
    "down": _down,
    "degraded": _degraded,
    "recovered": _recovered,
    "flapping": _flapping,
    "incident_opened": _incident_opened,
    "incident_resolved": _incident_resolved,
    "maintenance_started": _maintenance_started,
    "maintenance_ended": _maintenance_ended,
    "wallet": _wallet,
    "api_maintenance": _api_maintenance,
}

_EN: dict[str, str] = {
    "stop": "Stop these alerts",
    "down": "❌ {subject} is down",
    "down_why": "{reason} · since {since}.",
    "down_after_maintenance": "❌ {subject} is still down after maintenance",
    "meanwhile": "Meanwhile: ",
    "replies_in": " · replies in {when}",
    "no_alternative": "Nobody else is confirmed to answer right now.",
    "write_to": "You can still write: ",
    "reply_time_unknown": " · reply time not stated",
    "degraded": "⚠️ {subject} is struggling",
    "degraded_slow": "Answering slowly ({detail}) since {since}.",
    "degraded_intermittent": "Some checks fail ({detail}) since {since}.",
    "range": "{start}–{end} {zone}",
    "back_down": "✅ {subject} is back",
    "back_down_line": "It was down for {duration} ({span}).",
    "back_degraded": "✅ {subject} is back to normal",
    "back_degraded_line": "It was struggling for {duration} ({span}).",
    "missed_down": "✅ {subject} was down for {duration}, now back",
    "missed_degraded": "✅ {subject} struggled for {duration}, now back to normal",
    "missed_line": "Short outage ({span}); it is working again.",
    "flapping": "🔁 {subject} keeps going up and down",
    "flapping_line": "{flips} changes in the last hour; now {now}.",
    "flapping_hold": "We hold its alerts back until it settles. Latest: /status {exchange}",
    "health_up": "up",
    "health_down": "down",
    "health_degraded": "struggling",
    "health_unknown": "unknown",
    "incident_opened": "📣 {subject} reports an incident",
    "incident_since": "Reported at {since}.",
    "impact": "Impact: {impact}.",
    "impact_minor": "minor",
    "impact_major": "major",
    "impact_critical": "critical",
    "incident_resolved": "✅ {subject} resolved an incident",
    "incident_lasted": "It lasted {duration}.",
    "status_page": "Official status page: ",
    "maintenance_started": "🛠 {subject}: maintenance started",
    "maintenance_until": "Planned until {until}.",
    "maintenance_quiet": "No outage alerts for it meanwhile.",
    "maintenance_ended": "✅ {subject}: maintenance is over",
    "maintenance_back": "Outage alerts are on again.",
    "wallet_title": "{mark} {exchange} {coin} on {network}: {moves}",
    "wallet_deposit": "deposits {state}",
    "wallet_withdraw": "withdrawals {state}",
    "wallet_suspended": "suspended",
    "wallet_delayed": "delayed",
    "wallet_reopened": "reopened",
    "wallet_single": "{state}",
    "wallet_single_open": "online again",
    "wallet_single_suspended": "not online",
    "wallet_all": "all networks",
    "wallet_join": ", ",
    "wallet_also": "{mark} {network}: {moves}",
    "wallet_source": "From {exchange}'s public API at {at}; it applies to everyone.",
    "wallet_latest": "Latest: /wallet {id} {coin}",
    "api_maint_started": "🛠 {exchange}'s API reports the exchange in maintenance",
    "api_maint_ended": "✅ {exchange}'s API reports the maintenance is over",
    "api_maint_latest": "Latest: /status {id}",
}

_ZH: dict[str, str] = {
    "stop": "停止这些提醒",
    "down": "❌ {subject} 无法访问",
    "down_why": "{reason} · 自 {since} 起。",
    "down_after_maintenance": "❌ 维护已结束，{subject} 仍无法访问",
    "meanwhile": "可先使用：",
    "replies_in": " · 回复时间：{when}",
    "no_alternative": "目前没有确认可联系的其他人工客服。",
    "write_to": "仍可书面联系：",
    "reply_time_unknown": " · 回复时间未说明",
    "degraded": "⚠️ {subject} 不稳定",
    "degraded_slow": "响应缓慢（{detail}），自 {since} 起。",
    "degraded_intermittent": "部分检测失败（{detail}），自 {since} 起。",
    "range": "{zone} {start}–{end}",
    "back_down": "✅ {subject} 已恢复",
    "back_down_line": "此前中断 {duration}（{span}）。",
    "back_degraded": "✅ {subject} 已恢复正常",
    "back_degraded_line": "此前不稳定 {duration}（{span}）。",
    "missed_down": "✅ {subject} 曾中断 {duration}，现已恢复",
    "missed_degraded": "✅ {subject} 曾不稳定 {duration}，现已恢复正常",
    "missed_line": "短暂中断（{span}），现在可以正常使用。",
    "flapping": "🔁 {subject} 状态反复变化",
    "flapping_line": "过去一小时变化 {flips} 次；当前：{now}。",
    "flapping_hold": "状态稳定前暂停逐条提醒。最新状态：/status {exchange}",
    "health_up": "可用",
    "health_down": "无法访问",
    "health_degraded": "不稳定",
    "health_unknown": "未知",
    "incident_opened": "📣 {subject} 公布了一起故障",
    "incident_since": "公布时间：{since}。",
    "impact": "影响程度：{impact}。",
    "impact_minor": "轻微",
    "impact_major": "严重",
    "impact_critical": "非常严重",
    "incident_resolved": "✅ {subject} 的故障已解决",
    "incident_lasted": "持续 {duration}。",
    "status_page": "官方状态页：",
    "maintenance_started": "🛠 {subject}：维护开始",
    "maintenance_until": "预计持续到 {until}。",
    "maintenance_quiet": "维护期间不发送中断提醒。",
    "maintenance_ended": "✅ {subject}：维护已结束",
    "maintenance_back": "中断提醒已恢复。",
    "wallet_title": "{mark} {exchange} {coin}（{network}）：{moves}",
    "wallet_deposit": "充值{state}",
    "wallet_withdraw": "提币{state}",
    "wallet_suspended": "已暂停",
    "wallet_delayed": "延迟",
    "wallet_reopened": "已恢复",
    "wallet_single": "{state}",
    "wallet_single_open": "已恢复正常",
    "wallet_single_suspended": "非正常状态",
    "wallet_all": "全部网络",
    "wallet_join": "，",
    "wallet_also": "{mark} {network}：{moves}",
    "wallet_source": "来自 {exchange} 公开 API，{at}；适用于所有用户。",
    "wallet_latest": "最新状态：/wallet {id} {coin}",
    "api_maint_started": "🛠 {exchange} API 报告交易所进入维护",
    "api_maint_ended": "✅ {exchange} API 报告维护已结束",
    "api_maint_latest": "最新状态：/status {id}",
}
