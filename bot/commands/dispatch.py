"""Answer one command line: parse, pick the locale, run the handler, keep the reply in bounds.

Whatever the words, the answer is a non-empty `Reply` within 4,096 characters: unknown
commands get the command list, handler errors a short apology (and a log line).
"""

from __future__ import annotations

import logging
from dataclasses import replace

from bot.commands.args import parse_line
from bot.commands.context import Context, Core, Request
from bot.commands.table import find_command, usages
from bot.pasted import has_something_to_check
from bot.render.budget import LIMIT, fit, size
from bot.render.chat import notice, unknown_command_reply
from bot.render.words import Words
from bot.reply import Reply
from bot.vocab import Locale, Platform
from storage import DatabaseError

log = logging.getLogger(__name__)

__all__ = ["Core", "Request", "handle", "locale_of"]


async def handle(request: Request, core: Core) -> Reply:
    """The reply to one command line."""
    locale = await locale_of(request, core)
    w = Words.of(locale, core.clock.now())
    line = parse_line(request.text)
    pasted = not find_command(line.name, admin=request.is_admin) and has_something_to_check(
        request.text
    )
    if pasted:
        # A link, e-mail or @account pasted without a command, alone or in a message (a
        # private chat, the "Check a link" button's follow-up): /verify reads the message
        # whole, as it does after the command (its riskiest word, never vouching for more
        # links than it reads).
        request = replace(request, text=f"/verify {request.text.strip()}")
        line = parse_line(request.text)
    command = find_command(line.name or "help", admin=request.is_admin)
    if command is None:
        return unknown_command_reply(
            line.typed, core.catalog, usages(locale, platform=request.platform), w
        )
    ctx = Context(request, core, command.name, line.words, w)
    try:
        reply = await command.handler(ctx)
    except DatabaseError as error:
        if request.platform is Platform.CONSOLE:
            raise  # `supportlive ask` names the fault in one line and exits 1
        # An operator's problem, not a bug (a locked, full or damaged file): one line, which
        # the database check and /healthz say too.
        log.error("command %s failed: database: %s", command.name, error.explained)
        return notice(w.s.internal_error)
    except Exception:
        log.exception("command %s failed", command.name)
        return notice(w.s.internal_error)
    return reply if size(reply) <= LIMIT else fit(reply, w.s.more.format(command="/help"))


async def locale_of(request: Request, core: Core) -> Locale:
    """The caller's fixed locale, else the user's stored choice, else the client's language."""
    if request.locale is not None:
        return request.locale
    if core.store is not None:
        try:
            stored = await core.store.get_locale(request.platform.value, request.user_id)
        except Exception:
            log.exception("reading the locale of a user failed")
            stored = None
        if stored in (Locale.EN.value, Locale.ZH.value):
            return Locale(stored)
    return Locale.from_client(request.client_locale)
