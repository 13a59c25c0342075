"""The push receiver (RFC 8935 §2): valid SETs end the matching local sessions with reason
`signal`; every bad one is a 400 with the right `err`, and touches no session."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from joserfc import jws, jwt
from joserfc.jwk import RSAKey

from gateway.oauth import set as sets
from gateway.oauth import subject_ids as ids
from gateway.sessions import Session
from tests.sessions.conftest import Recorder
from tests.signals.conftest import IDP, SECRET, login, manager_of
from tests.support.gateway import GatewayHandle, running_gateway

TRANSMITTER = "https://gw-a.example.com"
ME = "https://gw-b.example.com"
KEY = RSAKey.generate_key(2048)
SIGNER = sets.SetSigner(TRANSMITTER, KEY)
OTHER = RSAKey.generate_key(2048)
BEARER = "Bearer from-a-0123456789"


@pytest.fixture
async def gateway(tmp_path: Path, routes_dir: Path) -> AsyncIterator[GatewayHandle]:
    """A gateway receiving pushed SETs from TRANSMITTER (keys inline), as ME."""
    signals = {
        "enabled": True, "issuer": ME,
        "receiver": {"issuers": [{"iss": TRANSMITTER, "jwks": SIGNER.jwks()}], "bearer": BEARER},
    }  # fmt: skip
    settings = {"state": str(tmp_path / "state"), "sessions": {"secret": SECRET}}
    async with running_gateway(routes_dir, signals=signals, **settings) as handle:
        yield handle


def revoked(sub_id: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    claims = SIGNER.claims(ME, sub_id, sets.session_revoked(time.time(), "user", "The user logged out"))
    claims.update(overrides)
    return claims


async def push(
    http: aiohttp.ClientSession, gateway: GatewayHandle, token: str, **headers: str
) -> tuple[int, str, dict[str, str]]:
    sent = {"Content-Type": "application/secevent+jwt", "Authorization": BEARER, **headers}
    async with http.post(f"{gateway.url}/ssf/events", data=token, headers=sent) as response:
        return response.status, await response.text(), dict(response.headers)


async def alive(gateway: GatewayHandle, *sessions: Session) -> list[bool]:
    return [not manager_of(gateway).is_revoked(s) for s in sessions]


async def test_a_complex_subject_with_a_session_ends_just_that_session(
    http: aiohttp.ClientSession, gateway: GatewayHandle
) -> None:
    seen = Recorder(gateway.runtime.services.events)
    laptop, phone = await login(gateway, sid="sid-laptop"), await login(gateway, sid="sid-phone")
    subject = ids.complex_subject(ids.iss_sub(IDP, "alice"), ids.opaque("sid-laptop"))
    status, body, _ = await push(http, gateway, SIGNER.sign(revoked(subject)))
    assert (status, body) == (202, "")
    assert await alive(gateway, laptop, phone) == [False, True]
    assert [(e.session_id, e.reason) for e in seen.events] == [(laptop.id, "signal")]


async def test_an_iss_sub_subject_ends_every_session_of_that_user(
    http: aiohttp.ClientSession, gateway: GatewayHandle
) -> None:
    one, two = await login(gateway, sid="s1"), await login(gateway, sid="s2")
    bob = await login(gateway, "bob", sid="s3")
    status, _, _ = await push(http, gateway, SIGNER.sign(revoked(ids.iss_sub(IDP, "alice"))))
    assert status == 202
    assert await alive(gateway, one, two, bob) == [False, False, True]


async def test_an_email_subject_matches_the_domain_case_insensitively(
    http: aiohttp.ClientSession, gateway: GatewayHandle
) -> None:
    alice, bob = await login(gateway, "alice"), await login(gateway, "bob")
    status, _, _ = await push(http, gateway, SIGNER.sign(revoked(ids.email("alice@EXAMPLE.com"))))
    assert status == 202
    assert await alive(gateway, alice, bob) == [False, True]


async def test_a_repeated_jti_is_acknowledged_and_not_processed_twice(
    http: aiohttp.ClientSession, gateway: GatewayHandle
) -> None:
    seen = Recorder(gateway.runtime.services.events)
    await login(gateway, sid="s1")
    token = SIGNER.sign(revoked(ids.iss_sub(IDP, "alice")))
    assert (await push(http, gateway, token))[0] == 202
    later = await login(gateway, sid="s2")  # a new login after the first SET: only a replay would end it
    assert (await push(http, gateway, token))[0] == 202
    assert len(seen.events) == 1
    assert await alive(gateway, later) == [True]


async def test_an_unknown_subject_is_acknowledged_with_no_effect(
    http: aiohttp.ClientSession, gateway: GatewayHandle
) -> None:
    alice = await login(gateway)
    status, _, _ = await push(http, gateway, SIGNER.sign(revoked(ids.iss_sub(IDP, "nobody"))))
    assert status == 202 and await alive(gateway, alice) == [True]


def _signed(claims: dict[str, Any], header: dict[str, Any] | None = None, key: RSAKey = KEY) -> str:
    head = {"alg": "RS256", "typ": "secevent+jwt", "kid": SIGNER.kid, **(header or {})}
    head = {k: v for k, v in head.items() if v is not None}
    return jws.serialize_compact(head, json.dumps(claims).encode(), key, algorithms=["RS256"])


USER = ids.iss_sub(IDP, "alice")


def _id_token() -> str:
    now = int(time.time())
    claims = {"iss": TRANSMITTER, "sub": "alice", "aud": ME, "exp": now + 60, "iat": now, "sid": "idp-sid-1"}
    return jwt.encode({"alg": "RS256", "kid": SIGNER.kid}, claims, KEY)


def _logout_token() -> str:
    claims = {"iss": TRANSMITTER, "aud": ME, "iat": int(time.time()), "jti": "j" * 16, "sub": "alice",
              "events": {"http://schemas.openid.net/event/backchannel-logout": {}}}  # fmt: skip
    return _signed(claims, {"typ": "logout+jwt"})


NEGATIVE: list[tuple[str, Any, dict[str, str], str]] = [
    ("not a JWT", lambda: "not-a-jwt", {}, "invalid_request"),
    ("bad signature", lambda: _signed(revoked(USER), key=OTHER), {}, "invalid_key"),
    ("unknown kid", lambda: _signed(revoked(USER), {"kid": "unknown"}), {}, "invalid_key"),
    ("wrong iss", lambda: _signed(revoked(USER, iss="https://evil.example.com")), {}, "invalid_issuer"),
    ("wrong aud", lambda: _signed(revoked(USER, aud="https://gw-c.example.com")), {}, "invalid_audience"),
    ("typ missing", lambda: _signed(revoked(USER), {"typ": None}), {}, "invalid_request"),
    ("typ JWT", lambda: _signed(revoked(USER), {"typ": "JWT"}), {}, "invalid_request"),
    ("an id_token", _id_token, {}, "invalid_request"),
    ("a logout token", _logout_token, {}, "invalid_request"),
    ("missing events", lambda: _signed({k: v for k, v in revoked(USER).items() if k != "events"}), {},
     "invalid_request"),
    ("bad sub_id", lambda: _signed(revoked({"format": "iss_sub", "iss": IDP})), {}, "invalid_request"),
    ("wrong content type", lambda: SIGNER.sign(revoked(USER)), {"Content-Type": "application/jwt"},
     "invalid_request"),
]  # fmt: skip


@pytest.mark.parametrize(("case", "make", "headers", "err"), NEGATIVE, ids=[c[0] for c in NEGATIVE])
async def test_a_bad_push_is_a_400_with_the_right_err_and_touches_no_session(
    http: aiohttp.ClientSession, gateway: GatewayHandle, case: str, make: Any, headers: dict[str, str], err: str
) -> None:
    seen = Recorder(gateway.runtime.services.events)
    alice = await login(gateway)
    status, body, answer = await push(http, gateway, make(), **headers)
    assert status == 400
    assert answer["Content-Type"].startswith("application/json") and answer["Content-Language"] == "en"
    doc = json.loads(body)
    assert doc["err"] == err and doc["description"]
    assert await alive(gateway, alice) == [True] and not seen.events


async def test_a_transmitter_without_the_bearer_is_refused(http: aiohttp.ClientSession, gateway: GatewayHandle) -> None:
    alice = await login(gateway)
    status, body, answer = await push(http, gateway, SIGNER.sign(revoked(USER)), Authorization="Bearer wrong")
    assert status == 401 and json.loads(body)["err"] == "authentication_failed"
    assert answer["WWW-Authenticate"].startswith("Bearer")
    assert await alive(gateway, alice) == [True]
