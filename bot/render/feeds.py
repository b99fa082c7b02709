"""Answers from the exchanges' own status APIs: `/wallet`, and the API's section in `/status`.

Wording follows docs/status-apis.md: flags are what the exchange reports for everyone, every
reading says where it came from and when, and where an exchange has no public source the
answer says so and points to its official pages rather than guessing.
"""

from __future__ import annotations

from datetime import datetime

from bot.catalog import Channel, Exchange
from bot.render.feed_strings import FeedStrings, feed_strings
from bot.render.words import Words, echo
from bot.reply import Button, Line, Reply, Section, link, text
from bot.vocab import Case, ChannelKind, Locale
from bot.wallet import SystemView, WalletAnswer, WalletView
from probes.feeds.facts import Event, Flag, Network, Scope, TradingMode
from probes.result import NETWORK_ERRORS, ErrorKind

SHOWN_NETWORKS = 20
_WORRYING = (Flag.SUSPENDED, Flag.DELAYED)
_WAYS = {
    Locale.EN: {"withdraw": "withdrawals", "deposit": "deposits"},
    Locale.ZH: {"withdraw": "提币", "deposit": "充值"},
}


def wallet_reply(
    view: WalletView, system: SystemView | None, w: Words, *, blind: bool = False
) -> Reply:
    """Per network: deposits and withdrawals as the exchange's API reports them now.

    `blind`: our own connection is failing (bot/blind.py), so a network failure to read the
    API is ours, and said so.
    """
    f = feed_strings(w.locale)
    exchange = view.exchange
    coin = echo(view.coin, 20)
    buttons = (
        (Button(f.button_withdrawal, f"/urgent {exchange.id} {Case.WITHDRAWAL_STUCK.value}"),),
    )
    if view.answer is WalletAnswer.NO_SOURCE:
        return Reply(
            title=f.wallet_title_none.format(exchange=exchange.name, coin=coin),
            lines=_no_source_lines(exchange, system, w, f),
            buttons=buttons,
        )
    title = f"{exchange.name} · {coin}"
    if view.answer is WalletAnswer.NOT_READ:
        return Reply(title=title, lines=_not_read_lines(view, w, f, blind), tone="info")
    assert view.checked_at is not None
    when = w.when(view.checked_at, w.zone_for(None))
    if view.answer is WalletAnswer.UNKNOWN_COIN:
        line = f.unknown_coin.format(exchange=exchange.name, coin=coin, when=when)
        if not view.close:
            return Reply(title=title, lines=((text(line),),))
        close = f.close_coins.format(coins=w.names([echo(c, 20) for c in view.close]))
        tries = tuple(Button(echo(c, 20), f"/wallet {exchange.id} {c.lower()}") for c in view.close)
        return Reply(title=title, lines=((text(line),), (text(close),)), buttons=(tries,))
    lines: list[Line] = []
    if view.answer is WalletAnswer.UNKNOWN_NETWORK:
        names = w.names([echo(n.name, 40) for n in view.networks])
        network = echo(view.network_word or "", 20)
        lines.append(
            (
                text(
                    f.unknown_network.format(
                        exchange=exchange.name, coin=coin, names=names, network=network
                    )
                ),
            )
        )
    lines.extend(_network_lines(view, w, f))
    if view.error:
        why = failure_words(view.error, view.error_kind, w, blind=blind)
        lines.append((text(f.read_failed.format(detail=why)),))
    return Reply(
        title=f.wallet_title.format(exchange=exchange.name, coin=coin, when=when),
        lines=tuple(lines),
        footer=((text(f.for_everyone.format(exchange=exchange.name, id=exchange.id)),),),
        buttons=((*buttons[0], _alert_button(view, w, f)),),
        tone="warn" if _worrying(view.networks) else "ok",
    )


def _alert_button(view: WalletView, w: Words, f: FeedStrings) -> Button:
    """Alerts for the network asked about (reopening first), or for the whole coin."""
    exchange, coin = view.exchange.id, view.coin.lower()
    if (
        view.answer is not WalletAnswer.FOUND
        or len(view.networks) != 1
        or view.scope is Scope.ASSET
    ):
        return Button(
            f.button_watch_coin.format(coin=echo(view.coin, 20)), f"/subscribe {exchange} {coin}"
        )
    network = view.networks[0]
    action = f"/subscribe {exchange} {coin} {network.id}"
    name = echo(network.name, 20)
    ways = [(network.withdraw, "withdraw"), (network.deposit, "deposit")]
    closed = next((way for flag, way in ways if flag in _WORRYING), None)
    if closed is not None and view.scope is Scope.NETWORK:
        return Button(f.button_reopen.format(network=name, way=_WAYS[w.locale][closed]), action)
    return Button(f.button_watch_network.format(network=name), action)


def _network_lines(view: WalletView, w: Words, f: FeedStrings) -> list[Line]:
    name = view.exchange.name
    if not view.networks:
        return [(text(f.no_networks.format(exchange=name, coin=echo(view.coin, 20))),)]
    lines: list[Line] = []
    for network in view.networks[:SHOWN_NETWORKS]:
        lines.append((text(_network_text(network, view.scope, f)),))
    if len(view.networks) > SHOWN_NETWORKS:
        rest = w.names([echo(n.name, 40) for n in view.networks[SHOWN_NETWORKS:]], 10)
        lines.append((text("… " + rest),))
    if view.scope is Scope.NETWORK_SINGLE:
        lines.append((text(f.scope_single.format(exchange=name)),))
    elif view.scope is Scope.ASSET:
        lines.append((text(f.scope_asset.format(exchange=name)),))
    return lines


