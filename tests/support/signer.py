"""A token signer the tests control: RSA keys, a JWKS server on loopback, forged tokens."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from joserfc import jws, jwt
from joserfc.jwk import ECKey, RSAKey

ISSUER = "https://issuer.test"
CLIENT_ID = "gateway-web"
NONCE = "n-0S6_WzA2Mj"
DROP = object()  # a claim override that removes the claim


def rsa_key(kid: str) -> RSAKey:
    """A fresh 2048-bit RSA signing key."""
    return RSAKey.generate_key(2048, {"kid": kid, "use": "sig"})


@dataclass
class JwksServer:
    """What the JWKS endpoint serves, and how many times it was fetched."""

    keys: list[Any]
    extra: list[dict[str, Any]] = field(default_factory=list)
    fetches: int = 0
    url: str = ""
    app: web.Application = field(default_factory=web.Application)
    # What the first fetch serves instead of `keys`: the previous set, as a cache in front may still hold it.
    first: list[Any] | None = None

    def __post_init__(self) -> None:
        self.app.router.add_get("/jwks", self._serve)

    async def _serve(self, request: web.Request) -> web.Response:
        self.fetches += 1
        keys = self.first if self.first is not None and self.fetches == 1 else self.keys
        served = [k.as_dict(private=False) for k in keys] + self.extra
        return web.json_response({"keys": served})


def discovery(issuer: str, **more: Any) -> dict[str, Any]:
    """A provider's discovery document at `issuer`: the usual endpoints under it, and `more`."""
    endpoints = {
        "authorization_endpoint": f"{issuer}/authorize",
        "token_endpoint": f"{issuer}/token",
        "jwks_uri": f"{issuer}/jwks",
    }
    return {"issuer": issuer, **endpoints, **more}


def claims(**overrides: Any) -> dict[str, Any]:
    """Valid id_token claims for CLIENT_ID from ISSUER, with overrides (DROP removes)."""
    now = int(time.time())
    base = {"iss": ISSUER, "aud": CLIENT_ID, "sub": "alice", "exp": now + 300, "iat": now}
    base["nonce"] = NONCE
    base.update(overrides)
    return {k: v for k, v in base.items() if v is not DROP}


def sign(payload: dict[str, Any], key: RSAKey | ECKey, *, alg: str = "RS256", **header: Any) -> str:
    """A JWS signed by `key`, its kid in the header unless the header overrides it."""
    protected = {"alg": alg, "kid": key.kid, **header}
    protected = {k: v for k, v in protected.items() if v is not DROP}
    return jwt.encode(protected, payload, key, algorithms=[alg], default_type=None)


def sign_bytes(payload: bytes, key: RSAKey) -> str:
    """A JWS over arbitrary bytes (a payload that is not a JSON object)."""
    return jws.serialize_compact({"alg": "RS256", "kid": key.kid}, payload, key, ["RS256"])


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _segments(header: dict[str, Any], payload: dict[str, Any]) -> str:
    return _b64(json.dumps(header).encode()) + "." + _b64(json.dumps(payload).encode())


def unsigned(payload: dict[str, Any], kid: str) -> str:
    """An `alg: none` token, as an attacker writes it."""
    return _segments({"alg": "none", "kid": kid}, payload) + "."


def hs256_with_public_key(payload: dict[str, Any], key: RSAKey) -> str:
    """An HS256 token whose HMAC secret is the RSA public key in PEM: the key-confusion attack.

    joserfc refuses to use an asymmetric key as an HMAC secret, so the attacker's token is
    computed with the standard library, as an attacker would.
    """
    signing_input = _segments({"alg": "HS256", "kid": key.kid, "typ": "JWT"}, payload)
    secret = key.as_pem(private=False)
    digest = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return signing_input + "." + _b64(digest)


def tamper(token: str, **changes: Any) -> str:
    """The token with its payload changed and the original signature kept."""
    header, payload, signature = token.split(".")
    padded = payload + "=" * (-len(payload) % 4)
    decoded = json.loads(base64.urlsafe_b64decode(padded))
    decoded.update(changes)
    return f"{header}.{_b64(json.dumps(decoded).encode())}.{signature}"
