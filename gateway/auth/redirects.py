"""Where the gateway may send a browser after login or logout: same-origin paths only.

A return target comes from the request (the URL the user first asked for, an `rd` parameter), so
it is attacker-controlled. Browsers read `//host`, `/\\host` and `\\\\host` as another origin, and
some servers decode `%2F`/`%5C` before redirecting, so a target is accepted only when it is a
plain absolute path at every percent-decoding depth; anything else falls back to `/`.
"""

from __future__ import annotations

import re
from urllib.parse import unquote

from aiohttp import web

from gateway.settings import Settings

FALLBACK = "/"
# Control characters and whitespace end or bend a URL in browsers (`/\t/evil` is `//evil`).
_UNSAFE = re.compile(r"[\x00-\x20\x7f\\]")
_MAX_LENGTH = 2048
_MAX_DEPTH = 4


def is_same_origin_path(target: str) -> bool:
    """True for `/path?query` that every browser resolves against this origin."""
    if not target or len(target) > _MAX_LENGTH or _UNSAFE.search(target):
        return False
    value = target
    for _ in range(_MAX_DEPTH):
        path = value.partition("?")[0]
        if not path.startswith("/") or path.startswith("//") or _UNSAFE.search(path):
            return False
        decoded = unquote(value)
        if decoded == value:
            return True
        value = decoded
    return False


def safe_return_path(target: str | None) -> str:
    """`target` when it is a same-origin path, else `/`."""
    return target if target is not None and is_same_origin_path(target) else FALLBACK


def is_https(request: web.BaseRequest, settings: Settings) -> bool:
    """Whether the browser reached us over https (directly, or through a trusted proxy)."""
    if request.scheme == "https":
        return True
    if settings.trustedProxies and settings.is_trusted_proxy(request.remote):
        return request.headers.get("X-Forwarded-Proto", "").split(",")[0].strip().lower() == "https"
    return False


def origin(request: web.BaseRequest, settings: Settings) -> str:
    """`scheme://host[:port]` as the browser sees this gateway, for redirect URIs."""
    host = request.host
    if settings.trustedProxies and settings.is_trusted_proxy(request.remote):
        host = request.headers.get("X-Forwarded-Host", "").split(",")[0].strip() or host
    return f"{'https' if is_https(request, settings) else 'http'}://{host}"
