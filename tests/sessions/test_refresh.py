"""Single-flight refresh: one provider call per session, however many requests race for it."""

from __future__ import annotations

import asyncio
from pathlib import Path

from gateway.sessions import Session, SessionManager, Tokens
from tests.sessions.conftest import make_settings, mint, sqlite_worker


class CountingRefresher:
    """A refresher that counts its calls and takes a moment, as a provider round trip does."""

    def __init__(self) -> None:
        self.calls = 0

    async def __call__(self, session: Session) -> Tokens:
        self.calls += 1
        await asyncio.sleep(0.1)
        return Tokens(f"access-{self.calls}", f"refresh-{self.calls}", session.tokens.id_token, None)


async def test_fifty_concurrent_refreshes_call_the_provider_once(manager: SessionManager) -> None:
    session, refresher = await mint(manager), CountingRefresher()
    results = await asyncio.gather(*(manager.refresh_once(session, refresher) for _ in range(50)))
    assert refresher.calls == 1
    assert {r.tokens.access_token for r in results} == {"access-1"}
    assert {r.id for r in results} == {session.id}


async def test_two_workers_refreshing_one_session_call_the_provider_once(state: Path) -> None:
    settings = make_settings(state)
    async with sqlite_worker(state, settings) as one, sqlite_worker(state, settings) as two:
        session, refresher = await mint(one), CountingRefresher()
        calls = [w.refresh_once(session, refresher) for w in (one, two) for _ in range(25)]
        results = await asyncio.gather(*calls)
    assert refresher.calls == 1
    assert {r.tokens.refresh_token for r in results} == {"refresh-1"}


async def test_a_request_with_the_old_tokens_adopts_the_refreshed_ones(manager: SessionManager) -> None:
    stale, refresher = await mint(manager), CountingRefresher()
    fresh = await manager.refresh_once(stale, refresher)
    again = await manager.refresh_once(stale, refresher)  # e.g. a request that still had the old cookie
    assert refresher.calls == 1
    assert again.tokens == fresh.tokens
    newer = await manager.refresh_once(fresh, refresher)  # the next refresh, from the new tokens
    assert refresher.calls == 2 and newer.tokens.access_token == "access-2"
