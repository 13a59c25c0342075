"""id_token checks at the callback (OpenID Connect Core 3.1.3.7), with a signer the tests control
acting as the provider: every bad token is refused and no session is created."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from tests.support.fake_login import callback_hop, walk
from tests.support.fake_op import CLIENT_ID, FakeOp
from tests.support.gateway import GatewayHandle
from tests.support.login_support import COOKIE, html_browser, session_cookie_set
from tests.support.signer import DROP, hs256_with_public_key, rsa_key, sign, unsigned
from tests.support.upstream import Upstream

ATTACKER = rsa_key("key-1")  # claims the provider's kid
Forge = Callable[[FakeOp, str], str]

CASES: list[tuple[str, Forge, str]] = [
    ("wrong iss", lambda op, n: sign(op.claims(n, iss="https://evil.test"), op.key), "bad_issuer"),
    ("iss with a trailing slash", lambda op, n: sign(op.claims(n, iss=op.issuer + "/"), op.key), "bad_issuer"),
    ("wrong aud", lambda op, n: sign(op.claims(n, aud="another-client"), op.key), "bad_audience"),
    ("missing aud", lambda op, n: sign(op.claims(n, aud=DROP), op.key), "bad_audience"),
    (
        "extra untrusted aud",
        lambda op, n: sign(op.claims(n, aud=[CLIENT_ID, "evil-api"], azp=CLIENT_ID), op.key),
        "bad_audience",
    ),
    ("azp of another client", lambda op, n: sign(op.claims(n, azp="another-client"), op.key), "bad_azp"),
    ("bad signature", lambda op, n: sign(op.claims(n), ATTACKER), "bad_signature"),
    ("alg none", lambda op, n: unsigned(op.claims(n), "key-1"), "alg_not_allowed"),
    (
        "HS256 signed with the RSA public key",
        lambda op, n: hs256_with_public_key(op.claims(n), op.key),
        "alg_not_allowed",
    ),
    (
        "own key in the jwk header",
        lambda op, n: sign(op.claims(n), ATTACKER, jwk=ATTACKER.as_dict(private=False)),
        "untrusted_key_header",
    ),
    (
        "own key set in the jku header",
        lambda op, n: sign(op.claims(n), ATTACKER, jku=op.issuer + "/evil-jwks"),
        "untrusted_key_header",
    ),
    (
        "expired",
        lambda op, n: sign(op.claims(n, exp=int(time.time()) - 3600, iat=int(time.time()) - 7200), op.key),
        "expired",
    ),
    ("missing iat", lambda op, n: sign(op.claims(n, iat=DROP), op.key), "missing_claim"),
    ("missing sub", lambda op, n: sign(op.claims(n, sub=DROP), op.key), "missing_claim"),
    ("wrong nonce", lambda op, n: sign(op.claims("another-nonce"), op.key), "bad_nonce"),
    ("missing nonce", lambda op, n: sign(op.claims(None), op.key), "bad_nonce"),
    ("unknown kid", lambda op, n: sign(op.claims(n), rsa_key("nobody-serves-this")), "unknown_kid"),
    ("an access token type", lambda op, n: sign(op.claims(n), op.key, typ="at+jwt"), "bad_token_type"),
]


async def _refused_without_session(gateway: GatewayHandle, upstream: Upstream) -> str:
    """Log in once; check that no session came of it; return the callback's error page."""
    async with html_browser() as browser:
        hops = await walk(browser, gateway.url + "/app/private")
        answer = callback_hop(hops)
        assert answer.status == 401
        assert not any(session_cookie_set(h.headers) for h in hops)
        assert not [c for c in browser.cookie_jar if c.key.startswith(COOKIE) and c.value]
        async with browser.get(gateway.url + "/app/private", allow_redirects=False) as again:
            assert again.status == 302 and "/authorize" in again.headers["Location"]
    assert upstream.seen == []
    return answer.body


@pytest.mark.parametrize(("forge", "code"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
async def test_a_bad_id_token_is_refused_with_no_session(
    gateway: GatewayHandle, upstream: Upstream, op: FakeOp, forge: Forge, code: str
) -> None:
    op.forge = forge
    page = await _refused_without_session(gateway, upstream)
    assert code in page
    assert op.token_calls == 1


async def test_a_userinfo_subject_other_than_the_id_tokens_is_refused(
    gateway: GatewayHandle, upstream: Upstream, op: FakeOp
) -> None:
    op.userinfo_sub = "mallory"
    assert "sub_mismatch" in await _refused_without_session(gateway, upstream)


async def test_a_valid_id_token_creates_a_session_and_reaches_the_upstream(
    gateway: GatewayHandle, upstream: Upstream, op: FakeOp
) -> None:
    async with html_browser() as browser:
        hops = await walk(browser, gateway.url + "/app/private?x=1")
        assert callback_hop(hops).status == 302
        assert callback_hop(hops).headers["Location"] == "/app/private?x=1"
        assert hops[-1].status == 200
    headers = dict(upstream.seen[-1]["headers"])
    assert headers["X-User"] == "alice" and headers["X-Email"] == "alice@example.com"


async def test_a_rotated_key_is_accepted_after_one_jwks_refetch(
    gateway: GatewayHandle, upstream: Upstream, op: FakeOp
) -> None:
    async with html_browser() as browser:
        await walk(browser, gateway.url + "/app/first")
    assert op.jwks_fetches == 1
    op.key = rsa_key("key-2")
    op.served = [op.key]
    async with html_browser() as browser:
        hops = await walk(browser, gateway.url + "/app/second")
        assert callback_hop(hops).status == 302
        assert hops[-1].status == 200
    assert op.jwks_fetches == 2
    assert [r["raw_path"] for r in upstream.seen] == ["/app/first", "/app/second"]
