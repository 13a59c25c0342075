"""Expiry and idle timeout: the session ends once, with the right reason, whoever notices first."""

from __future__ import annotations

import asyncio
from pathlib import Path

from gateway.sessions import SessionManager
from tests.sessions.conftest import Recorder, make_settings, mint, open_manager, request_with, sqlite_worker
from tests.support.polling import eventually


async def alive(manager: SessionManager, cookies: list[tuple[str, str, dict[str, object]]]) -> bool:
    return await manager.from_request(request_with(cookies)) is not None


async def test_a_session_past_its_lifetime_ends_once_though_two_workers_notice(state: Path) -> None:
    settings = make_settings(state, maxLifetime="1 s")
    async with sqlite_worker(state, settings) as one, sqlite_worker(state, settings) as two:
        seen = [Recorder(one.events), Recorder(two.events)]
        cookies = one.cookies_for(await mint(one), secure=False)
        assert await alive(one, cookies) and await alive(two, cookies)

        async def both_refuse() -> bool:
            checks = [alive(worker, cookies) for worker in (one, two) for _ in range(5)]
            return not any(await asyncio.gather(*checks))

        await eventually(both_refuse, "the session to expire")
        assert not any(await asyncio.gather(*(alive(w, cookies) for w in (one, two))))
    ended = seen[0].events + seen[1].events
    assert [(e.reason, e.initiator, e.subject, e.email) for e in ended] == [
        ("expired", "system", "alice", "alice@example.com")
    ]


async def test_an_unused_session_ends_with_idle_timeout_and_stays_ended(state: Path) -> None:
    settings = make_settings(state, idleTimeout="1 s")
    async with sqlite_worker(state, settings) as manager:
        seen = Recorder(manager.events)
        session = await mint(manager)
        cookies = manager.cookies_for(session, secure=False)
        assert await alive(manager, cookies)

        async def refused() -> bool:
            return not await alive(manager, cookies)

        await eventually(refused, "the idle timeout")
        assert seen.reasons() == ["idle_timeout"]
        assert manager.is_revoked(session)  # a copy of the cookie touched elsewhere is refused too


async def test_activity_keeps_a_session_past_its_first_idle_window(state: Path) -> None:
    now = [1_000_000.0]
    settings = make_settings(state, idleTimeout="10 s")
    async with (
        sqlite_worker(state, settings) as owner,
        open_manager(owner.store, settings, clock=lambda: now[0]) as manager,
    ):
        seen = Recorder(manager.events)
        session = await mint(manager)
        cookies = manager.cookies_for(session, secure=False)
        for _ in range(5):  # 40 s of use, every 8 s, with idle timeout 10 s
            now[0] += 8
            current = await manager.from_request(request_with(cookies))
            assert current is not None
            assert await manager.touch(current)
            cookies = manager.cookies_for(current, secure=False)
        now[0] += 11
        assert await manager.from_request(request_with(cookies)) is None
        assert seen.reasons() == ["idle_timeout"]


async def test_touch_writes_rarely(state: Path) -> None:
    async with sqlite_worker(state, make_settings(state)) as manager:
        session = await mint(manager)
        assert not await manager.touch(session)  # just created: last_seen is fresh
        session.last_seen -= 2 * manager.touch_interval
        assert await manager.touch(session)
        assert not await manager.touch(session)


async def test_an_ended_session_presented_again_later_is_not_reported_again(state: Path) -> None:
    now = [1_000_000.0]
    settings = make_settings(state, idleTimeout="10 s", maxLifetime="1 minute")
    clock = lambda: now[0]  # noqa: E731
    async with (
        sqlite_worker(state, settings) as owner,
        open_manager(owner.store, settings, clock=clock) as one,
        open_manager(owner.store, settings, clock=clock) as two,
    ):
        seen = [Recorder(one.events), Recorder(two.events)]
        cookies = one.cookies_for(await mint(one), secure=False)
        for step in (11, 60, 60, 3600):  # idle, then expired, then long expired
            now[0] += step
            assert await one.from_request(request_with(cookies)) is None
            assert await two.from_request(request_with(cookies)) is None
    assert [e.reason for r in seen for e in r.events] == ["idle_timeout"]
