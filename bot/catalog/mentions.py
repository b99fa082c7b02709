"""Hosts and @accounts named in a catalog's free text: the channel names, `where` lines, notes
and route steps that go out as plain text.

Telegram and other apps make a host name or an @account in plain text tappable, so a catalog
line like "or at mexc-help.com/chat" would send a trader to a site no rule checked. `catalog
check` refuses every host outside the exchange's official domains (a known fake included) and
every @account that is not one of its verified accounts (`rules.py` calls `unofficial`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from bot.catalog.models import Exchange, Text, TextList
from bot.lookalike import official_accounts
from probes.domains import within

# A host: labels and dots ending in letters. ASCII on both sides only, so a host glued into a
# Chinese sentence ("www.mexc.com网页") is found like one between spaces. `@kraken.com` (any
# address at a domain) names the domain.
_HOST = re.compile(r"(?<![A-Za-z0-9.-])((?:[A-Za-z0-9-]+\.)+[A-Za-z]{2,})(?![A-Za-z0-9-])")
# An account: `@name` not part of an address (`support@x.com`) nor of a domain (`@x.com`).
_ACCOUNT = re.compile(r"(?<![A-Za-z0-9_.@])@([A-Za-z0-9_]{3,})(?![A-Za-z0-9_.@])")


def texts_of(*fields: Text | TextList | None) -> Iterator[str]:
    """Every string of the fields, in every language."""
    for value in fields:
        if isinstance(value, Text):
            yield from value.root.values()
        elif isinstance(value, TextList):
            for lines in value.root.values():
                yield from lines


def unofficial(text: str, exchange: Exchange, extra_hosts: tuple[str, ...] = ()) -> list[str]:
    """The hosts and @accounts in `text` that are not the exchange's own (`extra_hosts`: the
    apps a channel of this kind lives on, e.g. t.me)."""
    found: list[str] = []
    for host in _HOST.findall(text):
        name = host.lower()
        official = within(name, exchange.official_domains) or name in extra_hosts
        if within(name, exchange.never_link) or not official:
            found.append(host)
    accounts = {account.split(":@", 1)[1].lower() for account in official_accounts(exchange)}
    found.extend(f"@{name}" for name in _ACCOUNT.findall(text) if name.lower() not in accounts)
    return found
