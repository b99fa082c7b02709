"""Copy an install's data from its SQLite file into PostgreSQL (`supportlive db copy`).

Both databases are opened (so migrated to this program's schema) by the caller. Every table
the bot keeps is copied in primary-key order, in batches, inside ONE transaction on the
target: a failure leaves the target as it was. The source is read inside one transaction
too, so the copy is a consistent snapshot. Tables whose rows are disposable are skipped
(`SKIPPED` says why). Afterwards each identity sequence continues after the highest copied
id, and every table's row count is compared on both sides before the commit.

The SQL on each side is that engine's own (sqlite_master on the source, PostgreSQL's
catalogs on the target): this module exists only to move from one to the other.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from storage.engine import Conn, Database, Row, insert_rows

# Tables not copied, and why; a moved install refills them itself.
SKIPPED: dict[str, str] = {
    "probe_results": "raw probe results, kept 48 h: their history is in the hourly rollups",
    "sight": "whether the probes can see: the bot decides it afresh when it starts",
    "telegram_updates": "webhook updates already answered, kept a day against redelivery",
    "region_sightings": "each region's latest check, written again by the probe nodes",
}
# Filled by a migration on every new database (a fresh random key): the source's replaces it,
# so the person hashes stored with the reports keep matching the people who made them.
REPLACED = frozenset({"install_secrets"})
BATCH_ROWS = 5000


class CopyError(Exception):
    """The copy cannot go on; the message says why in one line (never a password)."""


@dataclass(frozen=True, slots=True)
class Layout:
    """What the copy needs to know of one target table."""

    columns: tuple[str, ...]
    key: tuple[str, ...]  # primary key columns, in order
    identity: tuple[str, ...]  # columns numbered by a sequence
    parents: frozenset[str]  # tables its foreign keys refer to


@dataclass(frozen=True, slots=True)
class Copied:
    """One table copied: rows read from the source, rows counted in the target afterwards."""

    table: str
    source_rows: int
    target_rows: int


async def copy_database(
    source: Database,
    target: Database,
    *,
    replace: bool = False,
    batch_rows: int = BATCH_ROWS,
    on_copied: Callable[[Copied], None] = lambda _: None,
) -> list[Copied]:
    """Copy every kept table of `source` (SQLite) into `target` (PostgreSQL); CopyError if not.

    The target must hold no data (the migration's own `install_secrets` row aside) unless
    `replace`, which empties its tables first. `on_copied` hears of each table once verified.
    """
    if source.dialect != "sqlite" or target.dialect != "postgresql":
        raise CopyError("copies from an SQLite file into PostgreSQL only")
    async with source.transaction() as src, target.transaction() as dst:
        tables = [name for name in await _sqlite_tables(src) if name not in SKIPPED]
        layouts = await _postgresql_layouts(dst)
        missing = [name for name in tables if name not in layouts]
        if missing:
            raise CopyError(f"{target.name} has no table {missing[0]} (is it another program's?)")
        order = _parents_first(tables, layouts)
        if replace:
            await _empty(dst, [name for name in layouts if name in tables or name in SKIPPED])
        else:
            await _refuse_data(dst, order, target.name)
        copied = []
        for table in order:
            layout = layouts[table]
            read = await _copy_table(src, dst, table, layout, batch_rows)
            await _continue_identity(dst, table, layout)
            done = await _verify(src, dst, table, read)
            copied.append(done)
            on_copied(done)
        return copied


async def _sqlite_tables(src: Conn) -> list[str]:
    rows = await src.fetchall(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
        "ORDER BY name"
    )
    return [str(row[0]) for row in rows]


async def _postgresql_layouts(dst: Conn) -> dict[str, Layout]:
    columns = await dst.fetchall(
        "SELECT table_name, column_name, is_identity FROM information_schema.columns "
        "WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position"
    )
    keys = await dst.fetchall(
        "SELECT c.relname, a.attname FROM pg_index i "
        "JOIN pg_class c ON c.oid = i.indrelid "
        "CROSS JOIN unnest(i.indkey) WITH ORDINALITY AS k(attnum, n) "
        "JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum "
        "WHERE i.indisprimary AND c.relnamespace = current_schema()::regnamespace "
        "ORDER BY c.relname, k.n"
    )
    parents = await dst.fetchall(
        "SELECT c.conrelid::regclass::text, c.confrelid::regclass::text FROM pg_constraint c "
        "WHERE c.contype = 'f' AND c.connamespace = current_schema()::regnamespace"
    )
    names = {str(row[0]) for row in columns}
    return {
        name: Layout(
            columns=tuple(str(r[1]) for r in columns if r[0] == name),
            key=tuple(str(r[1]) for r in keys if r[0] == name),
            identity=tuple(str(r[1]) for r in columns if r[0] == name and r[2] == "YES"),
            parents=frozenset(str(r[1]) for r in parents if r[0] == name and r[1] != name),
        )
        for name in names
    }


def _parents_first(tables: Sequence[str], layouts: dict[str, Layout]) -> list[str]:
    """The tables in an order where every table comes after those its foreign keys name."""
    order: list[str] = []
    placed: set[str] = set()

    def place(table: str, path: tuple[str, ...]) -> None:
        if table in placed:
            return
        if table in path:
            raise CopyError(f"tables {' -> '.join((*path, table))} refer to each other in a loop")
        for parent in sorted(layouts[table].parents & set(tables)):
            place(parent, (*path, table))
        placed.add(table)
        order.append(table)

    for table in sorted(tables):
        place(table, ())
    return order


async def _empty(dst: Conn, tables: Sequence[str]) -> None:
    # CASCADE also empties tables that refer to these (probe_results -> channels): their
    # rows would point at ids that are about to mean other channels.
    await dst.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")


async def _refuse_data(dst: Conn, tables: Sequence[str], name: str) -> None:
    for table in tables:
        if table in REPLACED:
            await dst.execute(f"DELETE FROM {table}")
        elif await dst.fetchval(f"SELECT EXISTS (SELECT 1 FROM {table})"):
            raise CopyError(
                f"{name} already holds data (table {table} has rows); copy into an empty "
                "database, or add --replace to empty it first"
            )


async def _copy_table(src: Conn, dst: Conn, table: str, layout: Layout, batch_rows: int) -> int:
    """Copy one table in primary-key order, `batch_rows` rows a round; the rows read."""
    if not layout.key:
        raise CopyError(f"table {table} has no primary key to copy it in order by")
    columns = ", ".join(layout.columns)
    key = ", ".join(layout.key)
    first = f"SELECT {columns} FROM {table} ORDER BY {key} LIMIT ?"
    marks = ", ".join("?" * len(layout.key))
    following = f"SELECT {columns} FROM {table} WHERE ({key}) > ({marks}) ORDER BY {key} LIMIT ?"
    positions = [layout.columns.index(column) for column in layout.key]
    head = f"INSERT INTO {table} ({columns})"
    read = 0
    last: Row | None = None
    while True:
        if last is None:
            rows = await src.fetchall(first, (batch_rows,))
        else:
            rows = await src.fetchall(following, (*last, batch_rows))
        if not rows:
            return read
        await insert_rows(dst, head, rows)
        read += len(rows)
        if len(rows) < batch_rows:
            return read
        last = tuple(rows[-1][i] for i in positions)


async def _continue_identity(dst: Conn, table: str, layout: Layout) -> None:
    """Let each identity sequence go on after the highest copied id (rows came with ids)."""
    for column in layout.identity:
        await dst.fetchval(
            f"SELECT setval(pg_get_serial_sequence(?, ?), coalesce(max({column}), 0) + 1, false) "
            f"FROM {table}",
            (table, column),
        )


async def _verify(src: Conn, dst: Conn, table: str, read: int) -> Copied:
    source_rows = int(await src.fetchval(f"SELECT count(*) FROM {table}"))
    target_rows = int(await dst.fetchval(f"SELECT count(*) FROM {table}"))
    if not source_rows == read == target_rows:
        raise CopyError(
            f"table {table}: {source_rows} rows in the source, {read} read, {target_rows} in "
            "the target; nothing was copied"
        )
    return Copied(table, source_rows, target_rows)
