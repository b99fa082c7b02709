"""The `supportlive` command: run, probe-node, check, ask, catalog check.

Exit status: 0 fine; 1 something is down (check), the catalog is invalid (catalog check) or
the database cannot be read (ask); 2 bad usage, configuration, catalog or database at start,
or the web side cannot listen; 130 interrupted (Ctrl-C before `run` is up); 141 the reader of
our output went away (`supportlive ask "/help" | head -1`), silently, like other tools.
Every problem prints one clear line (or the catalog's list of problems), never a traceback.

This module imports only the standard library at the top: the rest is imported inside
`main`, so even a Ctrl-C during those imports ends with one line.
"""

from __future__ import annotations

import argparse
import importlib
import os
import signal
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.settings import Settings

EXIT_OK, EXIT_PROBLEM, EXIT_USAGE = 0, 1, 2
EXIT_INTERRUPTED, EXIT_PIPE_CLOSED = 130, 141


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="supportlive", description="Is exchange support live now? Watches official channels."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("run", help="run probes, web, and the chat bots whose tokens are set")
    commands.add_parser(
        "probe-node", help="only probe, from PROBE_REGION, into the running bot's database"
    )
    check = commands.add_parser("check", help="probe every channel now and print a table")
    check.add_argument("exchange", nargs="?", help="only this exchange (id or name)")
    ask = commands.add_parser("ask", help='answer a chat command here, e.g. "/status mexc"')
    ask.add_argument("line", help="the command line, as typed in a chat")
    ask.add_argument("--lang", choices=["en", "zh"], default=None, help="answer language")
    catalog = commands.add_parser("catalog", help="catalog tools")
    catalog_commands = catalog.add_subparsers(dest="catalog_command", required=True)
    catalog_check = catalog_commands.add_parser("check", help="validate a catalog file")
    catalog_check.add_argument("path", nargs="?", type=Path, help="default: CATALOG_PATH")
    db = commands.add_parser("db", help="database tools")
    db_commands = db.add_subparsers(dest="db_command", required=True)
    db_copy = db_commands.add_parser(
        "copy", help="copy an install's SQLite file into PostgreSQL (stop the bot first)"
    )
    db_copy.add_argument("--to", metavar="URL", help="postgresql://… (default: DATABASE_URL)")
    db_copy.add_argument("--from", dest="source", type=Path, help="default: DATABASE_PATH")
    db_copy.add_argument(
        "--replace", action="store_true", help="empty the target's tables first if it has data"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command and return its exit status; Ctrl-C and a closed pipe end quietly."""
    try:
        code = _command(argv)
        sys.stdout.flush()  # a closed pipe shows here, not in the interpreter's last flush
    except KeyboardInterrupt:
        print("supportlive: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # Nobody reads our output any more; point stdout at nothing so exit does not complain.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_PIPE_CLOSED
    return code


def _command(argv: Sequence[str] | None) -> int:
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as stop:  # argparse printed the usage
        return EXIT_USAGE if stop.code else EXIT_OK
    with _ctrl_c_deferred():
        from bot.settings import SettingsError, load_settings

        command = _import_command(args.command)
    try:
        settings = load_settings()
    except SettingsError as error:
        print(f"supportlive: configuration: {error}", file=sys.stderr)
        return EXIT_USAGE
    return command(settings, args)


def _import_command(name: str) -> Callable[[Settings, argparse.Namespace], int]:
    """The function that runs command `name` (importing it is most of a start's time)."""
    if name == "run":
        from bot.app import run

        return lambda settings, _: run(settings)
    if name == "probe-node":
        from bot.app import run
        from bot.probe_node import serve_node

        return lambda settings, _: run(settings, serve_node)
    if name == "check":
        from bot.check import check

        return lambda settings, args: check(settings, args.exchange)
    if name == "ask":
        from bot.ask import ask

        return lambda settings, args: ask(settings, args.line, args.lang)
    if name == "db":
        from bot.dbcopy import db_copy

        return lambda settings, args: db_copy(settings, args.to, args.source, args.replace)
    importlib.import_module("bot.catalog")  # what _catalog_check uses, loaded here
    return lambda settings, args: _catalog_check(
        args.path or settings.catalog_path, settings.allow_local_targets
    )


@contextmanager
def _ctrl_c_deferred() -> Iterator[None]:
    """Hold Ctrl-C back until the block is done, then raise KeyboardInterrupt if it came.

    A KeyboardInterrupt raised inside a compiled extension's initialisation (pydantic's core
    imports `datetime` there) becomes a panic with a traceback, not a KeyboardInterrupt.
    """
    pressed: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda number, _: pressed.append(number))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if pressed:
        raise KeyboardInterrupt


def _catalog_check(path: Path, allow_local: bool) -> int:
    from bot.catalog import CatalogError, load_catalog

    try:
        catalog = load_catalog(path, allow_local=allow_local)
    except CatalogError as error:
        print(str(error), file=sys.stderr)
        return EXIT_PROBLEM
    channels = sum(len(e.channels) for e in catalog.exchanges)
    print(f"{path}: OK — {len(catalog.exchanges)} exchanges, {channels} channels")
    return EXIT_OK
