"""A test signer acting as an OpenID provider on loopback: discovery, JWKS, an authorization
endpoint that approves at once, a token endpoint answering id_tokens the test crafts, userinfo.

    op.forge = lambda op, nonce: sign(op.claims(nonce, iss="https://evil.test"), op.key)

The authorization endpoint remembers each request's nonce under the code it hands out, so the
token endpoint can sign exactly what the test wants for that login attempt.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from joserfc.jwk import RSAKey
from yarl import URL

from tests.support.signer import DROP, discovery, rsa_key, sign
from tests.support.upstream import on_loopback

CLIENT_ID = "gateway-web"
CLIENT_SECRET = "fake-op-secret"

Forge = Callable[["FakeOp", str], str]


def valid(op: FakeOp, nonce: str) -> str:
    """A valid id_token for this login attempt."""
    return sign(op.claims(nonce), op.key)


@dataclass
class FakeOp:
    """What the provider serves and what it saw."""

    key: RSAKey = field(default_factory=lambda: rsa_key("key-1"))
    served: list[RSAKey] = field(default_factory=list)
    forge: Forge = valid
    userinfo_sub: str | None = None
    issuer: str = ""
    subject: str = "alice"
    sid: str = "op-session-1"
    token_calls: int = 0
    jwks_fetches: int = 0
    nonces: dict[str, str] = field(default_factory=dict)
    _codes: itertools.count[int] = field(default_factory=itertools.count)

    def __post_init__(self) -> None:
        if not self.served:
            self.served = [self.key]

    def claims(self, nonce: str | None = None, **overrides: Any) -> dict[str, Any]:
        """Valid id_token claims for the gateway's client, with overrides (DROP removes one)."""
        now = int(time.time())
        base: dict[str, Any] = {"iss": self.issuer, "aud": CLIENT_ID, "sub": self.subject, "exp": now + 300}
        base |= {"iat": now, "nonce": nonce, "sid": self.sid, "email": f"{self.subject}@example.com"}
        base.update(overrides)
        return {k: v for k, v in base.items() if v is not DROP and v is not None}

    def app(self) -> web.Application:
        """The provider's endpoints."""
        app = web.Application()
        app.router.add_get("/.well-known/openid-configuration", self._discovery)
        app.router.add_get("/jwks", self._jwks)
        app.router.add_get("/authorize", self._authorize)
        app.router.add_post("/token", self._token)
        app.router.add_get("/userinfo", self._userinfo)
        return app

    async def _discovery(self, request: web.Request) -> web.Response:
        more = {"userinfo_endpoint": f"{self.issuer}/userinfo", "id_token_signing_alg_values_supported": ["RS256"]}
        return web.json_response(discovery(self.issuer, **more, code_challenge_methods_supported=["S256"]))

    async def _jwks(self, request: web.Request) -> web.Response:
        self.jwks_fetches += 1
        return web.json_response({"keys": [k.as_dict(private=False) for k in self.served]})

    async def _authorize(self, request: web.Request) -> web.Response:
        code = f"code-{next(self._codes)}"
        self.nonces[code] = request.query["nonce"]
        target = URL(request.query["redirect_uri"]).with_query(code=code, state=request.query["state"])
        return web.Response(status=302, headers={"Location": str(target)})

    async def _token(self, request: web.Request) -> web.Response:
        self.token_calls += 1
        form = await request.post()
        nonce = self.nonces.pop(str(form.get("code")), None)
        if nonce is None:
            return web.json_response({"error": "invalid_grant"}, status=400)
        id_token = self.forge(self, nonce)
        answer = {"access_token": f"at-{self.token_calls}", "token_type": "Bearer", "expires_in": 300}
        return web.json_response({**answer, "id_token": id_token})

    async def _userinfo(self, request: web.Request) -> web.Response:
        sub = self.userinfo_sub or self.subject
        return web.json_response({"sub": sub, "email": f"{self.subject}@example.com", "groups": ["users"]})


@asynccontextmanager
async def running_op(op: FakeOp | None = None) -> AsyncIterator[FakeOp]:
    """The provider on a free loopback port; its URL is the issuer."""
    op = op or FakeOp()
    async with on_loopback(op.app()) as url:
        op.issuer = url
        yield op
