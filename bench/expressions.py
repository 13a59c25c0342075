"""Hot-path cost of expressions: a fresh scope per request, then the shapes routes use most.

    .venv/bin/python bench/expressions.py

Prints nanoseconds per evaluation (best of 25 runs) for each expression, against a real aiohttp
request object, so that two revisions of the expression language can be compared side by side."""

from __future__ import annotations

import time
from typing import Any

from aiohttp.test_utils import make_mocked_request

from gateway.exchange import Exchange
from gateway.expressions import compile_expression
from gateway.scope import Scope

CASES = [
    "${startsWith(request.uri.path, '/r1/') && request.method != 'TRACE'}",
    "${matches(request.uri.path, '^/api/v[0-9]+/')}",
    "${request.headers['Host'][0] == 'app.example.com'}",
    "${contexts.client.remoteAddress}",
    "${request.method} ${request.uri.path}",
    "${identity.sub == 'alice' || request.queryParams['q'][0] == 'x'}",
]
ROUNDS = 5_000
REPEATS = 25


def _one(text: str, request: Any) -> float:
    expression = compile_expression(text)
    best = float("inf")
    for _ in range(REPEATS):
        started = time.perf_counter()
        for _ in range(ROUNDS):
            exchange = Exchange("bench")
            exchange.scope = scope = Scope(request, exchange, lambda: "127.0.0.1")
            expression(scope)
        best = min(best, time.perf_counter() - started)
    return best / ROUNDS * 1e9


def main() -> None:
    """Print one line per case."""
    request = make_mocked_request("GET", "/api/v1/users?q=x", headers={"Host": "app.example.com"})
    for text in CASES:
        print(f"{_one(text, request):8.0f} ns  {text}")


if __name__ == "__main__":
    main()
