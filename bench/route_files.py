"""Route file load time: 1,000 route files of mixed shapes, read and fully loaded.

    .venv/bin/python bench/route_files.py

    .venv/bin/python bench/route_files.py --plain    # plain JSON files only, to compare with older versions
    BENCH_FILES=60 .venv/bin/python bench/route_files.py   # a quick look at fewer files

Prints the time to parse the files (the standard `json` module for plain JSON, the gateway's reader
for all) and the time to load them all as the gateway does (parse, validate, build the heap, compile
every expression), in all and per file for each shape of the mix: plain JSON, OpenIG-style text,
scalar settings as expressions, baseURI expressions, a JwtSession, timer and audit."""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from gateway.app import create_services
from gateway.routing.loader import load_route
from gateway.routing.source import parse_json
from gateway.runtime import build_global_heap
from gateway.settings import Settings

FILES = int(os.environ.get("BENCH_FILES", "1000"))


def _plain(i: int) -> dict[str, Any]:
    headers = [
        {"name": f"h{j}", "type": "HeaderFilter",
         "config": {"messageType": "REQUEST", "add": {f"X-{j}": [f"${{request.headers['A{j}'][0]}}"]}}}
        for j in range(1 + i % 20)
    ]  # fmt: skip
    return {
        "name": f"route-{i}",
        "baseURI": "http://app.internal:8080",
        "condition": f"${{startsWith(request.uri.path, '/r{i}/') && request.method != 'TRACE'}}",
        "heap": headers,
        "handler": {"type": "Chain", "config": {"filters": [h["name"] for h in headers], "handler": "ClientHandler"}},
    }


def _openig_style(i: int) -> str:
    """The same route as OpenIG users write it: comments, single quotes, a condition over two lines."""
    text = json.dumps(_plain(i), indent=2).replace('"name"', "'name'", 1)
    text = text.replace(" && ", "\n      && ", 1)
    return f"// route {i}\n/* generated for the benchmark */\n{text}\n"


def _scalar_expressions(i: int) -> dict[str, Any]:
    """Numbers, durations and booleans as expressions of the environment, evaluated at load time."""
    route = _plain(i)
    throttle = {
        "type": "ThrottlingFilter",
        "config": {
            "requestGroupingPolicy": "${contexts.client.remoteAddress}",
            "rate": {"numberOfRequests": "${integer(env['BENCH_RATE'])}", "duration": "${env['BENCH_WINDOW']}"},
        },
    }
    route["monitor"] = "${env['BENCH_MONITOR'] == 'on'}"
    route["handler"]["config"]["filters"].insert(0, throttle)
    return route


def _base_uri_expression(i: int) -> dict[str, Any]:
    """A baseURI from the environment (once) or from the request (per request)."""
    route = _plain(i)
    route["baseURI"] = "http://${env['BENCH_HOST']}:8080" if i % 2 else "${request.headers['X-Backend'][0]}"
    return route


def _jwt_session(i: int) -> dict[str, Any]:
    """A route-level JwtSession, written by an AssignmentFilter."""
    route = _plain(i)
    route["session"] = {
        "type": "JwtSession",
        "config": {"cookieName": f"S{i}", "sharedSecret": "c2VjcmV0LWZvci1iZW5jaA=="},
    }
    assign = {"type": "AssignmentFilter", "config": {"onRequest": [{"target": "${session.seen}", "value": "${true}"}]}}
    route["handler"]["config"]["filters"].insert(0, assign)
    return route


def _timer_audit(i: int) -> dict[str, Any]:
    """A timed route with an audit tag, and one heap object timed on its own."""
    route = _plain(i)
    route["timer"] = i % 2 == 0
    route["audit"] = f"tag-{i}"
    route["heap"][0]["timer"] = True
    return route


