"""The sweeper in real gateway processes: sessions left idle end once each, with one report, though
every worker of every instance sweeps (two workers on the embedded store; two instances of two
workers on one Redis). Each report is the "session ... ended" line logged as the event is published."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

from gateway.sessions import SessionManager
from gateway.stores import RedisStore, SqliteStore
from tests.sessions.conftest import SECRET, make_settings, mint, open_manager
from tests.support.polling import eventually
from tests.support.process import GatewayProcess
from tests.support.redis_server import RedisServer

pytestmark = pytest.mark.slow

SESSIONS = {"secret": SECRET, "idleTimeout": "1 s", "sweepInterval": "200 ms"}


def reports(instances: list[GatewayProcess], sids: list[str]) -> dict[str, list[str]]:
    """The end reports of each session id in the instances' logs (reason and initiator)."""
    found: dict[str, list[str]] = {sid: [] for sid in sids}
    for instance in instances:
        for line in instance.log.read_text().splitlines():
            try:
                message = str(json.loads(line).get("msg", ""))
            except ValueError:
                continue
            for sid in sids:
                if message.startswith(f"session {sid} of ") and " ended: " in message:
                    found[sid].append(message.partition(" ended: ")[2])
    return found


@asynccontextmanager
async def minter(kind: str, tmp_path: Path, redis: RedisServer | None) -> AsyncIterator[SessionManager]:
    """A manager over the instances' store, to create sessions as a login would."""
    if redis is None:
        store: Any = SqliteStore(tmp_path / "state" / "gateway.db")
    else:
        store = RedisStore(redis.url, timeout=5.0)
    try:
        async with open_manager(store, make_settings(tmp_path / "minter", **SESSIONS)) as manager:
            yield manager
    finally:
        await store.close()


@pytest.mark.parametrize("kind", ["embedded", "redis"])
async def test_idle_sessions_nobody_presents_are_reported_once_each_by_all_workers_together(
    kind: str, tmp_path: Path, routes_dir: Path
) -> None:
    async with AsyncExitStack() as stack:
        redis = stack.enter_context(RedisServer()) if kind == "redis" else None
        config: dict[str, Any] = {"sessions": SESSIONS, "state": str(tmp_path / "state")}
        if redis is not None:
            config["store"] = {"redis": {"url": redis.url}}
        instances = []
        for name in ("a", "b") if redis is not None else ("a",):
            (tmp_path / name).mkdir()
            instance = GatewayProcess(routes_dir, config=config, workers=2, workdir=tmp_path / name)
            stack.callback(instance.stop)
            instances.append(instance.start())
        async with minter(kind, tmp_path, redis) as manager:
            sids = [(await mint(manager, f"user-{i}")).id for i in range(6)]

            async def all_reported() -> bool:
                return all(reports(instances, sids).values())

            await eventually(all_reported, "every idle session to be reported")
        for instance in instances:
            instance.stop()  # a sweep still under way finishes or is dropped; its report would be logged by now
    assert reports(instances, sids) == {sid: ["idle_timeout by system"] for sid in sids}
