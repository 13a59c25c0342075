"""The capture writer's work per proxied request at real rates, counted without a server.

Under valgrind a gateway serves some 30 requests a second, so its writer thread renders two or three
records per wake-up and its per-batch costs swamp the per-record ones. This fills the writer's queue
with full batches (128 requests: a request and a response record each, the headers of the `capture`
bench case) and flushes them in this thread, as the writer does at a few thousand requests a second.

Usage, instructions per request as the difference of two runs (start-up cancels out):
    valgrind --tool=callgrind --callgrind-out-file=/dev/null .venv/bin/python bench/capture_writer.py relayed 12
    (the same with 2 batches; (count(12) - count(2)) / 1280 is the writer's instructions per request)
`relayed` renders header-only tuples as the default decorator records a relayed answer nothing has
read (the upstream's fields as bytes, and the `Server` default), `heads` the same tuples holding a
copy of decoded response headers (any other answer), `message` the `Message` records that
decorators with entities, context or jsonl use."""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path
from typing import Any

from aiohttp import HttpVersion
from multidict import CIMultiDict, CIMultiDictProxy
from prometheus_client import CollectorRegistry, Counter

from gateway.capture.masks import DEFAULT_HEADERS, Masks
from gateway.capture.message import Entity, Message
from gateway.capture.writer import CaptureWriter
from gateway.filters.capture import CaptureDecorator
from gateway.http.defaults import Defaults

# What the bench upstream (nginx serving 1 KiB) answers, and what wrk sends.
RESPONSE = [
    ("Server", "nginx/1.22.1"),
    ("Date", "Mon, 07 Dec 2026 19:00:00 GMT"),
    ("Content-Type", "text/plain"),
    ("Content-Length", "1024"),
    ("Last-Modified", "Mon, 07 Dec 2026 18:00:00 GMT"),
    ("ETag", '"6575-400"'),
    ("Accept-Ranges", "bytes"),
]
REQUEST = [("Host", "127.0.0.1:8080")]
# The same answer's fields as llhttp gives them (with the hop-by-hop Connection the record leaves out).
RAW = [(name.encode(), value.encode()) for name, value in RESPONSE]
RAW.insert(5, (b"Connection", b"keep-alive"))
SERVER = Defaults([("Server", "gateway")])


def records(kind: str, decorator: CaptureDecorator) -> list[tuple[str, Any, Any, int]]:
    """One request's two queue items, as the recorder of `kind` makes them."""
    if kind in ("heads", "relayed"):
        headers = CIMultiDictProxy(CIMultiDict(REQUEST))
        request = ("id-1", "request", "GET", "http", "127.0.0.1:8080", "/1k", HttpVersion(1, 1), headers, False)
        kept = CIMultiDict(RESPONSE) if kind == "heads" else (list(RAW), (SERVER,))
        response = ("id-1", "response", 200, "OK", kept, True)
        return [("r", decorator.render_request, request, 0), ("r", decorator.render_response, response, 0)]
    asked = Message("id-1", "request", "r", "s", REQUEST, method="GET", uri="http://127.0.0.1:8080/1k")
    answer = Message("id-1", "response", "r", "s", RESPONSE, status=200, reason="OK", entity=Entity.UNCAPTURED)
    return [("r", decorator.render, asked, 0), ("r", decorator.render, answer, 0)]


def main() -> None:
    """Flush the given number of full batches."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("kind", choices=("relayed", "heads", "message"), help="what the queued records hold")
    parser.add_argument("batches", type=int, help="full batches of 256 records flushed")
    args = parser.parse_args()
    kind, batches = args.kind, args.batches
    decorator = CaptureDecorator(False, False, 0, Masks.compile(DEFAULT_HEADERS), False)
    counter = Counter("dropped", "records dropped", ["reason"], registry=CollectorRegistry())
    items = records(kind, decorator) * 128
    with tempfile.TemporaryDirectory() as folder:
        writer = CaptureWriter(Path(folder), 1 << 40, 1, counter)
        for _ in range(batches):
            writer._queue.extend(items)
            writer._flush()
        writer._files.close()


if __name__ == "__main__":
    main()
