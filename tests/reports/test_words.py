"""The wait a trader types: whole minutes 0–1440 or "nobody answered", in both languages."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.commands.args import Wait, find_wait


@pytest.mark.parametrize(
    ("words", "minutes"),
    [
        (["0"], 0),
        (["10"], 10),
        (["10", "min"], 10),
        (["10min"], 10),
        (["10分钟"], 10),
        (["１０"], 10),  # full-width digits
        (["60+"], 60),
        (["1440"], 1440),
    ],
)
def test_it_reads_whole_minutes(words: list[str], minutes: int) -> None:
    assert find_wait(words) == Wait(minutes)


@pytest.mark.parametrize(
    "words", [["none"], ["None"], ["no", "answer"], ["nobody"], ["没人回复"], ["无人回复"]]
)
def test_it_reads_nobody_answered(words: list[str]) -> None:
    assert find_wait(words) == Wait(None)


@pytest.mark.parametrize(
    "words",
    [[], ["-5"], ["1.5"], ["1441"], ["99999"], ["abc"], ["10", "apples"], ["1", "5"], ["soon"]],
)
def test_it_refuses_anything_else(words: list[str]) -> None:
    assert find_wait(words) is None


@given(st.integers(min_value=0, max_value=1440))
def test_every_whole_minute_of_a_day_reads_as_itself(minutes: int) -> None:
    assert find_wait([str(minutes)]) == Wait(minutes)


@given(st.integers().filter(lambda n: not 0 <= n <= 1440))
def test_no_other_integer_is_a_wait(number: int) -> None:
    assert find_wait([str(number)]) is None


@given(st.lists(st.text(max_size=12), max_size=4))
def test_any_words_give_a_wait_in_range_or_none(words: list[str]) -> None:
    wait = find_wait(words)
    assert wait is None or wait.minutes is None or 0 <= wait.minutes <= 1440
