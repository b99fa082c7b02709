"""Reading a catalog file: bounded YAML, UTF-8 only, and problems named in our words."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.bounded_yaml import YamlLimitError, load_bounded
from bot.catalog import CatalogError, load_catalog
from tests.catalog.test_rules import GOOD


def problems_in(path: Path) -> list[str]:
    with pytest.raises(CatalogError) as caught:
        load_catalog(path)
    return [str(problem) for problem in caught.value.problems]


def write(tmp_path: Path, data: Any) -> Path:
    path = tmp_path / "catalog.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def laughs(levels: int) -> str:
    """Nested aliases: each level repeats the one below nine times (9**levels values)."""
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for level in range(1, levels + 1):
        lines.append(f"a{level}: &a{level} [{', '.join([f'*a{level - 1}'] * 9)}]")
    return "\n".join(lines) + "\n"


def test_a_catalog_of_nested_aliases_is_refused_before_it_is_expanded(tmp_path: Path) -> None:
    # The windows are where the expansion used to be walked: str() of 9**8 nested values.
    text = laughs(8) + (
        "exchanges:\n"
        "  - id: x\n    name: X\n    official_domains: [x.com]\n"
        "    channels:\n"
        "      - {id: c, kind: live_chat, mode: live, name: C, hours: {weekly: [*a8]}}\n"
    )
    path = tmp_path / "laughs.yaml"
    path.write_text(text, encoding="utf-8")
    assert len(text) < 2_000
    assert problems_in(path) == [
        "file: expands to more than 200,000 values through YAML aliases (*name); "
        "write the values out instead"
    ]


def test_a_few_aliases_for_shared_values_still_work(tmp_path: Path) -> None:
    data = copy.deepcopy(GOOD)
    text = yaml.safe_dump(data).replace("hours: 24/7", "hours: &always 24/7")
    text = text.replace("mode: async", "mode: async\n    hours: *always")
    path = tmp_path / "catalog.yaml"
    path.write_text(text, encoding="utf-8")
    catalog = load_catalog(path)
    assert all(channel.hours is not None for _, channel in catalog.channels())


def test_an_alias_that_contains_itself_is_refused() -> None:
    with pytest.raises(YamlLimitError, match="containing itself"):
        load_bounded("a: &a [1, *a]\n")


def test_a_text_over_the_size_cap_is_refused_unread() -> None:
    with pytest.raises(YamlLimitError, match="larger than 1 MiB"):
        load_bounded("a: " + "x" * (1024 * 1024) + "\n", max_bytes=1024 * 1024)


def test_a_key_written_twice_is_refused_naming_both_lines(tmp_path: Path) -> None:
    # YAML readers keep the last of two equal keys without a word: a reviewer reading the
    # first `url` would approve a link the bot never shows, and the bot would show the other.
    text = yaml.safe_dump(GOOD, allow_unicode=True, sort_keys=False)
    lines = text.splitlines(keepends=True)
    at = next(i for i, line in enumerate(lines) if line.lstrip().startswith("url: "))
    indent = lines[at][: len(lines[at]) - len(lines[at].lstrip())]
    lines.insert(at + 1, f"{indent}url: https://www.mexc.com/elsewhere\n")
    text = "".join(lines)
    path = tmp_path / "catalog.yaml"
    path.write_text(text, encoding="utf-8")
    assert problems_in(path) == [
        f"line {at + 2}: key 'url' written twice (first on line {at + 1}): keep one"
    ]


def test_a_second_exchanges_list_is_named_not_mistaken_for_an_empty_catalog(
    tmp_path: Path,
) -> None:
    text = yaml.safe_dump(GOOD, allow_unicode=True) + "exchanges: []\n"
    path = tmp_path / "catalog.yaml"
    path.write_text(text, encoding="utf-8")
    [problem] = problems_in(path)
    assert problem.endswith("key 'exchanges' written twice (first on line 1): keep one")


def test_merge_keys_may_still_be_overridden() -> None:
    assert load_bounded("base: &b {a: 1, b: 2}\nx:\n  <<: *b\n  a: 3\n")["x"] == {"a": 3, "b": 2}


def test_a_catalog_that_is_not_utf8_is_one_problem(tmp_path: Path) -> None:
    path = tmp_path / "catalog.yaml"
    path.write_bytes(b"exchanges:\n  - id: \xff\xfe\n")
    assert problems_in(path) == ["file: is not UTF-8 text (byte 0xff at offset 19)"]


def test_structural_problems_name_the_entry_and_the_rule_in_our_words(tmp_path: Path) -> None:
    data = copy.deepcopy(GOOD)
    exchange = data["exchanges"][0]
    exchange["colour"] = "red"
    exchange["channels"][0]["kind"] = "livechat"
    exchange["channels"][1]["probe"]["recrd"] = "MX"
    del exchange["channels"][1]["name"]
    exchange["routes"]["lost_keys"] = {"channels": ["email"]}
    exchange["routes"]["withdrawal_stuck"]["channels"] = "email"
    assert problems_in(write(tmp_path, data)) == [
        "mexc / live_chat / kind: 'livechat' is not one of 'live_chat', 'help_center', "
        "'ticket', 'email', 'telegram', 'x', 'phone', 'status_page' or 'verify_tool'",
        "mexc / email: missing field 'name'",
        "mexc / email / probe: unknown field 'recrd'",
        "mexc / routes: unknown key 'lost_keys': use 'account_compromised', "
        "'withdrawal_stuck', 'deposit_missing', 'order_failed' or 'kyc'",
        "mexc / routes / withdrawal_stuck / channels: must be a list",
        "mexc: unknown field 'colour'",
    ]


CHANNELS = ["exchanges", 0, "channels"]


@pytest.mark.parametrize(
    ("path", "value", "expected"),
    [
        (["exchanges", 0, "id"], "Bad Id", "Bad Id / id: 'Bad Id' is not an id: use up to 40"),
        (CHANNELS, [], "mexc / channels: needs at least 1 entry"),
        (
            [*CHANNELS, 1, "probe", "kind"],
            "ping",
            "mexc / email / probe / kind: 'ping' is not one of 'http'",
        ),
        (
            [*CHANNELS, 1, "probe", "interval_s"],
            0.5,
            "mexc / email / probe / interval_s: must be at least 1",
        ),
        (
            [*CHANNELS, 0, "name"],
            {"fr": "x"},
            "mexc / live_chat / name: unknown key 'fr': use 'en' or 'zh'",
        ),
        (["exchanges"], 5, "exchanges: must be a list"),
    ],
)
def test_each_kind_of_structural_problem_reads_as_one_rule(
    tmp_path: Path, path: list[str | int], value: Any, expected: str
) -> None:
    data = copy.deepcopy(GOOD)
    node: Any = data
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value
    found = problems_in(write(tmp_path, data))
    assert len(found) == 1, found
    assert found[0].startswith(expected), found


def test_no_problem_repeats_the_validation_library_words(tmp_path: Path) -> None:
    data = copy.deepcopy(GOOD)
    data["exchanges"][0]["channels"][0]["mode"] = "sometimes"
    data["exchanges"][0]["channels"][1]["languages"] = 5
    found = " ".join(problems_in(write(tmp_path, data)))
    for words in (
        "Input should",
        "Extra inputs",
        "Tuple should",
        "after validation",
        "Value error",
    ):
        assert words not in found
