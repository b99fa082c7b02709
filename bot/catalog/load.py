"""Read a catalog file: YAML → structure check → rules. Every problem is named with its place."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from bot.bounded_yaml import YamlLimitError, load_bounded
from bot.catalog.models import Catalog, catalog_from_data
from bot.catalog.rules import Problem, find_problems
from bot.validation import Loc, describe


class CatalogError(Exception):
    """The catalog cannot be used; `problems` says where and why."""

    def __init__(self, path: Path, problems: list[Problem]) -> None:
        self.path = path
        self.problems = problems
        listed = "\n".join(f"  {p}" for p in problems)
        super().__init__(f"catalog {path} has {len(problems)} problem(s):\n{listed}")


def load_catalog(path: Path, *, allow_local: bool = False) -> Catalog:
    """Load and validate a catalog file, or raise CatalogError listing every problem."""
    return check_data(path, read_yaml(path), allow_local=allow_local)


def read_yaml(path: Path) -> Any:
    """The file's YAML as plain data (within `bot.bounded_yaml`'s limits), or CatalogError."""
    try:
        data = load_bounded(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise CatalogError(path, [Problem("file", error.strerror or str(error))]) from None
    except UnicodeDecodeError as error:
        problem = (
            f"is not UTF-8 text (byte 0x{error.object[error.start]:02x} at offset {error.start})"
        )
        raise CatalogError(path, [Problem("file", problem)]) from None
    except YamlLimitError as error:
        raise CatalogError(path, [Problem("file", str(error))]) from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else "file"
        problem = getattr(error, "problem", None) or "not valid YAML"
        raise CatalogError(path, [Problem(where, str(problem))]) from None
    if data is None:  # no document at all, or only comments
        raise CatalogError(path, [Problem("file", "is empty (it needs a list of exchanges)")])
    return data


def check_data(path: Path, data: Any, *, allow_local: bool = False) -> Catalog:
    try:
        catalog = catalog_from_data(data)
    except ValidationError as error:
        problems = [
            Problem(_place(data, described.loc), described.message)
            for described in map(describe, error.errors(include_url=False))
            if described is not None
        ]
        raise CatalogError(path, problems) from None
    problems = find_problems(catalog, allow_local=allow_local)
    if problems:
        raise CatalogError(path, problems)
    return catalog


def _place(data: Any, loc: Loc) -> str:
    """Name a location: ('exchanges', 0, 'channels', 2, 'url') → 'mexc / email / url'.

    List items are named by their id (else `#n`); the list's own name is left out before an
    item (`mexc / email`, not `exchanges / mexc / channels / email`) but kept when the
    problem is the list itself (`mexc / channels`).
    """
    names: list[str] = []
    node = data
    for at, part in enumerate(loc):
        if isinstance(part, int) and isinstance(node, list) and part < len(node):
            node = node[part]
            ident = node.get("id") if isinstance(node, dict) else None
            names.append(str(ident) if isinstance(ident, str) and ident else f"#{part + 1}")
            continue
        if isinstance(node, dict) and part not in node and node.get("kind") == part:
            continue  # the probe kind pydantic picked the model by, not a field
        node = node.get(part) if isinstance(node, dict) else None
        followed_by_item = at + 1 < len(loc) and isinstance(loc[at + 1], int)
        if not (part in ("exchanges", "channels") and followed_by_item):
            names.append(str(part))
    return " / ".join(names) or "catalog"
