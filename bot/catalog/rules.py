"""The catalog rules that need a whole entry: only official links ever leave the bot.

`find_problems` returns every broken rule with its place, so `supportlive catalog check`
can list them all at once and the bot can refuse to start on the first load.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import assert_never

from bot.catalog.mentions import texts_of, unofficial
from bot.catalog.models import Catalog, Channel, Exchange, MaintenanceWindow
from bot.lookalike import has_mixed_script, lookalike_host
from bot.vocab import ChannelKind, Confidence
from probes.domains import (
    UrlError,
    is_ip,
    is_local,
    is_public_suffix,
    is_shared_suffix,
    normalize_host,
    parse_url,
    public_suffix,
    within,
)
from probes.feeds.registry import FEEDS
from probes.feeds.spec import StatusApi
from probes.spec import DnsProbe, HttpProbe, StatuspageProbe, TcpProbe, TlsProbe

# Broadcast accounts live on the platform's own domain, not the exchange's.
PLATFORM_HOSTS: dict[ChannelKind, tuple[str, ...]] = {
    ChannelKind.TELEGRAM: ("t.me",),
    ChannelKind.X: ("x.com", "twitter.com"),
}


@dataclass(frozen=True, slots=True)
class Problem:
    """One broken rule: where (exchange, channel, field) and what."""

    place: str
    message: str

    def __str__(self) -> str:
        return f"{self.place}: {self.message}"


def find_problems(catalog: Catalog, *, allow_local: bool = False) -> list[Problem]:
    problems: list[Problem] = []
    for exchange_id, count in Counter(e.id for e in catalog.exchanges).items():
        if count > 1:
            problems.append(Problem(exchange_id, "exchange id is used more than once"))
    for exchange in catalog.exchanges:
        problems.extend(_exchange_problems(exchange, allow_local))
        problems.extend(_imitation_problems(exchange, catalog))
        problems.extend(_never_link_problems(exchange, catalog))
    return problems


def _exchange_problems(exchange: Exchange, allow_local: bool) -> Iterator[Problem]:
    for domain in exchange.official_domains:
        yield from _official_domain_problems(exchange, domain)
    for channel_id, count in Counter(c.id for c in exchange.channels).items():
        if count > 1:
            yield Problem(f"{exchange.id} / {channel_id}", "channel id is used more than once")
    if exchange.status_page:
        yield from _url_problems(
            exchange, exchange.status_page, f"{exchange.id} / status_page", (), allow_local
        )
    for channel in exchange.channels:
        yield from _channel_problems(exchange, channel, allow_local)
    yield from _status_page_problems(exchange)
    ids = {c.id for c in exchange.channels}
    for case, route in exchange.routes.items():
        place = f"{exchange.id} / routes / {case.value}"
        yield from _source_problems(exchange, route.confidence, route.source, place)
        for channel_id in route.channels:
            if channel_id not in ids:
                yield Problem(place, f"names channel {channel_id!r}, which {exchange.id} lacks")
        if route.freeze_channel and route.freeze_channel not in ids:
            yield Problem(place, f"freeze_channel {route.freeze_channel!r} does not exist")
        for text in texts_of(route.freeze, route.steps, route.have_ready, route.facts):
            yield from _mention_problems(exchange, text, place)
    if exchange.status_api is not None:
        yield from _status_api_problems(exchange, exchange.status_api, allow_local)
    for number, window in enumerate(exchange.maintenance, start=1):
        place = f"{exchange.id} / maintenance / #{number}"
        yield from _maintenance_problems(exchange, window, place)
        for text in texts_of(window.reason):
            yield from _mention_problems(exchange, text, place)
    for text in texts_of(exchange.phone_support):
        yield from _mention_problems(exchange, text, f"{exchange.id} / phone_support")


def _status_page_problems(exchange: Exchange) -> Iterator[Problem]:
    """One status page per exchange: its channels' `statuspage` probes and `status_page` agree.

    The bot keeps one reading of an exchange's status page (its upstream: incidents and
    their alerts); two pages would take turns, each read announcing the other's incidents
    as resolved and its own as opened again.
    """
    first: tuple[str, str] | None = None  # (place, url) of the first channel reading a page
    for channel in exchange.channels:
        probe = channel.probe
        if not isinstance(probe, StatuspageProbe):
            continue
        place = f"{exchange.id} / {channel.id}"
        if first is None:
            first = (place, probe.url)
        elif _same_page(first[1], probe.url) is False:
            yield Problem(
                f"{place} / probe",
                f"reads the status page {probe.url}, but {first[0]} reads {first[1]}: "
                "an exchange has one status page",
            )
    if first and exchange.status_page and _same_page(first[1], exchange.status_page) is False:
        yield Problem(
            f"{exchange.id} / status_page",
            f"{exchange.status_page} is not the status page its channels read "
            f"({first[0]}: {first[1]}): an exchange has one status page",
        )


def _same_page(a: str, b: str) -> bool | None:
    """Whether two status page URLs name one page (None when one is not a URL: said elsewhere)."""
    try:
        one, two = parse_url(a), parse_url(b)
    except UrlError:
        return None
    return (one.scheme, one.host, one.port, one.rest.rstrip("/")) == (
        two.scheme,
        two.host,
        two.port,
        two.rest.rstrip("/"),
    )


def _official_domain_problems(exchange: Exchange, domain: str) -> Iterator[Problem]:
    """A domain the exchange registered itself: normalized, no IP, never a public suffix.

    `official_domains: [com]` would make every .com host official (evil-mexc.com too).
    """
    place = f"{exchange.id} / official_domains"
    try:
        host = normalize_host(domain)
    except UrlError as error:
        yield Problem(place, f"{domain!r} is not a domain name: {error}")
        return
    if host != domain:
        yield Problem(place, f"write {domain!r} as {host!r} (lower case, ASCII, no final dot)")
    elif is_ip(host):
        yield Problem(place, f"{domain} is an IP address, not a domain the exchange owns")
    elif is_public_suffix(host):
        yield Problem(
            place,
            f"{domain} is a public suffix: anyone can register a name under it; "
            f"give the exchange's own domain (like {exchange.id}.{domain})",
        )
    elif is_shared_suffix(host):
        yield Problem(
            place,
            f"{domain} is rented under {public_suffix(host)} (hosting or a resold suffix), "
            "not a domain the exchange registered",
        )
    elif has_mixed_script(host):
        yield Problem(
            place, f"{domain} mixes Latin letters with look-alike ones from another script"
        )
    elif within(host, exchange.never_link):
        yield Problem(place, f"{domain} is on never_link")


def _imitation_problems(exchange: Exchange, catalog: Catalog) -> Iterator[Problem]:
    """No official domain of one exchange may look like another's (same rules as /verify)."""
    # Only the others' acceptable domains: a refused one (`com`) is reported once, by
    # _official_domain_problems, and would make every .com domain "look like" its exchange.
    others = tuple(
        e.model_copy(update={"official_domains": _acceptable_domains(e)})
        for e in catalog.exchanges
        if e.id != exchange.id
    )
    if not others:
        return
    rest = Catalog.model_construct(exchanges=others)
    for domain in exchange.official_domains:
        try:
            host = normalize_host(domain)
        except UrlError:
            continue  # reported by _official_domain_problems
        found = lookalike_host(host, rest)
        if found is not None:
            other, reason = found
            yield Problem(
                f"{exchange.id} / official_domains",
                f"{domain} looks like {other.name} ({reason.value}); "
                "an exchange's domain may not imitate another exchange",
            )


