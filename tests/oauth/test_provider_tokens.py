"""Access tokens from the real provider: RFC 9068 JWTs for the API, opaque ones via introspection."""

from __future__ import annotations

import aiohttp
import pytest

from gateway.oauth import tokens
from gateway.oauth.accesstoken import AccessTokenValidator, token_scopes
from gateway.oauth.client import ClientCredentials
from gateway.oauth.discovery import ProviderMetadata
from gateway.oauth.errors import InvalidToken, ProviderError
from gateway.oauth.introspection import introspect
from gateway.oauth.jwks import JwksCache
from gateway.oauth.tokens import TokenResponse
from idp.driver import API_RESOURCE, IdP
from idp.flows import code_flow
from tests.support.signer import tamper


def _validator(
    idp: IdP, session: aiohttp.ClientSession, metadata: ProviderMetadata, audience: str
) -> AccessTokenValidator:
    return AccessTokenValidator(idp.issuer, audience, JwksCache(session, metadata.jwks_uri))


async def test_access_token_for_the_api_resource_is_a_valid_rfc_9068_jwt(
    idp: IdP, session: aiohttp.ClientSession, metadata: ProviderMetadata
) -> None:
    _, answer = await code_flow(session, metadata, idp, "alice", resource=API_RESOURCE)
    validator = _validator(idp, session, metadata, API_RESOURCE)
    claims = await validator.validate(answer.access_token)
    assert claims["sub"] == "alice"
    assert claims["client_id"] == idp.web_client.client_id
    assert claims["aud"] == API_RESOURCE
    assert token_scopes(claims) == {"api:read"}


async def test_api_token_for_another_audience_is_refused(
    idp: IdP, session: aiohttp.ClientSession, metadata: ProviderMetadata
) -> None:
    _, answer = await code_flow(session, metadata, idp, "alice", resource=API_RESOURCE)
    with pytest.raises(InvalidToken) as caught:
        await _validator(idp, session, metadata, "urn:other:api").validate(answer.access_token)
    assert caught.value.code == "bad_audience"


async def test_real_id_token_is_refused_as_an_access_token(
    idp: IdP, session: aiohttp.ClientSession, metadata: ProviderMetadata
) -> None:
    _, answer = await code_flow(session, metadata, idp, "alice", resource=API_RESOURCE)
    assert answer.id_token is not None
    validator = _validator(idp, session, metadata, idp.web_client.client_id)
    with pytest.raises(InvalidToken) as caught:
        await validator.validate(answer.id_token)
    assert caught.value.code == "bad_token_type"


async def test_tampered_api_token_is_refused(
    idp: IdP, session: aiohttp.ClientSession, metadata: ProviderMetadata
) -> None:
    _, answer = await code_flow(session, metadata, idp, "alice", resource=API_RESOURCE)
    forged = tamper(answer.access_token, sub="admin")
    with pytest.raises(InvalidToken) as caught:
        await _validator(idp, session, metadata, API_RESOURCE).validate(forged)
    assert caught.value.code == "bad_signature"


async def test_opaque_access_token_is_not_a_jwt(
    idp: IdP, session: aiohttp.ClientSession, metadata: ProviderMetadata, alice: TokenResponse
) -> None:
    with pytest.raises(InvalidToken) as caught:
        await _validator(idp, session, metadata, API_RESOURCE).validate(alice.access_token)
    assert caught.value.code == "invalid_token"


async def test_opaque_access_token_is_active_until_revoked(
    idp: IdP, session: aiohttp.ClientSession, metadata: ProviderMetadata, alice: TokenResponse
) -> None:
    endpoint, revocation = metadata.introspection_endpoint, metadata.revocation_endpoint
    assert endpoint is not None and revocation is not None
    result = await introspect(session, endpoint, idp.web_client, alice.access_token)
    assert result["active"] is True
    assert result["sub"] == "alice"
    await tokens.revoke(session, revocation, idp.web_client, alice.access_token)
    with pytest.raises(InvalidToken) as caught:
        await introspect(session, endpoint, idp.web_client, alice.access_token)
    assert caught.value.code == "inactive_token"


async def test_unknown_token_is_inactive(idp: IdP, session: aiohttp.ClientSession, metadata: ProviderMetadata) -> None:
    assert metadata.introspection_endpoint is not None
    with pytest.raises(InvalidToken) as caught:
        await introspect(session, metadata.introspection_endpoint, idp.web_client, "made-up")
    assert caught.value.code == "inactive_token"


async def test_introspection_with_a_wrong_secret_denies(
    idp: IdP, session: aiohttp.ClientSession, metadata: ProviderMetadata, alice: TokenResponse
) -> None:
    assert metadata.introspection_endpoint is not None
    wrong = ClientCredentials(idp.web_client.client_id, "not-the-secret")
    with pytest.raises(ProviderError):
        await introspect(session, metadata.introspection_endpoint, wrong, alice.access_token)


async def test_revoked_access_token_is_refused_by_userinfo(
    idp: IdP, session: aiohttp.ClientSession, metadata: ProviderMetadata, alice: TokenResponse
) -> None:
    assert metadata.userinfo_endpoint is not None and metadata.revocation_endpoint is not None
    await tokens.revoke(session, metadata.revocation_endpoint, idp.web_client, alice.access_token)
    with pytest.raises(InvalidToken):
        await tokens.userinfo(session, metadata.userinfo_endpoint, alice.access_token)
