"""SessionEnded: one event per session end, with its reason and initiator, across processes."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any

import pytest

from gateway.sessions import EventBus, SessionExpired, SessionManager, Tokens
from tests.sessions.conftest import ISSUER, Recorder, make_settings, mint, sqlite_worker


async def test_the_bus_delivers_to_sync_and_async_subscribers_until_they_unsubscribe() -> None:
    bus, got = EventBus(), []

    async def slow(event: Any) -> None:
        await asyncio.sleep(0)
        got.append(("async", event))

    stop = bus.subscribe(lambda event: got.append(("sync", event)))
    bus.subscribe(slow)
    await bus.publish(1)
    stop()
    stop()  # twice is harmless
    await bus.publish(2)
    assert got == [("sync", 1), ("async", 1), ("async", 2)]


async def test_a_failing_subscriber_neither_stops_the_others_nor_the_publisher(
    caplog: pytest.LogCaptureFixture,
) -> None:
    bus, got = EventBus(), []

    def broken(event: Any) -> None:
        raise RuntimeError("subscriber bug")

    bus.subscribe(broken)
    bus.subscribe(got.append)
    with caplog.at_level(logging.ERROR, "gateway.events"):
        await bus.publish("ended")
    assert got == ["ended"]
    assert "subscriber bug" in caplog.text


@pytest.mark.parametrize(
    ("reason", "initiator"),
    [("logout", "user"), ("admin_revoked", "admin"), ("backchannel_logout", "system"), ("admin_revoked", "policy")],
)
async def test_ending_a_session_publishes_one_event_with_reason_and_initiator(
    manager: SessionManager, reason: str, initiator: str
) -> None:
    seen = Recorder(manager.events)
    session = await mint(manager)
    assert await manager.end(session.id, reason=reason, initiator=initiator)
    assert not await manager.end(session.id, reason=reason, initiator=initiator)
    assert not await manager.end_session(session, reason="logout", initiator="user")
    [event] = seen.events
    assert (event.session_id, event.subject, event.issuer, event.email) == (
        session.id, "alice", ISSUER, "alice@example.com",
    )  # fmt: skip
    assert (event.reason, event.initiator) == (reason, initiator)


async def test_backchannel_logout_by_provider_session_ends_only_that_login(manager: SessionManager) -> None:
    seen = Recorder(manager.events)
    laptop = await mint(manager, raw={"sid": "idp-session-1"})
    phone = await mint(manager, raw={"sid": "idp-session-2"})
    ended = await manager.end_subject(
        None, ISSUER, reason="backchannel_logout", initiator="system", sid="idp-session-1"
    )
    assert ended == 1
    assert [(e.session_id, e.reason) for e in seen.events] == [(laptop.id, "backchannel_logout")]
    assert manager.is_revoked(laptop) and not manager.is_revoked(phone)


async def test_a_failed_refresh_ends_the_session_with_one_event(manager: SessionManager) -> None:
    seen = Recorder(manager.events)
    session = await mint(manager)

    async def refresher(_: Any) -> Tokens:
        raise RuntimeError("invalid_grant")

    results = await asyncio.gather(
        *(manager.refresh_once(session, refresher) for _ in range(10)), return_exceptions=True
    )
    assert all(isinstance(r, SessionExpired) and r.status == 401 for r in results)
    assert [(e.reason, e.initiator) for e in seen.events] == [("refresh_failed", "system")]
    assert manager.is_revoked(session)


async def test_two_workers_ending_one_session_together_publish_one_event(state: Path) -> None:
    settings = make_settings(state)
    async with sqlite_worker(state, settings) as one, sqlite_worker(state, settings) as two:
        seen = [Recorder(one.events), Recorder(two.events)]
        session = await mint(one)
        ends = [w.end(session.id, reason="admin_revoked", initiator="admin") for w in (one, two) for _ in range(5)]
        assert sum(await asyncio.gather(*ends)) == 1
    assert len(seen[0].events) + len(seen[1].events) == 1


async def test_unknown_reasons_and_initiators_are_refused(manager: SessionManager) -> None:
    session = await mint(manager)
    with pytest.raises(ValueError, match="reason"):
        await manager.end(session.id, reason="bored", initiator="user")
    with pytest.raises(ValueError, match="initiator"):
        await manager.end(session.id, reason="logout", initiator="cat")


async def test_before_end_sees_each_ending_before_the_session_is_marked_ended(manager: SessionManager) -> None:
    seen: list[tuple[str, str | None, bool]] = []

    async def journal(event: Any, keep: float) -> None:
        seen.append((event.reason, event.provider_sid, await manager.records.is_ended(event.session_id)))

    manager.before_end = journal
    session = await mint(manager, raw={"sid": "idp-sid"})
    assert await manager.end_session(session, reason="logout", initiator="user")
    assert not await manager.end_session(session, reason="logout", initiator="user")
    # Called again for the repeated end (the session is then already marked): the hook must dedupe.
    assert seen == [("logout", "idp-sid", False), ("logout", "idp-sid", True)]
