"""A client that logs each retry with its traceback (asyncpg's pool while PostgreSQL is away)
gets one line per retry, naming the error."""

from __future__ import annotations

import logging

from bot.logs import OneLine


def test_a_retry_logged_with_its_traceback_becomes_one_line() -> None:
    lines: list[str] = []

    class Sink(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.extend(self.format(record).splitlines())

    logger = logging.getLogger("test.one_line")
    logger.addFilter(OneLine())
    handler = Sink()
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    logger.addHandler(handler)
    try:
        try:
            raise ConnectionRefusedError(111, "Connect call failed ('127.0.0.1', 5432)")
        except ConnectionRefusedError:
            logger.warning(
                "Failed to restore the pool connection %s; retrying", "floor", exc_info=True
            )
        logger.warning("no error here")
    finally:
        logger.removeHandler(handler)
    assert lines == [
        "WARNING test.one_line: Failed to restore the pool connection floor; retrying: "
        "ConnectionRefusedError: [Errno 111] Connect call failed ('127.0.0.1', 5432)",
        "WARNING test.one_line: no error here",
    ]
