"""The OpenID Connect and OAuth 2.0 files of the corpus (Issuer, ClientRegistration, OAuth2ClientFilter,
OAuth2ResourceServerFilter), each served by a real gateway in front of the legacy application and
exercised against the real OpenID provider: a browser logs in, or an API client presents its tokens."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from yarl import URL

from gateway.routing.source import parse_json
from idp.driver import API_RESOURCE, IdP, confirm_logout, login, parse_forms, web_client_metadata
from idp.flows import REDIRECT_URI
from idp.tokens import api_jwt, login_tokens, metadata_of
from tests.openig.harness import CORPUS, OAUTH2_FILES, route_text
from tests.support.gateway import GatewayHandle, running_gateway
from tests.support.login_support import html_browser
from tests.support.signer import tamper

pytestmark = pytest.mark.slow

# The provider's address as the corpus files name it; replaced by the running provider's issuer.
IDP = "https://idp.example.com/oauth2"
RESOURCES = {API_RESOURCE: {"scope": "api:read api:write", "accessTokenFormat": "jwt"}}
TYPES = {
    "Issuer", "JwkSetSecretStore", "ClientRegistration", "OAuth2ClientFilter", "OAuth2ResourceServerFilter",
    "AuthorizationCodeOAuth2ClientFilter",
    "StatelessAccessTokenResolver", "TokenIntrospectionAccessTokenResolver",
}  # fmt: skip


@pytest.fixture(scope="module")
def idp(port: int) -> Iterator[IdP]:
    """The real provider, knowing the gateway's /openid/callback (and the token helpers' redirect URI)."""
    gateway = f"http://127.0.0.1:{port}/openid"
    client = web_client_metadata([f"{gateway}/callback", REDIRECT_URI], post_logout_redirect_uris=[f"{gateway}/logout"])
    partner = web_client_metadata(
        [f"{gateway}/callback"], client_id="gateway-partner", client_secret="gateway-partner-secret"
    )
    accounts = {"alice": {"groups": ["admins", "users"]}}
    with IdP(clients=[client, partner], resources=RESOURCES, accounts=accounts) as server:
        yield server


@asynccontextmanager
async def served(name: str, tmp_path: Path, port: int, idp: IdP, app_url: str) -> AsyncIterator[GatewayHandle]:
    """The corpus file alone in a gateway on `port`, pointed at the application and the provider."""
    folder = tmp_path / "routes"
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(route_text(name, app_url).replace(IDP, idp.issuer), encoding="utf-8")
    options = {"listen": f"127.0.0.1:{port}", "state": str(tmp_path / "state")}
    async with running_gateway(folder, **options) as gateway:
        yield gateway


Serving = Callable[[str], AbstractAsyncContextManager[GatewayHandle]]
Browsing = Callable[[str], AbstractAsyncContextManager[tuple[GatewayHandle, aiohttp.ClientSession]]]


@pytest.fixture
def serving(tmp_path: Path, port: int, idp: IdP, app_url: str) -> Serving:
    """`async with serving(name) as gateway`: the corpus file served as `served` does."""
    return lambda name: served(name, tmp_path, port, idp, app_url)


@pytest.fixture
def browsing(serving: Serving) -> Browsing:
    """`async with browsing(name) as (gateway, browser)`: the file served, and a browser."""

    @asynccontextmanager
    async def start(name: str) -> AsyncIterator[tuple[GatewayHandle, aiohttp.ClientSession]]:
        async with serving(name) as gateway, html_browser() as browser:
            yield gateway, browser

    return start


async def _echo(session: aiohttp.ClientSession, url: str, **kwargs: Any) -> tuple[int, Any, dict[str, Any]]:
    async with session.get(url, allow_redirects=False, **kwargs) as response:
        text = await response.text()
        return response.status, response.headers, json.loads(text) if response.status == 200 else {"text": text}


def test_the_oauth2_files_use_every_type_they_claim() -> None:
    used: set[str] = set()
    for name in OAUTH2_FILES:
        data, errors = parse_json((CORPUS / name).read_text(encoding="utf-8"), name)
        assert errors == []
        used |= {m for m in TYPES if f'"{m}"' in json.dumps(data)}
    assert used == TYPES


async def test_the_provider_paths_are_those_the_files_name(idp: IdP) -> None:
    metadata = await metadata_of(idp)
    paths = [metadata.authorization_endpoint, metadata.token_endpoint, metadata.jwks_uri]
    paths += [metadata.userinfo_endpoint or "", metadata.introspection_endpoint or ""]
    assert [p.removeprefix(idp.issuer) for p in paths] == ["/auth", "/token", "/jwks", "/me", "/token/introspection"]


async def _signed_in(browsing: Browsing, name: str, start: str, lands: str) -> dict[str, list[str]]:
    """Log alice in from `start`, check that she lands on `lands`: the headers the application saw there."""
    async with browsing(name) as (gateway, browser):
        assert await login(browser, gateway.url + start, "alice") == URL(gateway.url + lands)
        status, _, seen = await _echo(browser, gateway.url + lands)
    assert status == 200
    headers: dict[str, list[str]] = seen["headers"]
    return headers


async def test_login_at_a_well_known_issuer_reaches_the_application_with_the_user_info(browsing: Browsing) -> None:
    headers = await _signed_in(browsing, "100-oauth2-client-wellknown.json", "/home/welcome?x=1", "/home/welcome?x=1")
    assert (headers["x-user"], headers["x-email"], headers["x-registration"]) == (
        ["alice"], ["alice@example.com"], ["WebApp"]
    )  # fmt: skip


async def test_login_at_an_issuer_with_explicit_endpoints_lands_on_the_default_goto(browsing: Browsing) -> None:
    headers = await _signed_in(browsing, "101-oauth2-client-explicit-endpoints.json", "/openid/login", "/portal")
    assert (headers["x-user"], headers["x-groups"], headers["x-has-token"]) == (["alice"], ["admins,users"], ["true"])


async def test_a_refused_login_is_answered_by_the_failure_handler_with_the_error(browsing: Browsing) -> None:
    async with browsing("102-oauth2-client-failure-handler.json") as (gateway, browser):
        async with browser.get(gateway.url + "/account", allow_redirects=False) as response:
            assert response.status == 302
            state = URL(response.headers["Location"]).query["state"]
        answer = {"state": state, "error": "access_denied", "error_description": "The user said no"}
        async with browser.get(gateway.url + "/openid/callback", params=answer) as response:
            assert (response.status, await response.text()) == (
                403, "Sign-in refused: access_denied (The user said no)"
            )  # fmt: skip


async def test_a_jwt_with_the_scope_reaches_the_api_and_none_is_challenged(
    serving: Serving, idp: IdP, http: aiohttp.ClientSession
) -> None:
    token = await api_jwt(idp, "bob")
    async with serving("103-resource-server-jwt-scopes.json") as gateway:
        status, _, seen = await _echo(http, gateway.url + "/api/orders", headers={"Authorization": f"Bearer {token}"})
        missing, headers, _ = await _echo(http, gateway.url + "/api/orders")
    assert status == 200
    assert (seen["headers"]["x-subject"], seen["headers"]["x-scopes"]) == (["bob"], ["api:read"])
    assert (missing, headers["WWW-Authenticate"]) == (401, 'Bearer realm="corpus"')


async def test_an_opaque_token_is_introspected_and_its_subject_reaches_the_api(
    serving: Serving, idp: IdP, http: aiohttp.ClientSession
) -> None:
    token = (await login_tokens(idp, "olivia", resource=None)).access_token
    async with serving("104-resource-server-introspection.json") as gateway:
        status, _, seen = await _echo(http, gateway.url + "/data", headers={"Authorization": f"Bearer {token}"})
        bad, headers, _ = await _echo(http, gateway.url + "/data", headers={"Authorization": "Bearer not-a-token"})
    assert (status, seen["headers"]["x-subject"]) == (200, ["olivia"])
    challenge = 'Bearer realm="OpenIG", error="invalid_token", scope="email openid"'
    assert (bad, headers["WWW-Authenticate"]) == (401, challenge)


async def test_a_scope_from_an_expression_refuses_a_write_with_a_read_token(
    serving: Serving, idp: IdP, http: aiohttp.ClientSession
) -> None:
    auth = {"Authorization": f"Bearer {await api_jwt(idp, 'bob')}"}
    async with serving("105-resource-server-scope-expressions.json") as gateway:
        read, _, seen = await _echo(http, gateway.url + "/items", headers=auth)
        async with http.post(gateway.url + "/items", headers=auth) as response:
            write, challenge = response.status, response.headers["WWW-Authenticate"]
    assert (read, seen["method"]) == (200, "GET")
    assert (write, challenge) == (403, 'Bearer realm="OpenIG", error="insufficient_scope", scope="api:write"')


async def test_a_forged_token_is_refused_and_a_misplaced_one_is_a_bad_request(
    serving: Serving, idp: IdP, http: aiohttp.ClientSession
) -> None:
    forged = tamper(await api_jwt(idp, "bob"), sub="admin")
    async with serving("106-resource-server-refuses-bad-token.json") as gateway:
        bad, headers, _ = await _echo(http, gateway.url + "/orders", headers={"Authorization": f"Bearer {forged}"})
        url = gateway.url + f"/orders?access_token={forged}"
        misplaced, misplaced_headers, _ = await _echo(http, url)
    assert (bad, headers["WWW-Authenticate"]) == (401, 'Bearer realm="orders", error="invalid_token"')
    assert (misplaced, misplaced_headers["WWW-Authenticate"]) == (400, 'Bearer realm="orders", error="invalid_request"')


async def test_without_required_login_pages_are_open_and_logout_ends_the_personalisation(browsing: Browsing) -> None:
    async with browsing("107-oauth2-client-optional-login-logout.json") as (gateway, browser):
        _, _, anonymous = await _echo(browser, gateway.url + "/news")
        assert await login(browser, gateway.url + "/openid/login?goto=/news/today", "alice") == URL(
            gateway.url + "/news/today"
        )
        _, _, signed_in = await _echo(browser, gateway.url + "/news")
        async with browser.get(gateway.url + "/openid/logout") as response:
            [form] = parse_forms(await response.text())
        assert (form.action, form.fields["rd"]) == ("/openid/logout", "/news/signed-out")
        async with browser.post(gateway.url + "/openid/logout", data=form.fields, allow_redirects=False) as response:
            to_provider = URL(response.headers["Location"])
        assert to_provider.query["post_logout_redirect_uri"] == gateway.url + "/openid/logout"
        final = await confirm_logout(browser, to_provider, stop_at=gateway.url + "/news")
        _, _, after = await _echo(browser, gateway.url + "/news")
    assert (anonymous["headers"].get("x-reader"), signed_in["headers"]["x-reader"]) == (None, ["alice"])
    assert (final, after["headers"].get("x-reader")) == (URL(gateway.url + "/news/signed-out"), None)


async def test_two_registrations_offer_a_choice_and_a_link_may_name_one_by_client_id(browsing: Browsing) -> None:
    async with browsing("108-oauth2-client-two-registrations.json") as (gateway, browser):
        async with browser.get(gateway.url + "/portal", allow_redirects=False) as response:
            to_choice = URL(gateway.url).join(URL(response.headers["Location"]))
        async with browser.get(to_choice) as response:
            page = await response.text()
        start = URL(gateway.url + "/openid/login").with_query(registration="gateway-partner", goto="/portal")
        final = await login(browser, start, "alice")
        _, _, seen = await _echo(browser, gateway.url + "/portal")
    assert (to_choice.path, to_choice.query["rd"]) == ("/openid/login", "/portal")
    assert ">Staff<" in page and ">Partners<" in page
    assert final == URL(gateway.url + "/portal")
    assert (seen["headers"]["x-registration"], seen["headers"]["x-scope"]) == (["Partners"], ["openid profile"])
