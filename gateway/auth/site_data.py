"""Clear-Site-Data (W3C Clear Site Data) at the end of a logout: the browser drops what it kept
of the gateway's origin, the cached pages that Back would show and the upstream apps' cookies.

`"cookies"` reaches every host of the registrable domain, and for an IP address every port, so the
provider's cookies too when it shares the domain. Hence the full header goes only on the last
response of a logout, once the provider has ended its session and sent the browser back; the
response that leaves for the provider clears the cache alone. The last response is reachable by
a plain GET, so it clears only for the browser that posted the logout: the POST leaves a random
nonce in a cookie scoped to the logout path and seals the same nonce into the `state` it sends
to the provider, and the two must match when the browser comes back.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Sequence

from aiohttp import web

BINDING_COOKIE = "gw_logout"
BINDING_LIFETIME = 600


def header_value(directives: Sequence[str]) -> str:
    """`"cache", "cookies"` as the header writes them."""
    return ", ".join(f'"{directive}"' for directive in directives)


class SiteData:
    """What a logout asks the browser to clear, and when."""

    def __init__(self, directives: Sequence[str], logout_path: str) -> None:
        self.full = header_value(directives)
        self.leaving = header_value([d for d in directives if d == "cache"])
        self.path = logout_path

    def on_leaving(self, response: web.StreamResponse, secure: bool) -> str:
        """On the redirect to the provider: clear the cache; the nonce to seal into `state`."""
        if self.leaving:
            response.headers["Clear-Site-Data"] = self.leaving
        if not self.full:
            return ""
        nonce = secrets.token_urlsafe(16)
        response.set_cookie(
            BINDING_COOKIE, nonce, max_age=BINDING_LIFETIME, path=self.path, httponly=True, samesite="Lax",
            secure=secure,
        )  # fmt: skip
        return nonce

    def on_return(self, request: web.BaseRequest, response: web.StreamResponse, nonce: object) -> None:
        """Back from the provider: clear everything when this browser posted the logout."""
        cookie = request.cookies.get(BINDING_COOKIE)
        if not cookie:
            return
        response.del_cookie(BINDING_COOKIE, path=self.path)
        if isinstance(nonce, str) and hmac.compare_digest(cookie.encode(), nonce.encode()):
            self.clear(response)

    def clear(self, response: web.StreamResponse) -> None:
        """Clear everything (a logout that never left the gateway)."""
        if self.full:
            response.headers["Clear-Site-Data"] = self.full
