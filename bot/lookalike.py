"""Is this link, e-mail, account or phone number really the exchange's? Pure, no network.

`check(text, catalog)` reads what a user pasted the way a browser or chat app would and
answers with a `Finding`: `official` (on an exchange's official domains, or an address or
account the catalog lists), `lookalike` (names an exchange but is not official) or
`unknown` (names no exchange we watch), with the reason code that decided it.

The same module serves the catalog rules (no official domain may imitate another exchange),
`/verify` and the web API, and every place that shows user text (`defang`, `DOT_LIKES`).
Which words of a whole pasted message are checked is `bot.pasted`.
"""

from __future__ import annotations

import posixpath
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from enum import StrEnum
from functools import cache
from typing import TYPE_CHECKING
from urllib.parse import unquote

from bot.vocab import ChannelKind, Confidence
from probes.domains import (
    DOT_LIKES,
    UrlError,
    is_ip,
    is_shared_suffix,
    normalize_host,
    parse_url,
    public_suffix,
    unicode_host,
    within,
)

if TYPE_CHECKING:  # bot.catalog's rules import this module: no import cycle at run time
    from bot.catalog.models import Catalog, Channel, Exchange

__all__ = [
    "DOT_LIKES",
    "Finding",
    "Reason",
    "Subject",
    "Verdict",
    "brand_of",
    "browser_host",
    "check",
    "defang",
    "has_mixed_script",
    "ipv4_of",
    "is_checkable",
    "is_pasted_alone",
    "lookalike_host",
]


class Verdict(StrEnum):
    OFFICIAL = "official"
    LOOKALIKE = "lookalike"
    UNKNOWN = "unknown"


class Subject(StrEnum):
    """What the text is."""

    LINK = "link"
    EMAIL = "email"
    HANDLE = "handle"
    PHONE = "phone"
    TEXT = "text"


class Reason(StrEnum):
    """Why the verdict: the first rule that matched (codes in the API, words in chat)."""

    OFFICIAL_DOMAIN = "official_domain"
    OFFICIAL_ADDRESS = "official_address"
    OFFICIAL_ACCOUNT = "official_account"
    KNOWN_FAKE = "known_fake"
    BACKSLASH = "backslash"
    USERINFO = "userinfo"
    RAW_IP = "raw_ip"
    OFFICIAL_AS_SUBDOMAIN = "official_as_subdomain"
    MIXED_SCRIPT = "mixed_script"
    HOMOGLYPH = "homoglyph"
    PUNYCODE = "punycode"
    FREE_HOSTING = "free_hosting"
    ODD_SUFFIX = "odd_suffix"
    BRAND_IN_DOMAIN = "brand_in_domain"
    BRAND_IN_LINK = "brand_in_link"
    BRAND_IN_ADDRESS = "brand_in_address"
    BRAND_IN_ACCOUNT = "brand_in_account"
    PHONE_UNLISTED = "phone_unlisted"
    NO_EXCHANGE = "no_exchange"
    NOT_A_LINK = "not_a_link"
    # A link of another scheme than http(s): `javascript://www.mexc.com/...` runs code.
    NOT_WEB = "not_web"
    # More links than a message is read for: the ones left unread may be the fake.
    TOO_MANY = "too_many"


@dataclass(frozen=True, slots=True)
class Finding:
    """The answer for one text: verdict, reason, what it is, and the exchange it names."""

    verdict: Verdict
    reason: Reason
    subject: Subject
    exchange: Exchange | None
    shown: str  # the text defanged: safe to show, never a link
    host: str | None = None  # where a browser would really go (links, e-mail domains)
    official: tuple[str, ...] = field(default=())  # the exchange's official domains/accounts
    # For an official account: the apps it is official on (the same name elsewhere is not).
    platforms: tuple[ChannelKind, ...] = field(default=())


