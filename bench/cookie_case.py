"""What the profiler's `cookie` case needs besides its route: the provider of `bearer_case` and real
session cookies for the gateway about to start.

The sessions are made by the gateway's own code, as its login callback makes them
(`SessionManager.create`, then `cookies_for`), with the key and the store of the gateway's state
folder, before the gateway starts: each is recorded in the store and sealed with the gateway's
cookie key, exactly what a login leaves, without a provider round trip per session. Their tokens
are signed JWTs of a login's usual size (never verified on this path), so the cookies are as long as a login's."""

from __future__ import annotations

import asyncio
import secrets
import time
from pathlib import Path
from typing import Any

from joserfc import jwt
from joserfc.jwk import RSAKey

from gateway.sessions.events import EventBus
from gateway.sessions.keys import session_key
from gateway.sessions.manager import SessionManager
from gateway.sessions.model import Tokens
from gateway.settings import load_settings
from gateway.stores import StoreSpec, open_store

USER = "bench-user"
TOKEN_TTL = 7200


def mint(state: Path, issuer: str, count: int, age: float = 0.0) -> list[str]:
    """`count` sessions of the gateway whose state folder is `state`, logged in `age` seconds ago; their
    Cookie header values."""
    return asyncio.run(_mint(state, issuer, count, age))


async def _mint(state: Path, issuer: str, count: int, age: float) -> list[str]:
    state.mkdir(parents=True, exist_ok=True)
    settings = load_settings(None, {"state": str(state)})
    store = open_store(StoreSpec.from_config({"embedded": {"path": str(state / "gateway.db")}}))
    key = RSAKey.generate_key(2048, {"kid": "bench", "use": "sig"})
    try:
        manager = SessionManager(store, settings, EventBus(), session_key(None, state), clock=lambda: time.time() - age)
        return [await _one(manager, key, issuer) for _ in range(count)]
    finally:
        await store.close()


async def _one(manager: SessionManager, key: RSAKey, issuer: str) -> str:
    now, sid = int(time.time()), secrets.token_urlsafe(16)
    claims: dict[str, Any] = {"sub": USER, "sid": sid, "email": f"{USER}@example.org", "auth_time": now}
    tokens = Tokens(
        _jwt(key, {"iss": issuer, "aud": "urn:bench:api", "client_id": "bench", "scope": "openid api:read"}, now),
        secrets.token_urlsafe(32),
        _jwt(key, {"iss": issuer, "aud": "bench", **claims, "nonce": secrets.token_urlsafe(16)}, now),
        now + TOKEN_TTL,
    )
    session = await manager.create(
        subject=USER, issuer=issuer, provider="idp", method="browser", claims=claims, tokens=tokens
    )
    cookies = manager.cookies_for(session, secure=False)
    return "; ".join(f"{name}={value}" for name, value, attrs in cookies if attrs["max_age"])


def _jwt(key: RSAKey, claims: dict[str, Any], now: int) -> str:
    claims = {"sub": USER, "iat": now, "exp": now + TOKEN_TTL, "jti": secrets.token_urlsafe(16), **claims}
    return jwt.encode({"alg": "RS256", "typ": "JWT", "kid": "bench"}, claims, key)
