"""A small upstream that echoes what it received, so a user sees what the gateway sent."""

from __future__ import annotations

import argparse
import hashlib
import json

from aiohttp import web


async def echo(request: web.Request) -> web.StreamResponse:
    """Answer with the request line, headers and body digest as seen here."""
    hasher, size = hashlib.sha256(), 0
    async for chunk in request.content.iter_any():
        hasher.update(chunk)
        size += len(chunk)
    seen = {
        "method": request.method,
        "path": request.raw_path,
        "headers": [[k, v] for k, v in request.headers.items()],
        "body": {"bytes": size, "sha256": hasher.hexdigest()},
        "peer": request.remote,
    }
    if request.headers.get("Accept", "").startswith("text/html"):
        rows = "".join(f"<tr><td>{k}</td><td>{v}</td></tr>" for k, v in request.headers.items())
        page = f"<!doctype html><h1>{request.method} {request.raw_path}</h1><table>{rows}</table>"
        return web.Response(text=page, content_type="text/html")
    return web.Response(text=json.dumps(seen, indent=2), content_type="application/json")


def make_app() -> web.Application:
    """The echo app: every path and method."""
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", echo)
    return app


def main() -> None:
    """Run the echo upstream."""
    parser = argparse.ArgumentParser(description="demo echo upstream")
    parser.add_argument("--port", type=int, default=8090)
    args = parser.parse_args()
    web.run_app(make_app(), host="127.0.0.1", port=args.port, print=None)


if __name__ == "__main__":
    main()