# Free hosting people use for throwaway phishing pages (also on the PSL's private section,
# which `is_shared_suffix` reads; these get the plainer reason).
FREE_HOSTING = (
    "github.io",
    "pages.dev",
    "vercel.app",
    "netlify.app",
    "web.app",
    "firebaseapp.com",
    "herokuapp.com",
    "glitch.me",
    "workers.dev",
    "blogspot.com",
    "wixsite.com",
    "weebly.com",
    "gitbook.io",
    "notion.site",
    "azurewebsites.net",
    "onrender.com",
    "repl.co",
)
# Chat platforms whose /name paths are accounts.
ACCOUNT_HOSTS: dict[str, ChannelKind] = {
    "t.me": ChannelKind.TELEGRAM,
    "telegram.me": ChannelKind.TELEGRAM,
    "x.com": ChannelKind.X,
    "twitter.com": ChannelKind.X,
}
# Brand words that are also common words: they count only as a whole word ("gate-io",
# not "navigate").
WHOLE_WORD_BRANDS = frozenset({"gate"})
# Letters and digits that pass for Latin ones (a small slice of Unicode's confusables).
_CONFUSABLE = str.maketrans(
    {
        "а": "a", "е": "e", "о": "o", "р": "p", "с": "c", "у": "y", "х": "x", "і": "i",
        "ј": "j", "ѕ": "s", "ԁ": "d", "ӏ": "l", "һ": "h", "ԛ": "q", "ԝ": "w", "к": "k",
        "м": "m", "т": "t", "в": "b", "н": "h", "ո": "n", "ս": "u", "օ": "o",
        "α": "a", "β": "b", "ε": "e", "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p",
        "τ": "t", "υ": "u", "χ": "x", "ɡ": "g", "ı": "i", "ℓ": "l",
        "0": "o", "1": "i", "l": "i", "3": "e", "5": "s", "$": "s",
    }
)  # fmt: skip
_PHONE = re.compile(r"^\+?[\d\s().\-]{7,24}$")
# A bare IPv4 address (and port): a host, never a phone number, and scam sites use them.
# ASCII digits only: `ipv4_of` makes full-width ones plain first.
_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
_IPV4 = re.compile(rf"^{_OCTET}(?:\.{_OCTET}){{3}}(?::[0-9]{{1,5}})?$")
# No backslash, '#', '?' or ':' before the '@': support addresses have none, and a browser
# reads `evil.com\\@mexc.com`, `evil.com#@mexc.com` or `evil.com?@mexc.com` as a link to evil.com.
_EMAIL = re.compile(r"^[^@\s/\\#?:]+@[^@\s/\\]+$")
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")
_HANDLE = re.compile(r"^@?[A-Za-z0-9_]{3,64}$")
_DOTS = re.compile(f"[.{DOT_LIKES}]")
_HOSTLIKE = re.compile(rf"^[^\s/@]+[.{DOT_LIKES}][^\s/@]+")
# A sender as mail apps show it: `MEXC Support <support@example.com>`.
_NAMED_ADDRESS = re.compile(r"^[^<>]*<([^<>\s@]+@[^<>\s@]+)>$")


def check(text: str, catalog: Catalog) -> Finding:
    """The verdict on a link, e-mail address, @account, t.me/x.com link or phone number."""
    typed = refang(text.strip())
    named = _NAMED_ADDRESS.match(typed)
    if named is not None:
        typed = named.group(1)  # the address decides; the name before it is free text
    shown = defang(typed)
    if not typed:
        return Finding(Verdict.UNKNOWN, Reason.NOT_A_LINK, Subject.TEXT, None, shown)
    address = ipv4_of(typed)
    if address is not None:
        return _link(f"https://{address}", shown, catalog)
    if _PHONE.match(typed) and sum(ch.isdigit() for ch in typed) >= 7:
        return _phone(typed, shown, catalog)
    if _EMAIL.match(typed):
        return _email(typed, shown, catalog)
    if _HANDLE.match(typed) and typed.startswith("@"):
        return _account(typed[1:], None, shown, catalog)
    if "://" in typed or _HOSTLIKE.match(typed):
        url = typed if "://" in typed else f"https://{typed}"
        return _link(url, shown, catalog)
    exchange = brand_of(typed, catalog)
    return Finding(Verdict.UNKNOWN, Reason.NOT_A_LINK, Subject.TEXT, exchange, shown)


