"""An issuer the tests control: discovery, a JWKS with one RSA key, and an introspection endpoint
whose answer the test sets, so that tokens the real provider would never issue (expired ones, an
introspection that fails) can be put to the gateway.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from joserfc import jwt
from joserfc.jwk import RSAKey

from tests.support.signer import discovery

AUDIENCE = "urn:gateway:api"


@dataclass
class SignerIssuer:
    """What the issuer serves; `url` is set once its server runs."""

    key: RSAKey = field(default_factory=lambda: RSAKey.generate_key(2048, {"kid": "signer-1", "use": "sig"}))
    introspection: tuple[int, dict[str, Any]] = (200, {"active": False})
    introspections: int = 0
    url: str = ""

    def app(self) -> web.Application:
        """The issuer's endpoints."""
        app = web.Application()
        app.router.add_get("/.well-known/openid-configuration", self._discovery)
        app.router.add_get("/jwks", self._jwks)
        app.router.add_post("/introspect", self._introspect)
        return app

    def access_token(self, **overrides: Any) -> str:
        """An RFC 9068 access token for AUDIENCE, valid for 5 minutes unless overridden."""
        now = int(time.time())
        claims = {"iss": self.url, "aud": AUDIENCE, "sub": "carol", "exp": now + 300, "iat": now}
        claims |= {"scope": "api:read", "client_id": "gateway-web", "jti": f"j{time.monotonic_ns()}"}
        claims.update(overrides)
        header = {"alg": "RS256", "kid": self.key.kid, "typ": "at+jwt"}
        return jwt.encode(header, claims, self.key, algorithms=["RS256"])

    async def _discovery(self, request: web.Request) -> web.Response:
        return web.json_response(discovery(self.url, introspection_endpoint=f"{self.url}/introspect"))

    async def _jwks(self, request: web.Request) -> web.Response:
        return web.json_response({"keys": [self.key.as_dict(private=False)]})

    async def _introspect(self, request: web.Request) -> web.Response:
        self.introspections += 1
        status, body = self.introspection
        return web.json_response(body, status=status)
