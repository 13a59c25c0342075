"""OAuth 2.0 Token Introspection (RFC 7662) with the gateway's client credentials.

Only a JSON `true` in `active` means active (RFC 7662 2.2): `"true"`, `1` or a missing member
all mean inactive. Any error of the endpoint denies, never allows.
"""

from __future__ import annotations

import time
from typing import Any

import aiohttp

from gateway.oauth._http import post_form
from gateway.oauth.client import ClientCredentials
from gateway.oauth.errors import Expired, InactiveToken, ProviderError


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
