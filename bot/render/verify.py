"""`/verify`: is this link, e-mail, account or phone number really the exchange's?

The answer leads with the verdict ("❌ Not MEXC"), says why in one line, names the official
website, what never to do, and the exchange's own verify tool. What the user typed is shown
defanged (`mexc-support[.]com`) and never as a link, on every platform.
"""

from __future__ import annotations

from bot.catalog import Catalog, Channel, Exchange
from bot.lookalike import Finding, Reason, Subject, Verdict, defang
from bot.render.budget import fit
from bot.render.words import Words, echo
from bot.reply import Button, Line, Reply, link, text
from bot.vocab import Case, ChannelKind, Confidence
from probes.domains import public_suffix, within

MAX_SHOWN = 80
# The apps an official account lives on, as people name them (the same in both languages).
_APPS = {ChannelKind.X: "X", ChannelKind.TELEGRAM: "Telegram"}
_VERIFIED = (Confidence.HIGH, Confidence.MEDIUM)


def verify_reply(
    finding: Finding, catalog: Catalog, w: Words, hint: Exchange | None = None
) -> Reply:
    """The verdict first, the reason, then the official site and what to do."""
    if finding.subject is Subject.PHONE:
        return _phone_reply(finding, catalog, w, hint)
    s = w.s
    exchange = finding.exchange
    name = exchange.name if exchange else ""
    lines: list[Line] = [(text(_reason(finding, w)),)]
    buttons: tuple[tuple[Button, ...], ...] = ()
    if exchange is None:
        lines.append((text(s.verify_unknown_hint),))
        lines.append((text(s.watched.format(names=w.names([e.name for e in catalog.exchanges]))),))
    else:
        lines.extend(_official_lines(finding, exchange, w))
        if finding.verdict is not Verdict.OFFICIAL:
            urgent = f"/urgent {exchange.id} {Case.ACCOUNT_COMPROMISED.value}"
            buttons = ((Button(s.button_urgent, urgent),),)
    tone = {Verdict.OFFICIAL: "ok", Verdict.LOOKALIKE: "bad"}.get(finding.verdict, "warn")
    reply = Reply(
        title=_title(finding, w).format(exchange=name),
        lines=tuple(lines),
        buttons=buttons,
        tone=tone,
    )
    return fit(reply, "")


def verify_usage_reply(w: Words) -> Reply:
    """No text given: what to send."""
    return Reply(title=w.s.verify_title_usage, lines=((text(w.s.verify_usage),),))


def _title(finding: Finding, w: Words) -> str:
    """The verdict, as far as it goes: an account missing from our short lists may still be
    real, and text that is no link is not "an exchange we don't watch"."""
    s = w.s
    if finding.reason is Reason.BRAND_IN_ACCOUNT:
        return s.verify_title_unlisted_account
    if finding.verdict is Verdict.UNKNOWN and finding.reason in (
        Reason.NOT_A_LINK,
        Reason.TOO_MANY,
    ):
        return s.verify_title_usage
    return {
        Verdict.OFFICIAL: s.verify_title_official,
        Verdict.LOOKALIKE: s.verify_title_lookalike,
        Verdict.UNKNOWN: s.verify_title_unknown,
    }[finding.verdict]


def _reason(finding: Finding, w: Words) -> str:
    exchange = finding.exchange
    host = finding.host or ""
    domain = ""
    template = w.s.verify_reason[finding.reason]
    if finding.subject is Subject.EMAIL and finding.reason is Reason.BRAND_IN_DOMAIN:
        template = w.s.verify_reason[Reason.BRAND_IN_ADDRESS]  # an address, not a website
    if exchange is not None:
        domain = next((d for d in exchange.official_domains if within(host, (d,))), "")
    else:
        template = w.s.verify_reason_no_exchange.get(finding.reason, template)
    return template.format(
        shown=echo(finding.shown, MAX_SHOWN),
        exchange=exchange.name if exchange else "",
        host=echo(defang(host), MAX_SHOWN),
        suffix=echo(defang(public_suffix(host)), MAX_SHOWN) if host else "",
        domain=domain,
        apps=w.names([_APPS[kind] for kind in finding.platforms if kind in _APPS]),
    )


def _official_lines(finding: Finding, exchange: Exchange, w: Words) -> list[Line]:
    """The exchange's official site (and accounts or e-mail), the warning, its verify tool."""
    s = w.s
    domains = exchange.official_domains
    template = s.verify_site if len(domains) == 1 else s.verify_sites
    lines: list[Line] = [
        (text(template.format(exchange=exchange.name, domains=", ".join(domains))),)
    ]
    if finding.subject is Subject.HANDLE:
        accounts = [c.name.get(w.locale) for c in _verified(exchange, ChannelKind.X)]
        accounts += [c.name.get(w.locale) for c in _verified(exchange, ChannelKind.TELEGRAM)]
        if accounts:
            listed = s.verify_accounts.format(exchange=exchange.name, accounts=", ".join(accounts))
            lines.append((text(listed),))
    if finding.subject is Subject.EMAIL and finding.reason is not Reason.OFFICIAL_ADDRESS:
        addresses = [c.address for c in _verified(exchange, ChannelKind.EMAIL) if c.address]
        if addresses:
            listed = s.verify_addresses.format(
                exchange=exchange.name, addresses=", ".join(addresses)
            )
            lines.append((text(listed),))
    lines.append((text(s.verify_still if finding.verdict is Verdict.OFFICIAL else s.verify_never),))
    tool = next(iter(_verified(exchange, ChannelKind.VERIFY_TOOL)), None)
    if tool is not None:
        lines.append(_tool_line(exchange, tool, w))
    return lines


def _tool_line(exchange: Exchange, tool: Channel, w: Words) -> Line:
    name = tool.name.get(w.locale)
    if tool.url:
        said = w.s.verify_tool.format(exchange=exchange.name, tool=name)
        return (text(said), link(tool.url, tool.url))
    where = tool.where.get(w.locale) if tool.where else ""
    return (text(w.s.verify_tool_where.format(exchange=exchange.name, tool=name, where=where)),)


def _phone_reply(finding: Finding, catalog: Catalog, w: Words, hint: Exchange | None) -> Reply:
    """A phone number: official only when listed; otherwise what each exchange publishes."""
    s = w.s
    if finding.verdict is Verdict.OFFICIAL and finding.exchange is not None:
        title = s.verify_title_official.format(exchange=finding.exchange.name)
        return Reply(title=title, lines=((text(_reason(finding, w)),),), tone="ok")
    lines: list[Line] = [(text(_reason(finding, w)),)]
    for exchange in (hint,) if hint is not None else catalog.exchanges:
        policy = exchange.phone_support.get(w.locale) if exchange.phone_support else None
        line = s.verify_phone_line.format(
            exchange=exchange.name, policy=policy or s.verify_phone_silent
        )
        lines.append((text(line),))
    lines.append((text(s.verify_phone_never),))
    return fit(Reply(title=s.verify_title_phone, lines=tuple(lines), tone="warn"), "")


def _verified(exchange: Exchange, kind: ChannelKind) -> list[Channel]:
    return [c for c in exchange.channels if c.kind is kind and c.confidence in _VERIFIED]
