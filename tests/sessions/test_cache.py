"""The decrypted-cookie cache: exact values only, bounded (least recently used first), and never
trusted past a revocation, an expiry or an idle timeout."""

from __future__ import annotations

from pathlib import Path

from gateway.sessions import EventBus, SessionManager
from gateway.sessions.cache import Bounded
from gateway.sessions.keys import session_key
from gateway.settings import Settings
from gateway.stores import SqliteStore
from tests.sessions.conftest import ISSUER, make_settings, mint, request_with, sqlite_worker
from tests.support.polling import eventually


def test_the_cache_drops_the_least_recently_used_entry_past_its_limit() -> None:
    cache: Bounded[str, int] = Bounded(3)
    for key, value in (("a", 1), ("b", 2), ("c", 3)):
        cache.put(key, value)
    assert cache.get("a") == 1  # read: now the most recent
    cache.put("d", 4)
    assert (cache.get("a"), cache.get("b"), cache.get("c"), cache.get("d")) == (1, None, 3, 4)
    assert len(cache) == 3


async def test_a_cached_session_is_refused_at_once_when_it_ends(manager: SessionManager) -> None:
    session = await mint(manager)
    cookies = manager.cookies_for(session, secure=False)
    assert await manager.from_request(request_with(cookies)) is not None
    assert manager.cached == 1
    assert await manager.end(session.id, reason="logout", initiator="user")
    assert await manager.from_request(request_with(cookies)) is None


async def test_a_session_cached_by_one_worker_is_refused_when_another_revokes_its_subject(state: Path) -> None:
    settings = make_settings(state)
    async with sqlite_worker(state, settings) as one, sqlite_worker(state, settings) as two:
        cookies = one.cookies_for(await mint(one), secure=False)
        assert await one.from_request(request_with(cookies)) is not None  # now cached by `one`
        await two.end_subject("alice", ISSUER, reason="signal", initiator="policy")

        async def refused() -> bool:
            return await one.from_request(request_with(cookies)) is None

        await eventually(refused, "the worker holding the session to refuse it")


async def test_a_cookie_one_character_off_a_cached_one_is_refused(manager: SessionManager) -> None:
    cookies = manager.cookies_for(await mint(manager), secure=False)
    name, value, attrs = cookies[0]
    assert await manager.from_request(request_with(cookies)) is not None
    middle = len(value) // 2
    altered = value[:middle] + ("A" if value[middle] != "A" else "B") + value[middle + 1 :]
    assert await manager.from_request(request_with([(name, altered, attrs)])) is None


async def test_the_cache_of_decrypted_cookies_is_bounded(state: Path, settings: Settings) -> None:
    store = SqliteStore(state / "gateway.db", poll_interval=0.05)
    key = session_key(settings.sessions.secret, settings.state)
    manager = SessionManager(store, settings, EventBus(), key, cache_size=4)
    await manager.start()
    try:
        sessions = [await mint(manager, f"user{i}") for i in range(6)]
        cookies = [manager.cookies_for(session, secure=False) for session in sessions]
        for each in cookies:
            assert await manager.from_request(request_with(each)) is not None
        assert manager.cached == 4
        # One dropped from the cache is decrypted again, not refused.
        assert await manager.from_request(request_with(cookies[0])) is not None
    finally:
        await manager.stop()
        await store.close()