def _acceptable_domains(exchange: Exchange) -> tuple[str, ...]:
    return tuple(
        domain
        for domain in exchange.official_domains
        if next(_official_domain_problems(exchange, domain), None) is None
    )


def _never_link_problems(exchange: Exchange, catalog: Catalog) -> Iterator[Problem]:
    """Each known fake is a normalized domain (or IP) that covers no exchange's official one.

    `/verify` reads never_link before the official domains, so `never_link: [mexc.com]` on
    another exchange would call MEXC's own site a known fake; an entry that is no domain
    (a URL, upper case) matches nothing and protects no one.
    """
    place = f"{exchange.id} / never_link"
    for entry in exchange.never_link:
        try:
            host = normalize_host(entry)
        except UrlError as error:
            yield Problem(place, f"{entry!r} is not a domain name: {error}")
            continue
        if host != entry:
            yield Problem(place, f"write {entry!r} as {host!r} (lower case, ASCII, no final dot)")
        elif is_public_suffix(host):
            yield Problem(place, f"{entry} is a public suffix: it would mark every site under it")
        else:
            for other in catalog.exchanges:
                covered = [d for d in other.official_domains if within(d, (host,))]
                if covered and other.id != exchange.id:  # its own: _official_domain_problems
                    yield Problem(
                        place,
                        f"{entry} covers {covered[0]}, an official domain of {other.name}",
                    )


