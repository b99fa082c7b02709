"""Discord: discord.py slash commands on the process's event loop.

The adapter only translates. A slash command (or a button click) becomes a command line and a
`Request` for the command core; its `Reply` goes back as an embed (`bot/render/discord_embed.py`).
It never runs probes and never touches SQL.

- Lifecycle (`adapter.py`): `start()` builds the client and the command tree and logs in and
  connects as a supervised task, so it never blocks the loop. A token Discord rejects is logged
  (never the token) and leaves the Discord bot off; an unreachable Discord is retried in the
  background. `stop()` closes the gateway and HTTP connections within a few seconds. Default
  intents only.
- Slash commands (`slash.py`) come from the command table, with autocomplete (`choices.py`);
  they are synced at log-in only when they changed (`sync.py`).
- Answers (`answering.py`): an embed; personal ones only to the user; deferred when slow.
- Chats (`chats.py`): `c:<channel id>` for a server channel, `u:<user id>` for a direct message.
  In a server, /subscribe and /unsubscribe need the Manage Channels permission.
- Locale: the interaction's locale (the user's client), overridden by /lang (kept per user).
- Errors: one error handler logs and answers with a short apology only the user sees.
  discord.py waits out 429s and retries 5xx itself (a 429 over 30 s raises `RateLimited`);
  nothing here stops the process. Alerts go through `notifier.py`.
"""

import warnings

# discord.py 2.7 imports the stdlib `audioop` (voice only), deprecated since Python 3.11;
# imported here, before the modules below import it.
with warnings.catch_warnings():
    warnings.filterwarnings("ignore", "'audioop' is deprecated", DeprecationWarning)
    import discord  # noqa: F401

from bot.adapters.discord.adapter import DiscordAdapter
from bot.adapters.discord.choices import (
    MAX_CHOICES,
    case_choices,
    channel_choices,
    exchange_choices,
)
from bot.adapters.discord.slash import ZH_COMMAND_NAMES
from bot.adapters.discord.sync import SYNC_FILE

__all__ = [
    "MAX_CHOICES",
    "SYNC_FILE",
    "ZH_COMMAND_NAMES",
    "DiscordAdapter",
    "case_choices",
    "channel_choices",
    "exchange_choices",
]
