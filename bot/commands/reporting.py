"""`/report`: a trader says how long support took to answer; admins `/reports clear` a channel.

Words may come in any order the forgiving parsers allow, English or Chinese
(`/report 抹茶 在线客服 10`, `/report mexc live chat no answer`). Whatever is missing gets the
question with buttons (channel, then the wait); whatever is wrong gets the usage line.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from bot.catalog import Channel, Exchange
from bot.commands.args import Wait, find_channel, find_wait
from bot.commands.context import Context
from bot.commands.handlers import _exchange, _leading_exchange, _target_name
from bot.render import reports as render
from bot.render.chat import notice, unknown_channel_reply
from bot.reply import Reply
from bot.reports import Outcome, WaitBook, reportable
from bot.vocab import Platform

# Where a person can be told apart (platform, user id): a console has no such user.
REPORTING_PLATFORMS = (Platform.TELEGRAM, Platform.DISCORD)
CLEAR_WORDS = ("clear", "清除", "清空")


async def report(ctx: Context) -> Reply:
    """Take a trader's wait on a contact channel, or ask for what is missing."""
    s = ctx.w.s
    if ctx.request.platform not in REPORTING_PLATFORMS:
        return notice(s.report_elsewhere)
    if _sent_as_the_chat(ctx):
        return notice(s.report_not_a_person)
    book = ctx.core.status.reports
    if book is None:
        return notice(s.needs_database)
    if not ctx.words and len(ctx.catalog.exchanges) > 1:
        return render.exchange_pick_reply(ctx.catalog.exchanges, ctx.w)

    def belongs(word: str) -> bool:
        return _names_channel(ctx, word) or find_wait([word]) is not None

    found = _exchange(ctx, belongs)
    if isinstance(found, Reply):
        if ctx.words and all(belongs(word) for word in ctx.words):
            # A channel and a wait, no exchange: each exchange's button keeps what was said.
            return render.exchange_pick_reply(ctx.catalog.exchanges, ctx.w, " ".join(ctx.words))
        return found
    exchange, rest = found
    channel, rest = _channel(exchange, rest)
    if channel is None:
        if not rest or find_wait(rest) is not None:
            return render.channel_pick_reply(exchange, ctx.w, find_wait(rest))
        return render.unknown_channel_reply(exchange, rest[0], ctx.w)
    if not reportable(channel):
        return render.not_contact_reply(exchange, ctx.w)
    if not rest:
        return render.wait_pick_reply(exchange, channel, ctx.w)
    wait = find_wait(rest)
    if wait is None:
        return render.usage_reply(exchange, channel, ctx.w)
    return await _record(ctx, book, exchange, channel, wait)


async def _record(
    ctx: Context, book: WaitBook, exchange: Exchange, channel: Channel, wait: Wait
) -> Reply:
    """Store the report (within the person's hourly limit); thank them with the figures now."""
    request = ctx.request
    outcome = await book.record(
        request.platform.value, request.user_id, exchange.id, channel.id, wait.minutes
    )
    if outcome is Outcome.LIMITED:
        return notice(ctx.w.s.report_limited)
    summary = (await book.summaries(exchange)).get(channel.id)
    return render.added_reply(exchange, channel, wait, outcome, summary, ctx.w)


def with_report_button(reply: Reply, exchange: Exchange, ctx: Context) -> Reply:
    """The reply with a "Report my wait" button, where the user can report (a chat user, and
    reports are kept) and the exchange has a contact channel."""
    if ctx.request.platform not in REPORTING_PLATFORMS or ctx.core.status.reports is None:
        return reply
    return replace(reply, buttons=(*reply.buttons, *render.report_buttons(exchange, ctx.w)))


def _sent_as_the_chat(ctx: Context) -> bool:
    """Whether the sender is the group itself (a Telegram admin posting anonymously): not a
    person, and one account could otherwise report as a new "person" from every group."""
    return ctx.request.is_group and ctx.request.user_id == ctx.request.chat_id


def _channel(exchange: Exchange, words: Sequence[str]) -> tuple[Channel | None, list[str]]:
    """The channel the first words name ("live chat" as two words too), and the words after."""
    for count in (2, 1):
        if len(words) >= count:
            channel = find_channel(exchange, "".join(words[:count]))
            if channel is not None:
                return channel, list(words[count:])
    return None, list(words)


def _names_channel(ctx: Context, word: str) -> bool:
    return any(find_channel(e, word) for e in ctx.catalog.exchanges)


async def clear_reports(ctx: Context) -> Reply:
    """Admin: delete every wait report on one channel (`/reports clear <exchange> <channel>`)."""
    s = ctx.w.s
    book = ctx.core.status.reports
    if book is None:
        return notice(s.needs_database)
    if not ctx.words or ctx.words[0].casefold() not in CLEAR_WORDS:
        return notice(s.reports_usage)
    rest = Context(ctx.request, ctx.core, ctx.command, ctx.words[1:], ctx.w)
    found = _leading_exchange(rest)
    if found is None:
        return notice(s.reports_usage)
    if isinstance(found, Reply):
        return found
    exchange, words = found
    channel, left = _channel(exchange, words)
    if channel is None or left:
        if not words:
            return notice(s.reports_usage)
        return unknown_channel_reply(exchange, " ".join(words), ctx.w)
    who = f"{ctx.request.platform.value}:{ctx.request.user_id}"
    deleted = await book.clear(exchange.id, channel.id, who)
    target = _target_name(exchange, channel, ctx)
    return notice(s.reports_cleared.format(n=deleted, target=target), ephemeral=False)
