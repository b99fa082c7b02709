"""Both languages say everything: every field, every member, the same placeholders."""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import fields

import pytest

from bot.commands.table import COMMANDS
from bot.render.en import EN
from bot.render.strings import Strings
from bot.render.zh import ZH
from bot.status import AnswerKind
from bot.verdict import Indicator, ReasonCode
from bot.vocab import Case, Health, Locale, Mode, Verdict
from probes.registry import PROBES
from probes.result import ErrorKind

MAPS = {
    "headline": AnswerKind,
    "verdict_word": Verdict,
    "live_word": Mode,
    "indicator": Indicator,
    "reason": ReasonCode,
    "error_kind": ErrorKind,
    "health_word": Health,
    "case_title": Case,
}


def _placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def _templates(words: Strings) -> dict[str, str]:
    found: dict[str, str] = {}
    for f in fields(Strings):
        value = getattr(words, f.name)
        if isinstance(value, str):
            found[f.name] = value
        elif isinstance(value, Mapping):
            found |= {f"{f.name}[{key}]": text for key, text in value.items()}
    return found


def test_it_uses_the_same_placeholders_in_both_languages() -> None:
    en, zh = _templates(EN), _templates(ZH)
    assert en.keys() == zh.keys()
    different = {k for k in en if _placeholders(en[k]) != _placeholders(zh[k])}
    assert different == set()


@pytest.mark.parametrize("name", sorted(MAPS))
def test_it_words_every_member_in_both_languages(name: str) -> None:
    for words in (EN, ZH):
        table = getattr(words, name)
        assert set(table) == set(MAPS[name])
        assert all(text.strip() for text in table.values())


def test_it_leaves_no_string_empty() -> None:
    for words in (EN, ZH):
        empty = {k for k, v in _templates(words).items() if not v.strip()}
        assert empty <= {"history_detail"}  # Chinese history lines carry no English detail


def test_it_has_help_for_every_command_in_both_languages() -> None:
    for command in COMMANDS:
        assert set(command.help) == set(Locale)
        assert all(len(text) <= 100 for text in command.help.values())  # Discord's limit


def test_it_words_a_passed_check_of_every_probe_kind_in_both_languages() -> None:
    for words in (EN, ZH):
        assert set(words.probe_answer) == set(PROBES)
        assert set(words.probe_ok) == set(PROBES)
