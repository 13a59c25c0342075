"""Logout Token validation per OpenID Connect Back-Channel Logout 1.0, 2.4 and 2.6.

The signature with the provider's keys and allowed algorithms only; `typ`, when present, not
another kind of JWT; `iss` exact; `aud` holds this client; `iat` and `exp`; `events` holds the
back-channel logout event; `sid` or `sub`; no `nonce` (so an id_token never passes for one);
a `jti` for replay detection, which the caller records.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gateway.oauth._claims import audiences, check_times, string_claim, time_claim
from gateway.oauth._jws import IssuerTokenValidator
from gateway.oauth.errors import BadAudience, InvalidToken, MissingClaim

EVENT = "http://schemas.openid.net/event/backchannel-logout"
LOGOUT_TOKEN_TYPES = frozenset({"jwt", "logout+jwt", "application/logout+jwt"})


@dataclass(frozen=True, slots=True)
class LogoutToken:
    """The checked claims of a logout token."""

    issuer: str
    subject: str | None
    sid: str | None
    jti: str
    expires: float


class LogoutTokenValidator(IssuerTokenValidator):
    """Validate one provider's logout tokens for one client (the audience is its client_id)."""

    async def validate(self, token: str) -> LogoutToken:
        """The logout token's claims; raise InvalidToken (a subclass) when a check fails."""
        claims = await self._verified(token, LOGOUT_TOKEN_TYPES, typ_required=False, what="a logout token")
        if self.audience not in audiences(claims):
            raise BadAudience(f"aud lacks client {self.audience!r}")
        check_times(claims, self._clock(), self._leeway, require_iat=True)
        _check_event(claims)
        if "nonce" in claims:
            raise InvalidToken("a logout token carries no nonce")
        subject, sid = _optional(claims, "sub"), _optional(claims, "sid")
        if subject is None and sid is None:
            raise MissingClaim("a logout token names sub or sid")
        expires = time_claim(claims, "exp")
        assert expires is not None  # check_times requires it
        return LogoutToken(self.issuer, subject, sid, string_claim(claims, "jti"), expires)


def _check_event(claims: dict[str, Any]) -> None:
    events = claims.get("events")
    if not isinstance(events, dict) or not isinstance(events.get(EVENT), dict):
        raise MissingClaim(f"events lacks {EVENT}")


def _optional(claims: dict[str, Any], name: str) -> str | None:
    value = claims.get(name)
    if value is None:
        return None
    if not isinstance(value, str) or not value:
        raise MissingClaim(f"{name} is not a string")
    return value
