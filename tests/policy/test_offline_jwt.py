"""Acceptance: offline assertions (a JWT from a third party the gateway has never seen). A subject
presenting a JWT of a trusted issuer with the right claims is permitted only when the signature
verifies against that issuer's JWKS; tampered, expired, `alg: none`, wrong-issuer and unknown-key
variants are denied with an advice saying why, never permitted on their claims alone."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from joserfc.jwk import RSAKey

from tests.policy.conftest import PDP_TOKEN, pdp_object, pdp_url
from tests.support.fixtures import ServerFactory
from tests.support.gateway import running_gateway
from tests.support.signer import sign, tamper, unsigned
from tests.support.signer_issuer import SignerIssuer

POLICIES = """
resourceTypes:
  meeting-room: {{patterns: ["meeting-room-*"], actions: [enter, order-food, use-whiteboard]}}
issuers:
  partner: {{issuer: "{issuer}", jwksUri: "{issuer}/jwks", algorithms: [RS256]}}
policySets:
  - name: rooms
    resourceTypes: [meeting-room]
    policies:
      - name: external-managers
        resources: ["meeting-room-1"]
        actions: {{enter: allow, order-food: allow, use-whiteboard: deny}}
        subjects: [{{jwt: {{issuer: partner, claims: {{aud: {{equals: rooms}}, role: {{equals: manager}}}}}}}}]
"""


async def _issuer(aiohttp_server: ServerFactory, kid: str) -> SignerIssuer:
    issuer = SignerIssuer(key=RSAKey.generate_key(2048, {"kid": kid, "use": "sig"}))
    server = await aiohttp_server(issuer.app())
    issuer.url = str(server.make_url("")).rstrip("/")
    return issuer


@pytest.fixture
async def partner(aiohttp_server: ServerFactory) -> SignerIssuer:
    """The third party: not a login provider of the gateway, only trusted in the policy file."""
    return await _issuer(aiohttp_server, "partner-1")


@pytest.fixture
async def stranger(aiohttp_server: ServerFactory) -> SignerIssuer:
    """Another issuer with keys of its own, trusted by nobody."""
    return await _issuer(aiohttp_server, "stranger-1")


@pytest.fixture
async def pdp(partner: SignerIssuer, routes_dir: Path, tmp_path: Path) -> AsyncIterator[str]:
    file = tmp_path / "rooms.yaml"
    file.write_text(POLICIES.format(issuer=partner.url))
    async with running_gateway(routes_dir, heap=[pdp_object(file)], state=str(tmp_path / "s")) as gateway:
        yield pdp_url(gateway)


def _claims(issuer: SignerIssuer) -> dict[str, Any]:
    now = int(time.time())
    return {"iss": issuer.url, "aud": "rooms", "role": "manager", "sub": "x", "exp": now + 300, "iat": now}


def _manager(issuer: SignerIssuer, **claims: Any) -> str:
    return issuer.access_token(sub="ext-42", aud="rooms", role="manager", **claims)


async def _ask(http: aiohttp.ClientSession, pdp: str, token: str, action: str = "enter") -> dict[str, Any]:
    body = {"subject": {"type": "jwt", "id": token}, "action": {"name": action},
            "resource": {"type": "meeting-room", "id": "meeting-room-1"}}  # fmt: skip
    headers = {"Authorization": f"Bearer {PDP_TOKEN}"}
    async with http.post(f"{pdp}/access/v1/evaluation", json=body, headers=headers) as response:
        assert response.status == 200
        answer: dict[str, Any] = await response.json()
        return answer


async def test_a_verified_jwt_with_the_right_claims_is_permitted(
    pdp: str, partner: SignerIssuer, http: aiohttp.ClientSession
) -> None:
    token = _manager(partner)
    assert (await _ask(http, pdp, token))["decision"] is True
    assert (await _ask(http, pdp, token, "order-food"))["decision"] is True
    denied = await _ask(http, pdp, token, "use-whiteboard")
    assert denied["decision"] is False and "external-managers" in denied["context"]["reason_admin"]["en"]


async def test_a_verified_jwt_with_other_claims_is_denied_without_a_jwt_advice(
    pdp: str, partner: SignerIssuer, http: aiohttp.ClientSession
) -> None:
    answer = await _ask(http, pdp, partner.access_token(sub="ext-7", aud="rooms", role="staff"))
    assert answer["decision"] is False
    assert "jwt" not in answer.get("context", {}).get("advices", {})


def _variants(partner: SignerIssuer, stranger: SignerIssuer) -> dict[str, tuple[str, str]]:
    good = _manager(partner)
    return {
        "tampered": (tamper(good, role="manager", sub="someone-else"), "bad_signature"),
        "expired": (_manager(partner, exp=int(time.time()) - 600, iat=int(time.time()) - 900), "expired"),
        "alg none": (unsigned(_claims(partner), partner.key.kid), "alg_not_allowed"),
        "wrong issuer": (_manager(partner, iss=stranger.url), "bad_issuer"),
        "a stranger's token": (_manager(stranger), "unknown_kid"),
        "a stranger's key under the partner's kid": (
            sign(_claims(partner), stranger.key, kid="partner-1"),
            "bad_signature",
        ),
        "not a JWT": ("manager-please", "invalid_token"),
    }


VARIANTS = ["tampered", "expired", "alg none", "wrong issuer", "a stranger's token",
            "a stranger's key under the partner's kid", "not a JWT"]  # fmt: skip


@pytest.mark.parametrize("variant", VARIANTS)
async def test_an_unverifiable_jwt_is_denied_with_the_advice(
    pdp: str, partner: SignerIssuer, stranger: SignerIssuer, http: aiohttp.ClientSession, variant: str
) -> None:
    token, code = _variants(partner, stranger)[variant]
    answer = await _ask(http, pdp, token)
    assert answer["decision"] is False
    advice = answer["context"]["advices"]["jwt"]
    assert len(advice) == 1 and advice[0].startswith("partner: ") and code in advice[0]
