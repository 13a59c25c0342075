"""What the profiler's `bearer` case needs besides its route: a provider whose discovery document
and JWKS the upstream nginx serves as static files, and a valid RFC 9068 access token to send.

The token is the same for every request (the gateway's verified-token cache hits after the first
one, as in bench/auth's replay form): the count is the proxy path plus the filter's per-request
work, not the signature check, which bench/auth's distinct form measures."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from joserfc import jwt
from joserfc.jwk import RSAKey

AUDIENCE = "urn:bench:api"


def serve_provider(www: Path, issuer: str) -> tuple[dict[str, Any], dict[str, str]]:
    """Write the provider's documents under the upstream's web root; gateway.yaml settings and request headers."""
    key = RSAKey.generate_key(2048, {"kid": "bench", "use": "sig"})
    document = {
        "issuer": issuer,
        "authorization_endpoint": f"{issuer}/authorize",
        "token_endpoint": f"{issuer}/token",
        "jwks_uri": f"{issuer}/jwks.json",
    }
    (www / ".well-known").mkdir(exist_ok=True)
    (www / ".well-known" / "openid-configuration").write_text(json.dumps(document))
    (www / "jwks.json").write_text(json.dumps({"keys": [key.as_dict(private=False)]}))
    now = int(time.time())
    claims = {"iss": issuer, "aud": AUDIENCE, "sub": "bench-user", "client_id": "bench", "scope": "api:read",
              "iat": now, "exp": now + 86400, "jti": "bench-1"}  # fmt: skip
    token = jwt.encode({"alg": "RS256", "typ": "at+jwt", "kid": "bench"}, claims, key)
    provider = {"issuer": issuer, "clientId": "bench", "clientSecret": "bench"}
    settings = {"heap": [{"name": "idp", "type": "OidcProvider", "config": provider}]}
    return settings, {"Authorization": f"Bearer {token}"}
