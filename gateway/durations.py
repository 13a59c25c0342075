"""OpenIG's English durations: "10 seconds", "1 minute", "10 s", "500 ms", "1 h 30 min"."""

from __future__ import annotations

import json
import re
from typing import Annotated, Any

from pydantic import PlainValidator, WithJsonSchema

_UNITS: dict[str, float] = {}
for _names, _seconds in (
    (("ms", "msec", "millis", "millisecond", "milliseconds"), 0.001),
    (("s", "sec", "secs", "second", "seconds"), 1.0),
    (("m", "min", "mins", "minute", "minutes"), 60.0),
    (("h", "hr", "hrs", "hour", "hours"), 3600.0),
    (("d", "day", "days"), 86400.0),
):
    for _name in _names:
        _UNITS[_name] = _seconds

_PART = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]+)\s*,?")
_EXAMPLES = '(e.g. "10 s", "500 ms", "1 minute")'


def parse_duration(text: str) -> float:
    """Seconds in `text`; raises ValueError naming the expected form."""
    value = text.strip().lower()
    if value in ("unlimited", "infinite"):
        return float("inf")
    if value == "zero":
        return 0.0
    if value.startswith("-"):
        raise ValueError(f'"{text}" is negative; a duration must be zero or more')
    total, pos = 0.0, 0
    while pos < len(value):
        match = _PART.match(value, pos)
        if not match or match.group(2) not in _UNITS:
            raise ValueError(f'"{text}" is not a duration {_EXAMPLES}')
        total += float(match.group(1)) * _UNITS[match.group(2)]
        pos = match.end()
    if pos == 0:
        raise ValueError(f'"{text}" is not a duration {_EXAMPLES}')
    return total


def to_seconds(value: Any) -> float:
    """A duration given as text or as a number of seconds; raises ValueError."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        got = json.dumps(value, default=str)
        raise ValueError(f'expected a duration such as "10 s" or a number of seconds (got {got})')
    if isinstance(value, str):
        return parse_duration(value)
    if value < 0:
        raise ValueError(f"{value} is negative; a duration must be zero or more")
    return float(value)


Duration = Annotated[
    float,
    PlainValidator(to_seconds),
    WithJsonSchema(
        {"oneOf": [{"type": "string"}, {"type": "number", "minimum": 0}], "description": f"A duration {_EXAMPLES}."}
    ),
]
"""A config field holding a duration, validated to seconds when the config is read."""


# The first wait before restarting a process that died again soon after the last restart.
FIRST_RESPAWN = 0.5


def respawn_delay(deaths: int, most: float) -> float:
    """Seconds before restarting a process: none after one death, then doubling from 0.5 s up to `most`."""
    return 0.0 if deaths <= 1 else min(FIRST_RESPAWN * 2 ** (deaths - 2), most)
