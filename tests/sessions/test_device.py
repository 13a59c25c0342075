"""Device sessions: an opaque bearer token, stored only as its hash, revocable like the others."""

from __future__ import annotations

from pathlib import Path

from gateway.sessions import SessionManager, Tokens
from gateway.sessions.records import digest
from tests.sessions.conftest import make_settings, mint, sqlite_worker
from tests.support.polling import eventually


async def test_a_device_token_finds_its_session_in_any_worker(state: Path) -> None:
    settings = make_settings(state)
    async with sqlite_worker(state, settings) as one, sqlite_worker(state, settings) as two:
        session = await mint(one, method="device")
        token = await one.issue_token(session)
        found = await two.from_token(token)
        assert found is not None and found.id == session.id and found.method == "device"
        assert found.identity().method == "device" and found.identity().session_id == session.id
        assert await two.from_token(token + "x") is None
        assert await two.from_token("") is None


async def test_the_store_keeps_the_token_hash_never_the_token(manager: SessionManager, state: Path) -> None:
    token = await manager.issue_token(await mint(manager, method="device"))
    assert await manager.store.get(f"sessions:device:{digest(token)}") is not None
    stored = b"".join(p.read_bytes() for p in state.iterdir() if p.name.startswith("gateway.db"))
    assert token.encode() not in stored


async def test_a_revoked_device_token_is_refused_by_a_worker_that_cached_it(state: Path) -> None:
    settings = make_settings(state)
    async with sqlite_worker(state, settings) as one, sqlite_worker(state, settings) as two:
        session = await mint(one, method="device")
        token = await one.issue_token(session)
        assert await two.from_token(token) is not None  # now in two's cache
        assert await one.end(session.id, reason="admin_revoked", initiator="admin")

        async def refused() -> bool:
            return await two.from_token(token) is None

        await eventually(refused, "the other worker to refuse the token")
        assert await one.store.get(f"sessions:device:{digest(token)}") is None


async def test_new_tokens_of_a_device_session_are_seen_by_other_workers(state: Path) -> None:
    settings = make_settings(state)
    async with sqlite_worker(state, settings) as one, sqlite_worker(state, settings) as two:
        session = await mint(one, method="device")
        token = await one.issue_token(session)
        await one.update_tokens(session, Tokens("access-2", "refresh-2", None, None))
        found = await two.from_token(token)
        assert found is not None and found.tokens.access_token == "access-2"


async def test_an_idle_device_session_ends(state: Path) -> None:
    async with sqlite_worker(state, make_settings(state, idleTimeout="1 s")) as manager:
        token = await manager.issue_token(await mint(manager, method="device"))
        assert await manager.from_token(token) is not None

        async def refused() -> bool:
            return await manager.from_token(token) is None

        await eventually(refused, "the idle timeout")
