"""OAuth 2.0 Token Introspection (RFC 7662) with the gateway's client credentials.

Only a JSON `true` in `active` means active (RFC 7662 2.2): `"true"`, `1` or a missing member
all mean inactive. Any error of the endpoint denies, never allows.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

import aiohttp

from gateway.oauth._claims import audiences, check_issuer
from gateway.oauth._http import post_form
from gateway.oauth.client import ClientCredentials
from gateway.oauth.errors import BadAudience, BadTokenType, Expired, InactiveToken, ProviderError


async def introspect(
    session: aiohttp.ClientSession,
    endpoint: str,
    client: ClientCredentials,
    token: str,
    *,
    token_type_hint: str | None = "access_token",  # noqa: S107 - a hint, not a secret
    now: float | None = None,
) -> dict[str, Any]:
    """Return the introspection answer of an active token; raise InactiveToken otherwise."""
    form = {"token": token}
    if token_type_hint:
        form["token_type_hint"] = token_type_hint
    status, doc = await post_form(session, endpoint, form, client)
    if status != 200:
        raise ProviderError(f"introspection status {status}: {doc.get('error', '')}")
    if doc.get("active") is not True:
        raise InactiveToken("introspection says the token is not active")
    exp = doc.get("exp")
    # A provider may answer from a cache; an `exp` already past still means no.
    expired = isinstance(exp, int | float) and exp <= (time.time() if now is None else now)
    if expired and not isinstance(exp, bool):
        raise Expired("introspection answered an expired token")
    return doc


def check_introspected(doc: Mapping[str, Any], issuer: str, audience: str, *, require_token_type: bool) -> None:
    """Refuse an active token's answer that names another issuer or audience, or is not a bearer token
    (an empty `issuer` or `audience` is not checked: OpenIG's resource server checks neither)."""
    if issuer and "iss" in doc:
        check_issuer(doc, issuer)
    if audience and "aud" in doc and audience not in audiences(doc):
        raise BadAudience(f"aud lacks {audience!r}")
    check_token_type(doc, required=require_token_type)


def check_token_type(doc: Mapping[str, Any], *, required: bool) -> None:
    """Refuse an introspection answer whose `token_type` is not Bearer (any case), or is missing when `required`."""
    token_type = doc.get("token_type")
    if token_type is None:
        if required:
            raise BadTokenType("the introspection answer names no token_type (a refresh token?)")
    elif not isinstance(token_type, str) or token_type.lower() != "bearer":
        raise BadTokenType(f"token_type {token_type!r} is not Bearer")
