"""Hosts, URLs and registrable domains, read the way a browser reads them.

Where a probe may go (official domains only, loopback only when the target allows it), and
the strict URL reading the catalog and the look-alike check share. Python's `urlsplit` is
lenient where browsers are not: `https://evil.io\\www.mexc.com/` has the host `evil.io` in a
browser (the WHATWG URL standard reads a backslash as a slash) but `evil.io\\www.mexc.com`
for `urlsplit`, which "ends in mexc.com". `parse_url` refuses every such difference instead
of guessing: backslashes, user info, spaces and control characters, odd IPv4 spellings.

Registrable domains come from the Public Suffix List snapshot bundled with the
`publicsuffixlist` package (read once, never fetched at run time).
"""

from __future__ import annotations

import ipaddress
import re
import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache

from publicsuffixlist import PublicSuffixList

LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")
# Characters browsers read as the dot between labels (IDNA maps them to "."), so user text
# written with them names the same host: ideographic, fullwidth and halfwidth full stops, the
# small full stop, the one dot leader and the vertical ideographic full stop (every character
# whose compatibility form is a full stop).
DOT_LIKES = "。．｡﹒․︒"
_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*):")
_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
_NUMBER = re.compile(r"^(?:0[xX][0-9a-fA-F]*|[0-9]+)$")


class UrlError(ValueError):
    """A URL we refuse to read; `code` says which rule (for messages and look-alike reasons)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True, slots=True)
class ParsedUrl:
    """A URL as a browser would read it: scheme, normalized host, port and the rest."""

    scheme: str
    host: str  # lower-case ASCII (IDNA "xn--" form), no trailing dot; IPs as written canonically
    port: int | None
    rest: str  # path, query and fragment, as typed

    @property
    def is_ip(self) -> bool:
        return is_ip(self.host)


def parse_url(text: str) -> ParsedUrl:
    """Read an absolute URL strictly, or raise UrlError naming the trick.

    Refused: control characters and spaces anywhere, backslashes, user info
    (`https://mexc.com@evil.io`), percent-encoded or malformed hosts, and IPv4 addresses
    spelled any way but a.b.c.d. The host comes back normalized (see `normalize_host`).
    """
    if any(ch.isspace() or unicodedata.category(ch) == "Cc" for ch in text):
        raise UrlError("control", "it contains spaces or control characters")
    if "\\" in text:
        raise UrlError("backslash", "it contains a backslash, which browsers read as '/'")
    match = _SCHEME.match(text)
    if match is None or not text[match.end() :].startswith("//"):
        raise UrlError("scheme", "it is not an absolute URL like https://host/path")
    scheme = match.group(1).lower()
    after = text[match.end() + 2 :]
    cut = min((i for i in (after.find(c) for c in "/?#") if i >= 0), default=len(after))
    authority, rest = after[:cut], after[cut:]
    if "@" in authority:
        raise UrlError("userinfo", "it carries user info before '@'; the host is after it")
    host, port = _split_port(authority)
    return ParsedUrl(scheme, normalize_host(host), port, rest)


def _split_port(authority: str) -> tuple[str, int | None]:
    if authority.startswith("["):
        end = authority.find("]")
        if end < 0:
            raise UrlError("host", "its IPv6 address has no closing ']'")
        host, tail = authority[: end + 1], authority[end + 1 :]
    else:
        host, sep, port_text = authority.rpartition(":")
        if not sep:
            return authority, None
        tail = ":" + port_text
    if not tail:
        return host, None
    digits = tail[1:]
    if not tail.startswith(":") or not digits.isascii() or not digits.isdigit():
        raise UrlError("port", f"its port {tail[1:]!r} is not a number")
    port = int(digits)
    if not 0 < port < 65536:
        raise UrlError("port", f"its port {port} is out of range")
    return host, port


def normalize_host(host: str) -> str:
    """A host as browsers compare it: lower case, ASCII (IDNA), no trailing dot.

    Wide dots (。．｡) are dots; a label in another script becomes its `xn--` form, so
    `mеxc.com` with a Cyrillic е is not `mexc.com`. Raises UrlError for what no browser
    would resolve as typed (empty labels, percent signs, IPv4 in hex or decimal).
    """
    if host.startswith("[") and host.endswith("]"):
        try:
            return str(ipaddress.IPv6Address(host[1:-1]))
        except ValueError:
            raise UrlError("host", f"{host} is not an IPv6 address") from None
    text = unicodedata.normalize("NFKC", host)
    for dot in DOT_LIKES:
        text = text.replace(dot, ".")
    text = text.lower().removesuffix(".")
    if not text or "%" in text:
        raise UrlError("host", f"host {host!r} is empty or percent-encoded")
    labels = text.split(".")
    if _NUMBER.match(labels[-1]):  # WHATWG: a host ending in a number is an IPv4 address
        try:
            return str(ipaddress.IPv4Address(text))
        except ValueError:
            if all(_NUMBER.match(label) for label in labels):
                raise UrlError("ip", f"{host} is an IPv4 address in an unusual spelling") from None
            raise UrlError("host", f"host {host!r} ends in a number but is no address") from None
    ascii_labels = [_ascii_label(label, host) for label in labels]
    normalized = ".".join(ascii_labels)
    if len(normalized) > 253:
        raise UrlError("host", "host is longer than 253 characters")
    return normalized


def _ascii_label(label: str, host: str) -> str:
    if label.isascii():
        ascii_label = label
    else:
        try:
            ascii_label = label.encode("idna").decode("ascii")
        except UnicodeError:
            raise UrlError("host", f"host {host!r} has a label no browser accepts") from None
    if not _LABEL.match(ascii_label):
        raise UrlError("host", f"host {host!r} has an empty or malformed label")
    return ascii_label


def unicode_host(host: str) -> str:
    """The readable form of a normalized host (`xn--` labels decoded where valid)."""
    return ".".join(_unicode_label(label) for label in host.split("."))


def _unicode_label(label: str) -> str:
    if not label.startswith("xn--"):
        return label
    try:
        return label.encode("ascii").decode("idna")
    except UnicodeError:
        return label


def is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


@cache
def _psl() -> PublicSuffixList:
    return PublicSuffixList()


@cache
def _icann() -> PublicSuffixList:
    return PublicSuffixList(only_icann=True)


def public_suffix(host: str) -> str:
    """The host's public suffix ("com", "co.uk", and also "github.io", "co.com")."""
    return str(_psl().publicsuffix(host.lower().rstrip(".")) or "")


