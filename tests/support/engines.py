"""The databases a benchmark runs the same workload on: SQLite, PostgreSQL, or both.

SQLite databases are files in a temporary folder; PostgreSQL ones are databases on one
throw-away server started from Debian's package exactly as the tests start it (tests/pg.py:
`PgServer`, as `nobody` when run as root). Without the PostgreSQL binaries the benchmark
still runs on SQLite and prints one line saying PostgreSQL was not measured, and why.

    parser.add_argument("--database", **DATABASE_ARGUMENT)
    with bench_engines(arguments.database) as engines:   # in the main thread (tests/pg.py)
        for engine in engines:
            asyncio.run(measure(engine.new_database("bench")))
"""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.pg import PgServer, PgUnavailable, find_bin_dir

SQLITE = "SQLite"
POSTGRESQL = "PostgreSQL"
DATABASE_ARGUMENT: dict[str, Any] = {
    "choices": ("sqlite", "postgresql", "both"),
    "default": "both",
    "help": "the engine(s) to run on (default both; PostgreSQL when its binaries are found)",
}


@dataclass
class Engine:
    """One engine: its label for the output, and where its fresh databases come from."""

    label: str
    folder: Path
    server: PgServer | None = None

    def new_database(self, name: str) -> str | Path:
        """A fresh empty database for `open_database`: a file path or a `postgresql://` DSN."""
        if self.server is None:
            return self.folder / f"{name}.sqlite3"
        return self.server.dsn(self.server.create_database())


@contextlib.contextmanager
def bench_engines(which: str) -> Iterator[list[Engine]]:
    """The engines `which` names (sqlite, postgresql, both), SQLite first; everything they
    made is removed at the end. Start it in the main thread: the server is tied to it."""
    with tempfile.TemporaryDirectory(prefix="supportlive-bench-") as tmp:
        engines: list[Engine] = []
        if which in ("sqlite", "both"):
            engines.append(Engine(SQLITE, Path(tmp)))
        server = None
        if which in ("postgresql", "both"):
            try:
                server = PgServer.create(find_bin_dir())
            except PgUnavailable as missing:
                print(f"{POSTGRESQL}: not measured: {missing}", flush=True)
            else:
                engines.append(Engine(POSTGRESQL, Path(tmp), server))
        try:
            if not engines:
                raise SystemExit("no database engine to measure")
            yield engines
        finally:
            if server is not None:
                server.remove()


def ratio_line(label: str, figures: dict[str, float], unit: str = "") -> str:
    """`label: SQLite 1.23 · PostgreSQL 4.56 · PostgreSQL/SQLite 3.71x`, for what was measured."""
    parts = [f"{engine} {value:,.2f}{unit}" for engine, value in figures.items()]
    sqlite, postgresql = figures.get(SQLITE), figures.get(POSTGRESQL)
    if sqlite and postgresql is not None:
        parts.append(f"{POSTGRESQL}/{SQLITE} {postgresql / sqlite:.2f}x")
    return f"{label}: " + " · ".join(parts)
