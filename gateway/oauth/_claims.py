"""Registered JWT claim checks (RFC 7519 4.1) shared by id_token and access token validation."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gateway.oauth.errors import BadAudience, BadIssuer, Expired, MissingClaim, NotYetValid


def string_claim(claims: Mapping[str, Any], name: str) -> str:
    """A required, non-empty string claim."""
    value = claims.get(name)
    if not isinstance(value, str) or not value:
        raise MissingClaim(f"{name} is missing or not a string")
    return value


def time_claim(claims: Mapping[str, Any], name: str) -> float | None:
    """A NumericDate claim, or None when absent."""
    value = claims.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise MissingClaim(f"{name} is not a NumericDate")
    return float(value)


def check_issuer(claims: Mapping[str, Any], issuer: str) -> None:
    """`iss` must equal the provider's issuer exactly."""
    if claims.get("iss") != issuer:
        raise BadIssuer(f"iss {claims.get('iss')!r} is not {issuer!r}")


def audiences(claims: Mapping[str, Any]) -> tuple[str, ...]:
    """`aud` as a tuple (a string or a list of strings)."""
    aud = claims.get("aud")
    if isinstance(aud, str):
        return (aud,)
    if isinstance(aud, list) and aud and all(isinstance(a, str) for a in aud):
        return tuple(aud)
    raise BadAudience("aud is missing or malformed")


def check_times(claims: Mapping[str, Any], now: float, leeway: float, *, require_iat: bool) -> None:
    """`exp` required and not passed; `nbf` and `iat` not in the future (within `leeway`)."""
    exp = time_claim(claims, "exp")
    if exp is None:
        raise MissingClaim("exp is missing")
    if now >= exp + leeway:
        raise Expired(f"expired {now - exp:.0f} s ago")
    iat = time_claim(claims, "iat")
    if iat is None and require_iat:
        raise MissingClaim("iat is missing")
    for name, value in (("nbf", time_claim(claims, "nbf")), ("iat", iat)):
        if value is not None and value > now + leeway:
            raise NotYetValid(f"{name} is {value - now:.0f} s in the future")