def is_checkable(text: str) -> bool:
    """True for one pasted link, e-mail or @account (no command): what `/verify` reads."""
    typed = refang(text.strip())
    if not typed or typed.startswith(("/", "／")) or any(ch.isspace() for ch in typed):
        return False
    return bool(
        "://" in typed
        or _EMAIL.match(typed)
        or (_HOSTLIKE.match(typed) and _ends_in_a_name(typed))
        or (_HANDLE.match(typed) and typed.startswith("@"))
    )


def ipv4_of(text: str) -> str | None:
    """`text` as a plain IPv4 address (and port) if it is one, however its digits and dots
    are written (a browser opens `４７．７４．１８３．２７` and `47。74。183。27` too); else
    None."""
    plain = _DOTS.sub(".", unicodedata.normalize("NFKC", refang(text)))
    return plain if _IPV4.match(plain) else None


def is_pasted_alone(text: str) -> bool:
    """A whole message `check` reads as it is, not word by word: a phone number pasted alone
    (international, +..., or of 10 digits or more, so a date or an amount typed in a chat is
    no phone number), or an IPv4 address pasted alone."""
    if ipv4_of(text) is not None:
        return True
    digits = sum(ch.isdigit() for ch in text)
    return bool(_PHONE.match(text)) and (digits >= 10 or (text.startswith("+") and digits >= 7))


def _ends_in_a_name(typed: str) -> bool:
    """True when the host a browser opens (after any user info and '@') ends in a label of
    letters, as a site's name does ("com", "io", "中国"), so "1.5", "v2.0" and "e.g." in a
    chat are not taken for links; or when it is an IPv4 address with more around it (a path,
    a port, user info: `47.74.183.27/login`), as scam links often are. (An address alone in
    a sentence may be a version number: `bot.pasted` checks those only beside other links.)"""
    authority: str = re.split(r"[/?#]", typed, maxsplit=1)[0]
    host: str = authority.rsplit("@", 1)[-1].split(":", 1)[0]
    if ipv4_of(host) is not None:
        return len(typed) > len(host)
    last: str = _DOTS.split(host.rstrip("." + DOT_LIKES))[-1]
    return sum(ch.isalpha() for ch in last) >= 2


def defang(text: str) -> str:
    """Text no app makes a link of: `mexc-support[.]com`, `hxxps://`, `name[@]host`."""
    out = re.sub(r"(?i)\bhttp", lambda m: m.group()[0] + "xx" + m.group()[3], text)
    out = _DOTS.sub("[.]", out)
    return out.replace("@", "[@]").replace("://", "[:]//")


def refang(text: str) -> str:
    """Undo the usual defanging a user may paste back (`[.]`, `hxxps`, `[@]`)."""
    out = text.replace("[.]", ".").replace("(.)", ".").replace("[@]", "@").replace("[:]", ":")
    return re.sub(r"(?i)^hxxp", "http", out)


def brand_of(text: str, catalog: Catalog) -> Exchange | None:
    """The first exchange whose name, alias or domain word appears in text (look-alikes too)."""
    found = _brand(text, catalog)
    return found[0] if found else None


def _brand(text: str, catalog: Catalog) -> tuple[Exchange, bool] | None:
    """(exchange, seen only through look-alike letters) for the first brand in text."""
    plain = _fold(text)
    readings = (_Reading(plain), _Reading(_skeleton(plain)))
    for by_look_alike_letters, reading in enumerate(readings):
        for exchange in catalog.exchanges:
            for brand in _brands(exchange):
                key = _skeleton(brand) if by_look_alike_letters else brand
                if reading.has(key):
                    return exchange, bool(by_look_alike_letters)
    return None


def _skeleton(text: str) -> str:
    """Text with look-alike letters read as the Latin ones they imitate (rn → m too)."""
    return text.translate(_CONFUSABLE).replace("rn", "m").replace("vv", "w")


