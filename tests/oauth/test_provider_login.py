"""Authorization code flow with PKCE against the real provider: login, tokens, id_token, logout."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest
from aiohttp import web
from joserfc import jws
from yarl import URL

from gateway.oauth import tokens
from gateway.oauth.discovery import ProviderMetadata, discover
from gateway.oauth.errors import InvalidToken, TokenRefused
from gateway.oauth.idtoken import IdTokenValidator
from gateway.oauth.jwks import JwksCache
from gateway.oauth.tokens import TokenResponse
from idp.driver import IdP, browser, confirm_logout
from idp.flows import POST_LOGOUT_URI, REDIRECT_URI, authorize, code_flow
from tests.support.fixtures import ServerFactory


def _validator(idp: IdP, session: aiohttp.ClientSession, metadata: ProviderMetadata) -> IdTokenValidator:
    keys = JwksCache(session, metadata.jwks_uri)
    return IdTokenValidator(idp.issuer, idp.web_client.client_id, keys)


async def _login_claims(
    idp: IdP, session: aiohttp.ClientSession, metadata: ProviderMetadata, username: str
) -> dict[str, Any]:
    """The checked id_token claims of a fresh code-flow login as `username`."""
    auth, answer = await code_flow(session, metadata, idp, username)
    assert answer.id_token is not None
    return await _validator(idp, session, metadata).validate(answer.id_token, nonce=auth.nonce)


async def test_code_flow_with_pkce_yields_a_valid_id_token(
    idp: IdP, session: aiohttp.ClientSession, metadata: ProviderMetadata
) -> None:
    claims = await _login_claims(idp, session, metadata, "alice")
    assert claims["sub"] == "alice"
    assert claims["email"] == "alice@example.com"
    assert claims["groups"] == ["users"]


async def test_login_name_starting_with_admin_gets_the_admins_group(
    idp: IdP, session: aiohttp.ClientSession, metadata: ProviderMetadata
) -> None:
    claims = await _login_claims(idp, session, metadata, "admin-bob")
    assert claims["groups"] == ["admins", "users"]


async def test_real_id_token_with_another_nonce_is_refused(
    idp: IdP, session: aiohttp.ClientSession, metadata: ProviderMetadata, alice: TokenResponse
) -> None:
    assert alice.id_token is not None
    with pytest.raises(InvalidToken) as caught:
        await _validator(idp, session, metadata).validate(alice.id_token, nonce="other")
    assert caught.value.code == "bad_nonce"


async def test_code_exchange_with_another_verifier_is_refused(
    idp: IdP, session: aiohttp.ClientSession, metadata: ProviderMetadata
) -> None:
    auth = await authorize(session, metadata, idp, "alice")
    with pytest.raises(TokenRefused) as caught:
        await tokens.exchange_code(
            session,
            metadata.token_endpoint,
            idp.web_client,
            code=auth.code,
            redirect_uri=REDIRECT_URI,
            code_verifier="x" * 43,
        )
    assert caught.value.error == "invalid_grant"


async def test_replayed_code_is_refused(idp: IdP, session: aiohttp.ClientSession, metadata: ProviderMetadata) -> None:
    auth = await authorize(session, metadata, idp, "alice")
    exchange = {
        "code": auth.code,
        "redirect_uri": REDIRECT_URI,
        "code_verifier": auth.pkce.verifier,
    }
    await tokens.exchange_code(session, metadata.token_endpoint, idp.web_client, **exchange)
    with pytest.raises(TokenRefused) as caught:
        await tokens.exchange_code(session, metadata.token_endpoint, idp.web_client, **exchange)
    assert caught.value.error == "invalid_grant"


async def test_wrong_client_secret_is_refused_at_the_token_endpoint(
    idp: IdP, session: aiohttp.ClientSession, metadata: ProviderMetadata
) -> None:
    auth = await authorize(session, metadata, idp, "alice")
    wrong = type(idp.web_client)(idp.web_client.client_id, "not-the-secret")
    with pytest.raises(TokenRefused) as caught:
        await tokens.exchange_code(
            session,
            metadata.token_endpoint,
            wrong,
            code=auth.code,
            redirect_uri=REDIRECT_URI,
            code_verifier=auth.pkce.verifier,
        )
    assert caught.value.error == "invalid_client"


async def test_refresh_token_yields_a_working_access_token(
    idp: IdP, session: aiohttp.ClientSession, metadata: ProviderMetadata, alice: TokenResponse
) -> None:
    assert alice.refresh_token is not None
    fresh = await tokens.refresh(session, metadata.token_endpoint, idp.web_client, refresh_token=alice.refresh_token)
    assert fresh.access_token != alice.access_token
    assert metadata.userinfo_endpoint is not None
    info = await tokens.userinfo(session, metadata.userinfo_endpoint, fresh.access_token)
    assert info["sub"] == "alice"


async def test_revoked_refresh_token_no_longer_refreshes(
    idp: IdP, session: aiohttp.ClientSession, metadata: ProviderMetadata, alice: TokenResponse
) -> None:
    assert alice.refresh_token is not None and metadata.revocation_endpoint is not None
    await tokens.revoke(
        session,
        metadata.revocation_endpoint,
        idp.web_client,
        alice.refresh_token,
        token_type_hint="refresh_token",
    )
    with pytest.raises(TokenRefused) as caught:
        await tokens.refresh(session, metadata.token_endpoint, idp.web_client, refresh_token=alice.refresh_token)
    assert caught.value.error == "invalid_grant"


async def test_userinfo_with_another_subject_than_the_id_token_is_refused(
    session: aiohttp.ClientSession, metadata: ProviderMetadata, alice: TokenResponse
) -> None:
    assert metadata.userinfo_endpoint is not None
    endpoint, token = metadata.userinfo_endpoint, alice.access_token
    assert (await tokens.userinfo(session, endpoint, token, expected_sub="alice"))["sub"] == "alice"
    with pytest.raises(InvalidToken) as caught:
        await tokens.userinfo(session, endpoint, token, expected_sub="mallory")
    assert caught.value.code == "sub_mismatch"


async def test_id_tokens_signed_after_key_rotation_verify_after_one_refetch(
    session: aiohttp.ClientSession,
) -> None:
    with IdP(redirect_uris=[REDIRECT_URI]) as idp:
        metadata = await discover(session, idp.issuer)
        validator = _validator(idp, session, metadata)
        auth, answer = await code_flow(session, metadata, idp, "alice")
        assert answer.id_token is not None
        await validator.validate(answer.id_token, nonce=auth.nonce)
        idp.rotate_keys("rotated-key")
        async with browser() as fresh_browser:
            auth, answer = await code_flow(fresh_browser, metadata, idp, "alice")
        assert answer.id_token is not None
        assert jws.extract_compact(answer.id_token.encode()).headers()["kid"] == "rotated-key"
        claims = await validator.validate(answer.id_token, nonce=auth.nonce)
        assert claims["sub"] == "alice"


async def test_logout_at_the_provider_returns_to_the_post_logout_uri(
    session: aiohttp.ClientSession, metadata: ProviderMetadata, alice: TokenResponse
) -> None:
    assert metadata.end_session_endpoint is not None and alice.id_token is not None
    url = URL(metadata.end_session_endpoint).with_query(
        id_token_hint=alice.id_token, post_logout_redirect_uri=POST_LOGOUT_URI, state="s-1"
    )
    final = await confirm_logout(session, url, stop_at=POST_LOGOUT_URI)
    assert final.query["state"] == "s-1"


async def test_back_channel_logout_reaches_a_loopback_receiver(
    session: aiohttp.ClientSession, aiohttp_server: ServerFactory
) -> None:
    received: list[str] = []

    async def receive(request: web.Request) -> web.Response:
        received.append(str((await request.post())["logout_token"]))
        return web.Response()

    app = web.Application()
    app.router.add_post("/backchannel", receive)
    receiver = await aiohttp_server(app)
    uri = str(receiver.make_url("/backchannel"))
    with IdP(redirect_uris=[REDIRECT_URI], backchannel_logout_uri=uri) as idp:
        metadata = await discover(session, idp.issuer)
        _, answer = await code_flow(session, metadata, idp, "alice")
        assert metadata.end_session_endpoint is not None and answer.id_token is not None
        url = URL(metadata.end_session_endpoint).with_query(id_token_hint=answer.id_token)
        await confirm_logout(session, url)
    assert len(received) == 1
    logout = jws.extract_compact(received[0].encode())
    assert logout.headers()["typ"] == "logout+jwt"
    assert b"http://schemas.openid.net/event/backchannel-logout" in (logout.payload or b"")


async def test_id_token_of_a_second_provider_is_refused_by_the_first(
    idp: IdP, session: aiohttp.ClientSession, metadata: ProviderMetadata
) -> None:
    with IdP(redirect_uris=[REDIRECT_URI]) as other:
        assert other.issuer != idp.issuer
        other_metadata = await discover(session, other.issuer)
        auth, answer = await code_flow(session, other_metadata, other, "alice")
    assert answer.id_token is not None
    # Both providers sign with a key named idp-key-1; only the first one's key counts.
    with pytest.raises(InvalidToken) as caught:
        await _validator(idp, session, metadata).validate(answer.id_token, nonce=auth.nonce)
    assert caught.value.code == "bad_signature"
