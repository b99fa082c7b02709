"""One small handler per command: resolve the words, read state, build the reply.

Handlers never probe and never wait on the network: they read the status service (memory
and rollups) and the store. Every user mistake gets a helpful reply, never an exception.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import timedelta

from bot.catalog import Catalog, Channel, Exchange
from bot.commands.args import (
    find_channel,
    find_exchange,
    find_lang,
    pick_case,
    pick_exchange,
    suggest_cases,
    suggest_exchanges,
)
from bot.commands.context import CommandStore, Context, SubscriptionRow
from bot.commands.wallet_alerts import (
    subscribe_wallet,
    unsubscribe_wallet,
    wallet_label,
    wallet_target,
)
from bot.pasted import check_message, too_long_to_read
from bot.render.chat import (
    exchange_choice_reply,
    help_reply,
    lang_reply,
    notice,
    subscriptions_reply,
    unknown_channel_reply,
)
from bot.render.feed_strings import feed_strings
from bot.render.feeds import wallet_reply
from bot.render.history import history_reply
from bot.render.status import channels_reply, status_reply
from bot.render.urgent import cases_reply, urgent_reply
from bot.render.verify import verify_reply, verify_usage_reply
from bot.render.words import Words, echo
from bot.reply import Reply
from bot.routes import route_view
from bot.vocab import Locale, Platform, Verdict
from bot.wallet import system_view, wallet_view

MAX_MAINTENANCE_MIN = 7 * 24 * 60
MAX_REASON = 200
# Telegram's longest message: a message forwarded to /verify is read whole.
MAX_VERIFY = 4096
END_WORDS = ("end", "stop", "结束")
ALL_WORDS = ("all", "*")


def _never(_: str) -> bool:
    return False


def _exchange(
    ctx: Context, belongs: Callable[[str], bool] = _never
) -> tuple[Exchange, list[str]] | Reply:
    """The exchange the words name, the words left; or a reply saying which exist.

    With one exchange configured, a missing one is that one. `belongs` tells words meant
    for the command's other arguments ("login" for /urgent) from a misspelt exchange.
    """
    catalog = ctx.catalog
    exchange, rest = pick_exchange(catalog, ctx.words)
    if exchange is not None:
        return exchange, rest
    unknown = [word for word in rest if not belongs(word)]
    if len(catalog.exchanges) == 1 and (not unknown or belongs is not _never):
        return catalog.exchanges[0], rest
    if not unknown:
        return exchange_choice_reply(catalog, ctx.command, ctx.w)
    word = unknown[0]
    close = suggest_exchanges(catalog, word)
    return exchange_choice_reply(catalog, ctx.command, ctx.w, word, close)


def _exchange_channel(ctx: Context) -> tuple[Exchange, Channel | None] | Reply:
    """The exchange and, when named, one of its channels; or the reply saying what exists."""
    found = _exchange(ctx, _is_channel_word(ctx))
    if isinstance(found, Reply):
        return found
    exchange, rest = found
    channel = _channel(exchange, rest, ctx.w)
    if isinstance(channel, Reply):
        return channel
    return exchange, channel


def _channel(exchange: Exchange, words: list[str], w: Words) -> Channel | Reply | None:
    """The channel the first left-over word names; None without words; a reply if unknown."""
    if not words:
        return None
    channel = find_channel(exchange, words[0]) or find_channel(exchange, "".join(words))
    if channel is None:
        return unknown_channel_reply(exchange, words[0], w)
    return channel


def _alerts_store(ctx: Context, *, changing: bool = True) -> CommandStore | Reply:
    """The store, where this chat may see (or change) its alerts; else the reply saying why not.

    A console has no chat to alert; in a group only members who manage it may change them.
    """
    store = None if ctx.request.platform is Platform.CONSOLE else ctx.core.store
    if store is None:
        return notice(ctx.w.s.no_store)
    if changing and ctx.request.is_group and not ctx.request.can_manage:
        return notice(ctx.w.s.manage_only)
    return store


def _is_channel_word(ctx: Context) -> Callable[[str], bool]:
    return lambda word: any(find_channel(e, word) for e in ctx.catalog.exchanges)


async def show_status(ctx: Context) -> Reply:
    """Is support live now: the exchange's answer and every channel in a line."""
    from bot.commands.reporting import with_report_button

    found = _exchange(ctx)
    if isinstance(found, Reply):
        return found
    view = await ctx.core.status.exchange_status(found[0])
    return with_report_button(status_reply(view, ctx.w), found[0], ctx)


