"""What every response the gateway makes itself carries, applied in one place as it leaves.

Pages and answers of the gateway's own (error pages, refusals, login, logout and device pages,
static responses, token answers) are never sniffed, never cached unless they say so, never framed
when they are HTML, and a 401 always names a challenge (RFC 9110 §11.6.1). What an upstream sent
is relayed as it is: only the cookies the gateway adds to it are touched. aiohttp's own answers to
requests it cannot parse go through the same hook, so that no answer carries its version banner.
"""

from __future__ import annotations

from collections.abc import Callable

from aiohttp import web
from aiohttp.web_protocol import RequestHandler

from gateway.keys import RELAYED

SERVER = "gateway"
# A page of the gateway loads nothing from elsewhere and is never framed; a page that needs more
# (the logout form posting to the provider) sets its own policy, which is kept.
CSP = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
# Browser sessions are cookies: the challenge of a 401 that names no other scheme (as in the
# cookie-based authentication draft, draft-broyer-http-cookie-auth).
CHALLENGE = 'Cookie realm="gateway"'
_HTML = (("Content-Security-Policy", CSP), ("X-Frame-Options", "DENY"))


def harden(response: web.StreamResponse) -> None:
    """Add what a response of the gateway's own must carry, keeping what it already says."""
    headers = response.headers
    headers.setdefault("Server", SERVER)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Cache-Control", "no-store")
    if response.content_type == "text/html":
        for name, value in _HTML:
            headers.setdefault(name, value)
    if response.status == 401:
        headers.setdefault("WWW-Authenticate", CHALLENGE)


def on_leaving(response: web.StreamResponse, secure: Callable[[], bool]) -> None:
    """`harden` a response of the gateway's own; `Secure` on the cookies it sets when `secure()` says so."""
    if not response.get(RELAYED):
        harden(response)
    # aiohttp's `_cookies` stays None until a cookie is set; `cookies` would make an empty jar to say so.
    if response._cookies and secure():
        for morsel in response.cookies.values():
            morsel["secure"] = True


async def on_prepare(request: web.Request, response: web.StreamResponse) -> None:
    """`on_response_prepare` of the gateway's other listeners (admin, PDP), whose answers are all its own."""
    # aiohttp has put its version banner in by the time this signal runs: replace it.
    response.headers["Server"] = SERVER
    harden(response)


class HardenedConnection(RequestHandler):
    """aiohttp's connection handler, whose answers to unparsable requests are hardened too."""

    def handle_error(
        self, request: web.BaseRequest, status: int = 500, exc: BaseException | None = None, message: str | None = None
    ) -> web.StreamResponse:
        """aiohttp's plain-text error answer, with the gateway's headers instead of the version banner."""
        response = super().handle_error(request, status, exc, message)
        harden(response)
        return response


class HardenedServer(web.Server):
    """A low-level server whose connections are `HardenedConnection`s."""

    def __call__(self) -> RequestHandler:
        """A handler for one new connection."""
        return HardenedConnection(self, loop=self._loop, **self._kwargs)


class HardenedAppRunner(web.AppRunner):
    """An application's runner (the admin and PDP listeners) whose answers to requests aiohttp cannot
    parse carry the gateway's headers too: `on_prepare` never sees those."""

    async def _make_server(self) -> web.Server:
        server = await super()._make_server()
        # The application builds its server itself; only the connection handler it makes differs.
        server.__class__ = HardenedServer
        return server
