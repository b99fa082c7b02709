"""Telegram: python-telegram-bot driven by hand on the process's event loop.

The adapter only translates. An update becomes a `Request` for the command core; its `Reply`
goes back as HTML (`bot/render/telegram_html.py`). It never runs probes and never touches
SQL: chat migrations go through the store's `migrate_chat`, everything else through the core.

- Lifecycle (`adapter.py`): `start()` connects (getMe), sets the command menus in English and
  Chinese, starts long polling and the update processor; it never blocks the loop (no
  `run_polling()`). When the Bot API is unreachable it keeps trying in the background, so the
  probes run regardless. `stop()` stops polling, lets the updates in hand finish, and closes
  connections.
- Webhook mode (`webhook.py`, with TELEGRAM_WEBHOOK_URL): instead of polling, `start()`
  registers the webhook; the web side checks each delivery's secret header, claims its
  `update_id` in the database (answered once, whichever replica gets it) and hands the update
  to the same handlers through the application's update queue.
- Groups (`groups.py`): only commands, and only ours (`/status` or `/status@<our name>`); a
  reply goes to the chat the command came from, so alerts subscribed from a group go to the group.
- Per chat, commands are answered in the order they came; across chats, concurrently (`turns.py`).
- Abuse: a per-user command limit (a polite reply once, then silence until it frees up).
- Errors: one error handler logs and answers with a short apology. Bot API trouble (5xx,
  429, timeouts) slows replies down, never stops the process (`sending.py`).
- Sends: one budget for replies and alerts (`bot.alerts.pacing.SendBudget`: at most 30 sends in
  any second, at most 25 of them alerts), paused by a 429; the alert drainer paces its sends on
  the adapter's budget; alerts go through `notifier.py`, which follows a group that moved.
"""

from bot.adapters.common import is_admin
from bot.adapters.telegram.adapter import TelegramAdapter, menu
from bot.adapters.telegram.groups import addressed
from bot.adapters.telegram.pacing import Admission, CommandLimit

__all__ = [
    "Admission",
    "CommandLimit",
    "TelegramAdapter",
    "addressed",
    "is_admin",
    "menu",
]
