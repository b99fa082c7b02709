"""Hosts, addresses and @accounts named in a catalog's free text: the channel names, `where`
lines, notes and reply times, the routes' steps, the exchange's phone policy and maintenance
reasons, all sent as plain text.

Telegram and other apps make a host name or an @account in plain text tappable, so a catalog
line like "or at mexc-help.com/chat" would send a trader to a site no rule checked. `catalog
check` reads free text as `/verify` reads a pasted message (`bot.pasted.candidates`: dots
that only look like dots, hosts glued into Chinese, a trailing full stop) and refuses every
word `/verify` would not call the exchange's own (`rules.py` calls `unofficial`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from bot.catalog.models import Catalog, Exchange, Text, TextList
from bot.lookalike import Subject, Verdict, check
from bot.pasted import candidates
from probes.domains import DOT_LIKES, has_listed_suffix


def texts_of(*fields: Text | TextList | None) -> Iterator[str]:
    """Every string of the fields, in every language."""
    for value in fields:
        if isinstance(value, Text):
            yield from value.root.values()
        elif isinstance(value, TextList):
            for lines in value.root.values():
                yield from lines


def unofficial(text: str, exchange: Exchange, app_hosts: tuple[str, ...] = ()) -> list[str]:
    """The links, hosts, addresses and @accounts in `text` that `/verify` would not call the
    exchange's own. `app_hosts`: the app a channel of this kind lives on (t.me), which its
    text may name bare; an account there must still be one of the exchange's."""
    only = Catalog(exchanges=(exchange,))
    found: list[str] = []
    for word in filter(_could_be_a_host, candidates(text)):
        finding = check(word, only)
        if finding.verdict is Verdict.OFFICIAL or finding.subject is Subject.TEXT:
            continue
        bare_app = finding.subject is Subject.LINK and finding.host in app_hosts
        if bare_app and word.rstrip("/").lower().endswith(str(finding.host)):
            continue  # the app named bare: "in our group on t.me"
        found.append(word)
    return found


def _could_be_a_host(word: str) -> bool:
    """False for Chinese sentences that `/verify` reads as a host only because "。" (which
    browsers take for a dot) ends one: a host's labels hold letters, digits and hyphens, never
    quotes or commas ("冻结账户。旁边的“注销账户”"); a "。" in it follows a Latin label
    ("联系在线客服。App" is two sentences); and it ends in a listed suffix, not in the next
    sentence ("群组。Gate"). Links and @accounts always count."""
    if "://" in word or word.startswith("@"):
        return True
    host = re.split(r"[/?#]", word, maxsplit=1)[0].rpartition("@")[2]
    if not all(ch.isalnum() or ch in "-:." + DOT_LIKES for ch in host):
        return False
    # "mexc-help。com" is a host; "联系在线客服。App" two sentences.
    if any(ch in DOT_LIKES and not (i and host[i - 1].isascii()) for i, ch in enumerate(host)):
        return False
    for dot in DOT_LIKES:
        host = host.replace(dot, ".")
    return has_listed_suffix(host.rpartition(":")[0] or host)
