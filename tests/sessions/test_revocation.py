"""Revocation: kept in the store, mirrored in every process, enforced without I/O."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from gateway.sessions import SessionManager
from gateway.stores import RedisStore
from tests.sessions.conftest import ISSUER, make_settings, mint, open_manager, request_with, sqlite_worker
from tests.support.polling import eventually
from tests.support.redis_server import RedisServer


async def test_a_revocation_reaches_another_worker(state: Path) -> None:
    settings = make_settings(state)
    async with sqlite_worker(state, settings) as one, sqlite_worker(state, settings) as two:
        session = await mint(one)
        cookies = one.cookies_for(session, secure=False)
        assert await two.from_request(request_with(cookies)) is not None
        assert await one.end(session.id, reason="admin_revoked", initiator="admin")

        async def refused() -> bool:
            return await two.from_request(request_with(cookies)) is None

        await eventually(refused, "the other worker to refuse the session")
        assert two.is_revoked(session)


async def test_revoking_a_subject_refuses_its_older_sessions_not_later_logins(state: Path) -> None:
    settings = make_settings(state)
    async with sqlite_worker(state, settings) as one, sqlite_worker(state, settings) as two:
        old = [await mint(one), await mint(two)]
        bystander = await mint(one, "bob")
        assert await two.end_subject("alice", ISSUER, reason="admin_revoked", initiator="admin") == 2
        later = await mint(one)

        async def all_seen() -> bool:
            return all(w.is_revoked(s) for w in (one, two) for s in old)

        await eventually(all_seen, "both workers to refuse alice's sessions")
        assert not any(w.is_revoked(s) for w in (one, two) for s in (bystander, later))


async def test_a_revocation_survives_a_restart(state: Path) -> None:
    settings = make_settings(state)
    async with sqlite_worker(state, settings) as before:
        revoked, kept, subject = await mint(before), await mint(before, "bob"), await mint(before, "carol")
        await before.end(revoked.id, reason="admin_revoked", initiator="admin")
        await before.end_subject("carol", ISSUER, reason="admin_revoked", initiator="admin")
    async with sqlite_worker(state, settings) as after:
        assert after.is_revoked(revoked) and after.is_revoked(subject)
        assert not after.is_revoked(kept)


async def test_a_revocation_is_shared_by_instances_on_one_redis(state: Path, redis_server: RedisServer) -> None:
    settings = make_settings(state)
    stores = [RedisStore(redis_server.url, timeout=5.0) for _ in range(3)]
    try:
        async with open_manager(stores[0], settings) as one, open_manager(stores[1], settings) as two:
            session, other = await mint(one), await mint(one, "bob")
            await two.end(session.id, reason="admin_revoked", initiator="admin")
            await two.end_subject("bob", ISSUER, reason="admin_revoked", initiator="admin")

            async def seen() -> bool:
                return one.is_revoked(session) and one.is_revoked(other)

            await eventually(seen, "the other instance to learn the revocations")
        async with open_manager(stores[2], settings) as third:  # an instance started later
            assert third.is_revoked(session) and third.is_revoked(other)
    finally:
        await asyncio.gather(*(store.close() for store in stores))


async def test_a_lost_message_is_made_up_by_rereading_the_list(state: Path) -> None:
    settings = make_settings(state)
    async with sqlite_worker(state, settings) as one, sqlite_worker(state, settings) as two:
        await two.revocations.stop()  # deaf: as if its subscription had dropped
        session = await mint(one)
        await one.end(session.id, reason="admin_revoked", initiator="admin")
        assert not two.is_revoked(session)
        await two.revocations.reload()
        assert two.is_revoked(session)


async def test_listing_a_subject_shows_live_sessions_without_tokens(manager: SessionManager) -> None:
    first, second = await mint(manager), await mint(manager, method="device")
    await manager.issue_token(second)
    await mint(manager, "bob")
    listed = await manager.list_subject("alice", ISSUER)
    assert {s["sid"] for s in listed} == {first.id, second.id}
    assert {s["method"] for s in listed} == {"browser", "device"}
    assert all(s["email"] == "alice@example.com" and s["expires"] > s["created"] for s in listed)
    text = json.dumps(listed)
    assert "access-alice" not in text and "refresh-alice" not in text and "handle" not in text
    await manager.end(first.id, reason="logout", initiator="user")
    assert [s["sid"] for s in await manager.list_subject("alice", ISSUER)] == [second.id]
