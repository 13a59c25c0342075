"""Independent checks of Security Event Tokens: joserfc with the published JWKS, and the header and
claim rules of RFC 8417, RFC 9493, SSF 1.0 and CAEP 1.0 as a table."""

from __future__ import annotations

import base64
import json
from typing import Any

from joserfc import jws
from joserfc.jwk import KeySet

SESSION_REVOKED = "https://schemas.openid.net/secevent/caep/event-type/session-revoked"


def verify_set(token: str, jwks: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(header, claims) of a SET whose RS256 signature verifies with a key of `jwks` named by `kid`."""
    keys = KeySet.import_key_set(jwks)  # type: ignore[arg-type]
    signed = jws.extract_compact(token.encode())
    header = signed.headers()
    [key] = [k for k in keys if k.kid == header["kid"]]
    assert jws.validate_compact(signed, key, registry=jws.JWSRegistry(algorithms=["RS256"]))
    return dict(header), json.loads(signed.payload or b"")


def header_rules(header: dict[str, Any], jwks: dict[str, Any]) -> list[tuple[str, bool]]:
    """Each header rule with whether it holds."""
    kids = [k["kid"] for k in jwks["keys"]]
    bits = max(len(k["n"]) * 6 for k in jwks["keys"])
    return [
        ("typ is secevent+jwt", header.get("typ") == "secevent+jwt"),
        ("alg is RS256", header.get("alg") == "RS256"),
        ("kid is published", header.get("kid") in kids),
        ("key is 2048 bits or more", bits >= 2048),
    ]


def claim_rules(claims: dict[str, Any], iss: str, aud: Any) -> list[tuple[str, bool]]:
    """Each claim rule of a session-revoked SET with whether it holds."""
    events = claims.get("events", {})
    event = events.get(SESSION_REVOKED, {})
    return [
        ("iss", claims.get("iss") == iss),
        ("aud", claims.get("aud") == aud),
        ("iat is a number", isinstance(claims.get("iat"), int | float)),
        ("jti is a string", isinstance(claims.get("jti"), str) and len(claims["jti"]) >= 16),
        ("txn is a string", isinstance(claims.get("txn"), str)),
        ("no sub", "sub" not in claims),
        ("no exp", "exp" not in claims),
        ("sub_id is an object", isinstance(claims.get("sub_id"), dict)),
        ("exactly one event", list(events) == [SESSION_REVOKED]),
        ("event_timestamp is a number", isinstance(event.get("event_timestamp"), int | float)),
        ("initiating_entity", event.get("initiating_entity") in ("user", "admin", "policy", "system")),
        ("reason_admin.en", isinstance(event.get("reason_admin", {}).get("en"), str)),
    ]


def check_set(token: str, jwks: dict[str, Any], iss: str, aud: Any) -> dict[str, Any]:
    """The claims of a SET that passes every rule; fails naming the rules that do not hold."""
    header, claims = verify_set(token, jwks)
    broken = [name for name, ok in header_rules(header, jwks) + claim_rules(claims, iss, aud) if not ok]
    assert not broken, f"SET breaks {broken}: {header} {claims}"
    return claims


def unverified_claims(token: str) -> dict[str, Any]:
    """The payload of a compact JWS, unverified (for tests that already verified it, or need not)."""
    payload = token.split(".")[1]
    return dict(json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))))
