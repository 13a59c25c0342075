"""Sessions under test: managers over real stores, sessions minted as a login would, and a route
that admits only a live session cookie."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import make_mocked_request

from gateway.sessions import EventBus, Session, SessionEnded, SessionManager, Tokens
from gateway.sessions.cookies import Cookie
from gateway.sessions.keys import session_key
from gateway.settings import Settings
from gateway.stores import SqliteStore
from tests.support.gateway import GatewayHandle
from tests.support.redis_server import redis_server

__all__ = ["redis_server"]

SECRET = "test-only session secret, 32+ characters long"
ISSUER = "https://idp.example.com"


def make_settings(state: Path, **sessions: Any) -> Settings:
    """Settings with the session section given (a fixed secret unless `secret=None`)."""
    return Settings.model_validate({"state": str(state), "sessions": {"secret": SECRET, **sessions}})


class Recorder:
    """Collects the SessionEnded events of one bus."""

    def __init__(self, bus: EventBus) -> None:
        self.events: list[SessionEnded] = []
        bus.subscribe(self.events.append)

    def reasons(self) -> list[str]:
        """The reasons, in order."""
        return [e.reason for e in self.events]


@asynccontextmanager
async def open_manager(
    store: Any, settings: Settings, *, clock: Callable[[], float] = time.time
) -> AsyncIterator[SessionManager]:
    """A started manager over `store`, as one worker process has."""
    key = session_key(settings.sessions.secret, settings.state)
    manager = SessionManager(store, settings, EventBus(), key, clock=clock)
    await manager.start()
    try:
        yield manager
    finally:
        await manager.stop()


@asynccontextmanager
async def sqlite_worker(state: Path, settings: Settings) -> AsyncIterator[SessionManager]:
    """A manager over its own connection to the embedded store in `state`, like one worker."""
    store = SqliteStore(state / "gateway.db", poll_interval=0.05)
    try:
        async with open_manager(store, settings) as manager:
            yield manager
    finally:
        await store.close()


@pytest.fixture
def state(tmp_path: Path) -> Path:
    """The state folder (embedded store, key file)."""
    return tmp_path / "state"


@pytest.fixture
def settings(state: Path) -> Settings:
    """Default session settings with a fixed secret."""
    return make_settings(state)


@pytest.fixture
async def manager(state: Path, settings: Settings) -> AsyncIterator[SessionManager]:
    """One worker's manager over the embedded store."""
    async with sqlite_worker(state, settings) as one:
        yield one


async def mint(manager: SessionManager, subject: str = "alice", *, method: str = "browser", **claims: Any) -> Session:
    """A session as a login would create it."""
    tokens = Tokens(f"access-{subject}", f"refresh-{subject}", f"id-{subject}", time.time() + 300)
    claims = {"email": f"{subject}@example.com", **claims}
    return await manager.create(
        subject=subject, issuer=ISSUER, provider="corp", method=method, claims=claims, tokens=tokens
    )


def cookie_header(cookies: list[Cookie]) -> dict[str, str]:
    """The Cookie header a browser sends after receiving `cookies` (deletions dropped)."""
    kept = [f"{name}={value}" for name, value, attrs in cookies if attrs.get("max_age") != 0]
    return {"Cookie": "; ".join(kept)}


def request_with(cookies: list[Cookie], headers: dict[str, str] | None = None) -> web.Request:
    """A request carrying `cookies`, for the functions that read them."""
    return make_mocked_request("GET", "/private", headers={**cookie_header(cookies), **(headers or {})})


def manager_of(gw: GatewayHandle) -> SessionManager:
    """The running gateway's session manager."""
    manager = gw.runtime.services.sessions
    assert manager is not None
    return manager


def private_route(entity: str = "${identity.sub}") -> dict[str, Any]:
    """/private: a live session cookie required; answers `entity` and names the worker that served it."""
    worker = {
        "type": "HeaderFilter",
        "config": {"messageType": "RESPONSE", "add": {"X-Worker": "${env.GATEWAY_WORKER}"}},
    }
    return {
        "name": "private",
        "condition": "${startsWith(request.uri.path, '/private')}",
        "handler": {
            "type": "Chain",
            "config": {
                "filters": [worker, {"type": "SessionFilter"}],
                "handler": {"type": "StaticResponseHandler", "config": {"status": 200, "entity": entity}},
            },
        },
    }
