"""Values shaped like the scope the gateway builds for a request."""

from __future__ import annotations

from typing import Any


class Opaque:
    """A Python object with attributes that expressions must never reach."""

    secret = "leaked"

    def __init__(self) -> None:
        self.token = "leaked"


def request_scope() -> dict[str, Any]:
    """Roots as a request would fill them."""
    cycle: list[Any] = []
    cycle.append(cycle)
    return {
        "request": {
            "method": "POST",
            "uri": {
                "path": "/api/v1/users",
                "query": "a=1&b=two",
                "host": "app.example.com",
                "scheme": "https",
            },
            "headers": {
                "Host": ["app.example.com"],
                "Accept": ["text/html", "application/json"],
                "X-Count": ["42"],
            },
            "queryParams": {"a": ["1"], "b": ["two"]},
            "cookies": {"sid": [{"name": "sid", "value": "abc"}]},
        },
        "contexts": {"client": {"remoteAddress": "10.1.2.3"}},
        "session": {},
        "identity": {
            "claims": {"sub": "alice", "groups": ["admin", "dev"], "email": "Alice@Example.com"},
        },
        "attributes": {
            "count": 3,
            "ratio": 0.5,
            "flag": True,
            "none": None,
            "blank": "",
            "list": [],
            "map": {},
            "zero": 0,
            "word": "false",
            "tuple": ("x", "y"),
            "badRegex": "(",
            "opaque": Opaque(),
            "cycle": cycle,
        },
        "env": {"HOME": "/home/app"},
    }
