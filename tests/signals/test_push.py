"""Push delivery (RFC 8935): one SET per session end, verified independently, delivered in order
and never lost; refused SETs are not retried, failing receivers are, with backoff."""

from __future__ import annotations

import asyncio
from pathlib import Path

import aiohttp
import pytest
from joserfc import jwe
from joserfc.jwk import RSAKey

from gateway.oauth.ssf import POLL, PUSH
from tests.signals.conftest import (
    AUDIENCE,
    IDP,
    ISSUER,
    PUSH_AUTH,
    SECRET,
    jwks,
    login,
    manager_of,
    signals_config,
    signals_of,
)  # fmt: skip
from tests.support.gateway import GatewayHandle, running_gateway
from tests.support.set_receiver import SetReceiver, running_set_receiver
from tests.support.sets import SESSION_REVOKED, check_set
from tests.support.sets import unverified_claims as _claims


async def test_the_metadata_document_names_every_endpoint(http: aiohttp.ClientSession, gateway: GatewayHandle) -> None:
    async with http.get(f"{gateway.url}/.well-known/ssf-configuration") as response:
        assert response.status == 200
        doc = await response.json()
    assert doc == {
        "spec_version": "1_0",
        "issuer": ISSUER,
        "jwks_uri": f"{ISSUER}/ssf/jwks",
        "delivery_methods_supported": [PUSH, POLL],
        "configuration_endpoint": f"{ISSUER}/ssf/streams",
        "status_endpoint": f"{ISSUER}/ssf/status",
        "verification_endpoint": f"{ISSUER}/ssf/verify",
        "authorization_schemes": [{"spec_urn": "urn:ietf:rfc:6749"}],
    }
    assert all(value != [] for value in doc.values())


async def test_a_logout_pushes_one_signed_session_revoked_set(
    http: aiohttp.ClientSession, gateway: GatewayHandle, receiver: SetReceiver
) -> None:
    session = await login(gateway)
    assert await manager_of(gateway).end_session(session, reason="logout", initiator="user")
    [token] = await receiver.wait_for(1)
    claims = check_set(token, await jwks(http, gateway), ISSUER, AUDIENCE)
    assert claims["sub_id"] == {
        "format": "complex",
        "user": {"format": "iss_sub", "iss": IDP, "sub": "alice"},
        "session": {"format": "opaque", "id": "idp-sid-1"},
    }
    event = claims["events"][SESSION_REVOKED]
    assert event["initiating_entity"] == "user" and event["reason_admin"]["en"]
    headers = receiver.got[0].headers
    assert headers["Content-Type"] == "application/secevent+jwt"
    assert headers["Accept"] == "application/json"
    assert headers["Authorization"] == PUSH_AUTH


@pytest.mark.parametrize(
    ("reason", "initiator"),
    [("admin_revoked", "admin"), ("backchannel_logout", "system"), ("expired", "system"),
     ("refresh_failed", "system"), ("admin_revoked", "policy")],
)  # fmt: skip
async def test_each_session_end_emits_exactly_one_set_with_its_initiating_entity(
    http: aiohttp.ClientSession, gateway: GatewayHandle, receiver: SetReceiver, reason: str, initiator: str
) -> None:
    manager = manager_of(gateway)
    session = await login(gateway)
    assert await manager.end(session.id, reason=reason, initiator=initiator)
    assert not await manager.end(session.id, reason=reason, initiator=initiator)
    [token] = await receiver.wait_for(1)
    await asyncio.sleep(0.3)
    assert len(receiver.accepted) == 1
    claims = check_set(token, await jwks(http, gateway), ISSUER, AUDIENCE)
    assert claims["events"][SESSION_REVOKED]["initiating_entity"] == initiator


async def test_a_session_ended_by_a_signal_is_not_transmitted_again(
    gateway: GatewayHandle, receiver: SetReceiver
) -> None:
    manager = manager_of(gateway)
    first, second = await login(gateway, "alice"), await login(gateway, "bob", sid=None)
    await manager.end(first.id, reason="signal", initiator="system")
    await manager.end(second.id, reason="logout", initiator="user")
    await receiver.wait_for(1)
    await asyncio.sleep(0.3)
    assert len(receiver.accepted) == 1


async def test_a_receiver_that_was_down_gets_every_set_in_order(gateway: GatewayHandle, receiver: SetReceiver) -> None:
    receiver.down = True
    manager = manager_of(gateway)
    ended = []
    for n in range(10):
        session = await login(gateway, f"user{n}")
        await manager.end_session(session, reason="logout", initiator="user")
        ended.append(f"user{n}")
    await asyncio.sleep(1.0)
    assert len(receiver.got) >= 2 and not receiver.accepted  # retried while down
    receiver.down = False
    tokens = await receiver.wait_for(10, timeout=15)
    subjects = [_claims(t)["sub_id"]["user"]["sub"] for t in tokens]
    assert subjects == ended


