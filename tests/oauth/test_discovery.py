"""OpenID Connect Discovery: exact issuer, https except on loopback."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest

from gateway.oauth.discovery import ProviderMetadata, check_url, discover
from gateway.oauth.errors import BadIssuerUrl, DiscoveryFailed, IssuerMismatch
from idp.driver import IdP


async def test_discovery_of_the_real_provider_finds_its_endpoints(idp: IdP, session: aiohttp.ClientSession) -> None:
    metadata = await discover(session, idp.issuer)
    assert metadata.issuer == idp.issuer
    assert metadata.token_endpoint.startswith(idp.issuer)
    assert metadata.device_authorization_endpoint is not None
    assert metadata.introspection_endpoint is not None
    assert metadata.end_session_endpoint is not None
    assert "S256" in metadata.code_challenge_methods_supported
    assert metadata.backchannel_logout_supported


async def test_issuer_differing_by_a_trailing_slash_is_refused(idp: IdP, session: aiohttp.ClientSession) -> None:
    with pytest.raises(IssuerMismatch) as caught:
        await discover(session, idp.issuer + "/")
    assert caught.value.code == "issuer_mismatch"


async def test_issuer_without_discovery_document_fails(idp: IdP, session: aiohttp.ClientSession) -> None:
    with pytest.raises(DiscoveryFailed):
        await discover(session, idp.issuer + "/nowhere")


@pytest.mark.parametrize(
    "url",
    ["https://idp.example.com", "http://127.0.0.1:8080", "http://localhost:3000", "http://[::1]:80"],
)
def test_https_and_loopback_http_urls_are_accepted(url: str) -> None:
    check_url(url)


@pytest.mark.parametrize(
    "url", ["http://idp.example.com", "http://10.0.0.5", "ftp://idp.example.com", "idp.example.com"]
)
def test_other_urls_are_refused(url: str) -> None:
    with pytest.raises(BadIssuerUrl) as caught:
        check_url(url)
    assert caught.value.code == "insecure_issuer"


def test_insecure_provider_may_use_plain_http() -> None:
    check_url("http://idp.example.com", insecure=True)


async def test_http_issuer_on_a_remote_host_is_refused_before_any_request(
    session: aiohttp.ClientSession,
) -> None:
    # idp.invalid cannot resolve: a request would fail differently.
    with pytest.raises(BadIssuerUrl):
        await discover(session, "http://idp.invalid")


def _document(**changes: Any) -> dict[str, Any]:
    doc = {
        "issuer": "https://idp.example.com",
        "authorization_endpoint": "https://idp.example.com/auth",
        "token_endpoint": "https://idp.example.com/token",
        "jwks_uri": "https://idp.example.com/jwks",
    }
    doc.update(changes)
    return {k: v for k, v in doc.items() if v is not None}


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"token_endpoint": "http://idp.example.com/token"}, BadIssuerUrl),
        ({"userinfo_endpoint": "http://idp.example.com/me"}, BadIssuerUrl),
        ({"jwks_uri": None}, DiscoveryFailed),
        ({"token_endpoint": 7}, DiscoveryFailed),
        ({"id_token_signing_alg_values_supported": "RS256"}, DiscoveryFailed),
        ({"issuer": "https://idp.example.com/"}, IssuerMismatch),
    ],
)
def test_malformed_or_insecure_documents_are_refused(changes: dict[str, Any], error: type[Exception]) -> None:
    with pytest.raises(error):
        ProviderMetadata.from_document(_document(**changes), "https://idp.example.com")


def test_optional_endpoints_are_none_when_absent() -> None:
    metadata = ProviderMetadata.from_document(_document(), "https://idp.example.com")
    assert metadata.userinfo_endpoint is None
    assert metadata.device_authorization_endpoint is None
    assert not metadata.backchannel_logout_supported