def _source_problems(
    exchange: Exchange, confidence: Confidence, source: str | None, place: str
) -> Iterator[Problem]:
    """A `high` fact cites a page on the exchange's own domains; copies are medium at most."""
    if confidence is not Confidence.HIGH:
        return
    host = ""
    if source:
        try:
            parsed = parse_url(source)
        except UrlError:
            pass
        else:
            host = parsed.host if parsed.scheme == "https" else ""
    if not host or not within(host, exchange.official_domains):
        yield Problem(
            f"{place} / source",
            f"confidence high needs a source page on {exchange.id}'s own domains "
            f"({', '.join(exchange.official_domains)}); a copy elsewhere is medium at most",
        )


def _maintenance_problems(
    exchange: Exchange, window: MaintenanceWindow, place: str
) -> Iterator[Problem]:
    """Times with a zone, the end after the start, and a channel the exchange has."""
    aware = True
    for name in ("starts_at", "ends_at"):
        moment = getattr(window, name)
        if moment.tzinfo is None or moment.utcoffset() is None:
            aware = False
            yield Problem(
                f"{place} / {name}",
                f"{moment.isoformat()} has no time zone; write it like 2026-12-01T02:00:00Z",
            )
    if aware and window.ends_at <= window.starts_at:
        yield Problem(f"{place} / ends_at", "ends_at must be after starts_at")
    if window.channel is not None and exchange.channel(window.channel) is None:
        yield Problem(
            f"{place} / channel", f"names channel {window.channel!r}, which {exchange.id} lacks"
        )


def _status_api_problems(
    exchange: Exchange, api: StatusApi, allow_local: bool
) -> Iterator[Problem]:
    """The API on an official (or listed API) host over https, read no faster than allowed."""
    place = f"{exchange.id} / status_api"
    for domain in api.api_domains:
        if within(domain, exchange.never_link):
            yield Problem(f"{place} / api_domains", f"{domain} is on never_link")
        elif is_public_suffix(domain):
            yield Problem(f"{place} / api_domains", f"{domain} is a public suffix")
    url_place = f"{place} / base_url"
    try:
        parts = parse_url(api.base_url)
    except UrlError as error:
        yield Problem(url_place, f"{api.base_url!r} is refused: {error}")
        return
    if "?" in parts.rest or "#" in parts.rest:
        yield Problem(url_place, f"{api.base_url} must not carry a query or fragment")
    if within(parts.host, api.api_domains) and not within(parts.host, exchange.never_link):
        if parts.scheme != "https":
            yield Problem(url_place, f"{api.base_url} is not https")
    else:
        yield from _url_problems(exchange, api.base_url, url_place, (), allow_local)
    kind = FEEDS[api.kind]
    least = kind.min_gap_s * kind.requests_per_round()
    if api.interval_s < least:
        yield Problem(
            f"{place} / interval_s",
            f"{api.interval_s:g} s is faster than {api.kind} allows (at least {least:g} s)",
        )


