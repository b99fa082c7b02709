"""Read YAML we did not write with limits: a size cap and a cap on what aliases expand to.

YAML aliases (`*name`) repeat an anchored value without copying its text, so a few kilobytes
of aliases of aliases ("billion laughs") stand for billions of values; everything that walks
the result (validation, our rules) then takes minutes and gigabytes. `load_bounded` composes
the document first, counts the values it stands for with every alias expanded (each shared
node counted once per use, in time linear in the text), and refuses it past `max_values`
before anything is built. Only plain data comes back (YAML's safe loader: no Python tags).
A key written twice in one mapping is refused too: YAML readers silently keep the last one,
so the file would not say what it seems to.
"""

from __future__ import annotations

from typing import Any

import yaml

MAX_BYTES = 4 * 1024 * 1024
MAX_VALUES = 200_000


class YamlLimitError(ValueError):
    """The text is too big, expands too far through aliases, or nests too deep."""


class DuplicateKeyError(yaml.MarkedYAMLError):
    """A mapping names one key twice; `problem_mark` is where the second one is."""


def load_bounded(text: str, *, max_bytes: int = MAX_BYTES, max_values: int = MAX_VALUES) -> Any:
    """Parse one YAML document within the limits; raise YamlLimitError or yaml.YAMLError."""
    if len(text.encode("utf-8", "surrogatepass")) > max_bytes:
        raise YamlLimitError(f"is larger than {max_bytes // (1024 * 1024)} MiB")
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        if _expanded_size(node, {}, set()) > max_values:
            raise YamlLimitError(
                f"expands to more than {max_values:,} values through YAML aliases (*name); "
                "write the values out instead"
            )
        return loader.construct_document(node)
    except RecursionError:
        raise YamlLimitError("nests too deeply") from None
    finally:
        loader.dispose()


def _expanded_size(node: yaml.Node, sizes: dict[int, int], open_nodes: set[int]) -> int:
    """How many values `node` stands for with aliases expanded (memoized per shared node)."""
    key = id(node)
    if key in sizes:
        return sizes[key]
    if key in open_nodes:
        raise YamlLimitError("has an alias that refers to a value containing itself")
    open_nodes.add(key)
    size = 1
    if isinstance(node, yaml.SequenceNode):
        size += sum(_expanded_size(item, sizes, open_nodes) for item in node.value)
    elif isinstance(node, yaml.MappingNode):
        _refuse_duplicate_keys(node)
        for name, value in node.value:
            size += _expanded_size(name, sizes, open_nodes)
            size += _expanded_size(value, sizes, open_nodes)
    open_nodes.discard(key)
    sizes[key] = size
    return size


def _refuse_duplicate_keys(node: yaml.MappingNode) -> None:
    """Raise DuplicateKeyError at the second of two equal plain keys (merge keys `<<` aside)."""
    seen: dict[tuple[str, str], yaml.Node] = {}
    for name, _value in node.value:
        if not isinstance(name, yaml.ScalarNode) or name.tag == "tag:yaml.org,2002:merge":
            continue
        first = seen.setdefault((name.tag, name.value), name)
        if first is not name:
            raise DuplicateKeyError(
                problem=f"key {name.value!r} written twice (first on line "
                f"{first.start_mark.line + 1}): keep one",
                problem_mark=name.start_mark,
            )
