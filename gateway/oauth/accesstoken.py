"""JWT access tokens per RFC 9068 (JWT Profile for OAuth 2.0 Access Tokens), section 4.

A resource server accepts only `typ` `at+jwt` (or `application/at+jwt`), so that an id_token or
any other JWT signed by the same provider cannot pass as an access token (RFC 9068 4, RFC 8725
3.11); then `iss` exactly, `aud` holding the configured audience, `exp`, and the signature with
the provider's keys and allowed algorithms.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gateway.oauth._claims import audiences, check_times, string_claim
from gateway.oauth._jws import IssuerTokenValidator
from gateway.oauth.errors import BadAudience

ACCESS_TOKEN_TYPES = frozenset({"at+jwt", "application/at+jwt"})


class AccessTokenValidator(IssuerTokenValidator):
    """Validate one provider's RFC 9068 access tokens for one audience (the API's resource)."""

    async def validate(self, token: str) -> dict[str, Any]:
        """Return the claims of a valid access token."""
        claims = await self._verified(token, ACCESS_TOKEN_TYPES, typ_required=True, what="at+jwt")
        # An empty audience accepts any (OpenIG's resource server checks none).
        if self.audience and self.audience not in audiences(claims):
            raise BadAudience(f"aud lacks {self.audience!r}")
        check_times(claims, self._clock(), self._leeway, require_iat=False)
        string_claim(claims, "sub")
        return claims


def token_scopes(claims: Mapping[str, Any]) -> frozenset[str]:
    """The scopes granted to a token: `scope` (space-separated, RFC 9068 2.2.3) or a `scp` list."""
    scope = claims.get("scope")
    if isinstance(scope, str):
        return frozenset(scope.split())
    scp = claims.get("scp")
    if isinstance(scp, list):
        return frozenset(s for s in scp if isinstance(s, str))
    return frozenset()