class _Reading:
    """Text as brand words are looked for in it: joined up, and as whole words."""

    def __init__(self, text: str) -> None:
        self.joined = re.sub(r"[\W_]", "", text)
        words = re.split(r"[\W_]+", text)
        # "gate0" still says "gate"; "gateway" does not.
        self.words = frozenset(words) | {w.strip("0123456789") for w in words}

    def has(self, brand: str) -> bool:
        return brand in self.words if brand in WHOLE_WORD_BRANDS else brand in self.joined


def _fold(text: str) -> str:
    """Lower case, compatibility forms folded, accents dropped (kucoín → kucoin)."""
    folded = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", text).casefold())
    return "".join(ch for ch in folded if not unicodedata.combining(ch))


def _brands(exchange: Exchange) -> tuple[str, ...]:
    return _brand_words(exchange.id, exchange.name, exchange.aliases, exchange.official_domains)


@cache
def _brand_words(
    ident: str, name: str, aliases: tuple[str, ...], domains: tuple[str, ...]
) -> tuple[str, ...]:
    """Words that name an exchange: id, name, aliases, the names of its domains.

    Latin words need 3 letters, Chinese names 2 (抹茶, 币安).
    """
    words: list[str] = []
    for word in (ident, name, *aliases, *(_domain_word(d) for d in domains)):
        key = _fold(word)
        key = key if key in WHOLE_WORD_BRANDS else re.sub(r"[\W_]", "", key)
        if len(key) >= (3 if key.isascii() else 2) and key not in words:
            words.append(key)
    return tuple(words)


def _domain_word(domain: str) -> str:
    suffix = public_suffix(domain)
    return domain.removesuffix("." + suffix).rsplit(".", 1)[-1] if suffix else domain


def _link(url: str, shown: str, catalog: Catalog) -> Finding:
    scheme = _SCHEME.match(url)
    if scheme is not None and scheme.group(1).lower() not in ("http", "https"):
        # Whatever host it names (after an '@' or a backslash too), opening it runs code or
        # hands it to another app.
        exchange = brand_of(url, catalog)
        verdict = Verdict.LOOKALIKE if exchange is not None else Verdict.UNKNOWN
        return _finding(verdict, Reason.NOT_WEB, Subject.LINK, exchange, shown)
    try:
        parsed = parse_url(url)
    except UrlError as error:
        return _trick(error, url, shown, catalog)
    if parsed.host in ACCOUNT_HOSTS:
        # As a browser resolves it: "/MEXC_Official/../evil" is the account "evil".
        typed_path = unquote(re.split(r"[?#]", parsed.rest, maxsplit=1)[0])
        path = posixpath.normpath("/" + typed_path).strip("/").split("/")
        if parsed.host in ("t.me", "telegram.me") and path[0] == "s":
            path = path[1:]  # t.me/s/<name>: the web preview of channel <name>
        name = path[0] if path else ""
        if name and name.lower() not in ("s", "joinchat", "share", "i", "home", "search"):
            return _account(name.lstrip("@+"), parsed.host, shown, catalog)
    return _host_finding(parsed.host, parsed.rest, shown, catalog, Subject.LINK)


def _trick(error: UrlError, url: str, shown: str, catalog: Catalog) -> Finding:
    """A URL a browser reads differently from how it looks (backslash, user info, ...).

    When the host the browser really opens is official, the link is official after all:
    the trick, if any, misleads no one about where it goes.
    """
    exchange = brand_of(url, catalog)
    reason = {"backslash": Reason.BACKSLASH, "userinfo": Reason.USERINFO}.get(error.code)
    if reason is None and error.code == "ip":
        reason = Reason.RAW_IP
    host = browser_host(url)
    if host is not None and reason in (Reason.BACKSLASH, Reason.USERINFO):
        landing = _host_finding(host, "", shown, catalog, Subject.LINK)
        if landing.verdict is Verdict.OFFICIAL:
            return landing
    if reason is None:
        reason = Reason.NOT_A_LINK
    verdict = Verdict.LOOKALIKE if exchange is not None else Verdict.UNKNOWN
    return _finding(verdict, reason, Subject.LINK, exchange, shown, host)


