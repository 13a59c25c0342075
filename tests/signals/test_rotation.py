"""Signing key rotation: the next key is published, then signs while the previous one stays
published, then the previous one is retired; a real receiving gateway verifies every SET throughout."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from gateway.sessions import Session
from tests.signals.conftest import ISSUER, SECRET, jwks, login, manager_of
from tests.support.gateway import GatewayHandle, running_gateway
from tests.support.process import free_port

pytestmark = pytest.mark.slow
RECEIVER = "https://gw-b.example.com"


def _pem_file(path: Path) -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    path.write_bytes(pem)
    return str(path)


@pytest.fixture
async def receiver(tmp_path: Path, routes_dir: Path) -> AsyncIterator[tuple[GatewayHandle, int]]:
    """Gateway B, trusting A (at a port chosen now) through A's published JWKS URL."""
    port = free_port()
    signals = {
        "enabled": True, "issuer": RECEIVER, "publish": False,
        "receiver": {"issuers": [{"iss": ISSUER, "jwksUrl": f"http://127.0.0.1:{port}/ssf/jwks"}]},
    }  # fmt: skip
    settings = {"state": str(tmp_path / "b"), "sessions": {"secret": SECRET}}
    async with running_gateway(routes_dir, signals=signals, **settings) as handle:
        yield handle, port


@asynccontextmanager
async def transmitter(
    tmp_path: Path, routes_dir: Path, port: int, b: GatewayHandle, signing: str, published: list[str]
) -> AsyncIterator[GatewayHandle]:
    """Gateway A on `port`, signing with `signing` and publishing `published` beside it, pushing to B."""
    signals: dict[str, Any] = {
        "enabled": True, "issuer": ISSUER, "pemPath": signing, "publishedKeys": published,
        "streams": [{"id": "to-b", "endpoint": f"{b.url}/ssf/events", "aud": RECEIVER}], "backoff": "50 ms",
    }  # fmt: skip
    settings = {"state": str(tmp_path / "a"), "sessions": {"secret": SECRET}, "listen": f"127.0.0.1:{port}"}
    async with running_gateway(routes_dir, signals=signals, **settings) as handle:
        yield handle


async def _ended_at_b(a: GatewayHandle, b: GatewayHandle, subject: str) -> None:
    """A session of `subject` at both; ended at A, it ends at B through a verified SET."""
    at_b: Session = await login(b, subject, sid=f"sid-{subject}")
    await manager_of(a).end_session(await login(a, subject, sid=f"sid-{subject}"), reason="logout", initiator="user")
    for _ in range(200):
        if manager_of(b).is_revoked(at_b):
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"B did not end {subject}'s session")


async def test_receivers_keep_verifying_across_a_key_rotation(
    tmp_path: Path, routes_dir: Path, receiver: tuple[GatewayHandle, int]
) -> None:
    b, port = receiver
    old, new = _pem_file(tmp_path / "old.pem"), _pem_file(tmp_path / "new.pem")
    stages = [(old, [new]), (new, [old]), (new, [])]  # publish the next key, switch, retire the old one
    kids = []
    async with aiohttp.ClientSession() as http:
        for n, (signing, published) in enumerate(stages):
            async with transmitter(tmp_path, routes_dir, port, b, signing, published) as a:
                kids.append([key["kid"] for key in (await jwks(http, a))["keys"]])
                await _ended_at_b(a, b, f"user{n}")
    assert len(kids[0]) == 2 and kids[1] == kids[0][::-1] and kids[2] == kids[1][:1]
