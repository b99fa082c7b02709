"""The migration files of each engine: `storage/migrations/<dialect>/NNNN_name.sql`.

Both folders hold the same numbers with the same meaning (same tables and columns), each in
its engine's dialect; a database's schema version is the number of the last one applied.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from storage.engine import Dialect, StorageError

MIGRATIONS_ROOT = Path(__file__).parent / "migrations"
_MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


def migrations_dir(dialect: Dialect) -> Path:
    """The folder of one engine's migrations."""
    return MIGRATIONS_ROOT / dialect


@dataclass(frozen=True, slots=True)
class Migration:
    number: int
    path: Path

    @property
    def name(self) -> str:
        return self.path.name

    def read(self) -> str:
        """The SQL text; StorageError when the file cannot be read."""
        try:
            return self.path.read_text(encoding="utf-8")
        except (OSError, UnicodeError) as exc:
            raise StorageError(f"cannot read migration {self.name}: {exc}") from exc


def find_migrations(folder: Path) -> list[Migration]:
    """`NNNN_name.sql` files of a folder in order; numbers must run 1, 2, 3... without gaps."""
    try:
        paths = sorted(p for p in folder.iterdir() if p.suffix == ".sql")
    except OSError as exc:
        raise StorageError(f"cannot read migrations folder {folder}: {exc.strerror}") from exc
    migrations = []
    for expected, path in enumerate(paths, start=1):
        match = _MIGRATION_NAME.match(path.name)
        if match is None:
            raise StorageError(f"migration {path.name} is not named NNNN_lowercase_name.sql")
        if int(match.group(1)) != expected:
            raise StorageError(f"migration {path.name} should be numbered {expected:04d}")
        migrations.append(Migration(expected, path))
    return migrations
