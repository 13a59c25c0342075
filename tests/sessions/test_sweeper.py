"""The sweeper: a session that reaches its idle timeout or maximum lifetime without being presented
again ends once, with one SessionEnded (initiator "system"), however many workers and instances
sweep at once, on the embedded store and on Redis."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from gateway.sessions import SessionEnded, SessionManager
from gateway.sessions.sweeper import SessionSweeper, deadline
from gateway.settings import Settings
from gateway.stores import RedisStore, SqliteStore
from tests.sessions.conftest import ISSUER, Recorder, make_settings, mint, open_manager, request_with
from tests.support.fixtures import Clock
from tests.support.gateway import running_gateway
from tests.support.polling import eventually

WORKERS = 3


@dataclass
class Worker:
    """One process's view: its manager, its sweeper and the events its bus delivered."""

    manager: SessionManager
    sweeper: SessionSweeper
    seen: Recorder


@pytest.fixture(params=["embedded", "redis"])
def kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@asynccontextmanager
async def workers(
    kind: str, state: Path, settings: Settings, clock: Callable[[], float], request: pytest.FixtureRequest
) -> AsyncIterator[list[Worker]]:
    """WORKERS managers over their own connections to one store, as separate processes have."""
    async with AsyncExitStack() as stack:
        url = request.getfixturevalue("redis_server").url if kind == "redis" else None
        found = []
        for _ in range(WORKERS):
            store = SqliteStore(state / "gateway.db", poll_interval=0.05) if url is None else RedisStore(url, timeout=5)
            stack.push_async_callback(store.close)
            manager = await stack.enter_async_context(open_manager(store, settings, clock=clock))
            found.append(Worker(manager, SessionSweeper(manager, interval=30), Recorder(manager.events)))
        yield found


TeamOf = Callable[..., AbstractAsyncContextManager[list[Worker]]]


@pytest.fixture
def team_of(kind: str, state: Path, request: pytest.FixtureRequest) -> TeamOf:
    """Opens the workers on the store `kind`, given their clock and the session settings."""
    return lambda clock, **sessions: workers(kind, state, make_settings(state, **sessions), clock, request)


def events(team: list[Worker]) -> list[SessionEnded]:
    return [event for worker in team for event in worker.seen.events]


async def sweep_together(team: list[Worker], rounds: int = 3) -> int:
    """Every worker sweeping at once, a few times over; how many sessions they ended in all."""
    total = 0
    for _ in range(rounds):
        total += sum(await asyncio.gather(*(w.sweeper.sweep() for w in team for _ in range(2))))
    return total


async def test_a_session_idle_and_never_presented_again_ends_once(team_of: TeamOf) -> None:
    clock = Clock(time.time())
    async with team_of(clock, idleTimeout="10 s") as team:
        session = await mint(team[0].manager)
        clock.now += 9.9
        assert await sweep_together(team) == 0
        clock.now += 0.1
        assert await sweep_together(team) == 1
        assert await sweep_together(team) == 0
        assert (
            await team[1].manager.from_request(request_with(team[0].manager.cookies_for(session, secure=False))) is None
        )
    [event] = events(team)
    assert (event.session_id, event.subject, event.issuer, event.email) == (
        session.id, "alice", ISSUER, "alice@example.com",
    )  # fmt: skip
    assert (event.reason, event.initiator) == ("idle_timeout", "system")


async def test_a_session_past_its_lifetime_ends_once_as_expired(team_of: TeamOf) -> None:
    clock = Clock(time.time())
    async with team_of(clock, idleTimeout="1 hour", maxLifetime="1 minute") as team:
        sessions = [await mint(team[i % WORKERS].manager, f"user-{i}") for i in range(7)]
        clock.now += 60
        assert await sweep_together(team) == 7
    ended = events(team)
    assert sorted(e.session_id for e in ended) == sorted(s.id for s in sessions)
    assert {(e.reason, e.initiator) for e in ended} == {("expired", "system")}


async def test_a_session_that_expired_while_nobody_swept_is_still_reported(team_of: TeamOf) -> None:
    async with team_of(time.time, maxLifetime="1 s") as team:
        session = await mint(team[0].manager)
        ended = 0

        async def swept() -> bool:
            nonlocal ended
            ended += await team[1].sweeper.sweep()
            return ended > 0

        await eventually(swept, "the sweeper to end the expired session")
    assert [(e.session_id, e.reason) for e in events(team)] == [(session.id, "expired")]


