"""Logging set-up: one format, secrets redacted from every record, chatty clients quiet.

python-telegram-bot's HTTP client (httpx) logs request URLs, and a Bot API URL contains the
token; discord.py never logs its token but a traceback might carry one. `RedactSecrets` replaces
every configured secret with `[redacted]` in the final message, whoever logged it.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

# Telegram tokens look like 123456789:AAE...; catch them even when not configured here.
_TELEGRAM_TOKEN = re.compile(r"(?<!\d)\d{5,}:[A-Za-z0-9_-]{30,}")


class RedactSecrets(logging.Filter):
    """Replace secrets in a record's rendered message and traceback text."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self._secrets = tuple(s for s in secrets if len(s) >= 6)

    def redact(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "[redacted]")
        return _TELEGRAM_TOKEN.sub("[redacted]", text)

    def filter(self, record: logging.LogRecord) -> bool:
        message = self.redact(record.getMessage())
        record.msg, record.args = message, None
        if record.exc_info and record.exc_info[0] is not None:
            formatter = logging.Formatter()
            record.exc_text = self.redact(formatter.formatException(record.exc_info))
            record.exc_info = None
        return True


class OneLine(logging.Filter):
    """A record's traceback becomes `: ErrorType: message` on its own line.

    For a client that logs every retry with its traceback: asyncpg's pool, while PostgreSQL is
    away, warns with a 40-line traceback at each try (1 s, 2 s, 4 s... apart); what failed is
    all a reader needs, and the supervisor already says which task waits on the database.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and record.exc_info[1] is not None:
            error = record.exc_info[1]
            record.msg = f"{record.getMessage()}: {type(error).__name__}: {error}"
            record.args, record.exc_info, record.exc_text = None, None, None
        return True


def configure_logging(level: str, secrets: Iterable[str]) -> None:
    """Log to stderr at `level`, with secrets redacted on every handler."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactSecrets(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # Request-URL logging of the Bot API client would print the token (it is redacted anyway).
    for name in ("httpx", "httpcore", "telegram.ext.ExtBot", "discord.http", "aiohttp.access"):
        logging.getLogger(name).setLevel(max(logging.WARNING, logging.getLevelName(level)))
    # At DEBUG these print every update (user id, name, the words typed: a /report beside its
    # reporter) or every statement with its values; what users send stays out of the logs.
    for name in ("telegram.ext.Application", "discord.gateway", "aiosqlite"):
        logging.getLogger(name).setLevel(max(logging.INFO, logging.getLevelName(level)))
    pool = logging.getLogger("asyncpg.pool")
    if not any(isinstance(f, OneLine) for f in pool.filters):
        pool.addFilter(OneLine())