def _network_text(network: Network, scope: Scope, f: FeedStrings) -> str:
    label = f.all_networks if scope is Scope.ASSET else echo(network.name, 40)
    if scope is Scope.NETWORK_SINGLE:
        return f.network_line_single.format(network=label, status=f.single_flag[network.deposit])
    return f.network_line.format(
        network=label, deposit=f.flag[network.deposit], withdraw=f.flag[network.withdraw]
    )


def _no_source_lines(
    exchange: Exchange, system: SystemView | None, w: Words, f: FeedStrings
) -> tuple[Line, ...]:
    """No public source: say so, point to the official pages, and what the API does say."""
    lines: list[Line] = [
        (text(f.no_source.format(exchange=exchange.name)),),
        (text(f.no_source_where.format(exchange=exchange.name)),),
    ]
    page = _help_center(exchange)
    if page is not None and page.url is not None:
        lines.append((link(page.name.get(w.locale), page.url),))
    if system is not None and system.mode is not None and system.checked_at is not None:
        ago = w.ago((w.now - system.checked_at).total_seconds())
        mode = f.mode_word[system.mode]
        lines.append((text(f.system_reports.format(exchange=exchange.name, mode=mode, ago=ago)),))
    return tuple(lines)


def _help_center(exchange: Exchange) -> Channel | None:
    """The exchange's help center (where deposit/withdrawal notices are posted), if linked."""
    pages = [c for c in exchange.channels if c.kind is ChannelKind.HELP_CENTER and c.url]
    return next((c for c in pages if c.id == "help_center"), pages[0] if pages else None)


def _not_read_lines(view: WalletView, w: Words, f: FeedStrings, blind: bool) -> tuple[Line, ...]:
    lines: list[Line] = [(text(f.not_read.format(exchange=view.exchange.name)),)]
    if view.checked_at is not None:
        lines.append((text(f.last_read.format(when=w.when(view.checked_at, w.zone_for(None)))),))
    if view.error:
        why = failure_words(view.error, view.error_kind, w, blind=blind)
        lines.append((text(f.read_failed.format(detail=why)),))
    return tuple(lines)


def failure_words(detail: str, kind: ErrorKind | None, w: Words, *, blind: bool) -> str:
    """Why the API could not be read: the reader's own detail in English, the failure's kind
    in other languages (the detail is English); a network failure while we are blind is
    worded as ours, never the exchange's."""
    if blind and (kind is None or kind in NETWORK_ERRORS):
        return w.s.error_kind[ErrorKind.BLIND]
    if w.locale is Locale.EN:
        return echo(detail, 80)
    return w.s.error_kind[kind or ErrorKind.OTHER]


def _worrying(networks: tuple[Network, ...]) -> bool:
    return any(n.deposit in _WORRYING or n.withdraw in _WORRYING for n in networks)


def api_section(
    view: SystemView | None,
    exchange: Exchange,
    has_wallet: bool,
    w: Words,
    *,
    in_chat: bool,
    blind: bool = False,
) -> Section | None:
    """The exchange's own API in `/status`: trading mode, maintenance now and within 72 h.

    `blind`: as for `wallet_reply`."""
    f = feed_strings(w.locale)
    lines: list[Line] = []
    if view is not None:
        lines.extend(_system_lines(view, w, f, blind))
    if has_wallet and in_chat:
        lines.append((text(f.wallet_hint.format(id=exchange.id)),))
    if not lines:
        return None
    return Section(f.api_title.format(exchange=exchange.name), tuple(lines))


def _system_lines(view: SystemView, w: Words, f: FeedStrings, blind: bool) -> list[Line]:
    lines: list[Line] = []
    if not view.current and view.checked_at is None and not view.error:
        return [(text(f.not_read.format(exchange=view.exchange.name)),)]  # not read yet
    if view.mode is not None:
        lines.append((text(f.mode[view.mode]),))
    if view.note:
        lines.append((text(f.api_note.format(note=echo(view.note, 120))),))
    for event in view.ongoing:
        lines.append(_event_line(event, w, f, upcoming=False))
    for event in view.upcoming:
        lines.append(_event_line(event, w, f, upcoming=True))
    quiet = not (view.ongoing or view.upcoming) and view.mode is not TradingMode.MAINTENANCE
    if view.announces and view.checked_at is not None and quiet:
        # "No maintenance announced" next to "the exchange is in maintenance" would contradict.
        lines.append((text(f.api_nothing),))
    if view.checked_at is not None:
        ago = w.ago((w.now - view.checked_at).total_seconds())
        lines.append((text(f.api_checked.format(exchange=view.exchange.name, ago=ago)),))
    if view.error:
        why = failure_words(view.error, view.error_kind, w, blind=blind)
        lines.append((text(f.api_failed.format(detail=why)),))
    return lines


def _event_line(event: Event, w: Words, f: FeedStrings, *, upcoming: bool) -> Line:
    title = echo(event.title, 120)
    if event.incident:
        line = f.incident.format(title=title)
    elif upcoming:
        begins = _when(event.begins_at, w)
        ends = f.ends.format(when=_when(event.ends_at, w)) if event.ends_at else ""
        line = f.upcoming.format(title=title, begins=begins, ends=ends)
    else:
        until = f.until.format(when=_when(event.ends_at, w)) if event.ends_at else ""
        line = f.ongoing.format(title=title, until=until)
    if event.url:
        return (text(line + " · "), link(event.url, event.url))
    return (text(line),)


def _when(at: datetime | None, w: Words) -> str:
    return w.when(at, w.zone_for(None)) if at is not None else w.s.missing
