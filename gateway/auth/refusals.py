"""Refusals of the login endpoints show the way on: a browser's error page links to signing in
again (or to the sign-out page, for a stale sign-out form) instead of leaving the user stuck."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable

from aiohttp import web

from gateway.auth.errors import LoginRequired
from gateway.errors import GatewayError

Endpoint = Callable[[web.BaseRequest], Awaitable[web.StreamResponse]]

SIGN_IN_AGAIN = "Sign in again"


class WithWayOn:
    """An endpoint whose refusals (4xx) link to `href`, labelled `label`."""

    def __init__(self, endpoint: Endpoint, label: str, href: str) -> None:
        self.endpoint = endpoint
        self.link = (label, href)

    async def __call__(self, request: web.BaseRequest) -> web.StreamResponse:
        """Run the endpoint; a refusal leaves with the link attached."""
        try:
            return await self.endpoint(request)
        except GatewayError as error:
            if error.status < 500 and error.link is None:
                error.link = self.link
            raise


def login_required(login_url: str) -> web.Response:
    """401 for an API client that needs a browser login, naming the login URL."""
    error = LoginRequired()
    body = {"error": error.code, "message": error.public, "login_url": login_url}
    headers = {"Cache-Control": "no-store", "WWW-Authenticate": f'OIDC login_url="{login_url}"'}
    return web.Response(status=error.status, text=json.dumps(body), content_type="application/json", headers=headers)
