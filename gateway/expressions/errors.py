"""The one exception the expression compiler raises."""

from __future__ import annotations


class ExpressionError(Exception):
    """A template that cannot be compiled, and the 0-based column in the template where it fails."""

    def __init__(self, message: str, position: int, hint: str = "") -> None:
        self.message = message
        self.position = position
        self.hint = hint
        super().__init__(str(self))

    def __str__(self) -> str:
        text = f"{self.message} at column {self.position}"
        return f"{text}; {self.hint}" if self.hint else text
