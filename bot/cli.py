"""The `supportlive` command: run, check, ask, catalog check.

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
import os
import sys
from collections.abc import Sequence
from pathlib import Path

EXIT_OK, EXIT_PROBLEM, EXIT_USAGE = 0, 1, 2
EXIT_INTERRUPTED, EXIT_PIPE_CLOSED = 130, 141


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="supportlive", description="Is exchange support live now? Watches official channels."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("run", help="run probes, web, and the chat bots whose tokens are set")
    check = commands.add_parser("check", help="probe every channel now and print a table")
    check.add_argument("exchange", nargs="?", help="only this exchange (id or name)")
    ask = commands.add_parser("ask", help='answer a chat command here, e.g. "/status mexc"')
    ask.add_argument("line", help="the command line, as typed in a chat")
    ask.add_argument("--lang", choices=["en", "zh"], default=None, help="answer language")
    catalog = commands.add_parser("catalog", help="catalog tools")
    catalog_commands = catalog.add_subparsers(dest="catalog_command", required=True)
    catalog_check = catalog_commands.add_parser("check", help="validate a catalog file")
    catalog_check.add_argument("path", nargs="?", type=Path, help="default: CATALOG_PATH")
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
    from bot.settings import SettingsError, load_settings

    try:
        settings = load_settings()
    except SettingsError as error:
        print(f"supportlive: configuration: {error}", file=sys.stderr)
        return EXIT_USAGE
    if args.command == "catalog":
        return _catalog_check(args.path or settings.catalog_path, settings.allow_local_targets)
    if args.command == "run":
        from bot.app import run

        return run(settings)
    if args.command == "check":
        from bot.check import check

        return check(settings, args.exchange)
    if args.command == "ask":
        from bot.ask import ask

        return ask(settings, args.line, args.lang)
    return EXIT_USAGE


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
