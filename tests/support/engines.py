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
import os
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.pg import SUPERUSER, PgServer, PgUnavailable, find_bin_dir

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

    def cpu_s(self) -> float:
        """CPU seconds used so far by this process and, on PostgreSQL, the server's main
        process and its query sessions and workers, running or ended (`_tree_cpu_s`: not its
        background processes). Wall times of
        the two engines can meet different loads on a shared machine; CPU time much less so."""
        used = time.process_time()
        if self.server is not None and self.server.pid is not None:
            used += _tree_cpu_s(self.server.pid)
        return used

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


def _tree_cpu_s(pid: int) -> float:
    """CPU seconds of a PostgreSQL server's main process, of the processes it ran that ended
    (the kernel adds them to it once they are reaped: closed sessions, parallel workers) and
    of the sessions and parallel workers running; not of its running background processes
    (checkpointer, autovacuum...), which work on their own schedule. Linux /proc; 0 where it
    cannot be read."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            own, parent = int(stat.parent.name), int(fields[1])
            if own == pid:  # utime, stime, cutime, cstime
                total += sum(int(f) for f in fields[11:15])
            elif parent == pid and _serves_queries(stat.with_name("cmdline").read_bytes()):
                total += int(fields[11]) + int(fields[12])
        except (OSError, IndexError, ValueError):
            continue  # ended meanwhile
    return total / tick


def _serves_queries(cmdline: bytes) -> bool:
    """A session of the tests' superuser (`postgres: postgres <database> ...`) or a parallel
    worker running part of one's query."""
    return cmdline.startswith(f"postgres: {SUPERUSER} ".encode()) or b"parallel worker" in cmdline


def ratio_line(label: str, figures: dict[str, float], unit: str = "") -> str:
    """`label: SQLite 1.23 · PostgreSQL 4.56 · PostgreSQL/SQLite 3.71x`, for what was measured."""
    parts = [f"{engine} {value:,.2f}{unit}" for engine, value in figures.items()]
    sqlite, postgresql = figures.get(SQLITE), figures.get(POSTGRESQL)
    if sqlite and postgresql is not None:
        parts.append(f"{POSTGRESQL}/{SQLITE} {postgresql / sqlite:.2f}x")
    return f"{label}: " + " · ".join(parts)
