"""A PostgreSQL server's URL (`DATABASE_URL`): its shape checked, and shown without secrets.

`check_database_url` accepts what asyncpg connects with: `postgresql://` or `postgres://`,
then optional `user:password@`, host(s) with optional ports (`h1:5432,h2:5433` for several),
`/database` and `?options`. `redact_url` is the only form of a URL that a message or a log
line may hold: the password (in the user part or a `password=` option) becomes `***`.
"""

from __future__ import annotations

import re
from urllib.parse import SplitResult, parse_qsl, unquote, urlencode, urlsplit

SCHEMES = ("postgresql", "postgres")
HIDDEN = "***"
EXAMPLE = "postgresql://user:password@host:5432/database"
# Query options that carry a secret (libpq and asyncpg read `password` from the query too).
_SECRET_OPTIONS = frozenset({"password", "sslpassword"})
_SPACE = re.compile(r"\s")
# Passwords shorter than this are hidden only where they stand alone (see `scrub`).
_SHORT = 4


def check_database_url(url: str) -> str:
    """The URL, stripped, when its shape is one a PostgreSQL client takes; else ValueError.

    The ValueError's message says what is wrong and shows the URL redacted, never the password.
    """
    text = url.strip()
    parts = _split(text)
    if parts is None:
        raise ValueError(f"is not a URL: use {EXAMPLE}")
    if _SPACE.search(text):
        raise ValueError(f"must not contain spaces (in {_quoted(text)})")
    if parts.scheme.lower() not in SCHEMES:
        raise ValueError(f"must start with postgresql:// or postgres:// (got {_quoted(text)})")
    if _stray_at(text, parts):
        raise ValueError(
            "has an '@' after the host: a '/', '?', '#' or '@' in the user name or password "
            f"must be written %2F, %3F, %23 or %40 (in {_quoted(text)})"
        )
    for host in _hosts(parts):
        _, colon, port = host.rpartition(":") if not host.endswith("]") else ("", "", "")
        if colon and port and not (port.isdigit() and 0 < int(port) <= 65_535):
            raise ValueError(f"port {port!r} is not a port number (in {_quoted(text)})")
    return text


def redact_url(url: str) -> str:
    """The URL with every password replaced by `***`; a text we cannot read is hidden whole."""
    text = url.strip()
    parts = _split(text)
    if parts is None:
        return HIDDEN
    if _stray_at(text, parts):  # a password holding '/' or '?' ran past the host part
        return f"{parts.scheme}://{HIDDEN}@{text.rpartition('@')[2]}"
    user, at, hosts = parts.netloc.rpartition("@")
    if at:
        name, colon, _ = user.partition(":")
        netloc = f"{name}:{HIDDEN}@{hosts}" if colon else f"{name}@{hosts}"
    else:
        netloc = parts.netloc
    query = parts.query
    if query:
        options = parse_qsl(query, keep_blank_values=True)
        if any(key in _SECRET_OPTIONS for key, _ in options):
            query = urlencode(
                [(key, HIDDEN if key in _SECRET_OPTIONS else value) for key, value in options],
                safe="*",
            )
    # Put together by hand: urlunsplit drops the `//` of an empty host (`postgresql:///db`).
    shown = f"{parts.scheme}://{netloc}{parts.path}"
    if query:
        shown += f"?{query}"
    if parts.fragment:
        shown += f"#{parts.fragment}"
    return shown


def scrub(text: str, url: str) -> str:
    """`text` (a driver's message, say) with `url` shown redacted and its password hidden.

    A password shorter than `_SHORT` characters is hidden where it stands alone (not inside a
    longer run of letters and digits): hiding a password `p` in every word would turn the
    rest of the message (a path such as /tmp/...) into nonsense, and show nothing more.
    """
    text = text.replace(url, redact_url(url))
    parts = _split(url.strip())
    password = parts.password if parts is not None else None
    secrets = [password] if password else []
    if parts is not None and parts.query:
        options = parse_qsl(parts.query, keep_blank_values=True)
        secrets += [value for key, value in options if key in _SECRET_OPTIONS and value]
    for secret in {form for raw in secrets for form in (raw, unquote(raw))}:
        if len(secret) >= _SHORT:
            text = text.replace(secret, HIDDEN)
        else:
            alone = rf"(?<![^\W_]){re.escape(secret)}(?![^\W_])"
            text = re.sub(alone, HIDDEN, text)
    return text


def host_names(url: str) -> list[str]:
    """The server hosts the URL names, without their ports (empty: none, or unreadable)."""
    parts = _split(url.strip())
    if parts is None:
        return []
    names = []
    for host in _hosts(parts):
        name, colon, port = host.rpartition(":")
        names.append(name if colon and not host.endswith("]") and port.isdigit() else host)
    for key, value in parse_qsl(parts.query):  # `?host=`: where libpq and asyncpg look too
        if key == "host":
            names += [host for host in value.split(",") if host and not host.startswith("/")]
    return names


def _split(text: str) -> SplitResult | None:
    try:
        parts = urlsplit(text)
    except ValueError:  # e.g. an unclosed IPv6 bracket
        return None
    if not parts.scheme or not text.startswith(f"{parts.scheme}://"):
        return None
    return parts


def _stray_at(text: str, parts: SplitResult) -> bool:
    """Whether an '@' follows the host part: the user part probably ran into it."""
    return "@" in text[len(parts.scheme) + 3 + len(parts.netloc) :]


def _hosts(parts: SplitResult) -> list[str]:
    hosts = parts.netloc.rpartition("@")[2]
    return [host for host in hosts.split(",") if host]


def _quoted(text: str) -> str:
    shown = redact_url(text)
    return repr(shown if len(shown) <= 80 else shown[:77] + "...")