def browser_host(url: str) -> str | None:
    """The host a browser opens for a URL `parse_url` refused (after '@', before '\\')."""
    after = url.split("://", 1)[-1]
    authority = re.split(r"[/\\?#]", after, maxsplit=1)[0]
    host = authority.rsplit("@", 1)[-1].rsplit(":", 1)[0]
    try:
        return normalize_host(host)
    except UrlError:
        return None


def _host_finding(host: str, rest: str, shown: str, catalog: Catalog, subject: Subject) -> Finding:
    for exchange in catalog.exchanges:
        if within(host, exchange.never_link):
            return _finding(Verdict.LOOKALIKE, Reason.KNOWN_FAKE, subject, exchange, shown, host)
    for exchange in catalog.exchanges:
        if within(host, exchange.official_domains):
            return _finding(
                Verdict.OFFICIAL, Reason.OFFICIAL_DOMAIN, subject, exchange, shown, host
            )
    found = lookalike_host(host, catalog)
    if found is not None:
        exchange, reason = found
        return _finding(Verdict.LOOKALIKE, reason, subject, exchange, shown, host)
    in_rest = brand_of(rest, catalog)
    if in_rest is not None:
        reason = Reason.BRAND_IN_LINK
        if is_ip(host):
            reason = Reason.RAW_IP
        elif _free_hosting(host):
            reason = Reason.FREE_HOSTING
        return _finding(Verdict.LOOKALIKE, reason, subject, in_rest, shown, host)
    # Names no exchange: unknown, with the warning sign a reader should still know about.
    reason = Reason.NO_EXCHANGE
    if is_ip(host):
        reason = Reason.RAW_IP
    elif _free_hosting(host):
        reason = Reason.FREE_HOSTING
    return _finding(Verdict.UNKNOWN, reason, subject, None, shown, host)


def lookalike_host(host: str, catalog: Catalog) -> tuple[Exchange, Reason] | None:
    """The exchange a non-official host imitates, and how; None when it names none.

    `host` is normalized (`normalize_host`). The catalog rules use this too: no official
    domain of one exchange may imitate another.
    """
    readable = unicode_host(host)
    labelled = f".{host}."
    for exchange in catalog.exchanges:
        if any(f".{d}." in labelled for d in exchange.official_domains):
            return exchange, Reason.OFFICIAL_AS_SUBDOMAIN
    found = _brand(readable, catalog)
    if found is None:
        return None
    exchange, by_look_alike_letters = found
    if by_look_alike_letters or not readable.isascii():
        if has_mixed_script(host):
            return exchange, Reason.MIXED_SCRIPT
        if by_look_alike_letters:
            return exchange, Reason.HOMOGLYPH
        return exchange, Reason.PUNYCODE
    if _free_hosting(host):
        return exchange, Reason.FREE_HOSTING
    if is_shared_suffix(host):
        return exchange, Reason.ODD_SUFFIX
    return exchange, Reason.BRAND_IN_DOMAIN


def _free_hosting(host: str) -> bool:
    return within(host, FREE_HOSTING)


def has_mixed_script(host: str) -> bool:
    """True when a label of the (normalized) host mixes Latin with look-alike letters."""
    return any(_mixed_scripts(label) for label in unicode_host(host).split("."))


def _mixed_scripts(label: str) -> bool:
    """True when a label mixes Latin letters with Cyrillic, Greek or Armenian ones.

    Those scripts have letters that look Latin; Chinese beside Latin is ordinary.
    """
    scripts = {_script(ch) for ch in label if ch.isalpha()}
    return "LATIN" in scripts and bool(scripts & {"CYRILLIC", "GREEK", "ARMENIAN"})


def _script(ch: str) -> str:
    name = unicodedata.name(ch, "")
    return name.split(" ", 1)[0] if name else "?"


