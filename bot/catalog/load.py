"""Read a catalog file: YAML → structure check → rules. Every problem is named with its place."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from bot.catalog.models import Catalog, catalog_from_data
from bot.catalog.rules import Problem, find_problems


class CatalogError(Exception):
    """The catalog cannot be used; `problems` says where and why."""

    def __init__(self, path: Path, problems: list[Problem]) -> None:
        self.path = path
        self.problems = problems
        listed = "\n".join(f"  {p}" for p in problems)
        super().__init__(f"catalog {path} has {len(problems)} problem(s):\n{listed}")


def load_catalog(path: Path, *, allow_local: bool = False) -> Catalog:
    """Load and validate a catalog file, or raise CatalogError listing every problem."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise CatalogError(path, [Problem("file", error.strerror or str(error))]) from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else "file"
        problem = getattr(error, "problem", None) or "not valid YAML"
        raise CatalogError(path, [Problem(where, str(problem))]) from None
    return check_data(path, data, allow_local=allow_local)


def check_data(path: Path, data: Any, *, allow_local: bool = False) -> Catalog:
    try:
        catalog = catalog_from_data(data)
    except ValidationError as error:
        problems = [
            Problem(_place(data, e["loc"]), e["msg"]) for e in error.errors(include_url=False)
        ]
        raise CatalogError(path, problems) from None
    problems = find_problems(catalog, allow_local=allow_local)
    if problems:
        raise CatalogError(path, problems)
    return catalog


def _place(data: Any, loc: tuple[int | str, ...]) -> str:
    """Name a pydantic location: ('exchanges', 0, 'channels', 2, 'url') → 'mexc / email / url'."""
    names: list[str] = []
    node = data
    for part in loc:
        if isinstance(part, int) and isinstance(node, list) and part < len(node):
            node = node[part]
            ident = node.get("id") if isinstance(node, dict) else None
            names.append(str(ident) if ident else f"#{part + 1}")
            continue
        node = node.get(part) if isinstance(node, dict) else None
        if part not in ("exchanges", "channels"):
            names.append(str(part))
    return " / ".join(names) or "catalog"