async def show_channels(ctx: Context) -> Reply:
    """Every channel (or one) in detail."""
    found = _exchange_channel(ctx)
    if isinstance(found, Reply):
        return found
    exchange, channel = found
    view = await ctx.core.status.exchange_status(exchange)
    return channels_reply(view, ctx.w, channel.id if channel else None)


async def show_urgent(ctx: Context) -> Reply:
    """What to do now for a case; the case menu when none (or an unknown one) is given."""
    from bot.commands.reporting import with_report_button

    found = _exchange(
        ctx, lambda word: pick_case([word])[0] is not None or bool(suggest_cases(word))
    )
    if isinstance(found, Reply):
        return found
    exchange, rest = found
    case, unknown = pick_case(rest)
    if case is None:
        return cases_reply(exchange, ctx.w, echo(" ".join(unknown)) if unknown else None)
    view = await ctx.core.status.exchange_status(exchange)
    return with_report_button(urgent_reply(route_view(view, case), ctx.w), exchange, ctx)


async def verify(ctx: Context) -> Reply:
    """Is a link, e-mail, @account or phone number really an exchange's? Catalog only."""
    typed = _typed_after_command(ctx.request.text)
    if not typed:
        return verify_usage_reply(ctx.w)
    if len(typed) > MAX_VERIFY:  # cut, a fake host could read as the official one before it
        return verify_reply(too_long_to_read(), ctx.catalog, ctx.w)
    hint = None
    first, _, rest = typed.partition(" ")
    if rest.strip():  # "/verify kraken +44 …": the exchange the number is said to be
        hint = find_exchange(ctx.catalog, first)
        typed = rest.strip() if hint is not None else typed
    return verify_reply(check_message(typed, ctx.catalog), ctx.catalog, ctx.w, hint)


def _typed_after_command(line: str) -> str:
    """Everything after the command word, exactly as typed (backslashes, '@' and all)."""
    parts = line.strip().split(maxsplit=1)
    return parts[1].strip() if len(parts) > 1 else ""


async def show_wallet(ctx: Context) -> Reply:
    """Deposits and withdrawals of a coin per network, as the exchange's own API reports them."""
    catalog = ctx.catalog
    exchange, rest = pick_exchange(catalog, ctx.words)
    if exchange is None:
        if len(catalog.exchanges) == 1:
            exchange = catalog.exchanges[0]
        elif not ctx.words:
            return exchange_choice_reply(catalog, ctx.command, ctx.w)
        else:
            word = ctx.words[0]
            close = suggest_exchanges(catalog, word)
            return exchange_choice_reply(catalog, ctx.command, ctx.w, echo(word), close)
    if not rest:
        return notice(feed_strings(ctx.locale).wallet_usage.format(id=exchange.id))
    status = ctx.core.status
    facts = status.feeds.facts(exchange.id) if status.feeds is not None else None
    now = ctx.core.clock.now()
    network = " ".join(rest[1:]) or None
    view = wallet_view(exchange, facts, rest[0], network, now)
    blind = status.live.blind_since() is not None
    return wallet_reply(view, system_view(exchange, facts, now), ctx.w, blind=blind)


async def show_history(ctx: Context) -> Reply:
    """The exchange's changes over the last 7 days."""
    found = _exchange(ctx)
    if isinstance(found, Reply):
        return found
    exchange = found[0]
    status = ctx.core.status
    if status.store is None:
        return history_reply(exchange, None, ctx.w)
    rows = await status.transitions(exchange)
    since = await status.watching_since(exchange)
    return history_reply(exchange, rows, ctx.w, since, status.live.blind_since())


async def subscribe(ctx: Context) -> Reply:
    """Alerts in this chat for an exchange, or one of its channels."""
    s = ctx.w.s
    store = _alerts_store(ctx)
    if isinstance(store, Reply):
        return store
    coin = wallet_target(ctx)  # `/subscribe kucoin usdt trc20`: a coin, not a channel
    if coin is not None:
        return coin if isinstance(coin, Reply) else await subscribe_wallet(ctx, store, coin)
    found = _exchange_channel(ctx)
    if isinstance(found, Reply):
        return found
    exchange, channel = found
    request = ctx.request
    added = await store.subscribe(
        request.platform.value,
        request.chat_id,
        exchange.id,
        channel.id if channel else None,
        ctx.locale.value,
    )
    if not added:
        return notice(s.sub_exists, ephemeral=False)
    if channel is None:
        return notice(s.sub_all.format(exchange=exchange.name), ephemeral=False)
    name = channel.name.get(ctx.locale)
    return notice(s.sub_one.format(exchange=exchange.name, channel=name), ephemeral=False)


