"""Where a probe may go: official domains only, loopback only when the target allows it.

The catalog already refuses unofficial links; probes check again because a redirect can lead
anywhere, and a probe that follows one to a look-alike host must not call that reachable.
"""

from __future__ import annotations

from functools import lru_cache
from urllib.parse import urlsplit

LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")


def within(host: str, domains: tuple[str, ...]) -> bool:
    """True when host is one of the domains or a subdomain of one."""
    host = host.lower().rstrip(".")
    return any(host == d or host.endswith("." + d) for d in (x.lower() for x in domains))


def is_local(host: str) -> bool:
    """True for the loopback names tests and benchmarks use."""
    return host.lower().rstrip(".") in LOCAL_HOSTS


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
    """Why a probe must not fetch url (scheme, credentials or host), or None when it may."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    local = allow_local and is_local(host)
    if parts.scheme != "https" and not (local and parts.scheme == "http"):
        return f"{parts.scheme or 'no'} scheme in {url}; only https is probed"
    if parts.username or parts.password:
        return "credentials in URL"
    return host_problem(host, domains, allow_local)
