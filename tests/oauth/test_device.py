"""RFC 8628 device authorization grant, client side, against the real provider."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from gateway.oauth.client import ClientCredentials
from gateway.oauth.device import (
    DeviceAuthorization,
    PollStatus,
    poll_token,
    request_device_authorization,
)
from gateway.oauth.discovery import ProviderMetadata, discover
from gateway.oauth.errors import ProviderError, TokenRefused
from gateway.oauth.idtoken import IdTokenValidator
from gateway.oauth.jwks import JwksCache
from idp.driver import IdP, approve_device, browser
from tests.support.fixtures import ServerFactory

SCOPE = "openid email groups offline_access"


async def _start(
    session: aiohttp.ClientSession, metadata: ProviderMetadata, client: ClientCredentials
) -> DeviceAuthorization:
    assert metadata.device_authorization_endpoint is not None
    return await request_device_authorization(session, metadata.device_authorization_endpoint, client, scope=SCOPE)


@pytest.mark.parametrize("which", ["device_client", "web_client"])
async def test_approved_device_gets_tokens_with_a_valid_id_token(
    idp: IdP, session: aiohttp.ClientSession, metadata: ProviderMetadata, which: str
) -> None:
    client: ClientCredentials = getattr(idp, which)
    grant = await _start(session, metadata, client)
    assert grant.verification_uri == f"{idp.issuer}/device"
    assert grant.interval == 5  # the provider sends none: RFC 8628 3.2 default
    pending = await poll_token(session, metadata.token_endpoint, client, grant.device_code)
    assert pending.status is PollStatus.PENDING and pending.tokens is None
    async with browser() as user:
        await approve_device(user, idp, grant.user_code, "admin-dana")
    done = await poll_token(session, metadata.token_endpoint, client, grant.device_code)
    assert done.status is PollStatus.TOKENS and done.tokens is not None
    assert done.tokens.refresh_token is not None and done.tokens.id_token is not None
    validator = IdTokenValidator(idp.issuer, client.client_id, JwksCache(session, metadata.jwks_uri))
    claims = await validator.validate(done.tokens.id_token, nonce=None)
    assert claims["sub"] == "admin-dana"
    assert claims["groups"] == ["admins", "users"]


async def test_denied_device_polls_access_denied(
    idp: IdP, session: aiohttp.ClientSession, metadata: ProviderMetadata
) -> None:
    grant = await _start(session, metadata, idp.device_client)
    async with browser() as user:
        await approve_device(user, idp, grant.user_code, "alice", deny=True)
    result = await poll_token(session, metadata.token_endpoint, idp.device_client, grant.device_code)
    assert result.status is PollStatus.DENIED


async def test_device_code_used_twice_is_refused(
    idp: IdP, session: aiohttp.ClientSession, metadata: ProviderMetadata
) -> None:
    client = idp.device_client
    grant = await _start(session, metadata, client)
    async with browser() as user:
        await approve_device(user, idp, grant.user_code, "alice")
    await poll_token(session, metadata.token_endpoint, client, grant.device_code)
    with pytest.raises(TokenRefused) as caught:
        await poll_token(session, metadata.token_endpoint, client, grant.device_code)
    assert caught.value.error == "invalid_grant"


async def test_expired_device_code_polls_expired_token(session: aiohttp.ClientSession) -> None:
    with IdP(ttl={"DeviceCode": 1}) as idp:
        metadata = await discover(session, idp.issuer)
        grant = await _start(session, metadata, idp.device_client)
        await asyncio.sleep(2.1)  # the code's lifetime is 1 s at this provider
        result = await poll_token(session, metadata.token_endpoint, idp.device_client, grant.device_code)
    assert result.status is PollStatus.EXPIRED


async def test_unknown_client_cannot_start_a_device_grant(
    session: aiohttp.ClientSession, metadata: ProviderMetadata
) -> None:
    with pytest.raises(TokenRefused) as caught:
        await _start(session, metadata, ClientCredentials("nobody", method="none"))
    assert caught.value.error == "invalid_client"


# The provider never answers slow_down, so one token endpoint on loopback plays each answer.
POLL_ANSWERS: list[tuple[int, dict[str, Any], PollStatus | type[Exception]]] = [
    (400, {"error": "authorization_pending"}, PollStatus.PENDING),
    (400, {"error": "slow_down"}, PollStatus.SLOW_DOWN),
    (400, {"error": "access_denied"}, PollStatus.DENIED),
    (400, {"error": "expired_token"}, PollStatus.EXPIRED),
    (200, {"access_token": "at", "token_type": "Bearer", "expires_in": 60}, PollStatus.TOKENS),
    (400, {"error": "invalid_grant"}, TokenRefused),
    (401, {"error": "invalid_client"}, TokenRefused),
    (200, {"access_token": "at", "token_type": "DPoP"}, ProviderError),
    (200, {"token_type": "Bearer"}, ProviderError),
    (500, {}, ProviderError),
    (400, {"error": "tokens"}, TokenRefused),
]


@pytest.mark.parametrize(("status", "body", "expected"), POLL_ANSWERS)
async def test_each_token_endpoint_answer_maps_to_one_poll_outcome(
    aiohttp_server: ServerFactory,
    session: aiohttp.ClientSession,
    status: int,
    body: dict[str, Any],
    expected: PollStatus | type[Exception],
) -> None:
    seen: list[dict[str, str]] = []

    async def token(request: web.Request) -> web.Response:
        seen.append({k: str(v) for k, v in (await request.post()).items()})
        return web.json_response(body, status=status)

    app = web.Application()
    app.router.add_post("/token", token)
    server = await aiohttp_server(app)
    client, url = ClientCredentials("cli", method="none"), str(server.make_url("/token"))
    if isinstance(expected, PollStatus):
        assert (await poll_token(session, url, client, "dc-1")).status is expected
    else:
        with pytest.raises(expected):
            await poll_token(session, url, client, "dc-1")
    grant_type = "urn:ietf:params:oauth:grant-type:device_code"
    assert seen == [{"grant_type": grant_type, "device_code": "dc-1", "client_id": "cli"}]


@pytest.mark.parametrize(
    "doc",
    [
        {"device_code": "d", "user_code": "u", "expires_in": 600},
        {"device_code": "d", "user_code": "u", "verification_uri": "v", "expires_in": "600"},
        {"device_code": "d", "user_code": "u", "verification_uri": "v", "expires_in": 6, "interval": 0},
    ],
)
def test_incomplete_device_authorization_responses_are_refused(doc: dict[str, Any]) -> None:
    with pytest.raises(ProviderError):
        DeviceAuthorization.from_json(doc)