def _email(address: str, shown: str, catalog: Catalog) -> Finding:
    local, _, domain = address.rpartition("@")
    try:
        host = normalize_host(domain)
    except UrlError:
        exchange = brand_of(address, catalog)
        verdict = Verdict.LOOKALIKE if exchange else Verdict.UNKNOWN
        reason = Reason.BRAND_IN_ADDRESS if exchange else Reason.NOT_A_LINK
        return _finding(verdict, reason, Subject.EMAIL, exchange, shown)
    wanted = f"{local}@{host}".lower()
    for exchange, channel in _verified_channels(catalog):
        if channel.address and channel.address.lower() == wanted:
            return _finding(
                Verdict.OFFICIAL, Reason.OFFICIAL_ADDRESS, Subject.EMAIL, exchange, shown, host
            )
    found = _host_finding(host, "", shown, catalog, Subject.EMAIL)
    if found.verdict is Verdict.UNKNOWN:
        exchange = brand_of(local, catalog)
        if exchange is not None:
            return _finding(
                Verdict.LOOKALIKE, Reason.BRAND_IN_ADDRESS, Subject.EMAIL, exchange, shown, host
            )
    return found


def _account(name: str, platform: str | None, shown: str, catalog: Catalog) -> Finding:
    """An @name (or t.me/name, x.com/name): official only when the catalog lists it."""
    kind = ACCOUNT_HOSTS.get(platform) if platform else None
    holders: dict[str, tuple[Exchange, list[ChannelKind]]] = {}
    for exchange, channel in _verified_channels(catalog):
        if kind is not None and channel.kind is not kind:
            continue
        if name.lower() in (a.lower() for a in _accounts(channel)):
            kinds = holders.setdefault(exchange.id, (exchange, []))[1]
            if channel.kind not in kinds:
                kinds.append(channel.kind)
    for exchange, kinds in holders.values():
        found = _finding(Verdict.OFFICIAL, Reason.OFFICIAL_ACCOUNT, Subject.HANDLE, exchange, shown)
        return replace(found, platforms=tuple(kinds))
    named = brand_of(name, catalog)
    if named is None:
        return _finding(Verdict.UNKNOWN, Reason.NO_EXCHANGE, Subject.HANDLE, None, shown)
    return _finding(Verdict.LOOKALIKE, Reason.BRAND_IN_ACCOUNT, Subject.HANDLE, named, shown)


def _accounts(channel: Channel) -> Iterator[str]:
    """The account names a Telegram or X channel's catalog link points at."""
    if channel.kind not in (ChannelKind.TELEGRAM, ChannelKind.X) or not channel.url:
        return
    try:
        parsed = parse_url(channel.url)
    except UrlError:
        return
    if parsed.host in ACCOUNT_HOSTS:
        yield parsed.rest.lstrip("/").split("/")[0]


def official_accounts(exchange: Exchange) -> tuple[str, ...]:
    """The exchange's verified accounts as `platform/name` (for answers and the API)."""
    return tuple(
        f"{channel.kind.value}:@{name}"
        for channel in exchange.channels
        if channel.confidence in (Confidence.HIGH, Confidence.MEDIUM)
        for name in _accounts(channel)
    )


def _phone(number: str, shown: str, catalog: Catalog) -> Finding:
    digits = "".join(ch for ch in number if ch.isdigit())
    for exchange, channel in _verified_channels(catalog):
        listed = "".join(ch for ch in channel.address or "" if ch.isdigit())
        if channel.kind is ChannelKind.PHONE and listed and listed == digits:
            return _finding(
                Verdict.OFFICIAL, Reason.OFFICIAL_ADDRESS, Subject.PHONE, exchange, shown
            )
    return Finding(Verdict.UNKNOWN, Reason.PHONE_UNLISTED, Subject.PHONE, None, shown)


def _verified_channels(catalog: Catalog) -> Iterable[tuple[Exchange, Channel]]:
    return (
        (e, c)
        for e, c in catalog.channels()
        if c.confidence in (Confidence.HIGH, Confidence.MEDIUM)
    )


def _finding(
    verdict: Verdict,
    reason: Reason,
    subject: Subject,
    exchange: Exchange | None,
    shown: str,
    host: str | None = None,
) -> Finding:
    official: tuple[str, ...] = ()
    if exchange is not None:
        official = tuple(exchange.official_domains)
        if subject is Subject.HANDLE:
            official += official_accounts(exchange)
    return Finding(verdict, reason, subject, exchange, shown, host, official)
