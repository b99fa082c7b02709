"""Which words of a pasted message `/verify` checks, and the one it answers about.

A scam message is pasted whole ("claim your refund at https://..."), in any language, with
links glued to Chinese text, wrapped in brackets or quotes, or hidden where a chat app ends a
link and a browser reads on. `candidates` finds every reading of each word that `check`
(`bot.lookalike`) can judge; `riskiest` and `check_message` answer about the worst of them.
Pure, no network.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

from bot.lookalike import (
    Finding,
    Reason,
    Subject,
    Verdict,
    browser_host,
    check,
    ipv4_of,
    is_checkable,
    is_pasted_alone,
)
from probes.domains import DOT_LIKES

if TYPE_CHECKING:
    from bot.catalog.models import Catalog

# Around a link in a sentence: quotes, brackets and the sentence's own punctuation.
_AROUND = "\"'“”‘’«»()<>,;!?。，；！？、…*`"
# Where chat apps end a link inside a word: brackets, quotes, an ellipsis, markup, invisible and
# general punctuation (U+2000-U+206F), Chinese punctuation; and ',' or ':' before an @account.
_LINK_ENDS = re.compile(
    "[()<>\"'“”‘’«»…*`\u2000-\u206f，、；：？！「」『』（）【】《》〈〉。]|[,:](?=@)"
)
# What ends a browser's reading of a link glued to more text: the same, bar Chinese punctuation
# (pasted into an address bar, "https://www.mexc.com，@evil.com" opens evil.com).
_READ_ON_ENDS = re.compile("[()<>\"'“”‘’«»…*`\u2000-\u206f]|[,:](?=@)")
# Chinese characters and punctuation, where a link glued into a Chinese sentence ends.
_CJK_TEXT = re.compile(
    "[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff，、；：？！「」『』（）【】《》〈〉]+"
)
# A message is read for at most this many links (each is checked).
MAX_CHECKED = 20
_RISK = {Verdict.LOOKALIKE: 0, Verdict.UNKNOWN: 1, Verdict.OFFICIAL: 2}


def has_something_to_check(message: str) -> bool:
    """Whether the message holds a link, e-mail, @account or phone number `/verify` would
    answer about, without checking any: what makes a message pasted to the bot a question.
    (An IPv4 address alone in a sentence does not: "version 1.2.3.4 is out".)"""
    return is_pasted_alone(message.strip()) or next(candidates(message), None) is not None


def riskiest(message: str, catalog: Catalog) -> str | None:
    """The link, e-mail or @account of a pasted message to answer about, or None if it has none.

    A scam message is pasted whole ("claim your refund at https://..."): its words are read
    for what `/verify` checks, and the one to warn about comes first — a look-alike, else one
    we cannot vouch for, else the first official one. An official link beside a fake one
    never makes the message read as fine.
    """
    picked = _riskiest_checked(message, catalog)
    return None if picked is None else picked[0]


def _riskiest_checked(message: str, catalog: Catalog) -> tuple[str, Finding] | None:
    """`riskiest`, with its `check`: each word is checked once."""
    whole = message.strip()
    if is_pasted_alone(whole):
        return whole, check(whole, catalog)
    found: list[str] = []
    for word in _to_check(message):
        if len(found) == MAX_CHECKED:
            break
        if word not in found:
            found.append(word)
    checked = [(word, check(word, catalog)) for word in found]
    picked = min(checked, key=lambda pair: _RISK[pair[1].verdict], default=None)
    if picked is not None and picked[1].verdict is Verdict.OFFICIAL and _more_than(message, found):
        word, finding = picked
        return word, Finding(Verdict.UNKNOWN, Reason.TOO_MANY, finding.subject, None, finding.shown)
    return picked


def too_long_to_read() -> Finding:
    """The answer for a text longer than we read: never a verdict on a part of it."""
    return Finding(Verdict.UNKNOWN, Reason.TOO_MANY, Subject.TEXT, None, "")


def _more_than(message: str, found: list[str]) -> bool:
    """Whether the message holds a word to check beyond the `MAX_CHECKED` found."""
    return len(found) == MAX_CHECKED and any(w not in found for w in _to_check(message))


def _to_check(message: str) -> Iterator[str]:
    """`candidates`, then every IPv4 address standing alone in the message ("log in at
    47.74.183.27 now"): no reason to answer a message by itself (a version number reads the
    same), but checked with the rest, so a fake address beside an official link never leaves
    the message reading as fine."""
    yield from candidates(message)
    for word in message.split():
        for piece in _CJK_TEXT.split(word):
            bare = _bare(piece)
            if bare and ipv4_of(bare) is not None:
                yield bare


def candidates(message: str) -> Iterator[str]:
    """The words of a message that `/verify` reads, in order.

    Words end at spaces, and at Chinese characters and punctuation too, since Chinese is
    written without spaces around a link ("去https://...领取"); a word made only of those
    pieces (a Chinese domain name) is tried whole. Dot-likes ("。") stay: a browser reads
    them as dots.
    """
    for word in message.replace("](", "] (").split():  # [label](link) as two words
        whole = _bare(word)
        pieces = [_bare(piece) for piece in _CJK_TEXT.split(word)]
        good = [piece for piece in pieces if piece and is_checkable(piece)]
        if not good and len(pieces) > 1 and is_checkable(whole):
            good = [whole]
        # Where a chat app ends the link: "(https://evil.com)@www.mexc.com" taps to evil.com.
        # (Parts with Chinese text in them were read piece by piece above.)
        ends = [_bare(part) for part in _LINK_ENDS.split(word) if not _CJK_TEXT.search(part)]
        good += [p for p in ends if p and p not in good and p != whole and is_checkable(p)]
        yield from good
        yield from _read_on(word, good)


def _read_on(word: str, links: list[str]) -> Iterator[str]:
    """A link cut at Chinese letters that a browser (and a chat app) reads on: through user
    info to the host after an '@' ("https://www.mexc.com中文@evil.com/" opens evil.com), or
    to a longer host ("https://www.mexc.com中文.com" is another site). That reading too."""
    for link in links:
        if len(parts := word.split(link, 1)) < 2 or not parts[1]:
            continue
        whole = _trim(link + _READ_ON_ENDS.split(parts[1], maxsplit=1)[0])
        before, after = _authority(link), _authority(whole)
        if whole == link or after == before:
            continue
        if "@" in after:  # to the host after it, if there is one ("，客服@MEXC_Official" is none)
            landing = browser_host(whole if "://" in whole else f"https://{whole}")
            if landing is not None and "." in landing:
                yield whole
        elif "." in after[len(before) :]:
            yield whole


def _authority(link: str) -> str:
    return re.split(r"[/?#]", link.split("://", 1)[-1], maxsplit=1)[0]


def _bare(word: str) -> str:
    """`_trim`, and a `mailto:` address as the address."""
    trimmed = _trim(word)
    return trimmed[7:] if trimmed[:7].lower() == "mailto:" else trimmed


def _trim(word: str) -> str:
    """The word without the sentence around it: "(mexc-help.com)." is mexc-help.com."""
    trimmed = word.strip(_AROUND).rstrip(".:" + DOT_LIKES)
    return trimmed if trimmed == word else _trim(trimmed)


def check_message(text: str, catalog: Catalog) -> Finding:
    """`check` of the riskiest link, e-mail, @account or phone number in the text (see
    `riskiest`: a sentence around links, Chinese glued to one), else of the text as typed."""
    picked = _riskiest_checked(text, catalog)
    return check(text, catalog) if picked is None else picked[1]
