"""Fixtures for the OAuth tests: a real OpenID provider, a browser, a test signer's JWKS."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import aiohttp
import pytest

from gateway.oauth.discovery import ProviderMetadata, discover
from gateway.oauth.jwks import JwksCache
from gateway.oauth.tokens import TokenResponse
from idp.driver import IdP, browser
from idp.flows import POST_LOGOUT_URI, REDIRECT_URI, code_flow
from tests.support.fixtures import ServerFactory
from tests.support.signer import JwksServer, rsa_key


@pytest.fixture(scope="session")
def idp() -> Iterator[IdP]:
    """One real OpenID provider shared by the tests that do not restart it."""
    with IdP(redirect_uris=[REDIRECT_URI], post_logout_redirect_uris=[POST_LOGOUT_URI]) as server:
        yield server


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    """A browser-like client session with its own cookie jar."""
    async with browser() as client:
        yield client


@pytest.fixture
async def metadata(idp: IdP, session: aiohttp.ClientSession) -> ProviderMetadata:
    """The real provider's discovery metadata."""
    return await discover(session, idp.issuer)


@pytest.fixture
async def jwks_server(aiohttp_server: ServerFactory) -> JwksServer:
    """A JWKS endpoint on loopback serving one key, `key-1`, that counts its fetches."""
    served = JwksServer([rsa_key("key-1")])
    server = await aiohttp_server(served.app)
    served.url = str(server.make_url("/jwks"))
    return served


@pytest.fixture
def signer_keys(session: aiohttp.ClientSession, jwks_server: JwksServer) -> JwksCache:
    """A key cache over the test signer's JWKS with a long cool-down."""
    return JwksCache(session, jwks_server.url, cooldown=300)


@pytest.fixture
async def alice(idp: IdP, session: aiohttp.ClientSession, metadata: ProviderMetadata) -> TokenResponse:
    """The tokens of a fresh authorization-code login as alice at the real provider."""
    _, answer = await code_flow(session, metadata, idp, "alice")
    return answer
