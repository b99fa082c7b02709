"""Autocomplete: the exchanges, channels, cases and waits that match what a user is typing."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import discord
from discord.app_commands import Choice

from bot.catalog import Catalog, Channel, Exchange
from bot.commands.args import CASE_WORDS, find_exchange, find_wait, normalize, suggest_exchanges
from bot.commands.table import ArgKind
from bot.render.reports import wait_words
from bot.render.strings import strings
from bot.render.words import Words
from bot.reports import reportable
from bot.vocab import Case, Locale

MAX_CHOICES = 25
CHOICE_LIMIT = 100


def _rank(keys: Sequence[str], word: str) -> int | None:
    """0 when a key starts with the word, 1 when it contains it, None otherwise."""
    folded = [normalize(k) for k in keys]
    if any(k.startswith(word) for k in folded):
        return 0
    if any(word in k for k in folded):
        return 1
    return None


def _choice(name: str, value: str) -> Choice[str]:
    return Choice(name=name[:CHOICE_LIMIT] or value, value=value[:CHOICE_LIMIT])


def _best(ranked: list[tuple[int, int, Choice[str]]]) -> list[Choice[str]]:
    """Starts-with before contains, then in catalog order; 25 at most."""
    return [choice for _, _, choice in sorted(ranked, key=lambda r: r[:2])][:MAX_CHOICES]


def exchange_choices(catalog: Catalog, current: str) -> list[Choice[str]]:
    """Exchanges whose id, name or alias (any language) matches what is typed; 25 at most."""
    word = normalize(current)
    ranked: list[tuple[int, int, Choice[str]]] = []
    for order, exchange in enumerate(catalog.exchanges):
        rank = _rank([exchange.id, exchange.name, *exchange.aliases], word)
        if rank is None:
            continue
        by_alias = bool(word) and _rank([exchange.id, exchange.name], word) is None
        alias = next((a for a in exchange.aliases if word in normalize(a)), None)
        name = f"{exchange.name} ({alias})" if by_alias and alias else exchange.name
        ranked.append((rank, order, _choice(name, exchange.id)))
    if not ranked and word:
        names = suggest_exchanges(catalog, current, limit=5)
        by_name = {e.name: e for e in catalog.exchanges}
        return [_choice(n, by_name[n].id) for n in names if n in by_name]
    return _best(ranked)


def _channel_keys(channel: Channel) -> list[str]:
    return [channel.id, channel.kind.value, *channel.name.root.values()]


def channel_choices(
    catalog: Catalog,
    exchange_word: str | None,
    current: str,
    locale: Locale,
    *,
    contact_only: bool = False,
) -> list[Choice[str]]:
    """Channels of the chosen exchange (or of all, as `exchange/channel`) matching the words;
    `contact_only`: just the ones a person answers (for `/report`)."""
    word = normalize(current)
    chosen = find_exchange(catalog, exchange_word) if exchange_word else None
    pool: list[tuple[Exchange, Channel]] = (
        [(chosen, c) for c in chosen.channels] if chosen else catalog.channels()
    )
    if contact_only:
        pool = [(e, c) for e, c in pool if reportable(c)]
    ranked: list[tuple[int, int, Choice[str]]] = []
    for order, (exchange, channel) in enumerate(pool):
        keys = _channel_keys(channel) if chosen else [*_channel_keys(channel), exchange.name]
        rank = _rank(keys, word)
        if rank is None:
            continue
        label = channel.name.get(locale)
        if chosen:
            ranked.append((rank, order, _choice(f"{label} · {channel.id}", channel.id)))
        else:
            value = f"{exchange.id}/{channel.id}"
            ranked.append((rank, order, _choice(f"{exchange.name} — {label}", value)))
    return _best(ranked)


def case_choices(current: str, locale: Locale) -> list[Choice[str]]:
    """Cases whose words (English or Chinese) match what is typed."""
    word = normalize(current)
    titles = strings(locale).case_title
    ranked: list[tuple[int, int, Choice[str]]] = []
    for order, case in enumerate(Case):
        keys = [case.value, *CASE_WORDS[case], *(strings(loc).case_title[case] for loc in Locale)]
        rank = _rank(keys, word)
        if rank is not None:
            ranked.append((rank, order, _choice(titles[case], case.value)))
    return _best(ranked)


def wait_choices(current: str, locale: Locale, words: Words) -> list[Choice[str]]:
    """The minutes typed (when they read as a wait), then the quick choices that match."""
    typed = find_wait(current.split())
    found: list[Choice[str]] = []
    if typed is not None and typed.minutes is not None:
        found.append(_choice(wait_words(typed.minutes, words), str(typed.minutes)))
    word = "" if found else normalize(current)  # after a number, every quick choice
    nobody = typed is not None and typed.minutes is None
    for value, label in strings(locale).report_choices.items():
        matches = not word or _rank([value, label], word) is not None
        if (matches or (nobody and value == "none")) and all(c.value != value for c in found):
            found.append(_choice(label, value))
    return found[:MAX_CHOICES]


def choices_for(
    kind: ArgKind, catalog: Catalog, interaction: discord.Interaction[Any], current: str
) -> list[Choice[str]]:
    """The choices for an option of this kind, in the user's client language."""
    locale = Locale.from_client(str(interaction.locale))
    if kind is ArgKind.EXCHANGE:
        return exchange_choices(catalog, current)
    if kind is ArgKind.CHANNEL:
        chosen = getattr(interaction.namespace, ArgKind.EXCHANGE.value, None)
        exchange = chosen if isinstance(chosen, str) else None
        command = interaction.command.name if interaction.command is not None else ""
        contact = command == "report"
        return channel_choices(catalog, exchange, current, locale, contact_only=contact)
    if kind is ArgKind.WAIT:
        return wait_choices(current, locale, Words.of(locale, interaction.created_at))
    return case_choices(current, locale)
