"""Resource patterns compiled once: `*` one segment, `**` the rest, `{name}` one segment captured."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

_PARAM = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


@dataclass(frozen=True, slots=True)
class Pattern:
    """A compiled resource pattern; `match` returns the captured parameters or None."""

    source: str
    regex: re.Pattern[str]

    def match(self, value: str) -> dict[str, Any] | None:
        """The captured `{name}` segments, or None when `value` does not match."""
        found = self.regex.fullmatch(value)
        return None if found is None else found.groupdict()


def compile_pattern(source: str) -> Pattern:
    """Compile a pattern; raises ValueError for a repeated parameter name or `**` not at the end."""
    parts: list[str] = []
    names: set[str] = set()
    position = 0
    for token in re.finditer(r"\*\*|\*|\{[^}]*\}", source):
        parts.append(re.escape(source[position : token.start()]))
        text = token.group(0)
        if text == "**":
            if token.end() != len(source):
                raise ValueError(f"{source!r}: `**` may only end a pattern")
            parts.append(".*")
        elif text == "*":
            parts.append("[^/]*")
        else:
            parts.append(_param(text, source, names))
        position = token.end()
    parts.append(re.escape(source[position:]))
    return Pattern(source, re.compile("".join(parts), re.DOTALL))


def _param(text: str, source: str, names: set[str]) -> str:
    found = _PARAM.fullmatch(text)
    if found is None:
        raise ValueError(f"{source!r}: {text!r} is not a parameter name")
    name = found.group(1)
    if name in names:
        raise ValueError(f"{source!r}: parameter {name!r} appears twice")
    names.add(name)
    return f"(?P<{name}>[^/]+)"