async def unsubscribe(ctx: Context) -> Reply:
    """Stop alerts: all of them, one exchange's, or one channel's."""
    s = ctx.w.s
    store = _alerts_store(ctx)
    if isinstance(store, Reply):
        return store
    exchange_id: str | None = None
    channel_id: str | None = None
    coin = wallet_target(ctx)
    if coin is not None:
        return coin if isinstance(coin, Reply) else await unsubscribe_wallet(ctx, store, coin)
    if ctx.words:
        found = _exchange_channel(ctx)
        if isinstance(found, Reply):
            return found
        exchange, channel = found
        exchange_id, channel_id = exchange.id, channel.id if channel else None
    request = ctx.request
    stopped = await store.unsubscribe(
        request.platform.value, request.chat_id, exchange_id, channel_id
    )
    text = s.unsub_done.format(n=stopped) if stopped else s.unsub_none
    return notice(text, ephemeral=False)


async def list_subscriptions(ctx: Context) -> Reply:
    """The alerts this chat gets."""
    store = _alerts_store(ctx, changing=False)
    if isinstance(store, Reply):
        return store
    rows = await store.subscriptions_of(ctx.request.platform.value, ctx.request.chat_id)
    names = subscription_names(ctx.catalog, rows, ctx.locale)
    return subscriptions_reply(names, ctx.catalog.exchanges[0].id, ctx.w)


def subscription_names(
    catalog: Catalog, rows: Iterable[SubscriptionRow], locale: Locale
) -> list[tuple[str, str | None]]:
    """Each subscription as (exchange name, channel name or None for every channel)."""
    names: list[tuple[str, str | None]] = []
    for row in rows:
        exchange = catalog.exchange(row.exchange)
        if exchange is None:
            names.append((echo(row.exchange), row.channel))
            continue
        channel = exchange.channel(row.channel) if row.channel else None
        label = channel.name.get(locale) if channel else row.channel
        label = wallet_label(row.channel or "", locale) or label
        names.append((exchange.name, label))
    return names


async def set_language(ctx: Context) -> Reply:
    """Show or change the answer language (remembered per user; in the terminal, --lang)."""
    if not ctx.words:
        if ctx.request.platform is Platform.CONSOLE:
            other = Locale.ZH if ctx.locale is Locale.EN else Locale.EN
            return notice(ctx.w.s.lang_console.format(code=other.value))
        return lang_reply(ctx.w, changed=False)
    locale = find_lang(ctx.words[0])
    if locale is None:
        return notice(ctx.w.s.lang_unknown.format(word=echo(ctx.words[0])))
    if ctx.request.platform is Platform.CONSOLE:
        # Every `supportlive ask` is one command: a language kept in the database would
        # silently change the answers of every later one.
        words = Words.of(locale, ctx.w.now, ctx.w.user_tz)
        return notice(words.s.lang_console.format(code=locale.value))
    store = ctx.core.store
    if store is not None:
        # In a private chat the chat is the user's own: its alerts follow the choice. A
        # group's alerts stay in the language they were subscribed in.
        own_chat = None if ctx.request.is_group else ctx.request.chat_id
        await store.set_locale(
            ctx.request.platform.value, ctx.request.user_id, locale.value, own_chat
        )
    return lang_reply(Words.of(locale, ctx.w.now, ctx.w.user_tz), changed=True)


async def show_help(ctx: Context) -> Reply:
    """Every command with its help text, in the user's language."""
    from bot.commands.table import usages

    return help_reply(
        ctx.catalog, usages(ctx.locale, ctx.request.is_admin, ctx.request.platform), ctx.w
    )


async def start(ctx: Context) -> Reply:
    """The first message: what the bot does and how to ask."""
    from bot.commands.table import usages

    return help_reply(
        ctx.catalog,
        usages(ctx.locale, ctx.request.is_admin, ctx.request.platform),
        ctx.w,
        start=True,
    )


async def declare_maintenance(ctx: Context) -> Reply:
    """Admin: declare maintenance of a channel (or `all`) for some minutes, or end it early."""
    s = ctx.w.s
    store = ctx.core.store
    if store is None:
        return notice(s.needs_database)
    found = _leading_exchange(ctx)
    if found is None:
        return notice(s.maintenance_usage)
    if isinstance(found, Reply):
        return found
    exchange, rest = found
    at = next((i for i, word in enumerate(rest) if _is_number(word)), None)
    if at is None and rest and rest[-1].lower() in END_WORDS:
        return await _end_maintenance(ctx, store, exchange, rest[:-1])
    minutes = None if at is None else _minutes(rest[at])
    if at is None or minutes is None:
        return notice(s.maintenance_usage)
    channel = _target(exchange, rest[:at], ctx.w)
    if isinstance(channel, Reply):
        return channel
    reason = echo(_text_after(ctx.request.text, rest[at]), MAX_REASON)
    now = ctx.core.clock.now()
    until = now + timedelta(minutes=minutes)
    created_by = f"{ctx.request.platform.value}:{ctx.request.user_id}"
    await store.add_maintenance(
        exchange.id, channel.id if channel else None, now, until, reason, created_by
    )
    when = ctx.w.when(until, ctx.w.zone_for(channel))
    lines = [s.maintenance_reason.format(reason=reason)] if reason else []
    lines.append(s.maintenance_end_hint.format(exchange=exchange.id))
    target = _target_name(exchange, channel, ctx)
    return notice(s.maintenance_set.format(target=target, when=when), *lines)


