"""Documents the transmitter publishes on the main listener: its JWKS and its SSF metadata."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web


class JsonDocument:
    """Serves one JSON document, serialised once."""

    def __init__(self, document: dict[str, Any], max_age: int = 300) -> None:
        self.body = json.dumps(document).encode()
        self.headers = {"Cache-Control": f"public, max-age={max_age}"}

    async def __call__(self, request: web.BaseRequest) -> web.StreamResponse:
        """The document, for GET and HEAD."""
        if request.method not in ("GET", "HEAD"):
            return web.Response(status=405, headers={"Allow": "GET, HEAD"})
        return web.Response(body=self.body, content_type="application/json", headers=self.headers)