async def test_a_session_in_use_is_not_ended_and_ends_once_left_idle(team_of: TeamOf) -> None:
    clock = Clock(time.time())
    async with team_of(clock, idleTimeout="10 s") as team:
        session = await mint(team[0].manager)
        clock.now += 8
        current = await team[1].manager.from_request(request_with(team[0].manager.cookies_for(session, secure=False)))
        assert current is not None and await team[1].manager.touch(current)
        clock.now += 4  # past the first idle deadline, not past the one the use set
        assert await sweep_together(team) == 0
        clock.now += 6
        assert await sweep_together(team) == 1
    assert [(e.session_id, e.reason) for e in events(team)] == [(session.id, "idle_timeout")]


async def test_a_session_ended_before_its_deadline_is_not_reported_again(team_of: TeamOf) -> None:
    clock = Clock(time.time())
    async with team_of(clock, idleTimeout="10 s") as team:
        session = await mint(team[0].manager)
        assert await team[2].manager.end_session(session, reason="logout", initiator="user")
        clock.now += 3600
        assert await sweep_together(team) == 0
    assert [(e.reason, e.initiator) for e in events(team)] == [("logout", "user")]


async def test_sweepers_and_requests_noticing_together_report_once(team_of: TeamOf) -> None:
    clock = Clock(time.time())
    async with team_of(clock, idleTimeout="10 s") as team:
        minted = [await mint(team[0].manager, f"user-{i}") for i in range(5)]
        cookies = [team[0].manager.cookies_for(session, secure=False) for session in minted]
        clock.now += 10
        presented = [w.manager.from_request(request_with(c)) for w in team for c in cookies]
        results = await asyncio.gather(*presented, *(w.sweeper.sweep() for w in team))
        assert all(result is None for result in results[: len(presented)])
    ended = events(team)
    assert sorted(e.session_id for e in ended) == sorted(s.id for s in minted)
    assert {e.reason for e in ended} == {"idle_timeout"}


async def test_an_idle_session_ended_by_a_sweep_is_refused_everywhere(team_of: TeamOf) -> None:
    clock = Clock(time.time())
    async with team_of(clock, idleTimeout="10 s") as team:
        session = await mint(team[0].manager, method="device")
        token = await team[0].manager.issue_token(session)
        clock.now += 10
        assert await team[0].sweeper.sweep() == 1

        # Revoked, so that a copy fresher than the store knew (a touch that failed to save) is refused too.
        async def refused_everywhere() -> bool:
            return all(w.manager.is_revoked(session) for w in team)

        await eventually(refused_everywhere, "the revocation to reach every worker")
        assert await team[1].manager.from_token(token) is None


@pytest.mark.parametrize(
    ("summary", "due", "reason"),
    [
        ({"created": 0, "expires": 100, "last_seen": 50}, 60, "idle_timeout"),
        ({"created": 0, "expires": 100, "last_seen": 95}, 100, "expired"),
        ({"created": 0, "expires": 100, "last_seen": 90}, 100, "expired"),  # both at once: the lifetime
        ({"created": 0, "expires": 500, "last_seen": 150}, 160, "idle_timeout"),
        ({"created": 0, "expires": 500, "last_seen": 195}, 200, "expired"),  # maxLifetime shortened since
    ],
)
def test_the_deadline_is_the_first_of_idle_timeout_and_lifetime(
    summary: dict[str, float], due: float, reason: str
) -> None:
    assert deadline(summary, idle_timeout=10, max_lifetime=200) == (due, reason)


async def test_the_running_gateway_reports_an_unseen_idle_session_by_itself(routes_dir: Path, tmp_path: Path) -> None:
    sessions = {"secret": "s" * 32, "idleTimeout": "1 s", "sweepInterval": "100 ms"}
    async with running_gateway(routes_dir, state=str(tmp_path / "state"), sessions=sessions) as gateway:
        services = gateway.runtime.services
        ended: list[SessionEnded] = []
        services.events.subscribe(ended.append)
        session = await mint(services.sessions)

        async def reported() -> bool:
            return bool(ended)

        await eventually(reported, "the sweeper to end the idle session")
    assert [(e.session_id, e.reason, e.initiator) for e in ended] == [(session.id, "idle_timeout", "system")]


def test_the_sweep_interval_defaults_to_30_seconds() -> None:
    assert Settings().sessions.sweepInterval == 30.0
