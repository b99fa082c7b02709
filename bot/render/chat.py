"""Replies about the chat itself: help, errors, alerts, language, admin figures."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.catalog import Catalog, Exchange
from bot.render.budget import fit
from bot.render.words import Words, echo
from bot.reply import Button, Line, Reply, Section, button_rows, text
from bot.vocab import Locale


@dataclass(frozen=True, slots=True)
class Usage:
    """One command as help shows it: "/urgent [exchange] [case]" and what it does."""

    syntax: str
    help: str
    admin: bool = False
    alerts: bool = False


def help_reply(
    catalog: Catalog, usages: Sequence[Usage], w: Words, *, start: bool = False
) -> Reply:
    """What the bot does, every command with its help, and the watched exchanges."""
    s = w.s
    # Sections of their own, so each stays within a Discord embed field (1,024 characters).
    groups = (
        (s.commands_title, [u for u in usages if not u.admin and not u.alerts]),
        (s.alert_commands_title, [u for u in usages if u.alerts and not u.admin]),
        (s.admin_commands_title, [u for u in usages if u.admin]),
    )
    sections = [
        Section(title, tuple((text(f"{u.syntax} — {u.help}"),) for u in group))
        for title, group in groups
        if group
    ]
    example = catalog.exchanges[0].id
    reply = Reply(
        title=s.start_title if start else s.help_title,
        lines=((text(s.help_intro),),),
        sections=tuple(sections),
        footer=(watched_line(catalog, w), (text(s.links_note),)),
        buttons=(
            (
                Button(s.button_details, f"/status {example}"),
                Button(s.button_urgent, f"/urgent {example}"),
            ),
        ),
    )
    return fit(reply, s.more.format(command="/help"))


def watched_line(catalog: Catalog, w: Words) -> Line:
    return (text(w.s.watched.format(names=w.names([e.name for e in catalog.exchanges]))),)


def unknown_command_reply(word: str, catalog: Catalog, usages: Sequence[Usage], w: Words) -> Reply:
    """An unknown command: say so, then the command list."""
    reply = help_reply(catalog, usages, w)
    title = w.s.unknown_command.format(word=echo(word))
    return Reply(title=title, sections=reply.sections, footer=reply.footer, ephemeral=True)


def exchange_choice_reply(
    catalog: Catalog, command: str, w: Words, word: str | None = None, close: Sequence[str] = ()
) -> Reply:
    """An unknown or missing exchange: the closest matches first, the watched list, buttons."""
    s = w.s
    title = s.unknown_exchange.format(word=echo(word)) if word else s.which_exchange
    lines: list[Line] = []
    if close:
        lines.append((text(s.did_you_mean.format(names=w.names(list(close)))),))
    lines.append(watched_line(catalog, w))
    by_name = {e.name: e for e in catalog.exchanges}
    picks = [by_name[n] for n in close if n in by_name] or list(catalog.exchanges)
    buttons = button_rows([Button(e.name, f"/{command} {e.id}") for e in picks])
    return fit(Reply(title=title, lines=tuple(lines), buttons=buttons, ephemeral=True), "")


def unknown_channel_reply(exchange: Exchange, word: str, w: Words) -> Reply:
    ids = w.s.list_sep.join(c.id for c in exchange.channels)
    title = w.s.unknown_channel.format(exchange=exchange.name, word=echo(word), ids=ids)
    return fit(Reply(title=exchange.name, lines=((text(title),),), ephemeral=True), "")


def notice(title: str, *lines: str, ephemeral: bool = True) -> Reply:
    """A short answer: one title and a few lines."""
    return Reply(title=title, lines=tuple((text(line),) for line in lines), ephemeral=ephemeral)


def subscriptions_reply(names: Sequence[tuple[str, str | None]], example: str, w: Words) -> Reply:
    """The chat's alerts: (exchange name, channel name or None for all)."""
    s = w.s
    if not names:
        return notice(s.subs_title, s.subs_empty.format(exchange=example))
    lines = tuple(
        (text(f"• {exchange} — {channel or s.subs_all_channels}"),) for exchange, channel in names
    )
    return fit(Reply(title=s.subs_title, lines=lines, ephemeral=True), "")


def lang_reply(w: Words, *, changed: bool) -> Reply:
    """The language now, with buttons for both."""
    s = w.s
    return Reply(
        title=s.lang_set if changed else s.lang_now,
        buttons=(
            (
                Button("English", f"/lang {Locale.EN.value}"),
                Button("中文", f"/lang {Locale.ZH.value}"),
            ),
        ),
        ephemeral=True,
    )
