"""Route file load time: 1,000 route files of mixed shapes, read and fully loaded.

    .venv/bin/python bench/route_files.py

Prints the time to parse the files with each reader (the standard `json` module for plain JSON,
pyjson5 for OpenIG-style files; `json5` too when it is installed, for comparison) and the time to
load them all as the gateway does (parse, validate, build the heap, compile every expression)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from gateway.app import create_services
from gateway.routing.json5text import prepared
from gateway.routing.loader import load_route
from gateway.routing.source import parse_json
from gateway.runtime import build_global_heap
from gateway.settings import Settings

FILES = 1000


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


def corpus() -> list[str]:
    """1,000 files: two in three plain JSON, one in three OpenIG-style."""
    return [_openig_style(i) if i % 3 == 0 else json.dumps(_plain(i), indent=2) for i in range(FILES)]


def _best(fn: Callable[[], object], rounds: int = 3) -> float:
    best = float("inf")
    for _ in range(rounds):
        started = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - started)
    return best


def main() -> None:
    """Print the figures."""
    texts = corpus()
    plain = [t for t in texts if not t.startswith("//")]
    print(f"{len(texts)} files, {sum(map(len, texts)) / 1e6:.1f} MB, {len(texts) - len(plain)} OpenIG-style")
    print(f"parse, json module (plain files only): {_best(lambda: [json.loads(t) for t in plain]) * 1e3:8.1f} ms")
    print(f"parse, gateway reader (all files):     {_best(lambda: [parse_json(t, 'f') for t in texts]) * 1e3:8.1f} ms")
    try:
        import json5  # type: ignore[import-not-found]  # not a dependency: measured when installed
    except ImportError:
        print("parse, json5: not installed")
    else:
        seconds = _best(lambda: [json5.loads(prepared(t)) for t in texts], 1)
        print(f"parse, json5 (all files):              {seconds:8.1f} s")
    services = create_services(Settings())
    heap = build_global_heap(services)
    path = Path("route.json")
    loaded = _best(lambda: [load_route(path, t, services, heap) for t in texts], 1)
    print(f"load, parse + validate + build:        {loaded * 1e3:8.1f} ms")


if __name__ == "__main__":
    main()
