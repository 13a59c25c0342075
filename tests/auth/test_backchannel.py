"""Back-channel logout (OpenID Connect Back-Channel Logout 1.0) with logout tokens from a signer the
tests control: a valid token ends the sessions it names; any other is refused with 400 and no
side effect."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Any

import aiohttp
import pytest

from gateway.oauth.logout_token import EVENT
from gateway.sessions.model import SessionEnded
from tests.support.fake_login import walk
from tests.support.fake_op import CLIENT_ID, FakeOp
from tests.support.gateway import GatewayHandle
from tests.support.login_support import BACKCHANNEL, COOKIE, html_browser, refused_within_a_second, session_alive
from tests.support.signer import DROP, hs256_with_public_key, rsa_key, sign, unsigned


def logout_claims(op: FakeOp, **overrides: Any) -> dict[str, Any]:
    """A valid logout token's claims naming the provider session `op.sid` (DROP removes one)."""
    now = int(time.time())
    claims = {
        "iss": op.issuer, "aud": CLIENT_ID, "iat": now, "exp": now + 120, "jti": uuid.uuid4().hex,
        "sub": op.subject, "sid": op.sid, "events": {EVENT: {}},
    }  # fmt: skip
    claims.update(overrides)
    return {k: v for k, v in claims.items() if v is not DROP}


def logout_token(op: FakeOp, **overrides: Any) -> str:
    """A logout token signed with the provider's key."""
    return sign(logout_claims(op, **overrides), op.key, typ="logout+jwt")


Forge = Callable[[FakeOp], str]
REFUSED: list[tuple[str, Forge]] = [
    ("unknown issuer", lambda op: logout_token(op, iss="https://evil.test")),
    ("wrong aud", lambda op: logout_token(op, aud="another-client")),
    ("no events", lambda op: logout_token(op, events=DROP)),
    ("another event", lambda op: logout_token(op, events={"http://schemas.openid.net/event/other": {}})),
    ("event that is not an object", lambda op: logout_token(op, events={EVENT: "yes"})),
    ("a nonce", lambda op: logout_token(op, nonce="n-1")),
    ("neither sub nor sid", lambda op: logout_token(op, sub=DROP, sid=DROP)),
    ("no jti", lambda op: logout_token(op, jti=DROP)),
    ("no iat", lambda op: logout_token(op, iat=DROP)),
    ("no exp", lambda op: logout_token(op, exp=DROP)),
    ("expired", lambda op: logout_token(op, iat=int(time.time()) - 900, exp=int(time.time()) - 600)),
    ("alg none", lambda op: unsigned(logout_claims(op), "key-1")),
    ("HS256 signed with the RSA public key", lambda op: hs256_with_public_key(logout_claims(op), op.key)),
    ("bad signature", lambda op: sign(logout_claims(op), rsa_key("key-1"), typ="logout+jwt")),
    ("own key in the jwk header", lambda op: _with_own_key(op)),
    ("an id_token", lambda op: sign(op.claims("n-1"), op.key)),
    ("an access token type", lambda op: sign(logout_claims(op), op.key, typ="at+jwt")),
    ("not a JWT", lambda op: "not-a-jwt"),
]


def _with_own_key(op: FakeOp) -> str:
    attacker = rsa_key("key-1")
    return sign(logout_claims(op), attacker, typ="logout+jwt", jwk=attacker.as_dict(private=False))


@pytest.fixture
async def cookie(gateway: GatewayHandle) -> str:
    """A logged-in browser's session cookie (provider session `op.sid`)."""
    async with html_browser() as browser:
        hops = await walk(browser, gateway.url + "/app/login")
        assert hops[-1].status == 200
        return "; ".join(f"{c.key}={c.value}" for c in browser.cookie_jar if c.key.startswith(COOKIE))


async def _post(gateway: GatewayHandle, form: dict[str, str]) -> tuple[int, dict[str, str]]:
    async with aiohttp.ClientSession() as client, client.post(gateway.url + BACKCHANNEL, data=form) as response:
        return response.status, dict(response.headers)


async def test_a_valid_logout_token_ends_the_session_it_names(gateway: GatewayHandle, op: FakeOp, cookie: str) -> None:
    assert await session_alive(gateway, cookie)
    ended: list[SessionEnded] = []
    gateway.runtime.services.events.subscribe(ended.append)
    status, headers = await _post(gateway, {"logout_token": logout_token(op)})
    assert status == 200 and headers["Cache-Control"] == "no-store"
    assert await refused_within_a_second(gateway, cookie)
    assert [(e.subject, e.reason, e.initiator) for e in ended] == [("alice", "backchannel_logout", "system")]


async def test_a_logout_token_with_only_sub_ends_the_subjects_sessions(
    gateway: GatewayHandle, op: FakeOp, cookie: str
) -> None:
    status, _ = await _post(gateway, {"logout_token": logout_token(op, sid=DROP)})
    assert status == 200
    assert await refused_within_a_second(gateway, cookie)


async def test_a_logout_token_for_another_provider_session_leaves_this_one(
    gateway: GatewayHandle, op: FakeOp, cookie: str
) -> None:
    status, _ = await _post(gateway, {"logout_token": logout_token(op, sid="another-op-session")})
    assert status == 200
    assert await session_alive(gateway, cookie)


async def test_a_replayed_logout_token_is_refused(gateway: GatewayHandle, op: FakeOp, cookie: str) -> None:
    token = logout_token(op, sid="another-op-session")
    assert (await _post(gateway, {"logout_token": token}))[0] == 200
    status, headers = await _post(gateway, {"logout_token": token})
    assert status == 400 and headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("forge", [c[1] for c in REFUSED], ids=[c[0] for c in REFUSED])
async def test_an_invalid_logout_token_is_refused_with_no_side_effect(
    gateway: GatewayHandle, op: FakeOp, cookie: str, forge: Forge
) -> None:
    status, headers = await _post(gateway, {"logout_token": forge(op)})
    assert status == 400 and headers["Cache-Control"] == "no-store"
    assert await session_alive(gateway, cookie)


async def test_a_request_without_a_logout_token_is_refused(gateway: GatewayHandle) -> None:
    assert (await _post(gateway, {}))[0] == 400


async def test_only_post_is_accepted(gateway: GatewayHandle) -> None:
    async with aiohttp.ClientSession() as client, client.get(gateway.url + BACKCHANNEL) as response:
        assert response.status == 405
