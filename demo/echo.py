"""A small upstream that echoes what it received, so a user sees what the gateway sent.

Browsers get a page: who the gateway says they are (X-User), a "Sign out" link to the gateway's
logout (or a "Sign in" link to the protected app), and the request as it arrived. The app has its
own favicon, so that pages behind the gateway do not ask for one in vain.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import struct
import zlib
from html import escape

from aiohttp import web

SIGN_OUT = "/oauth2/logout?rd=/echo/"
SIGN_IN = "/app/"
_STYLE = (
    "body{font-family:system-ui,sans-serif;margin:2rem auto;max-width:50rem;padding:0 1rem}"
    "header{display:flex;justify-content:space-between;border-bottom:1px solid #ccc;padding-bottom:.5rem}"
    "td{padding:.15rem .6rem;border-bottom:1px solid #eee;word-break:break-all}"
)


def _png(size: int = 32) -> bytes:
    """A blue disc on transparency, as PNG (a favicon needs no image library)."""
    centre, radius = (size - 1) / 2, size / 2 - 1
    rows = b"".join(
        b"\x00" + b"".join(
            b"\x2b\x6c\xb0\xff" if (x - centre) ** 2 + (y - centre) ** 2 <= radius**2 else b"\x00\x00\x00\x00"
            for x in range(size)
        )
        for y in range(size)
    )  # fmt: skip

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


FAVICON = _png()


async def favicon(request: web.Request) -> web.Response:
    """The app's icon, cached for a day."""
    return web.Response(body=FAVICON, content_type="image/png", headers={"Cache-Control": "public, max-age=86400"})


def page(request: web.Request) -> str:
    """The echo as a page, with the signed-in user and the way to sign out (or in)."""
    user = request.headers.get("X-User")
    if user:
        who = f'<span>Signed in as <b id=user>{escape(user)}</b></span><a id=sign-out href="{SIGN_OUT}">Sign out</a>'
    else:
        who = f'<span>Not signed in</span><a id=sign-in href="{SIGN_IN}">Sign in</a>'
    rows = "".join(f"<tr><td>{escape(k)}</td><td>{escape(v)}</td></tr>" for k, v in request.headers.items())
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8><title>Demo app</title>"
        f'<link rel=icon href="/favicon.ico"><style>{_STYLE}</style></head>'
        f"<body><header>{who}</header><h1>{escape(request.method)} {escape(request.raw_path)}</h1>"
        f"<p>The headers this app received:</p><table>{rows}</table></body></html>"
    )


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
        return web.Response(text=page(request), content_type="text/html")
    return web.Response(text=json.dumps(seen, indent=2), content_type="application/json")


def make_app() -> web.Application:
    """The echo app: every path and method, and its favicon."""
    app = web.Application()
    app.router.add_get("/favicon.ico", favicon)
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