def _channel_problems(exchange: Exchange, channel: Channel, allow_local: bool) -> Iterator[Problem]:
    place = f"{exchange.id} / {channel.id}"
    extra_hosts = PLATFORM_HOSTS.get(channel.kind, ())
    yield from _source_problems(exchange, channel.confidence, channel.source, place)
    if channel.url:
        yield from _url_problems(exchange, channel.url, f"{place} / url", extra_hosts, allow_local)
    if channel.kind is ChannelKind.EMAIL and not channel.address:
        yield Problem(f"{place} / address", "an e-mail channel needs an address")
    if channel.address and channel.kind is ChannelKind.EMAIL:
        local, _, domain = channel.address.partition("@")
        if not local or not _is_official_host(domain, exchange):
            yield Problem(
                f"{place} / address",
                f"{channel.address} is not an address at an official domain of {exchange.id}",
            )
    if channel.kind is not ChannelKind.EMAIL and not channel.url and not channel.where:
        yield Problem(place, "a channel needs a url, an address or a 'where' description")
    if channel.probe is not None:
        yield from _probe_problems(exchange, channel, f"{place} / probe", allow_local)
    for text in texts_of(channel.name, channel.where, channel.note, channel.expected_reply):
        yield from _mention_problems(exchange, text, place, extra_hosts)


def _mention_problems(
    exchange: Exchange, text: str, place: str, extra_hosts: tuple[str, ...] = ()
) -> Iterator[Problem]:
    """Free text goes out as plain text, which apps make tappable (`bot.catalog.mentions`)."""
    for mention in unofficial(text, exchange, extra_hosts):
        yield Problem(
            place,
            f"its text names {mention}, which is not an official domain or account of "
            f"{exchange.id}: {text!r}",
        )


def _probe_problems(
    exchange: Exchange, channel: Channel, place: str, allow_local: bool
) -> Iterator[Problem]:
    probe = channel.probe
    if isinstance(probe, HttpProbe | StatuspageProbe):
        yield from _url_problems(exchange, probe.url, place, (), allow_local)
    elif isinstance(probe, DnsProbe | TlsProbe | TcpProbe):
        host = probe.name if isinstance(probe, DnsProbe) else probe.host
        if not _host_allowed(host, exchange, (), allow_local):
            yield Problem(place, f"host {host} is not an official domain of {exchange.id}")
    elif probe is not None:
        # A new probe kind must say here which host it reaches: mypy stops the build until then.
        assert_never(probe)


def _host_allowed(
    host: str, exchange: Exchange, extra_hosts: tuple[str, ...], allow_local: bool
) -> bool:
    if allow_local and is_local(host):
        return True
    if within(host, exchange.never_link):
        return False
    return within(host, exchange.official_domains) or host.lower() in extra_hosts


def _url_problems(
    exchange: Exchange, url: str, place: str, extra_hosts: tuple[str, ...], allow_local: bool
) -> Iterator[Problem]:
    try:
        parts = parse_url(url)
    except UrlError as error:
        yield Problem(place, f"{url!r} is refused: {error}")
        return
    host = parts.host
    local = allow_local and is_local(host)
    if parts.scheme != "https" and not (local and parts.scheme == "http"):
        yield Problem(place, f"{url} is not https")
        return
    if within(host, exchange.never_link):
        yield Problem(place, f"{url} is on {exchange.id}'s never_link list")
    elif not _host_allowed(host, exchange, extra_hosts, allow_local):
        domains = ", ".join(exchange.official_domains)
        yield Problem(place, f"host {host} is not an official domain of {exchange.id} ({domains})")


def _is_official_host(text: str, exchange: Exchange) -> bool:
    """True when text is a well-formed host on one of the exchange's official domains."""
    try:
        host = normalize_host(text)
    except UrlError:
        return False
    return within(host, exchange.official_domains) and not within(host, exchange.never_link)
