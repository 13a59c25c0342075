"""Token endpoint requests (RFC 6749 4.1.3, 4.4, 6), revocation (RFC 7009) and UserInfo (OIDC Core 5.3).

Code exchange always sends the PKCE `code_verifier` (RFC 7636 4.5). Error answers from the
token endpoint become `TokenRefused` carrying the provider's `error` code (RFC 6749 5.2).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Self

import aiohttp

from gateway.oauth._http import JsonObject, get_json, post_form
from gateway.oauth.client import ClientCredentials
from gateway.oauth.errors import InvalidToken, ProviderError, SubjectMismatch, TokenRefused


@dataclass(frozen=True, slots=True)
class TokenResponse:
    """A successful token response (RFC 6749 5.1, OpenID Connect Core 3.1.3.3)."""

    access_token: str = field(repr=False)
    token_type: str
    expires_in: int | None = None
    refresh_token: str | None = field(default=None, repr=False)
    id_token: str | None = field(default=None, repr=False)
    scope: str | None = None

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> Self:
        """Check and read a token response; only Bearer tokens are supported."""
        access_token, token_type = doc.get("access_token"), doc.get("token_type")
        if not isinstance(access_token, str) or not access_token:
            raise ProviderError("token response lacks access_token")
        if not isinstance(token_type, str) or token_type.lower() != "bearer":
            raise ProviderError(f"token_type {token_type!r} is not Bearer")
        expires_in = doc.get("expires_in")
        return cls(
            access_token=access_token,
            token_type="Bearer",  # noqa: S106 - the scheme, not a secret
            expires_in=expires_in if isinstance(expires_in, int) and expires_in >= 0 else None,
            refresh_token=_optional_str(doc, "refresh_token"),
            id_token=_optional_str(doc, "id_token"),
            scope=_optional_str(doc, "scope"),
        )


async def token_request(
    session: aiohttp.ClientSession, endpoint: str, client: ClientCredentials, form: dict[str, str]
) -> TokenResponse:
    """POST a grant to the token endpoint; raise TokenRefused on an OAuth error answer."""
    status, doc = await post_form(session, endpoint, form, client)
    if status == 200:
        return TokenResponse.from_json(doc)
    raise refusal(status, doc)


def refusal(status: int, doc: JsonObject) -> TokenRefused | ProviderError:
    """The error for a non-200 token endpoint answer (RFC 6749 5.2)."""
    error = doc.get("error")
    if status in (400, 401) and isinstance(error, str):
        return TokenRefused(f"{error}: {doc.get('error_description', '')}", error=error)
    return ProviderError(f"token endpoint status {status}")


async def exchange_code(
    session: aiohttp.ClientSession,
    endpoint: str,
    client: ClientCredentials,
    *,
    code: str,
    redirect_uri: str,
    code_verifier: str,
    resource: str | None = None,
) -> TokenResponse:
    """Exchange an authorization code, proving possession of the PKCE verifier."""
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": redirect_uri,
        "code_verifier": code_verifier,
    }
    return await token_request(session, endpoint, client, _with(form, resource=resource))


async def client_credentials(
    session: aiohttp.ClientSession,
    endpoint: str,
    client: ClientCredentials,
    *,
    scope: str | None = None,
    resource: str | None = None,
) -> TokenResponse:
    """An access token for the client itself (RFC 6749 4.4), e.g. to call a PDP."""
    form = _with({"grant_type": "client_credentials"}, scope=scope, resource=resource)
    return await token_request(session, endpoint, client, form)


async def refresh(
    session: aiohttp.ClientSession,
    endpoint: str,
    client: ClientCredentials,
    *,
    refresh_token: str,
    scope: str | None = None,
    resource: str | None = None,
) -> TokenResponse:
    """Use a refresh token (RFC 6749 6); the answer may carry a rotated refresh token."""
    form = {"grant_type": "refresh_token", "refresh_token": refresh_token}
    form = _with(form, scope=scope, resource=resource)
    return await token_request(session, endpoint, client, form)


async def revoke(
    session: aiohttp.ClientSession,
    endpoint: str,
    client: ClientCredentials,
    token: str,
    *,
    token_type_hint: str | None = None,
) -> None:
    """Revoke a token (RFC 7009 2.1); an unknown token also answers 200 (2.2)."""
    form = _with({"token": token}, token_type_hint=token_type_hint)
    status, doc = await post_form(session, endpoint, form, client)
    if status != 200:
        raise refusal(status, doc)


async def userinfo(
    session: aiohttp.ClientSession,
    endpoint: str,
    access_token: str,
    *,
    expected_sub: str | None = None,
) -> dict[str, Any]:
    """Fetch UserInfo claims; `sub` must equal `expected_sub` (the id_token's) when given."""
    status, doc = await get_json(session, endpoint, {"Authorization": f"Bearer {access_token}"})
    if status == 401:
        raise InvalidToken("userinfo refused the access token")
    if status != 200:
        raise ProviderError(f"userinfo status {status}")
    sub = doc.get("sub")
    if not isinstance(sub, str):
        raise ProviderError("userinfo lacks sub")
    if expected_sub is not None and sub != expected_sub:
        raise SubjectMismatch("userinfo sub differs from the id_token sub")
    return doc


def _with(form: dict[str, str], **optional: str | None) -> dict[str, str]:
    return {**form, **{k: v for k, v in optional.items() if v is not None}}


def _optional_str(doc: Mapping[str, Any], name: str) -> str | None:
    value = doc.get(name)
    return value if isinstance(value, str) and value else None
