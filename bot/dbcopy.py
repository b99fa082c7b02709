"""`supportlive db copy`: move an install from its SQLite file into PostgreSQL.

Stop the bot first: the copy reads the file inside one write-locked transaction, so a running
bot would wait for it. The target (`--to`, else DATABASE_URL) is migrated like at a start,
must hold no data unless `--replace`, and gets everything or nothing (storage/copier.py).
Prints each table's row count on both sides; any failure is one line and exit status 2.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from bot.settings import Settings
from storage.copier import SKIPPED, Copied, CopyError, copy_database
from storage.database_url import check_database_url, scrub
from storage.engine import DatabaseError, StorageError, open_database

EXIT_OK, EXIT_FAILED = 0, 2


def db_copy(settings: Settings, to: str | None, source: Path | None, replace: bool) -> int:
    """Copy the SQLite file (`source`, else DATABASE_PATH) to `to` (else DATABASE_URL)."""
    path = source or settings.database_path
    url = to if to is not None else _configured_url(settings)
    try:
        if url is None:
            raise CopyError("say where to copy to: --to postgresql://… (or set DATABASE_URL)")
        url = check_database_url(url)
        if not path.is_file():
            raise CopyError(f"no database file at {path} (DATABASE_PATH, or --from)")
        copied = asyncio.run(_copy(settings, path, url, replace))
    except ValueError as error:  # the URL's shape; the message shows it redacted
        return _failed(f"--to {error}", url)
    except (CopyError, StorageError, DatabaseError, OSError) as error:
        return _failed(_said(error), url)
    rows = sum(table.target_rows for table in copied)
    print(f"Copied {len(copied)} tables, {rows:,} rows; each table counts as many in the target.")
    print("Set DATABASE_URL to it and start the bot.")
    return EXIT_OK


async def _copy(settings: Settings, path: Path, url: str, replace: bool) -> list[Copied]:
    source = await open_database(path)
    try:
        target = await open_database(
            url, pool_min=1, pool_max=max(1, min(2, settings.database_pool_max))
        )
        try:
            print(f"Copying {source.name} into {target.name}")
            _say_skipped()
            return await copy_database(source, target, replace=replace, on_copied=_say_copied)
        finally:
            await target.close()
    finally:
        await source.close()


def _say_skipped() -> None:
    for table, why in SKIPPED.items():
        print(f"  {table:<20} skipped: {why}")


def _say_copied(table: Copied) -> None:
    copied, counted = table.source_rows, table.target_rows
    print(f"  {table.table:<20} {copied:>10,} copied, {counted:,} counted there")


def _configured_url(settings: Settings) -> str | None:
    return None if settings.database_url is None else settings.database_url.get_secret_value()


def _said(error: BaseException) -> str:
    if isinstance(error, DatabaseError):
        return error.explained
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    return str(error) or type(error).__name__


def _failed(message: str, url: str | None) -> int:
    if url:  # the URL never shows but redacted, even inside a driver's message
        message = scrub(message, url)
    print(f"supportlive: db copy: {message}", file=sys.stderr)
    return EXIT_FAILED
