"""The start of a login and its callback: PKCE, state and nonce per attempt, a transaction cookie
per attempt, and a missing, foreign or replayed state refused before any token request."""

from __future__ import annotations

from collections.abc import Callable
from http.cookies import SimpleCookie

import aiohttp
from yarl import URL

from gateway.auth.transaction import COOKIE_PREFIX, MAX_PENDING
from tests.support.fake_login import callback_hop, walk
from tests.support.fake_op import FakeOp
from tests.support.gateway import GatewayHandle
from tests.support.login_support import CALLBACK, html_browser, session_cookie_set
from tests.support.upstream import Upstream


async def _start(browser: aiohttp.ClientSession, url: str) -> tuple[URL, aiohttp.ClientResponse]:
    async with browser.get(url, allow_redirects=False) as response:
        assert response.status == 302
        return URL(response.headers["Location"]), response


async def _authorized(browser: aiohttp.ClientSession, gateway: GatewayHandle, path: str) -> URL:
    """The callback URL the provider sends the browser to (not yet visited)."""
    hops = await walk(browser, gateway.url + path, stop_at=gateway.url + CALLBACK)
    return hops[-1].url.join(URL(hops[-1].headers["Location"]))


async def test_a_browser_is_sent_to_the_provider_with_pkce_state_and_nonce(gateway: GatewayHandle, op: FakeOp) -> None:
    async with html_browser() as browser:
        location, response = await _start(browser, gateway.url + "/app/page")
        cookies = SimpleCookie()
        for header in response.headers.getall("Set-Cookie"):
            cookies.load(header)
    assert str(location).startswith(op.issuer + "/authorize?")
    query = location.query
    assert query["response_type"] == "code" and query["client_id"] == "gateway-web"
    assert query["code_challenge_method"] == "S256" and len(query["code_challenge"]) == 43
    assert len(query["state"]) >= 43 and len(query["nonce"]) >= 43
    assert query["redirect_uri"] == gateway.url + CALLBACK
    assert query["scope"] == "openid email profile"
    [tx] = [c for name, c in cookies.items() if name.startswith(COOKIE_PREFIX)]
    assert tx["path"] == "/" and tx["httponly"] and tx["samesite"] == "Lax"
    assert int(tx["max-age"]) <= 600


async def test_each_attempt_gets_its_own_state_and_nonce(gateway: GatewayHandle) -> None:
    async with html_browser() as browser:
        first, _ = await _start(browser, gateway.url + "/app/one")
        second, _ = await _start(browser, gateway.url + "/app/two")
    assert first.query["state"] != second.query["state"]
    assert first.query["nonce"] != second.query["nonce"]
    assert first.query["code_challenge"] != second.query["code_challenge"]


async def test_an_api_client_gets_401_naming_the_login_url(gateway: GatewayHandle, op: FakeOp) -> None:
    headers = {"Accept": "application/json"}
    async with (
        aiohttp.ClientSession() as client,
        client.get(gateway.url + "/app/data?q=1", headers=headers) as response,
    ):
        assert response.status == 401
        body = await response.json()
        assert "Set-Cookie" not in response.headers
    assert body["error"] == "login_required"
    login_url = URL(body["login_url"])
    assert login_url.path == "/oauth2/login" and login_url.query["rd"] == "/app/data?q=1"
    assert op.nonces == {}


async def test_two_tabs_logging_in_at_once_both_succeed(gateway: GatewayHandle, upstream: Upstream) -> None:
    async with html_browser() as browser:
        first = await _authorized(browser, gateway, "/app/one")
        second = await _authorized(browser, gateway, "/app/two")
        for callback, path in ((second, "/app/two"), (first, "/app/one")):
            async with browser.get(callback, allow_redirects=False) as response:
                assert response.status == 302 and response.headers["Location"] == path
                assert session_cookie_set(response.headers)
        async with browser.get(gateway.url + "/app/one", allow_redirects=False) as response:
            assert response.status == 200