def has_listed_suffix(host: str) -> bool:
    """Whether the host ends in a suffix the Public Suffix List names ("com", "co.uk", "中国"),
    not merely in a last label an unknown name would have ("gate", a Chinese phrase)."""
    host = host.lower().rstrip(".")
    return bool(host) and _psl().publicsuffix(host, accept_unknown=False) is not None


def registrable_domain(host: str) -> str | None:
    """The part of a host one owner registers ("mexc.com" for "www.mexc.com").

    None for a public suffix itself ("com", "github.io") and for IP addresses.
    """
    host = host.lower().rstrip(".")
    if not host or is_ip(host):
        return None
    found = _psl().privatesuffix(host)
    return str(found) if found else None


def is_public_suffix(domain: str) -> bool:
    """True for names anyone can register under ("com", "co.uk", "pages.dev")."""
    domain = domain.lower().rstrip(".")
    return bool(domain) and not is_ip(domain) and registrable_domain(domain) is None


def is_shared_suffix(host: str) -> bool:
    """True when the host's suffix is a private one (hosting platforms, "co.com" resellers).

    Those suffixes are on the Public Suffix List's private section: the name under them is
    rented from a platform, not registered with a registry.
    """
    host = host.lower().rstrip(".")
    if is_ip(host):
        return False
    return public_suffix(host) != str(_icann().publicsuffix(host) or "")


def within(host: str, domains: tuple[str, ...]) -> bool:
    """True when host is one of the domains or a subdomain of one."""
    host = host.lower().rstrip(".")
    return any(host == d or host.endswith("." + d) for d in (x.lower() for x in domains))


def is_local(host: str) -> bool:
    """True for the loopback names tests and benchmarks use."""
    return host.lower().rstrip(".").strip("[]") in LOCAL_HOSTS


def host_problem(host: str, domains: tuple[str, ...], allow_local: bool) -> str | None:
    """Why a probe must not contact host, or None when it may."""
    if allow_local and is_local(host):
        return None
    if not host or not within(host, domains):
        return f"unofficial host {host or '(none)'}"
    return None


# Every run of a probe checks its catalog URL again; the answer depends on the arguments only,
# so it is remembered (bounded, for the redirect targets that vary).
@lru_cache(maxsize=4096)
def url_problem(url: str, domains: tuple[str, ...], allow_local: bool) -> str | None:
    """Why a probe must not fetch url (scheme, credentials, trick or host), or None."""
    try:
        parts = parse_url(url)
    except UrlError as error:
        if error.code == "userinfo":
            return "credentials in URL"
        return f"refused URL {url}: {error}"
    local = allow_local and is_local(parts.host)
    if parts.scheme != "https" and not (local and parts.scheme == "http"):
        return f"{parts.scheme or 'no'} scheme in {url}; only https is probed"
    return host_problem(parts.host, domains, allow_local)
