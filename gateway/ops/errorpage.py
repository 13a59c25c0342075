"""Error responses in the client's preferred form: JSON for APIs, a small HTML page for browsers."""

from __future__ import annotations

import html
import json

from aiohttp import web

from gateway.errors import GatewayError

# The page loads nothing and posts nothing; its one link is a plain same-origin navigation.
_HTML_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'none'; "
    "frame-ancestors 'none'; base-uri 'none'",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}


def prefers_html(accept: str) -> bool:
    """Whether the client is a browser: it asks for HTML before JSON."""
    if "text/html" not in accept:
        return False
    json_at = accept.find("application/json")
    return json_at < 0 or accept.find("text/html") < json_at


def error_response(request: web.BaseRequest, error: GatewayError, request_id: str) -> web.Response:
    """A short, safe answer naming the stable code and the request id (the reason goes to the log)."""
    headers = {"Cache-Control": "no-store", "X-Request-Id": request_id, **error.headers}
    if prefers_html(request.headers.get("Accept", "")):
        text = _page(error, request_id)
        return web.Response(status=error.status, text=text, content_type="text/html", headers=_HTML_HEADERS | headers)
    payload = {"error": error.code, "message": error.public, "request_id": request_id}
    return web.Response(status=error.status, text=json.dumps(payload), content_type="application/json", headers=headers)


def _page(error: GatewayError, request_id: str) -> str:
    code, message, rid = html.escape(error.code), html.escape(error.public), html.escape(request_id)
    link = f'<p><a href="{html.escape(error.link[1])}">{html.escape(error.link[0])}</a></p>' if error.link else ""
    return (
        f"<!doctype html><html><head><meta charset=utf-8><title>{error.status} {code}</title></head>"
        f"<body><h1>{error.status}</h1><p>{message}</p>{link}<p><small>{code} · request {rid}</small></p></body></html>"
    )