async def test_pending_attempts_are_capped_and_the_newest_still_completes(gateway: GatewayHandle) -> None:
    async with html_browser() as browser:
        callbacks = [await _authorized(browser, gateway, f"/app/{i}") for i in range(MAX_PENDING + 2)]
        pending = [c for c in browser.cookie_jar if c.key.startswith(COOKIE_PREFIX) and c.value]
        assert len(pending) == MAX_PENDING
        async with browser.get(callbacks[0], allow_redirects=False) as response:
            assert response.status == 400
        async with browser.get(callbacks[-1], allow_redirects=False) as response:
            assert response.status == 302 and response.headers["Location"] == f"/app/{MAX_PENDING + 1}"


async def test_a_callback_without_state_is_refused_before_any_token_request(gateway: GatewayHandle, op: FakeOp) -> None:
    async with html_browser() as browser:
        callback = await _authorized(browser, gateway, "/app/page")
        async with browser.get(callback.with_query(code=callback.query["code"])) as response:
            assert response.status == 400
            assert "bad_callback" in await response.text()
            assert not session_cookie_set(response.headers)
    assert op.token_calls == 0


async def test_a_state_from_another_browser_is_refused_and_does_not_spoil_the_owners_login(
    gateway: GatewayHandle, op: FakeOp
) -> None:
    async with html_browser() as victim, html_browser() as attacker:
        callback = await _authorized(victim, gateway, "/app/page")
        async with attacker.get(callback, allow_redirects=False) as response:
            assert response.status == 400
            assert not session_cookie_set(response.headers)
        assert op.token_calls == 0
        async with victim.get(callback, allow_redirects=False) as response:
            assert response.status == 302 and session_cookie_set(response.headers)
    assert op.token_calls == 1


async def test_a_replayed_callback_is_refused_before_any_token_request(gateway: GatewayHandle, op: FakeOp) -> None:
    async with html_browser() as browser, html_browser() as replayer:
        callback = await _authorized(browser, gateway, "/app/page")
        stolen = {c.key: c.value for c in browser.cookie_jar if c.key.startswith(COOKIE_PREFIX)}
        async with browser.get(callback, allow_redirects=False) as response:
            assert response.status == 302
        replayer.cookie_jar.update_cookies(stolen, URL(gateway.url + CALLBACK))
        async with replayer.get(callback, allow_redirects=False) as response:
            assert response.status == 400
            assert "bad_callback" in await response.text()
            assert not session_cookie_set(response.headers)
    assert op.token_calls == 1


async def _altered_callback(gateway: GatewayHandle, alter: Callable[[URL], URL]) -> tuple[int, str]:
    """Status and page of a callback the provider's answer was altered on the way: no session may come of it."""
    async with html_browser() as browser:
        callback = await _authorized(browser, gateway, "/app/page")
        async with browser.get(alter(callback), allow_redirects=False) as response:
            assert not session_cookie_set(response.headers)
            return response.status, await response.text()


async def test_a_provider_error_ends_the_attempt_without_a_session(gateway: GatewayHandle, op: FakeOp) -> None:
    denied = "access_denied"
    status, page = await _altered_callback(gateway, lambda url: url.with_query(state=url.query["state"], error=denied))
    assert status == 401 and "login_failed" in page
    assert op.token_calls == 0


async def test_an_answer_naming_another_issuer_is_refused(gateway: GatewayHandle, op: FakeOp) -> None:
    status, _ = await _altered_callback(gateway, lambda url: url.update_query(iss="https://other-issuer.example"))
    assert status == 400
    assert op.token_calls == 0


async def test_the_transaction_cookie_is_removed_after_the_callback(gateway: GatewayHandle) -> None:
    async with html_browser() as browser:
        hops = await walk(browser, gateway.url + "/app/page")
        deleted = [h for h in callback_hop(hops).headers.getall("Set-Cookie") if h.startswith(COOKIE_PREFIX)]
    assert len(deleted) == 1 and "Max-Age=0" in deleted[0]
