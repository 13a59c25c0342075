"""A rate's RateLimit-Policy and RateLimit fields (draft-ietf-httpapi-ratelimit-headers), made once
per change of its counts: well under its limit, a busy route answers with the same counts over and
over (all tokens but one left, full again within a second), so most answers reuse the last fields."""

from __future__ import annotations

from gateway.http.defaults import Defaults, field_line


class RateFields:
    """The fields of one rate, the last ones made kept for the next answer with the same counts."""

    __slots__ = ("_fields", "_name", "_policy", "_policy_line", "_remaining", "_reset")

    def __init__(self, name: str, policy: str) -> None:
        self._name, self._policy = name, policy
        # Written from bytes only if both fields are printable text whatever the counts.
        plain = field_line("RateLimit", f'"{name}";r=0;t=0') is not None
        self._policy_line = field_line("RateLimit-Policy", policy) if plain else None
        self._remaining = self._reset = -1
        self._fields: Defaults | None = None

    def state(self, remaining: int, reset: int) -> str:
        """The RateLimit field's value: the tokens left and the whole seconds until full."""
        return f'"{self._name}";r={remaining};t={reset}'

    def of(self, remaining: int, reset: int) -> Defaults:
        """Both fields for an answer, set in place of any of their name."""
        fields = self._fields
        if fields is not None and remaining == self._remaining and reset == self._reset:
            return fields
        state = self.state(remaining, reset)
        policy = self._policy_line
        lines = None if policy is None else (policy, (b"ratelimit", b"RateLimit: " + state.encode() + b"\r\n"))
        fields = Defaults.checked((("RateLimit-Policy", self._policy), ("RateLimit", state)), lines, replace=True)
        self._fields, self._remaining, self._reset = fields, remaining, reset
        return fields