# (label, maker): each shape takes one file in len(SHAPES); only `plain` loads before scalar expressions.
SHAPES: list[tuple[str, Callable[[int], str]]] = [
    ("plain JSON", lambda i: json.dumps(_plain(i), indent=2)),
    ("OpenIG-style (comments, quotes)", _openig_style),
    ("scalar expressions", lambda i: json.dumps(_scalar_expressions(i), indent=2)),
    ("baseURI expressions", lambda i: json.dumps(_base_uri_expression(i), indent=2)),
    ("JwtSession", lambda i: json.dumps(_jwt_session(i), indent=2)),
    ("timer + audit", lambda i: json.dumps(_timer_audit(i), indent=2)),
]


def corpus(shapes: list[tuple[str, Callable[[int], str]]]) -> list[tuple[str, str]]:
    """1,000 (label, text) files, the shapes taking turns."""
    return [(shapes[i % len(shapes)][0], shapes[i % len(shapes)][1](i)) for i in range(FILES)]


def _best(fn: Callable[[], object], rounds: int = 3) -> float:
    best = float("inf")
    for _ in range(rounds):
        started = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - started)
    return best


def _per_shape(files: list[tuple[str, str]], shapes: list[Any], services: Any, heap: Any) -> None:
    """Load time per file of each shape."""
    path = Path("route.json")
    for label, _ in shapes:
        some = [text for shape, text in files if shape == label]
        seconds = _best(lambda some=some: [load_route(path, t, services, heap) for t in some], 3)  # type: ignore[misc]
        print(f"  {label:<32} {len(some):4} files  {seconds / len(some) * 1e3:.3f} ms per file")


def _json5(texts: list[str]) -> None:
    """Parse time with the `json5` package, for comparison, when it is installed."""
    try:
        import json5  # type: ignore[import-not-found]  # not a dependency: measured when installed

        from gateway.routing.json5text import prepared
    except ImportError:
        print("parse, json5: not installed")
    else:
        seconds = _best(lambda: [json5.loads(prepared(t)) for t in texts], 1)
        print(f"parse, json5 (all files):              {seconds:8.1f} s")


def _forget_parses() -> None:
    """Empty the expression parse cache, where this version has one: a first start parses every
    expression, a reload finds those it already parsed."""
    from gateway.expressions import grammar

    cached = getattr(grammar, "_parsed", None)
    if cached is not None:
        cached.cache_clear()


def main() -> None:
    """Print the figures: `--plain` loads only plain JSON files (what every version of the gateway loads)."""
    os.environ.update(BENCH_RATE="100", BENCH_WINDOW="1 s", BENCH_MONITOR="on", BENCH_HOST="app.internal")
    shapes = SHAPES[:1] if "--plain" in sys.argv else SHAPES
    files = corpus(shapes)
    texts = [text for _, text in files]
    plain = [t for t in texts if not t.startswith("//")]
    print(f"{len(texts)} files, {sum(map(len, texts)) / 1e6:.1f} MB, {len(texts) - len(plain)} OpenIG-style")
    print(f"parse, json module (plain files only): {_best(lambda: [json.loads(t) for t in plain]) * 1e3:8.1f} ms")
    print(f"parse, gateway reader (all files):     {_best(lambda: [parse_json(t, 'f') for t in texts]) * 1e3:8.1f} ms")
    _json5(texts)
    services = create_services(Settings())
    heap = build_global_heap(services)
    path = Path("route.json")
    results = [load_route(path, t, services, heap) for t in texts]  # warm caches once; count failures
    failed = sum(1 for r in results if r.route is None)
    cold = _best(lambda: (_forget_parses(), [load_route(path, t, services, heap) for t in texts]), 3)
    print(f"load, every expression parsed anew:    {cold * 1e3:8.1f} ms, {cold / len(texts) * 1e3:.3f} ms per file")
    loaded = _best(lambda: [load_route(path, t, services, heap) for t in texts], 3)
    per_file = loaded / len(texts) * 1e3
    print(
        f"reload, parse + validate + build:      {loaded * 1e3:8.1f} ms, {per_file:.3f} ms per file ({failed} failed)"
    )
    if len(shapes) > 1:
        _per_shape(files, shapes, services, heap)


if __name__ == "__main__":
    main()
