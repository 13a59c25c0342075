"""`POST /admin/api/try`: send one request through the real main listener and answer what came back.

The studio page lives on the admin listener, so the browser cannot call the main listener itself
(another origin); the admin API relays the request, to a path on the main listener only."""

from __future__ import annotations

import json
import ssl
import time
from typing import Any

import aiohttp
from aiohttp import web

from gateway.admin.guard import Refused
from gateway.http.tls import ServerTls
from gateway.runtime import RUNTIME

MAIN_URL = "main_url"
# The https main listener (a ServerTls), whose own certificate the relay pins.
MAIN_TLS = "main_tls"
# Response body characters shown at most.
SHOWN = 64 * 1024
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def _trial(body: Any) -> tuple[str, str, dict[str, str], str]:
    if not isinstance(body, dict):
        raise Refused(400, "bad_request", 'send {"method", "path", "headers", "body"}')
    method = str(body.get("method", "GET")).upper()
    path, headers, data = body.get("path", "/"), body.get("headers") or {}, body.get("body") or ""
    if method not in _METHODS:
        raise Refused(400, "bad_request", f"method must be one of {', '.join(sorted(_METHODS))}")
    if not isinstance(path, str) or not path.startswith("/") or path.startswith("//"):
        raise Refused(400, "bad_request", "path must start with a single '/' (a path on the main listener)")
    if not isinstance(headers, dict) or not all(isinstance(v, str) for v in headers.values()):
        raise Refused(400, "bad_request", "headers must be an object of header name to string value")
    if not isinstance(data, str):
        raise Refused(400, "bad_request", "body must be a string")
    return method, path, headers, data


async def try_request(request: web.Request) -> web.Response:
    """Relay the described request to the main listener; answer its status, headers and body."""
    try:
        body = json.loads(await request.text())
    except ValueError as exc:
        raise Refused(400, "bad_request", f"the body is not JSON: {exc}") from None
    method, path, headers, data = _trial(body)
    runtime = request.app[RUNTIME]
    base, http = runtime.extras.get(MAIN_URL), runtime.services.http
    if not isinstance(base, str) or http is None:
        raise Refused(503, "unavailable", "the main listener is not started")
    main_tls = runtime.extras.get(MAIN_TLS)
    tls = main_tls.pinned_client() if isinstance(main_tls, ServerTls) else None
    started = time.perf_counter()
    answer = await _relay(http, method, base + path, headers, data.encode(), tls)
    answer["ms"] = round((time.perf_counter() - started) * 1000, 1)
    return web.json_response(answer)


async def _relay(
    http: aiohttp.ClientSession, method: str, url: str, headers: dict[str, str], data: bytes, tls: ssl.SSLContext | None
) -> Any:
    try:
        async with http.request(
            method, url, headers=headers, data=data or None, allow_redirects=False, ssl=tls or True
        ) as got:
            raw = await got.content.read(SHOWN + 1)
            return {
                "status": got.status,
                "reason": got.reason,
                "headers": [[k, v] for k, v in got.headers.items()],
                "body": raw[:SHOWN].decode("utf-8", "replace"),
                "truncated": len(raw) > SHOWN,
            }
    except aiohttp.ClientError as exc:
        raise Refused(502, "bad_gateway", f"the main listener did not answer: {exc}") from None