async def _end_maintenance(
    ctx: Context, store: CommandStore, exchange: Exchange, words: list[str]
) -> Reply:
    """End the exchange's windows under way now (one channel's, or all of them)."""
    channel = _target(exchange, words, ctx.w)
    if isinstance(channel, Reply):
        return channel
    now = ctx.core.clock.now()
    ended = 0
    for window in await store.active_maintenance(now):
        if window.exchange != exchange.id or (channel and window.channel != channel.id):
            continue
        ended += await store.end_maintenance(window.id, now)
    target = _target_name(exchange, channel, ctx)
    if not ended:
        return notice(ctx.w.s.maintenance_none.format(target=target))
    return notice(ctx.w.s.maintenance_ended.format(target=target, n=ended))


def _leading_exchange(ctx: Context) -> tuple[Exchange, list[str]] | Reply | None:
    """The exchange the first word names and the words after it (admins type it first).

    With one exchange configured it may be left out; None when there are no words.
    """
    if not ctx.words:
        return None
    catalog = ctx.catalog
    exchange = find_exchange(catalog, ctx.words[0])
    if exchange is not None:
        return exchange, list(ctx.words[1:])
    if len(catalog.exchanges) == 1:
        return catalog.exchanges[0], list(ctx.words)
    word = ctx.words[0]
    close = suggest_exchanges(catalog, word)
    return exchange_choice_reply(catalog, ctx.command, ctx.w, echo(word), close)


def _target(exchange: Exchange, words: list[str], w: Words) -> Channel | Reply | None:
    """The channel the words name; None for `all` (or nothing): the whole exchange."""
    if len(words) == 1 and words[0].lower() in ALL_WORDS:
        return None
    return _channel(exchange, words, w)


def _target_name(exchange: Exchange, channel: Channel | None, ctx: Context) -> str:
    return f"{exchange.name} {channel.name.get(ctx.locale)}" if channel else exchange.name


def _text_after(line: str, word: str) -> str:
    """What the user typed after `word`, as typed (a reason may hold any characters)."""
    for match in re.finditer(r"\S+", line):
        if match.group() == word:
            return line[match.end() :].strip()
    return ""


async def show_stats(ctx: Context) -> Reply:
    """Admin: watched and probed channels, how many probed ones are live, alerts, outbox.

    Only probed channels count as live: an unprobed one is "live" by its hours alone, which
    would read as a check passed (and stays so while the probes are blind).
    """
    s = ctx.w.s
    catalog = ctx.catalog
    live = 0
    for exchange in catalog.exchanges:
        view = await ctx.core.status.exchange_status(exchange)
        live += sum(
            1 for c in view.channels if c.channel.probe is not None and c.verdict is Verdict.LIVE
        )
    channels = catalog.channels()
    lines = [
        s.stats_line.format(
            exchanges=len(catalog.exchanges),
            channels=len(channels),
            probed=sum(1 for _, c in channels if c.probe is not None),
            live=live,
        )
    ]
    store = ctx.core.store
    if store is not None:
        depth = await store.outbox_depth()
        subscriptions = await store.count_subscriptions()
        lines.append(
            s.stats_alerts.format(
                subscriptions=subscriptions,
                pending=depth.get("pending", 0),
                sending=depth.get("sending", 0),
                dead=depth.get("dead", 0),
            )
        )
        windows = await store.active_maintenance(ctx.core.clock.now())
        lines.append(s.stats_maintenance.format(n=len(windows)))
    return notice("supportlive", *lines)


def _is_number(word: str) -> bool:
    """Decimal digits of any script ('30', fullwidth '３０'): exactly what int() reads.

    Not `isdigit()`: it also accepts '²' and '①', which int() refuses.
    """
    return word.isdecimal()


def _minutes(word: str) -> int | None:
    if not _is_number(word) or len(word) > 6:
        return None
    value = int(word)
    return value if 1 <= value <= MAX_MAINTENANCE_MIN else None
