"""Header names as upstreams see them: one normal form for names that servers fold together."""

from __future__ import annotations


def normalise_header(name: str) -> str:
    """`X_User`, `x-user` and `X-USER` are one header to an upstream that folds names."""
    return name.lower().replace("_", "-")
