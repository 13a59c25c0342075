"""Durations in OpenIG's English form, and their errors."""

from __future__ import annotations

import math

import pytest

from gateway.durations import parse_duration, respawn_delay, to_seconds


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("10 seconds", 10.0),
        ("1 minute", 60.0),
        ("10 s", 10.0),
        ("500 ms", 0.5),
        ("1 h 30 min", 5400.0),
        ("2 days", 172800.0),
        ("1.5 s", 1.5),
        ("3 MINUTES", 180.0),
        ("zero", 0.0),
    ],
)
def test_english_durations_are_read_as_seconds(text: str, seconds: float) -> None:
    assert parse_duration(text) == seconds


def test_unlimited_is_infinite() -> None:
    assert math.isinf(parse_duration("unlimited"))


@pytest.mark.parametrize(
    ("value", "phrase"),
    [
        ("10 q", '"10 q" is not a duration (e.g. "10 s"'),
        ("", "is not a duration"),
        ("ten seconds", "is not a duration"),
        ("-5 s", "negative"),
        (-1, "negative"),
        (True, "expected a duration"),
        ([1], "expected a duration"),
    ],
)
def test_a_bad_duration_says_why(value: object, phrase: str) -> None:
    with pytest.raises(ValueError, match=phrase.replace("(", r"\(")):
        to_seconds(value)


def test_numbers_are_seconds() -> None:
    assert to_seconds(2) == 2.0 and to_seconds(0.25) == 0.25


@pytest.mark.parametrize(("deaths", "delay"), [(1, 0.0), (2, 0.5), (3, 1.0), (4, 2.0), (10, 30.0)])
def test_a_process_that_keeps_dying_waits_longer_each_time_up_to_the_cap(deaths: int, delay: float) -> None:
    assert respawn_delay(deaths, 30.0) == delay