async def test_a_400_is_parked_without_retry_and_the_next_set_goes_on(
    gateway: GatewayHandle, receiver: SetReceiver
) -> None:
    receiver.answers.append((400, {"err": "invalid_audience", "description": "not us"}, {}))
    manager = manager_of(gateway)
    for name in ("alice", "bob"):
        await manager.end_session(await login(gateway, name), reason="logout", initiator="user")
    [token] = await receiver.wait_for(1)
    await asyncio.sleep(0.3)
    assert len(receiver.got) == 2  # the refused one was not sent again
    assert _claims(token)["sub_id"]["user"]["sub"] == "bob"
    failed = await signals_of(gateway).failures.list("push-b")
    assert [(f["err"], f["description"]) for f in failed] == [("invalid_audience", "not us")]


async def test_5xx_and_429_are_retried_with_backoff_honouring_retry_after(
    gateway: GatewayHandle, receiver: SetReceiver
) -> None:
    receiver.answers += [(500, {}, {}), (503, {}, {}), (429, {}, {"Retry-After": "1"})]
    await manager_of(gateway).end_session(await login(gateway), reason="logout", initiator="user")
    await receiver.wait_for(1, timeout=10)
    gaps = [b.at - a.at for a, b in zip(receiver.got, receiver.got[1:], strict=False)]
    assert len(receiver.got) == 4
    assert gaps[-1] >= 0.9  # Retry-After: 1 is honoured, not the shorter backoff


async def test_a_session_end_returns_before_a_slow_receiver_answers(
    gateway: GatewayHandle, receiver: SetReceiver
) -> None:
    receiver.delay = 2.0
    session = await login(gateway)
    await manager_of(gateway).end_session(session, reason="logout", initiator="user")
    assert not receiver.accepted
    await receiver.wait_for(1)


async def test_one_slow_receiver_never_delays_another(tmp_path: Path, routes_dir: Path) -> None:
    async with running_set_receiver() as slow, running_set_receiver() as quick:
        slow.down = True
        streams = [
            {"id": "slow", "endpoint": slow.url, "aud": "slow"},
            {"id": "quick", "endpoint": quick.url, "aud": "q"},
        ]
        config = signals_config(None, streams=streams)
        settings = {"state": str(tmp_path / "state"), "sessions": {"secret": SECRET}}
        async with running_gateway(routes_dir, signals=config, **settings) as gateway:
            manager = manager_of(gateway)
            for n in range(5):
                await manager.end_session(await login(gateway, f"user{n}"), reason="logout", initiator="user")
            assert len(await quick.wait_for(5)) == 5
            assert not slow.accepted


async def test_metrics_count_deliveries_by_result_and_the_admin_view_lists_failures(
    http: aiohttp.ClientSession, gateway: GatewayHandle, receiver: SetReceiver
) -> None:
    receiver.answers += [(500, {}, {}), (400, {"err": "invalid_audience", "description": "not us"}, {})]
    manager = manager_of(gateway)
    for name in ("alice", "bob"):
        await manager.end_session(await login(gateway, name), reason="logout", initiator="user")
    await receiver.wait_for(1)
    lines = (
        'gateway_signals_deliveries_total{result="retry",stream="push-b"} 1.0',
        'gateway_signals_deliveries_total{result="rejected",stream="push-b"} 1.0',
        'gateway_signals_deliveries_total{result="delivered",stream="push-b"} 1.0',
        'gateway_signals_delivery_lag_seconds_count{stream="push-b"} 1.0',
        'gateway_signals_outbox_depth{stream="push-b"}',
    )
    for _ in range(50):  # the signals process sends its metrics a few times a second
        async with http.get(f"{gateway.admin}/metrics") as response:
            text = await response.text()
        if all(line in text for line in lines):
            break
        await asyncio.sleep(0.1)
    for line in lines:
        assert line in text, line
    async with http.get(f"{gateway.admin}/admin/api/signals/failed") as response:
        failed = await response.json()
    assert [(f["err"], f["description"]) for f in failed["push-b"]] == [("invalid_audience", "not us")]
    assert failed["poll-b"] == []


async def test_a_stream_with_a_receiver_key_gets_encrypted_sets(
    http: aiohttp.ClientSession, tmp_path: Path, routes_dir: Path, receiver: SetReceiver
) -> None:
    key = RSAKey.generate_key(2048)
    public = {"keys": [{**key.as_dict(private=False), "use": "enc"}]}
    streams = [{"id": "sealed", "endpoint": receiver.url, "aud": AUDIENCE, "audJwks": public}]
    settings = {"state": str(tmp_path / "state"), "sessions": {"secret": SECRET}}
    async with running_gateway(routes_dir, signals=signals_config(None, streams=streams), **settings) as gateway:
        await manager_of(gateway).end_session(await login(gateway), reason="logout", initiator="user")
        [token] = await receiver.wait_for(1)
        published = await jwks(http, gateway)
    assert token.count(".") == 4
    inner = jwe.decrypt_compact(token, key, algorithms=["RSA-OAEP-256", "A256GCM"]).plaintext
    check_set((inner or b"").decode(), published, ISSUER, AUDIENCE)
